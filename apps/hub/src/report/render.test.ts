import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '@vigil/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore, openDatabase } from '../store/index.ts';
import { SqliteStorage } from '../store/tsdb/index.ts';
import { csvField, csvReport } from './csv.ts';
import { figure, metricName } from './format.ts';
import { htmlReport } from './html.ts';
import { jsonReport } from './json.ts';
import { buildReport } from './model.ts';
import { pdfReport } from './pdf.ts';
import { storageSource } from './source.ts';
import { HOURS, NOW, seedDataset } from './test-dataset.ts';

let dir: string;
let storage: SqliteStorage;
let report: Report;
let pdfPath: string;

/** Collects a PDF stream (with its text left uncompressed) into a file. */
async function writePdf(path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const doc = pdfReport(report, { compress: false });
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  const pdf = Buffer.concat(chunks);
  writeFileSync(path, pdf);
  return pdf;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-report-render-'));
  storage = new SqliteStorage({ path: join(dir, 'history.db'), now: () => NOW, background: false, flushIntervalMs: 5 });
  const alerts = new AlertStore(openDatabase(':memory:'));
  const hosts = seedDataset(storage, alerts);
  report = await buildReport({ source: storageSource(storage), alerts, hosts, hours: HOURS });
  pdfPath = join(dir, 'report.pdf');
  await writePdf(pdfPath);
}, 60_000);

afterAll(() => {
  storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** RFC 4180, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

const stats = () => report.hosts.flatMap((h) => h.stats.map((s) => ({ host: h, stat: s })));

describe('JSON', () => {
  it('streams the same document as the model', () => {
    expect(JSON.parse([...jsonReport(report)].join(''))).toEqual(report);
  });
});

describe('CSV', () => {
  it('has a row per host and figure with the numbers of the model', () => {
    const [header, ...rows] = parseCsv([...csvReport(report)].join(''));
    expect(header).toEqual([
      'host',
      'hostname',
      'metric',
      'filesystem',
      'unit',
      'avg',
      'p95',
      'max',
      'last',
      'count',
      'basis',
      'from',
      'to',
    ]);
    expect(rows).toHaveLength(stats().length);
    for (const { host, stat } of stats()) {
      const row = rows.find((r) => r[0] === host.id && r[2] === stat.metric && r[3] === (stat.label ?? ''));
      expect(row, `${host.id} ${stat.metric} ${stat.label}`).toBeDefined();
      const [avg, p95, max, last, count] = (row as string[]).slice(5, 10).map(Number);
      expect({ avg, p95, max, last, count }).toEqual({ avg: stat.avg, p95: stat.p95, max: stat.max, last: stat.last, count: stat.count });
      expect((row as string[])[10]).toBe('raw samples');
      expect((row as string[])[11]).toBe(new Date(report.from).toISOString());
    }
  });

  it('gives the other tables one at a time', () => {
    const table = (name: 'processes' | 'alerts' | 'recommendations' | 'trends') => parseCsv([...csvReport(report, name)].join(''));
    const processes = table('processes');
    expect(processes[0]?.slice(0, 6)).toEqual(['host', 'hostname', 'ranking', 'rank', 'pid', 'name']);
    expect(processes.find((r) => r[0] === 'db-1' && r[2] === 'memory' && r[3] === '1')?.[5]).toBe('leaky-java');
    expect(table('alerts')).toHaveLength(1 + 12);
    const recs = table('recommendations');
    expect(recs.slice(1).map((r) => r[3])).toEqual(['memory-high', 'disk-full', 'alert-noise']);
    expect(recs[1]?.[6]).toContain('grew most: leaky-java (pid 4242): +5.0 GiB');
    expect(table('trends').find((r) => r[3] === '/var')?.[9]).toBe(
      String(report.hosts[0]?.trends.find((t) => t.label === '/var')?.daysToLimit),
    );
  });

  it('quotes what needs quoting and defuses what a spreadsheet would run', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-3.5)).toBe('-3.5');
    expect(csvField(null)).toBe('');
  });
});

describe('HTML', () => {
  const html = () => [...htmlReport(report)].join('');

  it('is one self-contained page: inline CSS and SVG, no script, no external asset', () => {
    const page = html();
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(page).not.toMatch(/<script|<link|<img|src=|url\(/i);
    expect(page).toContain('<style>');
  });

  it('states every figure of the model', () => {
    const page = html();
    for (const { host, stat } of stats()) {
      const row = new RegExp(`<tr data-metric="${stat.metric}" data-label="${stat.label ?? ''}">(.*?)</tr>`).exec(
        page.slice(page.indexOf(`id="host-${host.id}"`)),
      )?.[1];
      expect(row, `${host.id} ${stat.metric}`).toBeDefined();
      const cells = [...(row as string).matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);
      expect(cells).toEqual([
        metricName(stat.metric, stat.label),
        figure(stat.avg, stat.unit),
        figure(stat.p95, stat.unit),
        figure(stat.max, stat.unit),
        figure(stat.last, stat.unit),
      ]);
    }
    for (const r of report.hosts.flatMap((h) => h.recommendations)) expect(page).toContain(r.title.replaceAll('"', '&quot;'));
  });

  it('draws four charts per host, as paths through the per-step points', () => {
    const page = html();
    const svgs = page.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs).toHaveLength(4 * report.hosts.length);
    const cpu = svgs[0] as string;
    expect(cpu).toContain('CPU usage');
    const d = /<path d="([^"]+)"/.exec(cpu)?.[1] ?? '';
    // 240 minutes of data: one point per minute.
    expect(d.split('L')).toHaveLength(240);
  });
});

describe('a host without data in the window', () => {
  it('is reported as such in every format', async () => {
    const ghost = { id: 'ghost', hostname: 'ghost.example.net', identity: null, status: 'offline', lastSeen: 0 };
    const alerts = new AlertStore(openDatabase(':memory:'));
    const empty = await buildReport({ source: storageSource(storage), alerts, hosts: [ghost], hours: 1 });
    expect(empty.hosts[0]).toMatchObject({ dataFrom: null, stats: [], trends: [], recommendations: [], processes: { frames: 0 } });
    expect([...htmlReport(empty)].join('')).toContain('no data in this window');
    expect([...csvReport(empty)]).toHaveLength(1);
    const chunks: Buffer[] = [];
    const doc = pdfReport(empty, { compress: false });
    doc.on('data', (c: Buffer) => chunks.push(c));
    await new Promise((resolve) => doc.on('end', resolve));
    expect(Buffer.concat(chunks).toString('latin1')).toMatch(/%%EOF\s*$/);
  });
});

describe('PDF', () => {
  const text = () => execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });

  it('carries the figures of the model, host by host', () => {
    const pages = text().split('\f');
    expect(pages.length).toBeGreaterThanOrEqual(1 + report.hosts.length);
    for (const { host, stat } of stats()) {
      const page = pages.find((p) => p.startsWith(host.hostname)) as string;
      expect(page, host.hostname).toBeDefined();
      // The table row: the name, then the figures (a chart title such as "CPU usage" has one space only).
      const line = page
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l.startsWith(`${metricName(stat.metric, stat.label)}  `));
      expect(line, `${host.id} ${stat.metric} ${stat.label}`).toBeDefined();
      const cells = (line as string)
        .slice(metricName(stat.metric, stat.label).length)
        .trim()
        .split(/\s{2,}/);
      expect(cells).toEqual([
        figure(stat.avg, stat.unit),
        figure(stat.p95, stat.unit),
        figure(stat.max, stat.unit),
        figure(stat.last, stat.unit),
      ]);
    }
    const all = text().replace(/\s+/g, ' ');
    for (const r of report.hosts.flatMap((h) => h.recommendations)) expect(all).toContain(r.title);
    expect(all).toContain('leaky-java (4242)');
  });

  it('draws its charts as vector lines', () => {
    const raw = readFileSync(pdfPath, 'latin1');
    const lineTos = raw.match(/[\d.-]+ [\d.-]+ l\n/g) ?? [];
    expect(lineTos.length).toBeGreaterThan(4 * 200 * report.hosts.length);
  });

  it('renders every page, none blank', () => {
    const out = join(dir, 'page');
    execFileSync('pdftoppm', ['-gray', '-r', '36', pdfPath, out]);
    const files = readdirSync(dir)
      .filter((f) => f.startsWith('page') && f.endsWith('.pgm'))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(1 + report.hosts.length);
    for (const file of files) {
      // PGM (P5): "P5 width height 255" then one byte per pixel.
      const pgm = readFileSync(join(dir, file));
      const head = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 40).toString('latin1')) as RegExpExecArray;
      const pixels = pgm.subarray(head[0].length);
      expect(pixels.length).toBe(Number(head[1]) * Number(head[2]));
      let ink = 0;
      for (const p of pixels) if (p < 200) ink++;
      expect(ink / pixels.length, file).toBeGreaterThan(0.01);
    }
  });
});
