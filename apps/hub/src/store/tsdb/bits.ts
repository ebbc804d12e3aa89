/** Appends bits, most significant first, to a growing byte buffer. */
export class BitWriter {
  private bytes: Uint8Array;
  /** Whole bytes flushed to `bytes`. */
  private flushed = 0;
  /** Pending bits (the low `pending` bits of `word`), not yet in `bytes`. */
  private word = 0;
  private pending = 0;

  constructor(capacity = 64) {
    this.bytes = new Uint8Array(Math.max(8, capacity));
  }

  /** Bits written so far. */
  get length(): number {
    return this.flushed * 8 + this.pending;
  }

  private grow(): void {
    const grown = new Uint8Array(this.bytes.length * 2);
    grown.set(this.bytes);
    this.bytes = grown;
  }

  /** Writes the low `count` bits of `value` (count ≤ 32; value is taken as an unsigned integer). */
  write(value: number, count: number): void {
    if (count === 0) return;
    if (this.pending + count > 32) {
      // Fewer than 8 bits are pending: split the value so that each part fits the 32-bit word.
      this.write(value >>> 16, count - 16);
      this.write(value & 0xffff, 16);
      return;
    }
    const masked = count === 32 ? value >>> 0 : value & ((1 << count) - 1);
    this.word = count === 32 ? masked : ((this.word << count) | masked) >>> 0;
    this.pending += count;
    if (this.pending >= 8) this.drain();
  }

  /** Moves whole pending bytes into the buffer, leaving fewer than 8 bits pending. */
  private drain(): void {
    while (this.pending >= 8) {
      this.pending -= 8;
      this.pushByte((this.word >>> this.pending) & 0xff);
    }
    this.word = this.pending === 0 ? 0 : this.word & ((1 << this.pending) - 1);
  }

  private pushByte(byte: number): void {
    if (this.flushed >= this.bytes.length) this.grow();
    this.bytes[this.flushed++] = byte;
  }

  writeBit(bit: 0 | 1 | boolean | number): void {
    this.word = (this.word << 1) | (bit ? 1 : 0);
    if (++this.pending === 8) {
      this.pushByte(this.word & 0xff);
      this.word = 0;
      this.pending = 0;
    }
  }

  /** Writes `count` zero bits. */
  writeZeros(count: number): void {
    while (count > 24) {
      this.write(0, 24);
      count -= 24;
    }
    this.write(0, count);
  }

  /** Writes up to 53 bits of a non-negative safe integer. */
  writeBig(value: number, count: number): void {
    if (count > 32) {
      this.write(Math.floor(value / 2 ** 32), count - 32);
      this.write(value >>> 0, 32);
    } else this.write(value, count);
  }

  /** The bytes written, as a copy trimmed to length. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.flushed + (this.pending > 0 ? 1 : 0));
    out.set(this.bytes.subarray(0, this.flushed));
    if (this.pending > 0) out[this.flushed] = (this.word << (8 - this.pending)) & 0xff;
    return out;
  }

  /** Bytes in use (for memory accounting of open chunks). */
  get byteLength(): number {
    return this.flushed + (this.pending > 0 ? 1 : 0);
  }
}

/** Reads bits written by BitWriter. Reading past the end throws, which marks the chunk as corrupt. */
export class BitReader {
  position = 0;
  private readonly bytes: Uint8Array;
  constructor(
    bytes: Uint8Array,
    private readonly limitBits = bytes.length * 8,
  ) {
    // Four bytes of padding let read() load a whole word near the end without bounds checks.
    this.bytes = new Uint8Array(bytes.length + 5);
    this.bytes.set(bytes);
  }

  /** Reads `count` bits (≤ 32) as an unsigned integer. */
  read(count: number): number {
    if (count === 0) return 0;
    const pos = this.position;
    if (pos + count > this.limitBits) throw new RangeError('read past the end of the chunk');
    this.position = pos + count;
    const b = this.bytes;
    const i = pos >>> 3;
    const shift = pos & 7;
    const word = (((b[i] as number) << 24) | ((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number)) >>> 0;
    const end = shift + count;
    if (end <= 32) return ((word << shift) >>> 0) >>> (32 - count);
    // The field runs into the fifth byte.
    const high = (word << shift) >>> 0;
    return ((count === 32 ? high : high >>> (32 - count)) | ((b[i + 4] as number) >>> (40 - end))) >>> 0;
  }

  readBit(): number {
    const pos = this.position;
    if (pos >= this.limitBits) throw new RangeError('read past the end of the chunk');
    this.position = pos + 1;
    return ((this.bytes[pos >>> 3] as number) >>> (7 - (pos & 7))) & 1;
  }

  readBig(count: number): number {
    if (count > 32) return this.read(count - 32) * 2 ** 32 + this.read(32);
    return this.read(count);
  }

  /** Bits left before the limit. */
  get remaining(): number {
    return this.limitBits - this.position;
  }
}
