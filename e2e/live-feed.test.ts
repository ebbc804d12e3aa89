import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestHub, type TestHub } from './helpers/hub.ts';
import { wsUrl } from './helpers/ws.ts';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
  for (const name of ['feed-1', 'feed-2', 'feed-3']) await t.startAgent(name);
});
afterAll(() => t.stop());

/** The first byte the server sends after this call, as read off the socket: the header of its next message. */
function nextHeaderByte(ws: WebSocket): Promise<number> {
  const socket = (ws as unknown as { _socket: NodeJS.EventEmitter })._socket;
  return new Promise((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk[0] as number)));
}

describe('the live feed', () => {
  it('sends the full fleet on subscribe uncompressed, though permessage-deflate is on', async () => {
    const ws = new WebSocket(wsUrl(t.url, '/api/v1/live'), {
      headers: { authorization: `Bearer ${t.admin}` },
      perMessageDeflate: true,
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect(ws.extensions).toContain('permessage-deflate');
    // Nothing comes before the subscription: the next message is the fleet.
    const header = nextHeaderByte(ws);
    const fleet = new Promise<{ data: Buffer; message: { type: string; full: boolean; hosts: { id: string }[] } }>((resolve) =>
      ws.on('message', (data: Buffer) => {
        const message = JSON.parse(data.toString());
        if (message.type === 'fleet') resolve({ data, message });
      }),
    );
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'fleet' }));
    const { data, message } = await fleet;
    expect(message.full).toBe(true);
    expect(message.hosts.map((h) => h.id).sort()).toEqual(['feed-1', 'feed-2', 'feed-3']);
    // Over the server's 1024-byte threshold: it would have been deflated like any other message of its size.
    expect(data.length).toBeGreaterThan(1024);
    const first = await header;
    expect(first & 0x0f).toBe(0x1); // a text frame
    expect(first & 0x40).toBe(0); // RSV1 clear: not compressed (RFC 7692 6)
    ws.close();
  });
});
