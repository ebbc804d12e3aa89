import { describe, expect, it } from 'vitest';
import { ProcfsParseError } from './errors.ts';
import { parseLoadavg, parseUptime } from './loadavg.ts';

describe('parseLoadavg', () => {
  it.each([
    ['this machine', '0.10 0.13 0.07 1/424 8779\n', { load1: 0.1, load5: 0.13, load15: 0.07, running: 1, total: 424, lastPid: 8779 }],
    [
      'a busy 64-core host',
      '71.04 68.92 60.11 65/2113 4194301\n',
      { load1: 71.04, load5: 68.92, load15: 60.11, running: 65, total: 2113, lastPid: 4194301 },
    ],
    ['no trailing newline', '0.00 0.00 0.00 0/77 1', { load1: 0, load5: 0, load15: 0, running: 0, total: 77, lastPid: 1 }],
    ['an extra field', '1.00 2.00 3.00 4/5 6 extra\n', { load1: 1, load5: 2, load15: 3, running: 4, total: 5, lastPid: 6 }],
  ])('parses %s', (_case, text, expected) => {
    expect(parseLoadavg(text)).toEqual(expected);
  });

  it.each([
    ['empty text', '', 'expected 5 fields, got 0'],
    ['a truncated line', '0.10 0.13 0.07 1/424', 'expected 5 fields, got 4'],
    ['a non-numeric load1', 'nan? 0.13 0.07 1/424 8779', 'field load1 is not a number: "nan?"'],
    ['a non-numeric load15', '0.10 0.13 - 1/424 8779', 'field load15 is not a number: "-"'],
    ['no slash in running/total', '0.10 0.13 0.07 1424 8779', 'field total is missing'],
    ['a non-numeric running count', '0.10 0.13 0.07 x/424 8779', 'field running is not a number: "x"'],
    ['an empty total', '0.10 0.13 0.07 1/ 8779', 'field total is not a number: ""'],
    ['a non-numeric last pid', '0.10 0.13 0.07 1/424 pid', 'field lastPid is not a number: "pid"'],
  ])('rejects %s', (_case, text, detail) => {
    expect(() => parseLoadavg(text)).toThrow(new ProcfsParseError('/proc/loadavg', detail));
  });
});

describe('parseUptime', () => {
  it.each([
    ['this machine', '804.83 1499.47\n', { uptimeSeconds: 804.83, idleSeconds: 1499.47 }],
    ['idle above uptime on many CPUs', '3600.00 14000.12', { uptimeSeconds: 3600, idleSeconds: 14000.12 }],
    ['an extra field', '1.5 2.5 3.5\n', { uptimeSeconds: 1.5, idleSeconds: 2.5 }],
  ])('parses %s', (_case, text, expected) => {
    expect(parseUptime(text)).toEqual(expected);
  });

  it.each([
    ['empty text', '', 'expected 2 fields, got 0'],
    ['a truncated line', '804.83\n', 'expected 2 fields, got 1'],
    ['a non-numeric uptime', 'up 1499.47', 'field uptime is not a number: "up"'],
    ['a non-numeric idle time', '804.83 1499,47', 'field idle is not a number: "1499,47"'],
  ])('rejects %s', (_case, text, detail) => {
    expect(() => parseUptime(text)).toThrow(new ProcfsParseError('/proc/uptime', detail));
  });
});
