/**
 * Byte-level reading and writing shared by the store's formats: chunk headers (codec.ts), process blocks
 * (process-block.ts), write-ahead rows (wal.ts) and checkpoints (checkpoint.ts). Varints are LEB128 of
 * non-negative safe integers; float64s are written in either byte order, as each format fixed it.
 */

const f64 = new Float64Array(1);
const bytesOfF64 = new Uint8Array(f64.buffer);
/** Whether this machine stores a float64's bytes least significant first (as every platform Node runs on). */
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A growable byte buffer. */
export class ByteWriter {
  private buf: Buffer;
  length = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  /** Starts over, keeping the buffer. */
  reset(): void {
    this.length = 0;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
  }

  varint(v: number): void {
    this.ensure(8);
    while (v >= 128) {
      this.buf[this.length++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }

  /** A float64, most significant byte first (chunk headers). */
  f64be(v: number): void {
    f64[0] = v;
    this.ensure(8);
    for (let i = 0; i < 8; i++) this.buf[this.length++] = bytesOfF64[LITTLE ? 7 - i : i] as number;
  }

  /** A float64, least significant byte first (write-ahead rows, process blocks). */
  f64le(v: number): void {
    f64[0] = v;
    this.ensure(8);
    for (let i = 0; i < 8; i++) this.buf[this.length++] = bytesOfF64[LITTLE ? i : 7 - i] as number;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** A UTF-8 string after its length in bytes. */
  str(s: string): void {
    const n = Buffer.byteLength(s);
    this.varint(n);
    this.ensure(n);
    this.buf.write(s, this.length, 'utf8');
    this.length += n;
  }

  /** What was written, as a view of the buffer (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  /** What was written, as a copy. */
  take(): Buffer {
    return Buffer.from(this.view());
  }
}

/** Reads what a ByteWriter wrote; running past the end or a malformed varint throws `fail(message)`. */
export class ByteReader {
  pos = 0;

  constructor(
    private readonly data: Uint8Array,
    /** What is being read, for the messages ("chunk header", "write-ahead row"). */
    private readonly what: string,
    private readonly fail: (message: string) => Error = (message) => new RangeError(message),
  ) {}

  get remaining(): number {
    return this.data.length - this.pos;
  }

  u8(): number {
    if (this.pos >= this.data.length) throw this.fail(`${this.what} ends early`);
    return this.data[this.pos++] as number;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.u8();
      value += (b & 127) * scale;
      if (b < 128) return value;
      scale *= 128;
      if (scale > 2 ** 56) throw this.fail(`${this.what}: varint too long`);
    }
  }

  f64be(): number {
    const b = this.bytes(8);
    for (let i = 0; i < 8; i++) bytesOfF64[LITTLE ? 7 - i : i] = b[i] as number;
    return f64[0] as number;
  }

  f64le(): number {
    const b = this.bytes(8);
    for (let i = 0; i < 8; i++) bytesOfF64[LITTLE ? i : 7 - i] = b[i] as number;
    return f64[0] as number;
  }

  /** The next `n` bytes, as a view. */
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.data.length) throw this.fail(`${this.what} ends early`);
    const out = this.data.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  str(): string {
    const b = this.bytes(this.varint());
    return Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8');
  }
}

/** The largest integer stored as one: its zigzag (2|k| + 1) and a delta between two of them stay exact in a double. */
export const MAX_STORED_INTEGER = 2 ** 51;

/**
 * The integer k with k / factor === v bit for bit, as a decoder that stores integers gives it back (zero comes
 * back as +0, so -0 has none), or null when v is not exact at that precision. Also null beyond
 * ±MAX_STORED_INTEGER: every caller zigzags k, and the zigzag of -(2^52 + 1) is not a double any more (a property
 * test found it coming back as 2^52); such values take the float encodings, which keep every bit.
 */
export function exactInteger(v: number, factor: number): number | null {
  const k = Math.round(v * factor);
  return Math.abs(k) <= MAX_STORED_INTEGER && Object.is((k === 0 ? 0 : k) / factor, v) ? k : null;
}
