import { setTimeout as sleep } from 'node:timers/promises';
import { HostSummary } from '@vigil/schema';
import { Command } from 'commander';
import * as z from 'zod';
import { hubJson, resolveHub } from '../hub-client.ts';
import { parseOptions, UsageError } from '../usage.ts';

const Options = z.object({
  interval: z.coerce.number({ message: 'must be a number of seconds' }).min(1, 'must be at least 1 second').max(3600).default(2),
  host: z.array(z.string().min(1)).optional(),
  count: z.coerce.number().int().positive().optional(),
  json: z.boolean().optional(),
  hub: z.url().optional(),
  token: z.string().optional(),
});

const collect = (value: string, previous: string[] = []) => [...previous, value];

function rate(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null) return '–';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = bytesPerSecond;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)}${units[i]}/s`;
}

const pct = (v: number | null) => (v === null ? '    –' : `${v.toFixed(1).padStart(5)}%`);

/** One line for a host at a moment: what seed 001's `monitor` printed, for any host of the fleet. */
export function monitorLine(h: HostSummary, hostWidth: number): string {
  const time = new Date(h.ts ?? Date.now()).toLocaleTimeString('en-GB');
  const alerts = h.alerts ? ` alerts ${h.alerts.critical}c/${h.alerts.warning}w` : '';
  if (h.status === 'offline') return `${time}  ${h.hostname.padEnd(hostWidth)}  offline`;
  return (
    `${time}  ${h.hostname.padEnd(hostWidth)}  cpu ${pct(h.cpuPercent)}  mem ${pct(h.memoryPercent)}  disk ${pct(h.diskPercent)}` +
    `  load ${h.load1?.toFixed(2) ?? '–'}  net ↓${rate(h.networkRxBytesPerSecond)} ↑${rate(h.networkTxBytesPerSecond)}${alerts}`
  );
}

/** `vigil monitor --interval 2`: a live line per host per interval, until Ctrl-C (or `--count`). */
export function monitorCommand(): Command {
  return new Command('monitor')
    .description('Print a line per interval for each host (or the ones given): CPU, memory, disk, load, network, alerts.')
    .option('--interval <seconds>', 'seconds between lines', '2')
    .option('--host <id>', 'only this host (repeatable)', collect)
    .option('--count <n>', 'stop after n intervals')
    .option('--json', 'one JSON object (the host summary) per line')
    .option('--hub <url>', 'the hub (or $VIGIL_HUB, or `vigil login`)')
    .option('--token <token>', 'an API token (or $VIGIL_TOKEN)')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOptions(Options, raw);
      const { hub, token } = resolveHub(o);
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      for (let n = 0; !o.count || n < o.count; n++) {
        const started = Date.now();
        const all = await hubJson(hub, token, '/api/v1/hosts', z.array(HostSummary));
        const hosts = o.host ? all.filter((h) => o.host?.includes(h.id) || o.host?.includes(h.hostname)) : all;
        if (o.host && hosts.length === 0)
          throw new UsageError(`no host ${o.host.map((h) => `"${h}"`).join(', ')} on ${hub} (hosts: ${all.map((h) => h.id).join(', ')})`);
        const width = Math.max(...hosts.map((h) => h.hostname.length));
        for (const h of hosts) console.log(o.json ? JSON.stringify(h) : monitorLine(h, width));
        if (o.count && n + 1 >= o.count) break;
        try {
          await sleep(Math.max(0, o.interval * 1000 - (Date.now() - started)), undefined, { signal: stop.signal });
        } catch {
          break;
        }
      }
    });
}
