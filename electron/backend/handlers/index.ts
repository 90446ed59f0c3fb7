// Joins every feature's handlers. The types make a missing handler a compile error; the contract test
// checks the same at run time.
import { systemMethodHandlers, systemTopicHandlers } from './system.js';
import { containerMethodHandlers, containerTopicHandlers } from './containers.js';
import { imageMethodHandlers, imageTopicHandlers } from './images.js';
import { volumeMethodHandlers, volumeTopicHandlers } from './volumes.js';
import { diskMethodHandlers, diskTopicHandlers } from './disk.js';
import { terminalMethodHandlers, terminalTopicHandlers } from './terminal.js';
import { logsMethodHandlers, logsTopicHandlers } from './logs.js';
import { settingsMethodHandlers, settingsTopicHandlers } from './settings.js';
import type { Methods, Topics } from '../../contract/index.js';
import type { MethodHandlers, TopicHandlers } from '../handler-types.js';

export const methodHandlers: MethodHandlers<Methods> = {
  ...systemMethodHandlers,
  ...containerMethodHandlers,
  ...imageMethodHandlers,
  ...volumeMethodHandlers,
  ...diskMethodHandlers,
  ...terminalMethodHandlers,
  ...logsMethodHandlers,
  ...settingsMethodHandlers,
};

export const topicHandlers: TopicHandlers<Topics> = {
  ...systemTopicHandlers,
  ...containerTopicHandlers,
  ...imageTopicHandlers,
  ...volumeTopicHandlers,
  ...diskTopicHandlers,
  ...terminalTopicHandlers,
  ...logsTopicHandlers,
  ...settingsTopicHandlers,
};
