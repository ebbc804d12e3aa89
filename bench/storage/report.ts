/** The storage benchmark's readable table and its one-line JSON summary. */
import { roundOrNull } from '../lib/percentile.ts';
import type { NaiveFigures } from './naive-sqlite.ts';
import type { VictoriaFigures } from './victoria.ts';
import type { IngestFigures, QueryTiming, SizeFigures } from './vigil-store.ts';

/** Vigil's storage targets (DESIGN.md "Targets"; the issue's figures). */
export const TARGETS = {
  /** Database file + -wal after a final flush and checkpoint, over samples taken. */
  bytesPerSampleMax: 1.0,
  /** append + flush on one core, wall time. */
  ingestSamplesPerSecondMin: 500_000,
  /** 24 h of one series downsampled to 1,000 points, median. */
  downsampledQueryMsMax: 20,
} as const;

export interface Results {
  quick: boolean;
  hosts: number;
  hours: number;
  recording: { frames: number; recordedAt: string; host: string };
  seriesPerHost: number;
  from: number;
  to: number;
  query: { host: string; series: string; downsampleStepMs: number; runs: number };
  vigil: {
    ingest: IngestFigures;
    otherCpuPercent: number;
    rollups: { ms: number; cpuMs: number; calls: number };
    size: SizeFigures;
    afterClose: { fileBytes: number; usedBytes: number };
    raw: QueryTiming;
    down: QueryTiming;
  };
  vigilMonth: {
    days: number;
    stepSeconds: number;
    ingest: IngestFigures;
    rollups: { ms: number; cpuMs: number; calls: number };
    deletedByRetention: number;
    size: SizeFigures;
    query: QueryTiming;
  } | null;
  naive: NaiveFigures | null;
  victoria: VictoriaFigures | null;
  busyBeforePercent: number;
  workDir: string | null;
  elapsedSeconds: number;
}

const r = roundOrNull;
const f = (v: number | null | undefined, digits = 0): string =>
  v !== null && v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
const mb = (bytes: number) => f(bytes / 1024 ** 2, 1);

function pad(rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Bytes of the tables and indexes of one kind, from dbstat. */
function tableBytes(size: SizeFigures, ...names: string[]): number {
  return size.tables.filter((t) => names.includes(t.name)).reduce((n, t) => n + t.bytes, 0);
}

/** Tables and indexes by role, in both history formats (1: chunks WITHOUT ROWID, process_history; 2: rowid chunks, process_blocks). */
const CHUNK_TABLES = ['chunks', 'sqlite_autoindex_chunks_1', 'chunks_key'];
const WAL_TABLES = ['wal', 'wal_v1'];
const PROCESS_TABLES = ['process_history', 'process_blocks', 'process_blocks_key', 'process_blocks_age'];
const SERIES_TABLES = ['series', 'series_metric', 'sqlite_autoindex_series_1'];

/** Where Vigil's bytes go, per sample taken. */
export function breakdown(size: SizeFigures, samples: number) {
  const per = (bytes: number) => bytes / samples;
  const chunkTable = tableBytes(size, ...CHUNK_TABLES);
  const raw = size.tiers.find((t) => t.tier === 0);
  const minute = size.tiers.find((t) => t.tier === 1);
  const hour = size.tiers.find((t) => t.tier === 2);
  return {
    fileBytesPerSample: per(size.fileBytes),
    sizeBytesPerSample: per(size.sizeBytes),
    chunksTable: per(chunkTable),
    chunksIndex: per(tableBytes(size, 'chunks_age')),
    rawBlobs: per(raw?.blobBytes ?? 0),
    minuteBlobs: per(minute?.blobBytes ?? 0),
    hourBlobs: per(hour?.blobBytes ?? 0),
    walTable: per(tableBytes(size, ...WAL_TABLES)),
    /** The hosts' checkpoints (their open chunks and process blocks), which replace their write-ahead rows. */
    checkpoints: per(tableBytes(size, 'checkpoints', 'sqlite_autoindex_checkpoints_1')),
    processHistory: per(tableBytes(size, ...PROCESS_TABLES)),
    series: per(tableBytes(size, ...SERIES_TABLES)),
    other: per(
      size.sizeBytes -
        tableBytes(
          size,
          ...CHUNK_TABLES,
          'chunks_age',
          ...WAL_TABLES,
          'checkpoints',
          'sqlite_autoindex_checkpoints_1',
          ...PROCESS_TABLES,
          ...SERIES_TABLES,
        ),
    ),
    freePages: per(size.freePages * size.pageSize),
    /** Pages in use for the series alone: everything but the write-ahead table, checkpoints, process history and free pages. */
    seriesOnly: per(size.sizeBytes - tableBytes(size, ...WAL_TABLES, 'checkpoints', 'sqlite_autoindex_checkpoints_1', ...PROCESS_TABLES)),
    rawBlobBytesPerPoint: raw?.bytesPerPoint ?? null,
    /** Raw chunks: how many, and what fraction of their table's pages is not payload (B-tree slack, headers). */
    rawChunks: raw?.chunks ?? 0,
    chunkTableUnusedFraction: (() => {
      const t = size.tables.find((x) => x.name === 'chunks');
      return t ? t.unused / t.bytes : null;
    })(),
  };
}

export function checks(res: Results) {
  const samples = res.vigil.ingest.samples;
  const bytesPerSample = res.vigil.size.fileBytes / samples;
  return {
    bytesPerSample: bytesPerSample <= TARGETS.bytesPerSampleMax,
    ingest: res.vigil.ingest.samplesPerSecond >= TARGETS.ingestSamplesPerSecondMin,
    downsampledQuery: res.vigil.down.medianMs <= TARGETS.downsampledQueryMsMax,
  };
}

const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

export function table(res: Results): string {
  const v = res.vigil;
  const samples = v.ingest.samples;
  const b = breakdown(v.size, samples);
  const c = checks(res);
  const lines: string[] = [];
  lines.push(
    `Storage benchmark: ${res.hosts} hosts x ${res.hours} h at 1 s, ${samples.toLocaleString('en')} samples (${f(res.seriesPerHost)} series per host), from ${res.recording.frames} frames recorded on ${res.recording.host} at ${res.recording.recordedAt}`,
  );
  lines.push(
    `Query: ${res.query.series} of ${res.query.host}, ${res.hours} h; downsampled with step ${res.query.downsampleStepMs} ms; median of ${res.query.runs} runs after one untimed first run`,
  );
  lines.push('');
  const rows: string[][] = [
    ['store', 'bytes/sample', 'on disk MB', 'ingest samples/s', 'per CPU-s', 'raw query ms', 'points', '1000-pt query ms', 'points'],
  ];
  rows.push([
    'vigil',
    f(b.fileBytesPerSample, 3),
    mb(v.size.fileBytes),
    f(v.ingest.samplesPerSecond),
    f(v.ingest.samplesPerCpuSecond),
    f(v.raw.medianMs, 2),
    f(v.raw.points),
    f(v.down.medianMs, 2),
    f(v.down.points),
  ]);
  if (res.naive)
    rows.push([
      `naive sqlite (${res.naive.hosts} host${res.naive.hosts > 1 ? 's' : ''})`,
      f(res.naive.bytesPerSample, 3),
      mb(res.naive.fileBytes),
      f(res.naive.samplesPerSecond),
      f(res.naive.samplesPerCpuSecond),
      f(res.naive.query24hRaw.medianMs, 2),
      f(res.naive.query24hRaw.points),
      f(res.naive.query24hDownsampled.medianMs, 2),
      f(res.naive.query24hDownsampled.points),
    ]);
  if (res.victoria?.available) {
    const vm = res.victoria;
    rows.push([
      'victoria-metrics',
      f(vm.bytesPerSample, 3),
      mb(vm.diskBytes),
      `(import ${f(vm.samples / (vm.importWallMs / 1000))})`,
      f(vm.samplesPerCpuSecond),
      f(vm.queryRawExport.medianMs, 2),
      f(vm.queryRawExport.points),
      f(vm.queryDownsampled.medianMs, 2),
      f(vm.queryDownsampled.points),
    ]);
  } else if (res.victoria) rows.push(['victoria-metrics', `unavailable: ${res.victoria.reason}`, '', '', '', '', '', '', '']);
  lines.push(pad(rows));
  if (res.victoria?.available) {
    const vm = res.victoria;
    lines.push(
      `  victoria-metrics (${vm.version}): data ${f(vm.dataBytesPerSample, 3)} B/sample + indexdb ${mb(vm.indexBytes)} MB; merged ${vm.merged}; raw = /api/v1/export; query_range step=1s: ${f(vm.queryRawRange.medianMs, 2)} ms, ${f(vm.queryRawRange.points)} points${vm.queryRawRange.error ? ` (${vm.queryRawRange.error})` : ''}; 1000-pt = avg_over_time, nocache; times are HTTP request to last byte`,
    );
  }
  lines.push('');
  lines.push(
    `vigil ingest: ${f(v.ingest.wallMs / 1000, 1)} s in append+flush (append ${f(v.ingest.appendMs / 1000, 1)} s, flush ${f(v.ingest.flushMs / 1000, 1)} s), CPU ${f(v.ingest.cpuMs / 1000, 1)} s; whole loop with synthesis ${f(v.ingest.totalWallMs / 1000, 1)} s; rest of the machine ${f(v.otherCpuPercent)} % of a core`,
  );
  lines.push(
    `vigil rollups: ${f(v.rollups.ms / 1000, 1)} s (${v.rollups.calls} step calls); first-run query ms: raw ${f(v.raw.firstMs, 1)}, downsampled ${f(v.down.firstMs, 1)} (tier ${v.down.tier})`,
  );
  lines.push(
    `vigil size: files ${mb(v.size.fileBytes)} MB after checkpoint (${mb(v.size.fileBytesBeforeCheckpoint)} MB before: db + -wal), sizeBytes() ${mb(v.size.sizeBytes)} MB; after close() ${mb(res.vigil.afterClose.fileBytes)} MB (${f(res.vigil.afterClose.usedBytes / samples, 3)} B/sample in use)`,
  );
  lines.push(
    `  per sample: raw chunk blobs ${f(b.rawBlobs, 3)} (${f(b.rawBlobBytesPerPoint, 3)} per raw point, ${b.rawChunks} chunks), chunks table pages ${f(b.chunksTable, 3)} (${f((b.chunkTableUnusedFraction ?? 0) * 100)} % unused), chunks_age index ${f(b.chunksIndex, 3)}, minute blobs ${f(b.minuteBlobs, 3)}, hour blobs ${f(b.hourBlobs, 3)}, wal table ${f(b.walTable, 3)}, checkpoints ${f(b.checkpoints, 3)}, process history ${f(b.processHistory, 3)}, series ${f(b.series, 3)}, other ${f(b.other, 3)}, free pages ${f(b.freePages, 3)}`,
  );
  lines.push(`  series alone (pages in use minus the wal table and process history): ${f(b.seriesOnly, 3)} B/sample`);
  const top = v.size.metrics.slice(0, 12).map((m) => `${m.metric} ${f(m.bytesPerSample, 2)} (${m.series})`);
  lines.push(`  raw bytes per sample by metric, costliest first (series): ${top.join(', ')}`);
  if (res.vigilMonth) {
    const m = res.vigilMonth;
    lines.push(
      `vigil ${m.days} days, 1 host at one frame per ${m.stepSeconds} s: ingest ${f(m.ingest.samplesPerSecond)} samples/s, rollups ${f(m.rollups.ms / 1000, 1)} s, raw older than 7 days dropped (${m.deletedByRetention} chunks); per-minute query of ${m.days} days: ${f(m.query.medianMs, 2)} ms median, ${m.query.points} points, tier ${m.query.tier}; file ${mb(m.size.fileBytes)} MB`,
    );
  }
  lines.push(`run: ${f(res.elapsedSeconds)} s in all; the machine was ${f(res.busyBeforePercent)} % of a core busy just before`);
  lines.push('');
  lines.push(
    `targets: bytes/sample ${f(b.fileBytesPerSample, 3)} <= ${TARGETS.bytesPerSampleMax}: ${pass(c.bytesPerSample)}; ingest ${f(v.ingest.samplesPerSecond)} >= ${TARGETS.ingestSamplesPerSecondMin}: ${pass(c.ingest)}; ${res.hours} h at 1000 points ${f(v.down.medianMs, 2)} ms <= ${TARGETS.downsampledQueryMsMax}: ${pass(c.downsampledQuery)}`,
  );
  return lines.join('\n');
}

const roundTiming = (t: QueryTiming) => ({
  medianMs: r(t.medianMs, 3),
  minMs: r(t.minMs, 3),
  firstMs: r(t.firstMs, 3),
  points: t.points,
  tier: t.tier,
});

/** The JSON summary (last line of stdout). */
export function summary(res: Results) {
  const v = res.vigil;
  const samples = v.ingest.samples;
  const b = breakdown(v.size, samples);
  const c = checks(res);
  const vm = res.victoria;
  return {
    bench: 'storage',
    quick: res.quick,
    hosts: res.hosts,
    hours: res.hours,
    samples,
    seriesPerHost: r(res.seriesPerHost, 1),
    recording: res.recording,
    query: res.query,
    vigil: {
      bytesPerSample: r(b.fileBytesPerSample, 4),
      fileBytes: v.size.fileBytes,
      fileBytesBeforeCheckpoint: v.size.fileBytesBeforeCheckpoint,
      sizeBytes: v.size.sizeBytes,
      sizeBytesPerSample: r(b.sizeBytesPerSample, 4),
      afterClose: { ...v.afterClose, usedBytesPerSample: r(v.afterClose.usedBytes / samples, 4) },
      breakdownBytesPerSample: Object.fromEntries(Object.entries(b).map(([k, x]) => [k, typeof x === 'number' ? r(x, 4) : x])),
      tiers: v.size.tiers.map((t) => ({ ...t, bytesPerPoint: r(t.bytesPerPoint, 3) })),
      tables: v.size.tables,
      metricsRawBytesPerSample: v.size.metrics.map((m) => ({ ...m, bytesPerSample: r(m.bytesPerSample, 3) })),
      ingest: {
        samplesPerSecond: r(v.ingest.samplesPerSecond, 0),
        samplesPerCpuSecond: r(v.ingest.samplesPerCpuSecond, 0),
        frames: v.ingest.frames,
        wallSeconds: r(v.ingest.wallMs / 1000, 2),
        appendSeconds: r(v.ingest.appendMs / 1000, 2),
        flushSeconds: r(v.ingest.flushMs / 1000, 2),
        cpuSeconds: r(v.ingest.cpuMs / 1000, 2),
        loopSecondsWithSynthesis: r(v.ingest.totalWallMs / 1000, 1),
        otherCpuPercent: r(v.otherCpuPercent, 1),
      },
      rollups: { seconds: r(v.rollups.ms / 1000, 2), cpuSeconds: r(v.rollups.cpuMs / 1000, 2), calls: v.rollups.calls },
      query24hRaw: roundTiming(v.raw),
      query24hDownsampled: roundTiming(v.down),
    },
    vigilMonth: res.vigilMonth && {
      days: res.vigilMonth.days,
      stepSeconds: res.vigilMonth.stepSeconds,
      samples: res.vigilMonth.ingest.samples,
      ingestSamplesPerSecond: r(res.vigilMonth.ingest.samplesPerSecond, 0),
      rollupSeconds: r(res.vigilMonth.rollups.ms / 1000, 2),
      deletedByRetention: res.vigilMonth.deletedByRetention,
      fileBytes: res.vigilMonth.size.fileBytes,
      tiers: res.vigilMonth.size.tiers.map((t) => ({ ...t, bytesPerPoint: r(t.bytesPerPoint, 3) })),
      queryPerMinute: roundTiming(res.vigilMonth.query),
    },
    naive: res.naive && {
      hosts: res.naive.hosts,
      samples: res.naive.samples,
      bytesPerSample: r(res.naive.bytesPerSample, 3),
      fileBytes: res.naive.fileBytes,
      samplesPerSecond: r(res.naive.samplesPerSecond, 0),
      samplesPerCpuSecond: r(res.naive.samplesPerCpuSecond, 0),
      query24hRaw: {
        ...res.naive.query24hRaw,
        medianMs: r(res.naive.query24hRaw.medianMs, 3),
        firstMs: r(res.naive.query24hRaw.firstMs, 3),
      },
      query24hDownsampled: {
        ...res.naive.query24hDownsampled,
        medianMs: r(res.naive.query24hDownsampled.medianMs, 3),
        firstMs: r(res.naive.query24hDownsampled.firstMs, 3),
      },
    },
    victoria:
      vm === null
        ? null
        : vm.available
          ? {
              available: true,
              version: vm.version,
              samples: vm.samples,
              diskBytes: vm.diskBytes,
              dataBytes: vm.dataBytes,
              indexBytes: vm.indexBytes,
              bytesPerSample: r(vm.bytesPerSample, 4),
              dataBytesPerSample: r(vm.dataBytesPerSample, 4),
              merged: vm.merged,
              importSeconds: r(vm.importWallMs / 1000, 2),
              cpuSeconds: r(vm.cpuMs / 1000, 2),
              samplesPerCpuSecond: r(vm.samplesPerCpuSecond, 0),
              query24hRawExport: {
                ...vm.queryRawExport,
                medianMs: r(vm.queryRawExport.medianMs, 3),
                firstMs: r(vm.queryRawExport.firstMs, 3),
              },
              query24hRawQueryRange: {
                ...vm.queryRawRange,
                medianMs: r(vm.queryRawRange.medianMs, 3),
                firstMs: r(vm.queryRawRange.firstMs, 3),
              },
              query24hDownsampled: {
                ...vm.queryDownsampled,
                medianMs: r(vm.queryDownsampled.medianMs, 3),
                firstMs: r(vm.queryDownsampled.firstMs, 3),
              },
            }
          : { available: false, reason: vm.reason },
    ratios: {
      naiveBytesOverVigil: res.naive ? r(res.naive.bytesPerSample / b.fileBytesPerSample, 2) : null,
      victoriaBytesOverVigil: vm?.available ? r(vm.bytesPerSample / b.fileBytesPerSample, 2) : null,
    },
    targets: TARGETS,
    checks: c,
    pass: c.bytesPerSample && c.ingest && c.downsampledQuery,
    busyBeforePercent: r(res.busyBeforePercent, 1),
    elapsedSeconds: r(res.elapsedSeconds, 0),
    workDir: res.workDir,
  };
}
