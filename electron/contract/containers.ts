// The containers part of the bridge contract. (Filled in by the containers feature.)
export const containerMethods = {};

export const containerTopics = {};
