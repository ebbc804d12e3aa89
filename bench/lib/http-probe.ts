/** Loopback HTTP helpers for benchmarks: is a port free, does a URL answer, and a timed GET for scrapers. */
import { connect } from 'node:net';

/** True when nothing accepts connections on host:port, so a peer started there will be ours and not a stray one. */
export function isPortFree(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (free: boolean): void => {
      socket.destroy();
      resolve(free);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(false));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'));
  });
}

/** HTTP status of a GET, or undefined when nothing answered in time; used to await a peer's readiness. */
export async function httpStatus(url: string, timeoutMs = 1000): Promise<number | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer(); // drain, so the connection is not left half-read
    return res.status;
  } catch {
    return undefined;
  }
}

export interface TimedGet {
  ok: boolean;
  status?: number;
  /** From sending the request to the last byte of the body: what a scraper waits for. */
  ms: number;
  body?: string;
  error?: string;
}

/** GETs `url` and reads the whole body, timing it; never throws, so a scrape loop can count failures. */
export async function timedGet(url: string, timeoutMs: number): Promise<TimedGet> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return { ok: res.ok, status: res.status, ms: performance.now() - t0, body };
  } catch (err) {
    return { ok: false, ms: performance.now() - t0, error: err instanceof Error ? err.message : String(err) };
  }
}
