// The images part of the bridge contract. (Filled in by the images feature.)
export const imageMethods = {};

export const imageTopics = {};
