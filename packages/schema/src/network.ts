import * as z from 'zod';

/** One network interface from /proc/net/dev. Rates are null on the first reading. */
export const NetworkInterfaceReading = z.object({
  interface: z.string(),
  rxBytesPerSecond: z.number().nullable(),
  txBytesPerSecond: z.number().nullable(),
  rxPacketsPerSecond: z.number().nullable(),
  txPacketsPerSecond: z.number().nullable(),
  rxErrorsPerSecond: z.number().nullable(),
  txErrorsPerSecond: z.number().nullable(),
  rxDropsPerSecond: z.number().nullable(),
  txDropsPerSecond: z.number().nullable(),
  rxBytesTotal: z.number().nonnegative(),
  txBytesTotal: z.number().nonnegative(),
  rxPacketsTotal: z.number().nonnegative(),
  txPacketsTotal: z.number().nonnegative(),
  rxErrorsTotal: z.number().nonnegative(),
  txErrorsTotal: z.number().nonnegative(),
  rxDropsTotal: z.number().nonnegative(),
  txDropsTotal: z.number().nonnegative(),
});
export type NetworkInterfaceReading = z.infer<typeof NetworkInterfaceReading>;

/** TCP states as the kernel numbers them (include/net/tcp_states.h), by their netstat(8) names. */
export const TcpState = z.enum([
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
]);
export type TcpState = z.infer<typeof TcpState>;

/** Socket counts over IPv4 and IPv6: TCP by state, UDP in total. */
export const SocketCounts = z.object({
  tcp: z.record(z.string(), z.number().int().nonnegative()),
  tcpTotal: z.number().int().nonnegative(),
  udpTotal: z.number().int().nonnegative(),
});
export type SocketCounts = z.infer<typeof SocketCounts>;

export const ConnectionProtocol = z.enum(['tcp', 'tcp6', 'udp', 'udp6']);
export type ConnectionProtocol = z.infer<typeof ConnectionProtocol>;

/** One socket from /proc/net/{tcp,tcp6,udp,udp6}, with its owner found through /proc/[pid]/fd. */
export const Connection = z.object({
  protocol: ConnectionProtocol,
  localAddress: z.string(),
  localPort: z.number().int().min(0).max(65535),
  remoteAddress: z.string(),
  remotePort: z.number().int().min(0).max(65535),
  /** TCP state name; UDP sockets report ESTABLISHED when connected and CLOSE otherwise, as the kernel does. */
  state: z.string(),
  /** Null when the owner could not be found (another user's process without privileges, or gone). */
  pid: z.number().int().positive().nullable(),
  uid: z.number().int().nonnegative(),
  inode: z.number().int().nonnegative(),
});
export type Connection = z.infer<typeof Connection>;
