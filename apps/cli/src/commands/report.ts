import { createWriteStream, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { ReportCsvTable, ReportFormat } from '@vigil/schema';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import * as z from 'zod';
import { hubFetch, resolveHub } from '../hub-client.ts';
import { parseOptions, UsageError } from '../usage.ts';
import { fileTimestamp } from './snapshot.ts';

const ReportOptions = z.object({
  format: ReportFormat.default('pdf'),
  hours: z.coerce
    .number({ message: 'must be a number of hours' })
    .positive('must be positive')
    .max(24 * 366, 'must be at most 8784 (a year)')
    .default(24),
  host: z.array(z.string().min(1)).optional(),
  table: ReportCsvTable.optional(),
  output: z.string().min(1).optional(),
  hub: z.string().url().optional(),
  token: z.string().optional(),
});

const collect = (value: string, previous: string[] = []) => [...previous, value];
const size = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`);

/** A spinner on stderr with the bytes received, shown only when the hub takes more than a second. */
function progress(enabled: boolean) {
  const bar = new SingleBar(
    { format: '{spinner} {status} {size} received, {seconds} s', hideCursor: true, stream: process.stderr, noTTYOutput: false },
    Presets.shades_classic,
  );
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  const started = Date.now();
  let bytes = 0;
  let shown = false;
  let tick = 0;
  const payload = () => ({
    spinner: frames[tick++ % frames.length],
    status: bytes > 0 ? 'receiving the report:' : 'the hub is computing the report:',
    size: size(bytes),
    seconds: ((Date.now() - started) / 1000).toFixed(0),
  });
  const timer = enabled
    ? setInterval(() => {
        if (!shown && Date.now() - started < 1000) return;
        if (!shown) bar.start(1, 0, payload());
        shown = true;
        bar.update(0, payload());
      }, 100)
    : null;
  return {
    add(n: number) {
      bytes += n;
    },
    get bytes() {
      return bytes;
    },
    stop() {
      if (timer) clearInterval(timer);
      if (shown) bar.stop();
    },
  };
}

/**
 * `vigil report`: the hub's performance report (seed 001: `report --format pdf --hours 24`). PDF goes to a file
 * (-o, or vigil-report-<YYYYMMDD_HHMMSS>.pdf here), never to a terminal; JSON, CSV and HTML go to standard
 * output when it is not a terminal, else to such a file too.
 */
export function reportCommand(): Command {
  return new Command('report')
    .description('Generate the performance report of the last hours (summary, trends, top processes, alerts, recommendations).')
    .option('--format <format>', 'pdf, html, csv or json', 'pdf')
    .option('--hours <hours>', 'how far back', '24')
    .option('--host <id>', 'only this host (repeatable; default: every host)', collect)
    .option('--table <table>', 'with --format csv: metrics (default), trends, processes, alerts or recommendations')
    .option('-o, --output <file>', 'write here (default: standard output for json, csv and html when it is not a terminal)')
    .option('--hub <url>', 'the hub (or $VIGIL_HUB, or `vigil login`)')
    .option('--token <token>', 'an API token (or $VIGIL_TOKEN)')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOptions(ReportOptions, raw);
      if (o.table && o.format !== 'csv') throw new UsageError('--table: only with --format csv');
      const { hub, token } = resolveHub(o);
      const query = new URLSearchParams({ format: o.format, hours: String(o.hours) });
      for (const h of o.host ?? []) query.append('host', h);
      if (o.table) query.set('table', o.table);
      const toStdout = !o.output && o.format !== 'pdf' && !process.stdout.isTTY;
      const file =
        o.output ??
        (toStdout ? null : `vigil-report-${fileTimestamp(Date.now())}${o.table && o.table !== 'metrics' ? `-${o.table}` : ''}.${o.format}`);
      const meter = progress(process.stderr.isTTY === true);
      try {
        const response = await hubFetch(hub, token, `/api/v1/reports?${query}`);
        if (!response.body) throw new Error('the hub sent no body');
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            meter.add(chunk.length);
            done(null, chunk);
          },
        });
        try {
          await pipeline(Readable.fromWeb(response.body as ReadableStream), counter, file ? createWriteStream(file) : process.stdout);
        } catch (error) {
          // A report cut off half way is no report: leave no file behind.
          if (file) rmSync(file, { force: true });
          throw new UsageError(`the report from ${hub} was cut off: ${(error as Error).message}`);
        }
        meter.stop();
        if (file) {
          const hosts = response.headers.get('x-vigil-hosts');
          process.stderr.write(
            `wrote ${resolve(file)} (${o.format}, ${size(meter.bytes)}${hosts ? `, ${hosts} host${hosts === '1' ? '' : 's'}` : ''})\n`,
          );
        }
      } finally {
        meter.stop();
      }
    });
}
