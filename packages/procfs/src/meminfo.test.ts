import { describe, expect, it } from 'vitest';
import { ProcfsParseError } from './errors.ts';
import { parseMeminfo, parseVmstat } from './meminfo.ts';

// Captured on the dev VM (Linux 6.18, 24 GB, no swap); a few of its 58 lines left out.
const MEMINFO_LINUX_6_18 = `MemTotal:       24730032 kB
MemFree:        23205260 kB
MemAvailable:   24229656 kB
Buffers:           75160 kB
Cached:          1130424 kB
SwapCached:            0 kB
Active(anon):       2468 kB
Inactive(file):   803316 kB
SwapTotal:             0 kB
SwapFree:              0 kB
Shmem:             12788 kB
SReclaimable:      77456 kB
VmallocTotal:   34359738367 kB
HugePages_Total:       0
HugePages_Free:        0
Hugepagesize:       2048 kB
DirectMap1G:    25165824 kB
`;

// Linux 2.6.32 (RHEL 6): no MemAvailable yet (it arrived in 3.14).
const MEMINFO_LINUX_2_6_32 = `MemTotal:        1922424 kB
MemFree:          129384 kB
Buffers:          153136 kB
Cached:           834908 kB
SwapTotal:       4128760 kB
SwapFree:        4128584 kB
HugePages_Total:       4
`;

const KIB = 1024;

describe('parseMeminfo', () => {
  it('parses a capture of this machine, multiplying kB out to bytes', () => {
    const info = parseMeminfo(MEMINFO_LINUX_6_18);
    expect(info.size).toBe(17);
    expect(info.get('MemTotal')).toBe(24730032 * KIB);
    expect(info.get('MemAvailable')).toBe(24229656 * KIB);
    expect(info.get('Active(anon)')).toBe(2468 * KIB);
    expect(info.get('VmallocTotal')).toBe(34359738367 * KIB);
    expect(info.get('SwapTotal')).toBe(0);
  });

  it.each([
    ['HugePages_Total', 0],
    ['HugePages_Free', 0],
    ['Hugepagesize', 2048 * KIB],
  ])('keeps counts as counts and sizes as bytes (%s)', (name, value) => {
    expect(parseMeminfo(MEMINFO_LINUX_6_18).get(name)).toBe(value);
  });

  it('parses an older kernel without MemAvailable', () => {
    const info = parseMeminfo(MEMINFO_LINUX_2_6_32);
    expect(info.has('MemAvailable')).toBe(false);
    expect(info.get('HugePages_Total')).toBe(4);
  });

  it.each([
    ['a truncated line', 'MemFree:'],
    ['a non-numeric value', 'MemFree:   lots kB'],
    ['an unknown unit', 'MemFree:   12 MB'],
    ['an extra column', 'MemFree:   12 kB 13'],
    ['a negative value', 'MemFree:   -12 kB'],
    ['no colon', 'MemFree    12 kB'],
  ])('skips %s', (_case, line) => {
    const info = parseMeminfo(`MemTotal: 100 kB\n${line}\n`);
    expect([...info.keys()]).toEqual(['MemTotal']);
  });

  it.each([
    ['empty text', ''],
    ['no MemTotal line', 'MemFree:  129384 kB\n'],
    ['a truncated MemTotal line', 'MemTotal:\nMemFree:  129384 kB\n'],
    ['a non-numeric MemTotal', 'MemTotal:  many kB\n'],
  ])('rejects %s', (_case, text) => {
    expect(() => parseMeminfo(text)).toThrow(new ProcfsParseError('/proc/meminfo', 'no MemTotal line'));
  });
});

// Captured on the dev VM (Linux 6.18), first lines and the page fault counters.
const VMSTAT_LINUX_6_18 = `nr_free_pages 787439
nr_free_pages_blocks 777728
nr_zone_inactive_anon 30156
nr_zone_active_anon 617
nr_mlock 3545
numa_hit 2733423
workingset_refault_file 0
pgpgin 645697
pgfault 3817429
pgmajfault 1523
`;

describe('parseVmstat', () => {
  it('parses a capture of this machine', () => {
    const values = parseVmstat(VMSTAT_LINUX_6_18);
    expect(values.size).toBe(10);
    expect(values.get('nr_free_pages')).toBe(787439);
    expect(values.get('pgmajfault')).toBe(1523);
    expect(values.get('workingset_refault_file')).toBe(0);
  });

  it.each([
    ['empty text', '', []],
    ['a name without a value', 'pgfault\n', []],
    ['a non-numeric value', 'pgfault many\n', []],
    ['an extra column', 'pgfault 12 13\n', []],
    ['a leading space', ' pgfault 12\n', []],
    ['a line after bad ones', 'bad\npgfault x\npgmajfault 7\n', [['pgmajfault', 7]]],
  ])('skips %s', (_case, text, expected) => {
    expect([...parseVmstat(text)]).toEqual(expected);
  });

  // BUG: Number('') is 0, so a line cut right after its name reads as a zero counter (meminfo.ts parseVmstat).
  it('skips a line cut after the space that follows its name', () => {
    expect([...parseVmstat('pgfault \npgmajfault 7\n')]).toEqual([['pgmajfault', 7]]);
  });
});
