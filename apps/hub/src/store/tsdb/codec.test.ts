import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from './bits.ts';
import { ChunkEncoder, type ColumnSpec, CorruptChunk, chunkInfo, decodeChunk, OutOfOrderSample } from './codec.ts';

/** Encodes samples into one chunk and decodes it again. */
function roundTrip(specs: ColumnSpec[], samples: { ts: number; values: number[] }[]) {
  const encoder = new ChunkEncoder(specs);
  for (const s of samples) encoder.append(s.ts, s.values);
  return decodeChunk(encoder.finish());
}

/** Strictly increasing timestamps from gaps (ms), starting anywhere in the last 50 years. */
const timestamps = (gaps: fc.Arbitrary<number>, maxLength = 400) =>
  fc.tuple(fc.integer({ min: 0, max: 1.6e12 }), fc.array(gaps, { minLength: 0, maxLength })).map(([start, ds]) => {
    const out = [start];
    for (const d of ds) out.push((out.at(-1) as number) + d);
    return out;
  });

const anyDouble = fc.double({ noDefaultInfinity: false, noNaN: false });
const sameBits = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('BitWriter and BitReader', () => {
  it('read back what was written, for any widths', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 32 }), fc.nat()), { maxLength: 200 }), (fields) => {
        const w = new BitWriter(1);
        const written = fields.map(([bits, v]) => {
          const value = bits === 32 ? v >>> 0 : v % 2 ** bits;
          w.write(value, bits);
          return [bits, value] as const;
        });
        const r = new BitReader(w.finish(), w.length);
        for (const [bits, value] of written) expect(r.read(bits)).toBe(value);
      }),
    );
  });

  it('refuses to read past the end', () => {
    const w = new BitWriter();
    w.write(5, 3);
    const r = new BitReader(w.finish(), w.length);
    r.read(3);
    expect(() => r.read(1)).toThrow(RangeError);
  });
});

describe('chunk codec round trips', () => {
  // Found by the property below (seed 1462258421): a one-sample chunk of -(2^52 + 1) came back as 2^52, since the
  // zigzag of so large an integer is not a double any more.
  it.each(['xor', 'delta', 'dod'] as const)('%s keeps integers beyond ±2^51 exactly, alone and in a run', (codec) => {
    const big = [-(2 ** 52) - 1, 2 ** 52 + 1, -(2 ** 53) + 1, 2 ** 53 - 1, -(2 ** 51) - 1, 2 ** 51];
    for (const v of big) {
      expect(roundTrip([{ codec, decimals: 0 }], [{ ts: 0, values: [v] }]).columns[0]?.[0]).toBe(v);
    }
    const samples = big.map((v, i) => ({ ts: i * 1000, values: [v] }));
    expect([...(roundTrip([{ codec, decimals: 0 }], samples).columns[0] ?? [])]).toEqual(big);
  });

  it('xor keeps every float64 bit for bit: random, NaN, ±Inf, -0, subnormals', () => {
    fc.assert(
      fc.property(timestamps(fc.integer({ min: 1, max: 5000 })), fc.array(anyDouble, { minLength: 401, maxLength: 401 }), (ts, values) => {
        const samples = ts.map((t, i) => ({ ts: t, values: [values[i] as number] }));
        const decoded = roundTrip([{ codec: 'xor', decimals: 0 }], samples);
        expect([...decoded.timestamps]).toEqual(ts);
        decoded.columns[0]?.forEach((v, i) => {
          expect(sameBits(v, values[i] as number)).toBe(true);
        });
      }),
    );
  });

  it.each(['delta', 'dod'] as const)('%s rounds ordinary values to the given decimals', (codec) => {
    const values = [12.3456, 12.3449, 99.999, -0.004, 0.005, 1e6 + 0.126];
    const samples = values.map((v, i) => ({ ts: i * 1000, values: [v] }));
    expect([...(roundTrip([{ codec, decimals: 2 }], samples).columns[0] ?? [])]).toEqual([12.35, 12.34, 100, 0, 0.01, 1000000.13]);
  });

  it.each(['delta', 'dod'] as const)('%s keeps values at the given decimals, and non-finite ones exactly', (codec) => {
    fc.assert(
      fc.property(
        timestamps(fc.integer({ min: 1, max: 3_000_000 })),
        fc.integer({ min: 0, max: 6 }),
        fc.array(
          fc.oneof(
            fc.double({ min: -1e9, max: 1e9, noNaN: true }),
            fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, 1e300),
          ),
          {
            minLength: 401,
            maxLength: 401,
          },
        ),
        (ts, decimals, values) => {
          const samples = ts.map((t, i) => ({ ts: t, values: [values[i] as number] }));
          const decoded = roundTrip([{ codec, decimals }], samples);
          expect([...decoded.timestamps]).toEqual(ts);
          decoded.columns[0]?.forEach((v, i) => {
            const original = values[i] as number;
            const scaled = Math.round(original * 10 ** decimals);
            if (!Number.isFinite(original) || !Number.isSafeInteger(scaled)) expect(sameBits(v, original)).toBe(true);
            // A value whose difference from its neighbours is beyond ±2^51 at this precision is kept as a float,
            // exactly (seed 1885931423: -625899906.8426256 then 999999999.9999965 at 6 decimals, a dod of 2^51 + 1).
            else if (v !== scaled / 10 ** decimals + 0) expect(sameBits(v, original)).toBe(true); // -0 is stored as 0
          });
        },
      ),
    );
  });

  it('keeps -0 apart from 0 in an xor column, constant or not (a constant kept as an integer would come back +0)', () => {
    for (const decimals of [0, 2]) {
      const constant = roundTrip(
        [{ codec: 'xor', decimals }],
        [
          { ts: 1000, values: [-0] },
          { ts: 2000, values: [-0] },
        ],
      );
      expect([...(constant.columns[0] ?? [])].map((v) => Object.is(v, -0))).toEqual([true, true]);
      const mixed = roundTrip(
        [{ codec: 'xor', decimals }],
        [1.25, -0, 0, 3.5].map((v, i) => ({ ts: 1000 * (i + 1), values: [v] })),
      );
      expect([...(mixed.columns[0] ?? [])].map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(['1.25', '-0', '0', '3.5']);
    }
  });

  it('handles constant, monotonic and huge-gap series', () => {
    const constant = Array.from({ length: 600 }, (_, i) => ({ ts: 1_700_000_000_000 + i * 1000, values: [42.5] }));
    const monotonic = Array.from({ length: 600 }, (_, i) => ({ ts: 1_700_000_000_000 + i * 1000, values: [1e12 + i * 4096] }));
    const gaps = [0, 1, 2 ** 31 - 2, 2 ** 31 + 5, 2 ** 31 + 2 ** 30, 2 ** 33].map((d, i) => ({ ts: 1e12 + d + i, values: [i] }));
    for (const [samples, spec] of [
      [constant, { codec: 'delta', decimals: 2 }],
      [monotonic, { codec: 'dod', decimals: 0 }],
      [constant, { codec: 'xor', decimals: 0 }],
    ] as const) {
      const decoded = roundTrip([spec], samples);
      expect([...(decoded.columns[0] ?? [])]).toEqual(samples.map((s) => s.values[0]));
    }
    const encoder = new ChunkEncoder([{ codec: 'dod', decimals: 0 }]);
    let accepted = 0;
    for (const s of gaps) {
      if (!encoder.accepts(s.ts)) break;
      encoder.append(s.ts, s.values);
      accepted++;
    }
    // Gaps of weeks fit; one whose delta-of-delta does not fit 32 bits is refused: the store starts a new chunk.
    expect(accepted).toBe(gaps.length - 1);
    expect([...decodeChunk(encoder.finish()).timestamps]).toEqual(gaps.slice(0, accepted).map((g) => g.ts));
  });

  it('costs about a bit per sample for an on-time constant series, and little for a percentage at 0.01', () => {
    const constant = new ChunkEncoder([{ codec: 'delta', decimals: 2 }]);
    const cpu = new ChunkEncoder([{ codec: 'delta', decimals: 2 }]);
    let level = 20;
    for (let i = 0; i < 600; i++) {
      constant.append(1_700_000_000_000 + i * 1000, [12.34]);
      level = Math.max(0, Math.min(100, level + Math.sin(i) * 3));
      cpu.append(1_700_000_000_000 + i * 1000, [level]);
    }
    expect(constant.finish().length / 600).toBeLessThan(0.4);
    expect(cpu.finish().length / 600).toBeLessThan(2.5);
  });

  it('keeps several columns apart (min, max, sum, count of an aggregate tier)', () => {
    const specs: ColumnSpec[] = [
      { codec: 'delta', decimals: 2 },
      { codec: 'delta', decimals: 2 },
      { codec: 'xor', decimals: 0 },
      { codec: 'delta', decimals: 0 },
    ];
    const samples = Array.from({ length: 100 }, (_, i) => ({ ts: i * 60_000 + 1, values: [i, i * 2 + 0.5, Math.PI * i, 60] }));
    const decoded = roundTrip(specs, samples);
    expect([...(decoded.columns[2] ?? [])]).toEqual(samples.map((s) => s.values[2]));
    expect([...(decoded.columns[3] ?? [])]).toEqual(samples.map(() => 60));
  });
});

describe('bad input never corrupts a chunk', () => {
  it('rejects out-of-order and duplicate timestamps and keeps what was there', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 300 }), (raw) => {
        const encoder = new ChunkEncoder([{ codec: 'xor', decimals: 0 }]);
        const kept: number[] = [];
        for (const ts of raw) {
          try {
            encoder.append(ts, [ts / 3]);
            kept.push(ts);
          } catch (error) {
            expect(error).toBeInstanceOf(OutOfOrderSample);
          }
        }
        const decoded = decodeChunk(encoder.finish());
        expect([...decoded.timestamps]).toEqual(kept);
        expect([...(decoded.columns[0] ?? [])]).toEqual(kept.map((t) => t / 3));
      }),
    );
  });

  it('detects a flipped bit anywhere by its checksum', () => {
    const encoder = new ChunkEncoder([{ codec: 'delta', decimals: 2 }]);
    for (let i = 0; i < 50; i++) encoder.append(1000 + i * 1000, [i * 1.25]);
    const chunk = encoder.finish();
    for (let byte = 0; byte < chunk.length; byte++) {
      const damaged = chunk.slice();
      damaged[byte] = (damaged[byte] as number) ^ 0x10;
      expect(() => decodeChunk(damaged)).toThrow(CorruptChunk);
    }
    expect(chunkInfo(chunk)).toMatchObject({ count: 50, firstTs: 1000, lastTs: 50_000 });
  });

  it('rejects timestamps that are not whole non-negative milliseconds', () => {
    const encoder = new ChunkEncoder([{ codec: 'xor', decimals: 0 }]);
    expect(() => encoder.append(1.5, [1])).toThrow(RangeError);
    expect(() => encoder.append(-1, [1])).toThrow(RangeError);
  });
});
