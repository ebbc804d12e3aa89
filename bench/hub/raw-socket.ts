/**
 * A minimal WebSocket client (RFC 6455) with permessage-deflate (RFC 7692) that sends PRE-COMPRESSED messages, so
 * that one simulator process can feed a thousand agents' frames without compressing 50 MB a second itself.
 *
 * It offers client_no_context_takeover (RFC 7692 7.1.1.1): each message is then a deflate stream of its own, which
 * lets a frame be sent as [a stored block holding `{"v":1,"type":"frame","seq":N,"ts":T,`] + [the rest of the frame,
 * compressed once in advance]. The hub inflates every byte as it would from the real agent (which keeps the context
 * between messages and so sends fewer compressed bytes for the same inflated text).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';

/** permessage-deflate strips this from every message's compressed bytes; the receiver appends it back (RFC 7692 7.2.1). */
const SYNC_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Text compressed on its own, as the body of a message: raw deflate, sync-flushed, without the 00 00 ff ff tail. */
export function precompress(text: string): Buffer {
  const out = deflateRawSync(Buffer.from(text), { finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - SYNC_TAIL.length);
}

/** A deflate stored block (BFINAL=0, BTYPE=00, RFC 1951 3.2.4) holding `bytes` uncompressed; starts and ends byte-aligned. */
export function storedBlock(bytes: Buffer): Buffer {
  if (bytes.length > 0xffff) throw new RangeError('a stored block holds at most 65535 bytes');
  const head = Buffer.alloc(5);
  head[0] = 0x00;
  head.writeUInt16LE(bytes.length, 1);
  head.writeUInt16LE(~bytes.length & 0xffff, 3);
  return Buffer.concat([head, bytes]);
}

/** Inflates one message's payload as the hub will (for the harness's self-check). */
export function inflateMessage(payload: Buffer): string {
  return inflateRawSync(Buffer.concat([payload, SYNC_TAIL]), { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
}

/**
 * Protocol 3's binary frame message: the same pieces, plus the empty stored block's tail, so that the DEFLATE data
 * ends on a block boundary as the agent's (deflateRawSync) does. Sent as a binary message, without RSV1.
 */
export function binaryPayload(pieces: Buffer[]): Buffer[] {
  return [...pieces, SYNC_TAIL];
}

/** Inflates a protocol 3 binary message as the hub does (for the harness's self-check). */
export function inflateBinary(payload: Buffer): string {
  return inflateRawSync(payload, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
}

/** Client frame header (FIN, text or binary, masked with a zero key: RFC 6455 5.3 lets the key be any value; the server XORs all the same). */
function frameHeader(length: number, compressed: boolean, opcode = 0x1): Buffer {
  const first = 0x80 | (compressed ? 0x40 : 0) | opcode;
  let head: Buffer;
  if (length < 126) {
    head = Buffer.alloc(2 + 4);
    head[1] = 0x80 | length;
  } else if (length < 0x10000) {
    head = Buffer.alloc(4 + 4);
    head[1] = 0x80 | 126;
    head.writeUInt16BE(length, 2);
  } else {
    head = Buffer.alloc(10 + 4);
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  head[0] = first;
  return head;
}

export interface RawSocketHandlers {
  onOpen(): void;
  onText(text: string): void;
  onClose(code: number, reason: string): void;
  onError(error: Error): void;
}

/** One agent connection. */
export class RawSocket {
  private socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private open = false;
  private closed = false;

  constructor(
    url: string,
    headers: Record<string, string>,
    private readonly handlers: RawSocketHandlers,
  ) {
    const u = new URL(url);
    this.socket = connect({ host: u.hostname, port: Number(u.port), noDelay: true });
    this.socket.once('connect', () => {
      const lines = [
        `GET ${u.pathname}${u.search} HTTP/1.1`,
        `Host: ${u.host}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        'Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; server_no_context_takeover',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      this.socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    this.socket.on('data', (chunk) => this.receive(chunk));
    this.socket.on('error', (error) => this.handlers.onError(error));
    this.socket.on('close', () => this.finish(1006, 'connection lost'));
  }

  get isOpen(): boolean {
    return this.open && !this.closed;
  }

  /** Sends a text message uncompressed (RSV1 clear: allowed per message). */
  sendText(text: string): void {
    const payload = Buffer.from(text);
    this.socket.cork();
    this.socket.write(frameHeader(payload.length, false));
    this.socket.write(payload);
    process.nextTick(() => this.socket.uncork());
  }

  /** Sends a compressed message made of deflate pieces (e.g. a stored block then a precompressed body). */
  sendCompressed(pieces: Buffer[], onWritten: (error?: Error | null) => void): void {
    const length = pieces.reduce((n, p) => n + p.length, 0);
    this.socket.cork();
    this.socket.write(frameHeader(length, true));
    for (let i = 0; i < pieces.length; i++) this.socket.write(pieces[i] as Buffer, i === pieces.length - 1 ? onWritten : undefined);
    process.nextTick(() => this.socket.uncork());
  }

  /** Sends a binary message made of `pieces`, uncompressed at the WebSocket level (protocol 3 frames). */
  sendBinary(pieces: Buffer[], onWritten: (error?: Error | null) => void): void {
    const length = pieces.reduce((n, p) => n + p.length, 0);
    this.socket.cork();
    this.socket.write(frameHeader(length, false, 0x2));
    for (let i = 0; i < pieces.length; i++) this.socket.write(pieces[i] as Buffer, i === pieces.length - 1 ? onWritten : undefined);
    process.nextTick(() => this.socket.uncork());
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    const head = frameHeader(body.length, false);
    head[0] = 0x88;
    this.socket.end(Buffer.concat([head, body]));
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.handlers.onClose(code, reason);
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (!this.open) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = this.buffered.subarray(0, end).toString('latin1');
      this.buffered = this.buffered.subarray(end + 4);
      const status = /^HTTP\/1\.1 (\d+)/.exec(head)?.[1];
      if (status !== '101') {
        this.handlers.onError(new Error(`HTTP ${status ?? '?'}: ${head.split('\r\n')[0]}`));
        this.finish(1006, `upgrade refused: HTTP ${status}`);
        return;
      }
      if (!/sec-websocket-extensions:[^\r\n]*permessage-deflate/i.test(head)) {
        this.handlers.onError(new Error('the server did not accept permessage-deflate'));
        this.finish(1006, 'no permessage-deflate');
        return;
      }
      this.open = true;
      this.handlers.onOpen();
    }
    this.parseFrames();
  }

  /** Server frames: unmasked, unfragmented (ws sends each message as one frame). */
  private parseFrames(): void {
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return;
      const opcode = (b[0] as number) & 0x0f;
      const compressed = ((b[0] as number) & 0x40) !== 0;
      let length = (b[1] as number) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      const payload = b.subarray(offset, offset + length);
      this.buffered = b.subarray(offset + length);
      if (opcode === 0x1) this.handlers.onText(compressed ? inflateMessage(payload) : payload.toString('utf8'));
      else if (opcode === 0x8) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.finish(code, payload.subarray(2).toString('utf8'));
        return;
      } else if (opcode === 0x9) {
        const head = frameHeader(payload.length, false);
        head[0] = 0x8a; // pong
        this.socket.write(Buffer.concat([head, payload]));
      }
    }
  }
}
