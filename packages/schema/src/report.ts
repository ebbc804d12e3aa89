import * as z from 'zod';
import { Severity } from './alerts.ts';

/**
 * The performance report (seed 001's "Report Content": summary, trends and projections, top consumers,
 * alert history and statistics, recommendations). This JSON is the canonical model; the CSV, HTML and PDF
 * renderings are drawn from it.
 */
export const ReportFormat = z.enum(['json', 'csv', 'html', 'pdf']);
export type ReportFormat = z.infer<typeof ReportFormat>;

/** The tables of the CSV rendering: one rectangular table per request, as spreadsheets expect. */
export const ReportCsvTable = z.enum(['metrics', 'trends', 'processes', 'alerts', 'recommendations']);
export type ReportCsvTable = z.infer<typeof ReportCsvTable>;

/** What a statistic is computed over: every stored sample, or per-minute / per-hour averages for long windows. */
export const ReportBasisKind = z.enum(['raw samples', 'per-minute averages', 'per-hour averages']);
export type ReportBasisKind = z.infer<typeof ReportBasisKind>;

/** Average, 95th percentile and maximum of one series (or a sum of series) over the window. */
export const ReportStat = z.object({
  /** A catalogue name: cpu_usage_percent, memory_used_percent, disk_used_percent, network_*_bytes_per_second, load1. */
  metric: z.string(),
  /** The filesystem (mountpoint) of disk_used_percent; null for the host-wide figures. */
  label: z.string().nullable(),
  unit: z.string(),
  avg: z.number().nullable(),
  p95: z.number().nullable(),
  max: z.number().nullable(),
  /** The latest value of the window. */
  last: z.number().nullable(),
  /** How many values avg, p95 and max are computed over (raw samples or per-step averages: see `basis`). */
  count: z.number().int().nonnegative(),
});
export type ReportStat = z.infer<typeof ReportStat>;

/** A chart's line: one value per step of `charts`, null where there was no data. */
export const ReportSeries = z.object({
  metric: z.string(),
  label: z.string().nullable(),
  unit: z.string(),
  values: z.array(z.number().nullable()),
});
export type ReportSeries = z.infer<typeof ReportSeries>;

/** A least-squares line through the points the statistics use, and where it leads. */
export const ReportTrend = z.object({
  metric: z.string(),
  label: z.string().nullable(),
  unit: z.string(),
  /** Change per day of the fitted line. */
  slopePerDay: z.number().nullable(),
  /** How well the line fits (1 = perfectly; near 0 = no linear trend). */
  r2: z.number().nullable(),
  /** The line's value at the end of the window. */
  fittedEnd: z.number().nullable(),
  /** The level the projection is about (100 % for disk and memory), null for metrics without one. */
  limit: z.number().nullable(),
  /** Days from the end of the window until the line reaches `limit`; null when it does not rise or has no limit. */
  daysToLimit: z.number().nullable(),
  /** Time between the first and the last point of the fit. */
  spanMs: z.number().nonnegative(),
  points: z.number().int().nonnegative(),
  /** The projection in words, e.g. "rises 1.20 % per day; full in 24.5 days at this rate". */
  text: z.string(),
});
export type ReportTrend = z.infer<typeof ReportTrend>;

/** A process of the process history, over the window. */
export const ReportProcess = z.object({
  pid: z.number().int(),
  name: z.string(),
  user: z.string(),
  cmdline: z.string(),
  /** Frames in which it was among the top processes the history keeps. */
  seen: z.number().int(),
  /** Averages over every frame of the window (0 where it was not among the top processes), and peaks. */
  cpuPercentAvg: z.number(),
  cpuPercentPeak: z.number(),
  memoryRssBytesAvg: z.number(),
  memoryRssBytesPeak: z.number(),
  ioBytesPerSecondAvg: z.number(),
  ioBytesPerSecondPeak: z.number(),
  /** Resident memory when first and last seen in the window, and when. */
  memoryRssBytesFirst: z.number(),
  memoryRssBytesLast: z.number(),
  firstSeen: z.number(),
  lastSeen: z.number(),
});
export type ReportProcess = z.infer<typeof ReportProcess>;

export const ReportAlert = z.object({
  id: z.number().int(),
  rule: z.string(),
  subject: z.string(),
  severity: Severity,
  state: z.string(),
  message: z.string(),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  firedAt: z.number(),
  resolvedAt: z.number().nullable(),
  /** Firing time inside the window. */
  firingMs: z.number().nonnegative(),
  acknowledged: z.boolean(),
});
export type ReportAlert = z.infer<typeof ReportAlert>;

/** Counts of fired alerts, by severity and by rule. */
export const ReportAlertStatistics = z.object({
  total: z.number().int(),
  firing: z.number().int(),
  bySeverity: z.record(z.string(), z.number().int()),
  byRule: z.record(z.string(), z.number().int()),
});

export const ReportEvidence = z.object({
  label: z.string(),
  /** The figure in `unit` (ms for durations), null for evidence that is a name. */
  value: z.number().nullable(),
  unit: z.string().nullable(),
  /** The figure for people, e.g. "3 h 10 min". */
  text: z.string(),
});
export type ReportEvidence = z.infer<typeof ReportEvidence>;

export const RecommendationKind = z.enum(['memory-high', 'memory-trend', 'disk-full', 'cpu-saturated', 'load-high', 'alert-noise']);
export type RecommendationKind = z.infer<typeof RecommendationKind>;

/** Advice derived from the data, never without the evidence it rests on. */
export const ReportRecommendation = z.object({
  hostId: z.string(),
  kind: RecommendationKind,
  severity: Severity,
  title: z.string(),
  /** What was seen and what to do, in a sentence or two. */
  detail: z.string(),
  evidence: z.array(ReportEvidence).min(1),
  /** The process the evidence names, if any. */
  process: z.object({ pid: z.number().int(), name: z.string() }).nullable(),
});
export type ReportRecommendation = z.infer<typeof ReportRecommendation>;

export const HostReport = z.object({
  id: z.string(),
  hostname: z.string(),
  os: z.string(),
  kernel: z.string(),
  cpuModel: z.string(),
  cpuCores: z.number().int(),
  memoryTotalBytes: z.number(),
  status: z.string(),
  lastSeen: z.number(),
  /** The first and last sample of the window (null: no data in the window). */
  dataFrom: z.number().nullable(),
  dataTo: z.number().nullable(),
  stats: z.array(ReportStat),
  charts: z.object({ start: z.number(), stepMs: z.number().int().positive(), series: z.array(ReportSeries) }),
  trends: z.array(ReportTrend),
  processes: z.object({
    /** Frames of process history in the window (the denominator of the averages). */
    frames: z.number().int(),
    byCpu: z.array(ReportProcess),
    byMemory: z.array(ReportProcess),
    byIo: z.array(ReportProcess),
    /** The process whose resident memory grew most between its first and last frame of the window. */
    grewMost: ReportProcess.nullable(),
  }),
  alerts: ReportAlertStatistics.extend({
    /** Total firing time of this host's alerts inside the window. */
    firingMs: z.number().nonnegative(),
    /** Mean time from firing to resolution of the alerts that resolved. */
    meanTimeToResolveMs: z.number().nullable(),
    /** Newest first, at most 50. */
    items: z.array(ReportAlert),
    /** Alerts left out of `items`. */
    more: z.number().int().nonnegative(),
  }),
  recommendations: z.array(ReportRecommendation),
});
export type HostReport = z.infer<typeof HostReport>;

export const Report = z.object({
  v: z.literal(1),
  title: z.string(),
  generatedAt: z.number(),
  from: z.number(),
  to: z.number(),
  hours: z.number(),
  hubVersion: z.string(),
  /**
   * What the statistics are computed over. avg: the mean of every sample; p95, max and the trend lines: over
   * `p95Of` (every raw sample for windows up to 48 h within raw retention, else per-minute or per-hour averages,
   * in which short peaks are smoothed).
   */
  basis: z.object({
    avgOf: z.literal('raw samples'),
    p95Of: ReportBasisKind,
    maxOf: ReportBasisKind,
    trendOf: ReportBasisKind,
    /** Bucket of the per-step averages (null for raw samples). */
    stepMs: z.number().nullable(),
    /** Chart resolution: each chart point is the average of a step. */
    chartStepMs: z.number().int().positive(),
    note: z.string(),
  }),
  hosts: z.array(HostReport),
  summary: z.object({
    hosts: z.number().int(),
    online: z.number().int(),
    recommendations: z.object({ critical: z.number().int(), warning: z.number().int(), info: z.number().int() }),
    alerts: ReportAlertStatistics.extend({ byHost: z.record(z.string(), z.number().int()) }),
  }),
  warnings: z.array(z.string()),
});
export type Report = z.infer<typeof Report>;
