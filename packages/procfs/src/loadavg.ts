import { fields, ProcfsParseError, toNumber } from './errors.ts';

export interface Loadavg {
  load1: number;
  load5: number;
  load15: number;
  /** Runnable scheduling entities (processes and threads) right now. */
  running: number;
  /** Scheduling entities that exist. */
  total: number;
  lastPid: number;
}

/** Parses /proc/loadavg, e.g. "0.22 0.06 0.02 1/77 2052". */
export function parseLoadavg(text: string): Loadavg {
  const parts = fields(text);
  if (parts.length < 5) throw new ProcfsParseError('/proc/loadavg', `expected 5 fields, got ${parts.length}`);
  const [running, total] = (parts[3] ?? '').split('/');
  return {
    load1: toNumber('/proc/loadavg', 'load1', parts[0]),
    load5: toNumber('/proc/loadavg', 'load5', parts[1]),
    load15: toNumber('/proc/loadavg', 'load15', parts[2]),
    running: toNumber('/proc/loadavg', 'running', running),
    total: toNumber('/proc/loadavg', 'total', total),
    lastPid: toNumber('/proc/loadavg', 'lastPid', parts[4]),
  };
}

/** Parses /proc/uptime: seconds since boot and summed idle seconds of all CPUs. */
export function parseUptime(text: string): { uptimeSeconds: number; idleSeconds: number } {
  const parts = fields(text);
  if (parts.length < 2) throw new ProcfsParseError('/proc/uptime', `expected 2 fields, got ${parts.length}`);
  return {
    uptimeSeconds: toNumber('/proc/uptime', 'uptime', parts[0]),
    idleSeconds: toNumber('/proc/uptime', 'idle', parts[1]),
  };
}
