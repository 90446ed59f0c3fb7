// The settings part of the bridge contract. (Filled in by the settings feature.)
export const settingsMethods = {};

export const settingsTopics = {};
