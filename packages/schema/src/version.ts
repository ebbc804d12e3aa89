/** The version of Vigil: agent, hub and CLI ship together. */
export const VIGIL_VERSION = '0.1.0';
