// The terminal part of the bridge contract. (Filled in by the terminal feature.)
export const terminalMethods = {};

export const terminalTopics = {};
