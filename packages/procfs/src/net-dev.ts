import { fields, toNumber } from './errors.ts';

/** Counters of one interface from /proc/net/dev. */
export interface NetDev {
  interface: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrops: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrops: number;
}

/**
 * Parses /proc/net/dev: two header lines, then "iface: 16 counters". The name may touch the first counter
 * ("eth0:123"), so the split is on the colon, which an interface name cannot contain.
 */
export function parseNetDev(text: string): NetDev[] {
  const interfaces: NetDev[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const c = fields(line.slice(colon + 1));
    if (name === '' || c.length < 16) continue;
    const n = (i: number) => toNumber('/proc/net/dev', `${name}[${i}]`, c[i]);
    interfaces.push({
      interface: name,
      rxBytes: n(0),
      rxPackets: n(1),
      rxErrors: n(2),
      rxDrops: n(3),
      txBytes: n(8),
      txPackets: n(9),
      txErrors: n(10),
      txDrops: n(11),
    });
  }
  return interfaces;
}
