// Handlers for the logs part of the contract. (Filled in by the logs feature.)
import type { logsMethods, logsTopics } from '../../contract/logs.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';

export const logsMethodHandlers: MethodHandlers<typeof logsMethods> = {};

export const logsTopicHandlers: TopicHandlers<typeof logsTopics> = {};
