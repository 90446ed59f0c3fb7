// Handlers for the containers part of the contract. (Filled in by the containers feature.)
import type { containerMethods, containerTopics } from '../../contract/containers.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';

export const containerMethodHandlers: MethodHandlers<typeof containerMethods> = {};

export const containerTopicHandlers: TopicHandlers<typeof containerTopics> = {};
