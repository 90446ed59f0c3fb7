// The logs part of the bridge contract. (Filled in by the logs feature.)
export const logsMethods = {};

export const logsTopics = {};
