// The one bridge contract, shared by Electron main, the preload, the web bridge and the renderer.
// Each feature declares its methods (request/response) and topics (subscriptions) in its own file;
// this module joins them and derives the types every side uses.
import type { z } from 'zod';
import type { MethodDef, TopicDef } from './define.js';
import { systemMethods, systemTopics } from './system.js';
import { containerMethods, containerTopics } from './containers.js';
import { imageMethods, imageTopics } from './images.js';
import { volumeMethods, volumeTopics } from './volumes.js';
import { diskMethods, diskTopics } from './disk.js';
import { terminalMethods, terminalTopics } from './terminal.js';
import { logsMethods, logsTopics } from './logs.js';
import { settingsMethods, settingsTopics } from './settings.js';

export const methods = {
  ...systemMethods,
  ...containerMethods,
  ...imageMethods,
  ...volumeMethods,
  ...diskMethods,
  ...terminalMethods,
  ...logsMethods,
  ...settingsMethods,
};

export const topics = {
  ...systemTopics,
  ...containerTopics,
  ...imageTopics,
  ...volumeTopics,
  ...diskTopics,
  ...terminalTopics,
  ...logsTopics,
  ...settingsTopics,
};

export type Methods = typeof methods;
export type Topics = typeof topics;
export type MethodName = keyof Methods;
export type TopicName = keyof Topics;

type ArgsOf<D> = D extends MethodDef<infer A, unknown> | TopicDef<infer A, unknown> ? A : never;
/** What a caller passes (before defaults are applied). */
export type MethodArgs<M extends MethodName> = z.input<ArgsOf<Methods[M]>>;
/** What a handler receives (validated, defaults applied). */
export type MethodParsedArgs<M extends MethodName> = z.output<ArgsOf<Methods[M]>>;
export type MethodResult<M extends MethodName> = Methods[M] extends MethodDef<z.ZodType, infer R> ? R : never;
export type TopicArgs<T extends TopicName> = z.input<ArgsOf<Topics[T]>>;
export type TopicParsedArgs<T extends TopicName> = z.output<ArgsOf<Topics[T]>>;
export type TopicEvent<T extends TopicName> = Topics[T] extends TopicDef<z.ZodType, infer E> ? E : never;

export * from './envelope.js';
export * from './system.js';
export * from './containers.js';
export * from './images.js';
export * from './volumes.js';
export * from './disk.js';
export * from './terminal.js';
export * from './logs.js';
export * from './settings.js';
export { BridgeClient, type BerthBridge, type Subscription, type SubscriptionHandlers } from './bridge.js';
