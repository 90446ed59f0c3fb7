// Handlers for the volumes part of the contract. (Filled in by the volumes feature.)
import type { volumeMethods, volumeTopics } from '../../contract/volumes.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';

export const volumeMethodHandlers: MethodHandlers<typeof volumeMethods> = {};

export const volumeTopicHandlers: TopicHandlers<typeof volumeTopics> = {};
