// Handlers for the terminal part of the contract. (Filled in by the terminal feature.)
import type { terminalMethods, terminalTopics } from '../../contract/terminal.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';

export const terminalMethodHandlers: MethodHandlers<typeof terminalMethods> = {};

export const terminalTopicHandlers: TopicHandlers<typeof terminalTopics> = {};
