import WebSocket from 'ws';

/** The ws:// form of an http:// hub URL. */
export const wsUrl = (httpUrl: string, path: string) => `${httpUrl.replace(/^http/, 'ws')}${path}`;

/**
 * Tries a WebSocket upgrade and tells how it ended: the HTTP status of a refused upgrade (401, 403, ...),
 * or 101 when the socket opened (it is closed again at once).
 */
export function upgradeStatus(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`no answer to the upgrade of ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('unexpected-response', (request, response) => {
      clearTimeout(timer);
      resolve(response.statusCode ?? 0);
      response.resume();
      request.destroy();
    });
    socket.on('open', () => {
      clearTimeout(timer);
      resolve(101);
      socket.close();
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** An open WebSocket whose messages are queued, to be awaited one by one. */
export interface OpenSocket {
  socket: WebSocket;
  /** The next message as parsed JSON, with the time it arrived (performance.now()). */
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect messages of every shape
  next(timeoutMs?: number): Promise<{ data: any; at: number }>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens a WebSocket (rejecting if the upgrade is refused) and queues its messages. */
export function openSocket(url: string, headers: Record<string, string> = {}): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const queue: { data: unknown; at: number }[] = [];
    const waiters: ((m: { data: unknown; at: number }) => void)[] = [];
    socket.on('message', (raw) => {
      const message = { data: JSON.parse(String(raw)), at: performance.now() };
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else queue.push(message);
    });
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      socket.on('close', (code, reason) => done({ code, reason: String(reason) })),
    );
    socket.on('unexpected-response', (_request, response) => reject(new Error(`upgrade refused with HTTP ${response.statusCode}`)));
    socket.on('error', reject);
    socket.on('open', () =>
      resolve({
        socket,
        closed,
        close: () => socket.close(),
        next(timeoutMs = 10_000) {
          const queued = queue.shift();
          if (queued) return Promise.resolve(queued);
          return new Promise((done, fail) => {
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(waiter), 1);
              fail(new Error(`no message within ${timeoutMs} ms`));
            }, timeoutMs);
            const waiter = (m: { data: unknown; at: number }) => {
              clearTimeout(timer);
              done(m);
            };
            waiters.push(waiter);
          });
        },
      }),
    );
  });
}
