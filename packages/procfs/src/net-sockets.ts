import { fields } from './errors.ts';

/** TCP state numbers of include/net/tcp_states.h, by their netstat(8) names. */
export const TCP_STATES: Record<number, string> = {
  1: 'ESTABLISHED',
  2: 'SYN_SENT',
  3: 'SYN_RECV',
  4: 'FIN_WAIT1',
  5: 'FIN_WAIT2',
  6: 'TIME_WAIT',
  7: 'CLOSE',
  8: 'CLOSE_WAIT',
  9: 'LAST_ACK',
  10: 'LISTEN',
  11: 'CLOSING',
  12: 'NEW_SYN_RECV',
};

export interface NetSocket {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  state: string;
  uid: number;
  inode: number;
}

/** Reverses the bytes of each 32-bit word: /proc/net prints addresses as host-order words. */
function hostWordBytes(hex: string, littleEndian: boolean): number[] {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const group: number[] = [];
    for (let i = 0; i < 8; i += 2) group.push(Number.parseInt(hex.slice(word + i, word + i + 2), 16));
    bytes.push(...(littleEndian ? group.reverse() : group));
  }
  return bytes;
}

/** Formats 16 bytes as an RFC 5952 IPv6 address: lower case, longest zero run as "::", IPv4-mapped in dotted form. */
export function formatIpv6(bytes: number[]): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  let bestStart = -1;
  let bestLength = 1; // a single zero word is not compressed (RFC 5952 4.2.2)
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Decodes "0100007F:1F90" (IPv4) or a 32-digit IPv6 address with its hex port. */
export function decodeSocketAddress(text: string, littleEndian = true): { address: string; port: number } {
  const [hex = '', portHex = ''] = text.split(':');
  const bytes = hostWordBytes(hex, littleEndian);
  const address = hex.length === 8 ? bytes.join('.') : formatIpv6(bytes);
  return { address, port: Number.parseInt(portHex, 16) };
}

/** An address as /proc/net prints it: 8 (IPv4) or 32 (IPv6) hex digits, a colon, a 4-digit hex port. */
const SOCKET_ADDRESS = /^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):[0-9A-Fa-f]{4}$/;

/**
 * Parses /proc/net/tcp, tcp6, udp or udp6. The first line is a header; lines too short or with an
 * unparsable address are skipped. UDP sockets report state 7 (CLOSE) unless connected (1, ESTABLISHED).
 */
export function parseNetSockets(text: string, littleEndian = true): NetSocket[] {
  const sockets: NetSocket[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const p = fields(lines[i] as string);
    if (p.length < 10 || !SOCKET_ADDRESS.test(p[1] as string) || !SOCKET_ADDRESS.test(p[2] as string)) continue;
    const local = decodeSocketAddress(p[1] as string, littleEndian);
    const remote = decodeSocketAddress(p[2] as string, littleEndian);
    const stateNumber = Number.parseInt(p[3] as string, 16);
    sockets.push({
      localAddress: local.address,
      localPort: local.port,
      remoteAddress: remote.address,
      remotePort: remote.port,
      state: TCP_STATES[stateNumber] ?? `UNKNOWN_${stateNumber}`,
      uid: Number(p[7]),
      inode: Number(p[9]),
    });
  }
  return sockets;
}

/**
 * Counts sockets by state without decoding addresses: the cheap path run every cycle.
 * The state is the 4th column; the first line is a header.
 */
export function countSocketStates(text: string, counts: Record<string, number> = {}): Record<string, number> {
  let lineStart = text.indexOf('\n') + 1;
  while (lineStart > 0 && lineStart < text.length) {
    const lineEnd = text.indexOf('\n', lineStart);
    const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
    const p = fields(line);
    if (p.length >= 4) {
      const state = TCP_STATES[Number.parseInt(p[3] as string, 16)];
      if (state) counts[state] = (counts[state] ?? 0) + 1;
    }
    if (lineEnd < 0) break;
    lineStart = lineEnd + 1;
  }
  return counts;
}
