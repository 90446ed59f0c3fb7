// The volumes part of the bridge contract. (Filled in by the volumes feature.)
export const volumeMethods = {};

export const volumeTopics = {};
