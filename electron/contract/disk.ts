// The disk part of the bridge contract. (Filled in by the disk feature.)
export const diskMethods = {};

export const diskTopics = {};
