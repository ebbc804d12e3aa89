import type { Socket } from 'node:net';
import type { HubMessage } from '@vigil/schema';
import WebSocket from 'ws';
import { waitFor } from './hub.ts';

/** The agent endpoint of a hub given by its http:// URL. */
export const agentUrl = (hubUrl: string) => `${hubUrl.replace(/^http/, 'ws')}/api/v1/agent/connect`;

/**
 * A hand-driven agent connection: sends whatever a test gives it (valid or not) and keeps what the hub
 * answers, so a test can play the protocol step by step.
 */
export interface RawAgent {
  ws: WebSocket;
  /** Every message the hub sent, parsed, in order. */
  received: HubMessage[];
  /** Resolves with the close code and reason once the connection is closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** Sends an object as JSON, or a string or buffer as it is. */
  send(message: unknown): void;
  /** The next message of this type not taken yet (waits for it). */
  take<T extends HubMessage['type']>(type: T, timeoutMs?: number): Promise<Extract<HubMessage, { type: T }>>;
  /** Stops reading from the hub (TCP backpressure): the hub's messages, its close included, stay unread. */
  pauseReading(): void;
}

/** Opens an agent connection; rejects when the upgrade is refused. */
export function connectRaw(hubUrl: string, token: string | null, options: { perMessageDeflate?: boolean } = {}): Promise<RawAgent> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(agentUrl(hubUrl), {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
      perMessageDeflate: options.perMessageDeflate ?? false,
    });
    const received: HubMessage[] = [];
    const taken = new Set<number>();
    ws.on('message', (data) => received.push(JSON.parse(String(data))));
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.on('close', (code, reason) => done({ code, reason: String(reason) })),
    );
    ws.on('unexpected-response', (request, response) => {
      reject(new Error(`upgrade refused with HTTP ${response.statusCode}`));
      response.resume();
      request.destroy();
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        received,
        closed,
        send(message) {
          ws.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
        },
        async take(type, timeoutMs = 5000) {
          const index = await waitFor(
            `a ${type} message from the hub (got ${received.map((m) => m.type).join(', ') || 'nothing'})`,
            () => {
              const i = received.findIndex((m, j) => m.type === type && !taken.has(j));
              return i < 0 ? null : { i };
            },
            timeoutMs,
            10,
          );
          taken.add(index.i);
          return received[index.i] as never;
        },
        pauseReading() {
          (ws as unknown as { _socket: Socket })._socket.pause();
        },
      }),
    );
  });
}

/** The HTTP status a refused agent upgrade gets (rejects if the socket opens instead). */
export function refusedStatus(hubUrl: string, token: string | null, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(agentUrl(hubUrl), { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no answer to the upgrade within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('unexpected-response', (request, response) => {
      clearTimeout(timer);
      resolve(response.statusCode ?? 0);
      response.resume();
      request.destroy();
    });
    ws.on('open', () => {
      clearTimeout(timer);
      ws.close();
      reject(new Error('the upgrade was accepted'));
    });
    ws.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
