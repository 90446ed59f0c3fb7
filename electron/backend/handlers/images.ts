// Handlers for the images part of the contract. (Filled in by the images feature.)
import type { imageMethods, imageTopics } from '../../contract/images.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';

export const imageMethodHandlers: MethodHandlers<typeof imageMethods> = {};

export const imageTopicHandlers: TopicHandlers<typeof imageTopics> = {};
