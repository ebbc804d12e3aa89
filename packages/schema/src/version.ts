/** The version of Vigil: agent, hub and CLI ship together. */
export const VIGIL_VERSION = '0.1.0';

/**
 * Version of the agent-hub protocol. The format only grows: new fields are optional, and a hub accepts
 * frames of the previous version too. 2: frames carry their processes as rows (`processRows`, PackedFrame) instead
 * of objects (`processes`).
 */
export const PROTOCOL_VERSION = 2;
