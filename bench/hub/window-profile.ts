/**
 * Profiles a node process started with --inspect=HOST:PORT over one window only, through the inspector protocol
 * (Profiler.start / Profiler.stop), so that start-up, connection ramp and shutdown do not blur the steady state that
 * `node --cpu-prof` (which covers the whole life of the process) would mix in.
 */
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';

export interface WindowProfiler {
  /** Stops profiling and writes the .cpuprofile to `file`. */
  stop(file: string): Promise<void>;
}

/** Connects to the inspector on `port` and starts sampling every `intervalUs` microseconds. */
export async function startWindowProfile(port: number, intervalUs = 500): Promise<WindowProfiler> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    const w = message.id === undefined ? undefined : waiting.get(message.id);
    if (!w) return;
    waiting.delete(message.id as number);
    if (message.error) w.reject(new Error(message.error.message));
    else w.resolve(message.result);
  });
  const call = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  await call('Profiler.setSamplingInterval', { interval: intervalUs });
  await call('Profiler.start');
  return {
    async stop(file) {
      const { profile } = (await call('Profiler.stop')) as { profile: unknown };
      writeFileSync(file, JSON.stringify(profile));
      socket.close();
    },
  };
}
