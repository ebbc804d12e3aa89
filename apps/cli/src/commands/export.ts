import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import * as z from 'zod';
import { hubFetch, resolveHub } from '../hub-client.ts';
import { parseOptions } from '../usage.ts';

const ExportOptions = z.object({
  format: z.enum(['json', 'csv']).default('json'),
  hours: z.coerce
    .number({ message: 'must be a number of hours' })
    .positive('must be positive')
    .max(24 * 366)
    .default(24),
  host: z.array(z.string().min(1)).optional(),
  metric: z.array(z.string().min(1)).optional(),
  output: z.string().min(1).optional(),
  hub: z.string().url().optional(),
  token: z.string().optional(),
});

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `vigil export`: streams history from the hub to a file (or stdout), with a progress bar on a terminal. */
export function exportCommand(): Command {
  return new Command('export')
    .description('Export raw history as JSON or CSV, streamed from the hub.')
    .option('--format <format>', 'json or csv', 'json')
    .option('--hours <hours>', 'how far back', '24')
    .option('--host <id>', 'only this host (repeatable)', collect)
    .option('--metric <name>', 'only this metric (repeatable)', collect)
    .option('-o, --output <file>', 'write here instead of standard output')
    .option('--hub <url>', 'the hub (or $VIGIL_HUB, or `vigil login`)')
    .option('--token <token>', 'an API token (or $VIGIL_TOKEN)')
    .action(async (raw: Record<string, unknown>) => {
      const o = parseOptions(ExportOptions, raw);
      const { hub, token } = resolveHub(o);
      const query = new URLSearchParams({ format: o.format, hours: String(o.hours) });
      for (const h of o.host ?? []) query.append('host', h);
      for (const m of o.metric ?? []) query.append('metric', m);
      const response = await hubFetch(hub, token, `/api/v1/export?${query}`);
      const totalSeries = Number(response.headers.get('x-vigil-series') ?? 0);
      // Progress by series: each series of the export starts with its "host" key (JSON) or its rows (CSV).
      const showProgress = !!o.output && process.stderr.isTTY;
      const bar = new SingleBar(
        { format: 'exporting [{bar}] {percentage}% | {value}/{total} series | {size}', hideCursor: true, stream: process.stderr },
        Presets.shades_classic,
      );
      if (showProgress) bar.start(totalSeries, 0, { size: '0 B' });
      let bytes = 0;
      let seriesSeen = 0;
      let lastKey = '';
      const counter = new Writable({
        write(chunk: Buffer, _encoding, done) {
          bytes += chunk.length;
          const text = chunk.toString('utf8');
          if (o.format === 'json') seriesSeen += text.split('{"host":').length - 1;
          else
            for (const line of text.split('\n')) {
              const key = line.split(',').slice(1, 4).join(',');
              if (key && key !== lastKey && !line.startsWith('time,')) {
                seriesSeen++;
                lastKey = key;
              }
            }
          if (showProgress) bar.update(Math.min(seriesSeen, totalSeries), { size: `${(bytes / 1024 / 1024).toFixed(1)} MiB` });
          done();
        },
      });
      const body = response.body;
      if (!body) throw new Error('the hub sent no body');
      const { Readable } = await import('node:stream');
      const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream);
      const sink = o.output ? createWriteStream(o.output) : process.stdout;
      source.on('data', (chunk: Buffer) => counter.write(chunk));
      await pipeline(source, sink);
      if (showProgress) {
        bar.update(totalSeries);
        bar.stop();
      }
      if (o.output) process.stderr.write(`wrote ${o.output}: ${totalSeries} series, ${(bytes / 1024 / 1024).toFixed(1)} MiB\n`);
    });
}
