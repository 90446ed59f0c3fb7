// Handlers for the settings part of the contract. (Filled in by the settings feature.)
import type { settingsMethods, settingsTopics } from '../../contract/settings.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';

export const settingsMethodHandlers: MethodHandlers<typeof settingsMethods> = {};

export const settingsTopicHandlers: TopicHandlers<typeof settingsTopics> = {};
