import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader, ByteWriter, exactInteger } from './bytes.ts';

describe('ByteWriter and ByteReader', () => {
  it('read back varints, float64s in both byte orders, strings and bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.double(), fc.string(), fc.uint8Array({ maxLength: 20 }))),
        (items) => {
          const w = new ByteWriter(4);
          for (const [n, d, s, b] of items) {
            w.varint(n);
            w.f64be(d);
            w.f64le(d);
            w.str(s);
            w.varint(b.length);
            w.bytes(b);
          }
          const r = new ByteReader(w.take(), 'test');
          for (const [n, d, s, b] of items) {
            expect(r.varint()).toBe(n);
            expect(Object.is(r.f64be(), d)).toBe(true);
            expect(Object.is(r.f64le(), d)).toBe(true);
            expect(r.str()).toBe(s);
            expect([...r.bytes(r.varint())]).toEqual([...b]);
          }
          expect(r.remaining).toBe(0);
        },
      ),
    );
  });

  it('writes float64s in the byte orders the formats fixed', () => {
    const w = new ByteWriter();
    w.f64be(1);
    w.f64le(1);
    expect([...w.view()]).toEqual([0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
  });

  it('names what ends early, with the error the format asks for', () => {
    class Corrupt extends Error {}
    const r = new ByteReader(Uint8Array.of(0x80, 0x80), 'chunk header', (m) => new Corrupt(m));
    expect(() => r.varint()).toThrow(new Corrupt('chunk header ends early'));
    expect(() => new ByteReader(new Uint8Array(9).fill(0xff), 'row').varint()).toThrow('row: varint too long');
    expect(() => new ByteReader(Uint8Array.of(1, 2), 'row').bytes(3)).toThrow(RangeError);
  });

  it('finds the integer of a value at a precision only where a decoder gives the value back', () => {
    expect(exactInteger(12.34, 100)).toBe(1234);
    expect(exactInteger(0.1 + 0.2, 100)).toBeNull();
    expect(exactInteger(-0, 100)).toBeNull();
    expect(exactInteger(0, 100)).toBe(0);
    expect(exactInteger(Number.NaN, 1)).toBeNull();
    expect(exactInteger(2 ** 60, 1)).toBeNull();
    // Beyond ±2^51 an integer is left to the float encodings: its zigzag would not be exact.
    expect(exactInteger(2 ** 51, 1)).toBe(2 ** 51);
    expect(exactInteger(-(2 ** 51) - 1, 1)).toBeNull();
    expect(exactInteger(-(2 ** 52) - 1, 1)).toBeNull();
  });
});
