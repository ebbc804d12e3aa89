/** The version of Vigil: agent, hub and CLI ship together. */
export const VIGIL_VERSION = '0.1.0';

/**
 * Version of the agent-hub protocol. The format only grows: new fields are optional, and a hub accepts
 * frames of the previous versions too.
 * - 2: frames carry their processes as rows (`processRows`, PackedFrame) instead of objects (`processes`).
 * - 3: an agent may send a frame as a binary WebSocket message holding the frame's JSON text compressed as raw
 *   DEFLATE (RFC 1951), each message on its own (`FRAME_DEFLATE`), once the hub's welcome says version 3 or more.
 *   The hub inflates it in one synchronous call; permessage-deflate's streaming inflate with context takeover cost
 *   it about a quarter of its CPU (issue 3).
 */
export const PROTOCOL_VERSION = 3;
