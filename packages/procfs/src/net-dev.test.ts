import { describe, expect, it } from 'vitest';
import { ProcfsParseError } from './errors.ts';
import { parseNetDev } from './net-dev.ts';

// Captured on the dev VM (Linux 6.18).
const NET_DEV_LINUX_6_18 = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  788930     963    0    0    0     0          0         0   788930     963    0    0    0     0       0          0
  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  eth0: 267045794    8842    0    0    0     0          0         0   544165    5403    0    0    0     0       0          0
`;

// Linux 2.6: a counter wider than its column touches the interface name; errors and drops on both sides.
const NET_DEV_WIDE_COUNTERS = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
  eth0:3523882519 13454418   12   34    0     0          0      1021 1783246523 9983214   56   78    0     0       0          0
docker0:       0       0    0    0    0     0          0         0      180       2    0    0    0     0       0          0
veth1a2b3c4:    1024      16    0    0    0     0          0         0     2048      32    0    0    0     0       0          0
`;

describe('parseNetDev', () => {
  it('parses a capture of this machine', () => {
    expect(parseNetDev(NET_DEV_LINUX_6_18)).toEqual([
      {
        interface: 'lo',
        rxBytes: 788930,
        rxPackets: 963,
        rxErrors: 0,
        rxDrops: 0,
        txBytes: 788930,
        txPackets: 963,
        txErrors: 0,
        txDrops: 0,
      },
      { interface: 'ifb0', rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDrops: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDrops: 0 },
      {
        interface: 'eth0',
        rxBytes: 267045794,
        rxPackets: 8842,
        rxErrors: 0,
        rxDrops: 0,
        txBytes: 544165,
        txPackets: 5403,
        txErrors: 0,
        txDrops: 0,
      },
    ]);
  });

  it('splits a name that touches its first counter and reads errors and drops', () => {
    const [eth0, docker0, veth] = parseNetDev(NET_DEV_WIDE_COUNTERS);
    expect(eth0).toEqual({
      interface: 'eth0',
      rxBytes: 3523882519,
      rxPackets: 13454418,
      rxErrors: 12,
      rxDrops: 34,
      txBytes: 1783246523,
      txPackets: 9983214,
      txErrors: 56,
      txDrops: 78,
    });
    expect(docker0?.interface).toBe('docker0');
    expect(veth?.interface).toBe('veth1a2b3c4');
  });

  it('ignores columns a future kernel may append', () => {
    const [lo] = parseNetDev('lo: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n');
    expect(lo).toMatchObject({ rxBytes: 1, rxDrops: 4, txBytes: 9, txDrops: 12 });
  });

  it.each([
    ['empty text', ''],
    ['the two header lines only', NET_DEV_LINUX_6_18.split('\n').slice(0, 2).join('\n')],
    ['a line cut at 15 counters', 'eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15'],
    ['a line without a name', ': 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16'],
    ['a line without a colon', 'eth0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16'],
  ])('skips %s', (_case, text) => {
    expect(parseNetDev(text)).toEqual([]);
  });

  it.each([
    ['a non-numeric byte count', 'eth0: x 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16', 'field eth0[0] is not a number: "x"'],
    ['a non-numeric tx drop count', 'eth0: 1 2 3 4 5 6 7 8 9 10 11 - 13 14 15 16', 'field eth0[11] is not a number: "-"'],
  ])('rejects %s', (_case, text, detail) => {
    expect(() => parseNetDev(text)).toThrow(new ProcfsParseError('/proc/net/dev', detail));
  });
});
