import { describe, expect, it } from 'vitest';
import { ProcfsParseError } from './errors.ts';
import { type CpuTimes, parseStat } from './stat.ts';

// Captured on the dev VM (Linux 6.18, 2 vCPUs); the intr line is cut after its first columns.
const STAT_LINUX_6_18 = `cpu  8000 67 2360 149947 220 0 174 12 0 0
cpu0 4296 37 1235 74595 153 0 79 6 0 0
cpu1 3703 29 1124 75352 67 0 95 6 0 0
intr 371594 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1 17 0 0 0 0 160 22 0 25 1 30037
ctxt 569411
btime 1795302329
processes 8778
procs_running 1
procs_blocked 0
softirq 167251 0 20749 5 12068 30035 0 2 62281 0 42111
`;

// Linux 2.6.18 (RHEL 5): eight columns, no guest/guest_nice yet.
const STAT_LINUX_2_6_18 = `cpu  4705 356 584 3699176 23060 31 1280 0
cpu0 1393280 32966 572056 13343292 6130 0 17875 0
intr 114930548 113199788 3 0 5 263 0 4
ctxt 1990473
btime 1062191376
processes 2915
procs_running 1
procs_blocked 0
`;

// Linux 2.4: four columns only, and none of the procs_* lines.
const STAT_LINUX_2_4 = `cpu  1139 0 1245 284466
cpu0 1139 0 1245 284466
page 105806 38112
intr 297466 286574 2 0 1 1 0 2
ctxt 25690
btime 1062191376
processes 1094
`;

// A CPU taken offline (echo 0 > /sys/devices/system/cpu/cpu1/online) disappears from /proc/stat.
const STAT_CPU1_OFFLINE = `cpu  300 0 30 3000 3 0 0 0 0 0
cpu0 100 0 10 1000 1 0 0 0 0 0
cpu2 100 0 10 1000 1 0 0 0 0 0
cpu3 100 0 10 1000 1 0 0 0 0 0
ctxt 10
`;

function times(values: number[]): CpuTimes {
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0, guest = 0, guestNice = 0] = values;
  return { user, nice, system, idle, iowait, irq, softirq, steal, guest, guestNice };
}

describe('parseStat', () => {
  it('parses a capture of this machine', () => {
    expect(parseStat(STAT_LINUX_6_18)).toEqual({
      total: times([8000, 67, 2360, 149947, 220, 0, 174, 12, 0, 0]),
      cpus: [
        { cpu: 0, times: times([4296, 37, 1235, 74595, 153, 0, 79, 6, 0, 0]) },
        { cpu: 1, times: times([3703, 29, 1124, 75352, 67, 0, 95, 6, 0, 0]) },
      ],
      contextSwitches: 569411,
      bootTime: 1795302329,
      forks: 8778,
      procsRunning: 1,
      procsBlocked: 0,
      interrupts: 371594,
    });
  });

  it.each([
    ['2.6.18, eight columns', STAT_LINUX_2_6_18, times([4705, 356, 584, 3699176, 23060, 31, 1280, 0])],
    ['2.4, four columns', STAT_LINUX_2_4, times([1139, 0, 1245, 284466])],
  ])('counts the columns an older kernel lacks as zero (%s)', (_kernel, text, total) => {
    expect(parseStat(text).total).toEqual(total);
  });

  it('defaults the lines an older kernel lacks to zero', () => {
    const stat = parseStat(STAT_LINUX_2_4);
    expect([stat.procsRunning, stat.procsBlocked, stat.forks, stat.interrupts]).toEqual([0, 0, 1094, 297466]);
  });

  it('lists only the online CPUs, keeping their kernel numbers', () => {
    expect(parseStat(STAT_CPU1_OFFLINE).cpus.map((c) => c.cpu)).toEqual([0, 2, 3]);
  });

  it('ignores columns a future kernel may append and lines it does not know', () => {
    const stat = parseStat('cpu  1 2 3 4 5 6 7 8 9 10 11 12\nnew_counter 42\n\n   \n');
    expect(stat.total).toEqual(times([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(stat.contextSwitches).toBe(0);
  });

  it.each([
    ['empty text', '', 'no "cpu" line'],
    ['only per-CPU lines', 'cpu0 1 2 3 4\n', 'no "cpu" line'],
    ['a truncated cpu line', 'cpu  1 2 3\n', '"cpu" has 3 columns, expected at least 4'],
    ['a truncated per-CPU line', 'cpu  1 2 3 4\ncpu0 1 2\n', '"cpu0" has 2 columns, expected at least 4'],
    ['a non-numeric mode', 'cpu  1 2 x 4\n', 'field cpu.system is not a number: "x"'],
    ['a non-numeric per-CPU mode', 'cpu  1 2 3 4\ncpu1 1 2 3 4 5 6 7 8 9 -\n', 'field cpu1.guestNice is not a number: "-"'],
    ['a cpu line with no number', 'cpu  1 2 3 4\ncpux 1 2 3 4\n', 'field cpu index is not a number: "x"'],
    ['ctxt without its value', 'cpu  1 2 3 4\nctxt\n', 'field ctxt is missing'],
    ['a non-numeric btime', 'cpu  1 2 3 4\nbtime soon\n', 'field btime is not a number: "soon"'],
    ['a non-numeric intr total', 'cpu  1 2 3 4\nintr ? 0 0\n', 'field intr is not a number: "?"'],
  ])('rejects %s', (_case, text, detail) => {
    expect(() => parseStat(text)).toThrow(new ProcfsParseError('/proc/stat', detail));
  });
});
