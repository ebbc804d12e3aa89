/** Appends bits, most significant first, to a growing byte buffer. */
export class BitWriter {
  private bytes: Uint8Array;
  /** Bits written so far. */
  length = 0;

  constructor(capacity = 64) {
    this.bytes = new Uint8Array(capacity);
  }

  private ensure(bits: number): void {
    const needed = (this.length + bits + 7) >> 3;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }

  /** Writes the low `count` bits of `value` (count ≤ 32; value is taken as an unsigned integer). */
  write(value: number, count: number): void {
    if (count === 0) return;
    this.ensure(count);
    for (let i = count - 1; i >= 0; ) {
      const bitInByte = this.length & 7;
      const room = 8 - bitInByte;
      const take = Math.min(room, i + 1);
      const chunk = (value >>> (i + 1 - take)) & ((1 << take) - 1);
      this.bytes[this.length >> 3] = (this.bytes[this.length >> 3] as number) | (chunk << (room - take));
      this.length += take;
      i -= take;
    }
  }

  writeBit(bit: 0 | 1 | boolean): void {
    this.ensure(1);
    if (bit) this.bytes[this.length >> 3] = (this.bytes[this.length >> 3] as number) | (0x80 >> (this.length & 7));
    this.length++;
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
    return this.bytes.slice(0, (this.length + 7) >> 3);
  }

  /** Bytes in use (for memory accounting of open chunks). */
  get byteLength(): number {
    return (this.length + 7) >> 3;
  }
}

/** Reads bits written by BitWriter. Reading past the end throws, which marks the chunk as corrupt. */
export class BitReader {
  private position = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly limitBits = bytes.length * 8,
  ) {}

  read(count: number): number {
    if (this.position + count > this.limitBits) throw new RangeError('read past the end of the chunk');
    let value = 0;
    while (count > 0) {
      const bitInByte = this.position & 7;
      const room = 8 - bitInByte;
      const take = Math.min(room, count);
      const byte = this.bytes[this.position >> 3] as number;
      const chunk = (byte >> (room - take)) & ((1 << take) - 1);
      value = value * 2 ** take + chunk;
      this.position += take;
      count -= take;
    }
    return value;
  }

  readBit(): number {
    if (this.position >= this.limitBits) throw new RangeError('read past the end of the chunk');
    const bit = ((this.bytes[this.position >> 3] as number) >> (7 - (this.position & 7))) & 1;
    this.position++;
    return bit;
  }

  readBig(count: number): number {
    if (count > 32) return this.read(count - 32) * 2 ** 32 + this.read(32);
    return this.read(count);
  }
}
