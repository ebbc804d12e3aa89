/** The version of Vigil: agent, hub and CLI ship together. */
export const VIGIL_VERSION = '0.1.0';

/**
 * Version of the agent-hub protocol. The format only grows: new fields are optional, and a hub accepts
 * frames of the previous versions too.
 * - 2: frames carry their processes as rows (`processRows`, PackedFrame) instead of objects (`processes`).
 * - 3: an agent sends each frame as a binary WebSocket message holding the frame's JSON text compressed as raw
 *   DEFLATE (RFC 1951), each message on its own. The hub inflates it in one synchronous call; permessage-deflate's
 *   streaming inflate with context takeover cost it about a quarter of its CPU (issue 3).
 * - 4: a frame's processes come in two parts (DeltaFrame in frame-delta.ts): the fields that do not change while a
 *   process lives are sent once per connection (`processStatics`), the rest every frame (`processValues`).
 * - 5: a frame's binary message starts with its headline (frame-headline.ts): the figures the fleet view shows, as
 *   uncompressed JSON text ending in a newline, before the compressed frame. The hub updates the fleet from it at once
 *   and decodes the whole frame once the other agents' messages of that second are read.
 * An agent speaks the current version only: upgrade the hub before the agents (a hub refuses a hello of a version it
 * does not know, with close code 4001 naming the versions it speaks).
 */
export const PROTOCOL_VERSION = 5;
