import { describe, expect, it } from 'vitest';
import { type DiskStats, parseDiskstats } from './diskstats.ts';
import { ProcfsParseError } from './errors.ts';

// Captured on the dev VM (Linux 6.18): 20 columns (discard since 4.18, flush since 5.5); loop1-7 left out.
const DISKSTATS_20_COLUMNS = `   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
 254       0 vda 25576 4931 1291394 3123 5250 14028 1244216 6328 0 2520 9643 3685 20 90256 176 534 14
 253       0 zram0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0
`;

// Linux 4.19: 18 columns, discard counters but no flush counters yet.
const DISKSTATS_18_COLUMNS = `   8       0 sda 117523 3263 5612386 83232 281127 173529 9626626 371104 0 203536 380436 1832 0 3723592 2036
   8       1 sda1 117349 3263 5605834 83184 280893 173529 9626626 371076 0 203504 380260 1832 0 3723592 2036
`;

// Linux 4.4: the 14 classic columns.
const DISKSTATS_14_COLUMNS = `   8       0 sda 2386 2 98446 1296 4021 2210 94168 8856 0 4440 10144
 259       0 nvme0n1 904843 118 48729614 171652 3138291 2081402 181380400 6011556 0 1266304 6213420
`;

// Linux 2.6.18: partitions had only 4 counters (7 columns) before 2.6.25.
const DISKSTATS_OLD_PARTITION = `   8    0 sda 9563 2134 421786 97324 6118 7919 112264 221444 0 61004 318768
   8    1 sda1 35486 38030 38030 38030
`;

function disk(fields: Partial<DiskStats> & Pick<DiskStats, 'major' | 'minor' | 'device'>): DiskStats {
  return {
    readsCompleted: 0,
    readsMerged: 0,
    sectorsRead: 0,
    readTimeMs: 0,
    writesCompleted: 0,
    writesMerged: 0,
    sectorsWritten: 0,
    writeTimeMs: 0,
    ioInProgress: 0,
    ioTimeMs: 0,
    weightedIoTimeMs: 0,
    discardsCompleted: 0,
    sectorsDiscarded: 0,
    flushesCompleted: 0,
    ...fields,
  };
}

const VDA = disk({
  major: 254,
  minor: 0,
  device: 'vda',
  readsCompleted: 25576,
  readsMerged: 4931,
  sectorsRead: 1291394,
  readTimeMs: 3123,
  writesCompleted: 5250,
  writesMerged: 14028,
  sectorsWritten: 1244216,
  writeTimeMs: 6328,
  ioInProgress: 0,
  ioTimeMs: 2520,
  weightedIoTimeMs: 9643,
  discardsCompleted: 3685,
  sectorsDiscarded: 90256,
  flushesCompleted: 534,
});

describe('parseDiskstats', () => {
  it('parses a 20-column capture of this machine', () => {
    expect(parseDiskstats(DISKSTATS_20_COLUMNS)).toEqual([
      disk({ major: 7, minor: 0, device: 'loop0' }),
      VDA,
      disk({ major: 253, minor: 0, device: 'zram0' }),
    ]);
  });

  it('reads discards from 18 columns and counts the missing flushes as zero', () => {
    const [sda] = parseDiskstats(DISKSTATS_18_COLUMNS);
    expect(sda).toMatchObject({ device: 'sda', readsCompleted: 117523, weightedIoTimeMs: 380436 });
    expect(sda).toMatchObject({ discardsCompleted: 1832, sectorsDiscarded: 3723592, flushesCompleted: 0 });
  });

  it('counts discards and flushes as zero with the 14 classic columns', () => {
    expect(parseDiskstats(DISKSTATS_14_COLUMNS)).toEqual([
      disk({
        major: 8,
        minor: 0,
        device: 'sda',
        readsCompleted: 2386,
        readsMerged: 2,
        sectorsRead: 98446,
        readTimeMs: 1296,
        writesCompleted: 4021,
        writesMerged: 2210,
        sectorsWritten: 94168,
        writeTimeMs: 8856,
        ioTimeMs: 4440,
        weightedIoTimeMs: 10144,
      }),
      disk({
        major: 259,
        minor: 0,
        device: 'nvme0n1',
        readsCompleted: 904843,
        readsMerged: 118,
        sectorsRead: 48729614,
        readTimeMs: 171652,
        writesCompleted: 3138291,
        writesMerged: 2081402,
        sectorsWritten: 181380400,
        writeTimeMs: 6011556,
        ioTimeMs: 1266304,
        weightedIoTimeMs: 6213420,
      }),
    ]);
  });

  it('skips the 7-column partition lines of kernels before 2.6.25', () => {
    expect(parseDiskstats(DISKSTATS_OLD_PARTITION).map((d) => d.device)).toEqual(['sda']);
  });

  it('ignores columns beyond the 20th', () => {
    const line = ' 254       0 vda 25576 4931 1291394 3123 5250 14028 1244216 6328 0 2520 9643 3685 20 90256 176 534 14 99 98';
    expect(parseDiskstats(line)).toEqual([VDA]);
  });

  it.each([
    ['empty text', ''],
    ['blank lines', '\n  \n'],
    ['a line cut at 13 columns', '   8       0 sda 2386 2 98446 1296 4021 2210 94168 8856 0 4440'],
  ])('skips %s', (_case, text) => {
    expect(parseDiskstats(text)).toEqual([]);
  });

  it.each([
    ['a non-numeric counter', '   8 0 sda 1 2 x 4 5 6 7 8 9 10 11', 'field sda[5] is not a number: "x"'],
    ['a non-numeric major', '   ? 0 sda 1 2 3 4 5 6 7 8 9 10 11', 'field sda[0] is not a number: "?"'],
    ['a non-numeric discard counter', '   8 0 sda 1 2 3 4 5 6 7 8 9 10 11 d 0 0 0', 'field sda[14] is not a number: "d"'],
    ['a non-numeric flush counter', '   8 0 sda 1 2 3 4 5 6 7 8 9 10 11 0 0 0 0 f 0', 'field sda[18] is not a number: "f"'],
  ])('rejects %s', (_case, text, detail) => {
    expect(() => parseDiskstats(text)).toThrow(new ProcfsParseError('/proc/diskstats', detail));
  });
});
