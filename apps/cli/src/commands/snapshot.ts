import { writeFileSync } from 'node:fs';
// The collector alone: `@vigil/agent` would also load the hub client, the spool and the archiver.
import { Collection, type CollectOptions, readIdentity, toFrame } from '@vigil/agent/collect';
import { type Frame, type HostIdentity, toSeed000Metrics } from '@vigil/schema';
import { Command } from 'commander';
import * as z from 'zod';
import { tuneV8ForCollecting } from '../lean-heap.ts';
import { parseOptions } from '../usage.ts';

const SnapshotOptions = z.object({
  compact: z.boolean().default(false),
  watch: z.boolean().default(false),
  interval: z.coerce
    .number({ message: 'must be a number of seconds' })
    .positive('must be a positive number of seconds')
    .max(3600)
    .default(1),
  export: z.boolean().default(false),
  connections: z.boolean().optional(),
  hostname: z.string().min(1).optional(),
});
type SnapshotOptions = z.infer<typeof SnapshotOptions>;

/** Local time as YYYYMMDD_HHMMSS, the timestamp of seed 000's export file names. */
export function fileTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function oneShot(collection: Collection, identity: HostIdentity, options: SnapshotOptions): Promise<void> {
  const collect: CollectOptions = { allProcesses: true, connections: options.connections ?? true, followPids: new Set() };
  // Rates need two readings: the first primes the counters, the second, a second later, is reported.
  await collection.collect(collect);
  await sleep(1000);
  const frame = toFrame(await collection.collect(collect), 0);
  const host = { ...identity, gpus: (frame.system.gpus ?? []).map(({ index, name, uuid }) => ({ index, name, uuid })) };
  if (options.export) {
    const file = `infrastructure_metrics_${fileTimestamp(frame.ts)}.json`;
    writeFileSync(file, `${JSON.stringify({ ...toSeed000Metrics(frame), host: { identity: host, frame } }, null, 2)}\n`);
    console.error(`vigil: wrote ${file}`);
    return;
  }
  process.stdout.write(`${JSON.stringify({ host, frame }, null, options.compact ? undefined : 2)}\n`);
}

async function watch(collection: Collection, options: SnapshotOptions): Promise<void> {
  tuneV8ForCollecting();
  const collect: CollectOptions = { allProcesses: true, connections: options.connections ?? false, followPids: new Set() };
  const intervalMs = options.interval * 1000;
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  process.stdout.on('error', stop); // a closed pipe (| head) ends the watch quietly
  await collection.warmUp(collect); // primes the counters, and the JIT
  for (let seq = 0; !stopped; seq++) {
    // Cycles start on multiples of the interval of the wall clock, as agents do, so hosts line up.
    await sleep(intervalMs - (Date.now() % intervalMs));
    if (stopped) break;
    const frame: Frame = toFrame(await collection.collect(collect), seq);
    process.stdout.write(`${JSON.stringify(frame, null, options.compact ? undefined : 2)}\n`);
  }
}

/** `vigil snapshot`: one complete reading of this host as JSON, or a stream of them with --watch. */
export function snapshotCommand(): Command {
  return new Command('snapshot')
    .description('Print a complete reading of this host (all collectors, all processes) as JSON.')
    .option('--compact', 'one line of JSON instead of indented output')
    .option('--watch', 'keep reading, one frame per interval')
    .option('--interval <seconds>', 'seconds between readings with --watch', '1')
    .option('--export', 'write infrastructure_metrics_<YYYYMMDD_HHMMSS>.json (seed 000 fields plus the full reading)')
    .option('--connections', 'include the socket table with owners (default: on for one reading, off with --watch)')
    .option('--no-connections', 'leave out the socket table')
    .option('--hostname <name>', 'report this host name instead of the system one')
    .action(async (raw: Record<string, unknown>) => {
      const options = parseOptions(SnapshotOptions, raw);
      const collection = new Collection({ intervalMs: options.interval * 1000 });
      try {
        const identity = readIdentity(collection.proc, collection.sys, collection.roots, { hostname: options.hostname });
        if (options.watch) await watch(collection, options);
        else await oneShot(collection, identity, options);
      } finally {
        collection.close();
      }
    });
}
