/** The API versions this engine serves (DESIGN.md §4). */
export const MIN_API_VERSION = '1.24';
export const API_VERSION = '1.50';
export const ENGINE_VERSION = '0.1.0';
