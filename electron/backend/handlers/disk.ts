// Handlers for the disk part of the contract. (Filled in by the disk feature.)
import type { diskMethods, diskTopics } from '../../contract/disk.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';

export const diskMethodHandlers: MethodHandlers<typeof diskMethods> = {};

export const diskTopicHandlers: TopicHandlers<typeof diskTopics> = {};
