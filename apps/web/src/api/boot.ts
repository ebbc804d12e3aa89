/**
 * What index.html's inline script started before the app's code arrived: the session check (`GET /api/v1/auth/me`)
 * and, when the `vigil_signed_in` cookie says someone is signed in, the live WebSocket, subscribed to the fleet on the
 * fleet page, with the messages it received so far. Taking them over saves the first screen two round trips to the hub
 * made one after the other, after the code has loaded (issue 5: first live value within 500 ms).
 */
interface Boot {
  me: Promise<Response> | null;
  socket: WebSocket | null;
  /** Whether the script subscribes the socket to the fleet when it opens. */
  fleet: boolean;
  messages: string[];
}

declare global {
  interface Window {
    __vigilBoot?: Boot;
  }
}

const boot = (): Boot | undefined => (typeof window === 'undefined' ? undefined : window.__vigilBoot);

/** The early answer to `GET /api/v1/auth/me`, once (later checks ask the hub again). */
export function takeBootSession(): Promise<Response> | null {
  const b = boot();
  const me = b?.me ?? null;
  if (b) b.me = null;
  return me;
}

/** The early live socket if it is still connecting or open, with what it received; once. */
export function takeBootSocket(): { socket: WebSocket; fleet: boolean; messages: string[] } | null {
  const b = boot();
  if (!b?.socket) return null;
  const { socket, fleet, messages } = b;
  b.socket = null;
  b.messages = [];
  if (socket.readyState !== WebSocket.CONNECTING && socket.readyState !== WebSocket.OPEN) return null;
  return { socket, fleet, messages };
}
