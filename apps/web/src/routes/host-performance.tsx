import type { Frame } from '@vigil/schema';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { api } from '../api/client.ts';
import { type ChartSeries, TimeChart } from '../components/charts/time-chart.tsx';
import { Drawer } from '../components/ui/dialog.tsx';
import { bytes, number, rate, time } from '../format.ts';
import { useHostFrame } from '../stores/use-live.ts';

interface QuerySeries {
  host: string;
  metric: string;
  labels: Record<string, string>;
  points: number[][];
}
interface QueryResult {
  step: number | null;
  tier: string;
  series: QuerySeries[];
  warnings: string[];
}

type Range = { kind: 'relative'; ms: number; label: string } | { kind: 'absolute'; from: number; to: number };

const RANGES: { label: string; ms: number }[] = [
  { label: '5m', ms: 5 * 60_000 },
  { label: '1h', ms: 3_600_000 },
  { label: '24h', ms: 86_400_000 },
  { label: '7d', ms: 7 * 86_400_000 },
  { label: '30d', ms: 30 * 86_400_000 },
];

/** One chart: which series it draws, and how each is taken from the query (summed over labels, or only the label-less one). */
interface Panel {
  title: string;
  series: (ChartSeries & {
    metric: string;
    sum?: boolean;
    exclude?: (labels: Record<string, string>) => boolean;
    live: (f: Frame) => number | null;
  })[];
  yRange?: [number, number];
  yFormat?: (v: number) => string;
}

const sumOf = <T,>(rows: T[] | undefined, pick: (r: T) => number | null) => (rows ? rows.reduce((t, r) => t + (pick(r) ?? 0), 0) : null);
const notLo = (l: Record<string, string>) => l.interface === 'lo';
const pct = (v: number) => `${v.toFixed(1)} %`;

const PANELS: Panel[] = [
  {
    title: 'CPU',
    yRange: [0, 100],
    yFormat: (v) => `${v} %`,
    series: [
      { metric: 'cpu_usage_percent', label: 'busy', color: '#3fb950', format: pct, live: (f) => f.system.cpu?.total?.usagePercent ?? null },
      {
        metric: 'cpu_iowait_percent',
        label: 'iowait',
        color: '#d29922',
        format: pct,
        live: (f) => f.system.cpu?.total?.iowaitPercent ?? null,
      },
      {
        metric: 'cpu_steal_percent',
        label: 'steal',
        color: '#f85149',
        format: pct,
        live: (f) => f.system.cpu?.total?.stealPercent ?? null,
      },
    ],
  },
  {
    title: 'Load',
    series: [
      { metric: 'load1', label: '1 min', color: '#58a6ff', format: (v) => v.toFixed(2), live: (f) => f.system.load?.load1 ?? null },
      { metric: 'load5', label: '5 min', color: '#a371f7', format: (v) => v.toFixed(2), live: (f) => f.system.load?.load5 ?? null },
      { metric: 'load15', label: '15 min', color: '#8b949e', format: (v) => v.toFixed(2), live: (f) => f.system.load?.load15 ?? null },
    ],
  },
  {
    title: 'Memory and swap',
    yRange: [0, 100],
    yFormat: (v) => `${v} %`,
    series: [
      { metric: 'memory_used_percent', label: 'memory', color: '#58a6ff', format: pct, live: (f) => f.system.memory?.usedPercent ?? null },
      { metric: 'swap_used_percent', label: 'swap', color: '#d29922', format: pct, live: (f) => f.system.swap?.usedPercent ?? null },
    ],
  },
  {
    title: 'Disk I/O',
    yFormat: (v) => rate(v),
    series: [
      {
        metric: 'disk_read_bytes_per_second',
        label: 'read',
        sum: true,
        color: '#3fb950',
        format: rate,
        live: (f) => sumOf(f.system.disks, (d) => d.readBytesPerSecond),
      },
      {
        metric: 'disk_write_bytes_per_second',
        label: 'write',
        sum: true,
        color: '#f0883e',
        format: rate,
        live: (f) => sumOf(f.system.disks, (d) => d.writeBytesPerSecond),
      },
    ],
  },
  {
    title: 'Network',
    yFormat: (v) => rate(v),
    series: [
      {
        metric: 'network_receive_bytes_per_second',
        label: 'received',
        sum: true,
        exclude: notLo,
        color: '#58a6ff',
        format: rate,
        live: (f) =>
          sumOf(
            f.system.network?.filter((n) => n.interface !== 'lo'),
            (n) => n.rxBytesPerSecond,
          ),
      },
      {
        metric: 'network_transmit_bytes_per_second',
        label: 'sent',
        sum: true,
        exclude: notLo,
        color: '#a371f7',
        format: rate,
        live: (f) =>
          sumOf(
            f.system.network?.filter((n) => n.interface !== 'lo'),
            (n) => n.txBytesPerSecond,
          ),
      },
    ],
  },
  {
    title: 'Processes',
    series: [
      {
        metric: 'processes_total',
        label: 'total',
        color: '#8b949e',
        format: (v) => number(v),
        live: (f) => f.system.processes?.total ?? null,
      },
      {
        metric: 'processes_running',
        label: 'running',
        color: '#3fb950',
        format: (v) => number(v),
        live: (f) => f.system.processes?.running ?? null,
      },
    ],
  },
];

const METRICS = [...new Set(PANELS.flatMap((p) => p.series.map((s) => s.metric)))];

/** Turns the query's series into one chart's aligned columns (seconds on x, as uPlot wants). */
export function toAligned(panel: Panel, result: QueryResult | null): uPlot.AlignedData {
  if (!result) return [[], ...panel.series.map(() => [])] as unknown as uPlot.AlignedData;
  const byTs = new Map<number, (number | null)[]>();
  panel.series.forEach((def, i) => {
    for (const s of result.series) {
      if (s.metric !== def.metric) continue;
      const labelled = Object.keys(s.labels).length > 0;
      if (def.sum ? def.exclude?.(s.labels) : labelled) continue;
      for (const p of s.points) {
        const ts = p[0] as number;
        let row = byTs.get(ts);
        if (!row) {
          row = panel.series.map(() => null);
          byTs.set(ts, row);
        }
        row[i] = (row[i] ?? 0) + (p[1] as number);
      }
    }
  });
  const times = [...byTs.keys()].sort((a, b) => a - b);
  return [times.map((t) => t / 1000), ...panel.series.map((_, i) => times.map((t) => byTs.get(t)?.[i] ?? null))] as uPlot.AlignedData;
}

/** Appends a live frame to a chart's columns and drops what fell out of the window. */
function appendLive(data: uPlot.AlignedData, panel: Panel, frame: Frame, fromMs: number): uPlot.AlignedData {
  const x = data[0] as number[];
  const t = frame.ts / 1000;
  if (x.length > 0 && (x.at(-1) as number) >= t) return data;
  let start = 0;
  while (start < x.length && (x[start] as number) * 1000 < fromMs) start++;
  return [
    [...x.slice(start), t],
    ...panel.series.map((s, i) => [...(data[i + 1] as (number | null)[]).slice(start), s.live(frame)]),
  ] as uPlot.AlignedData;
}

/** History charts: ranges from 5 minutes to 30 days or custom, zoom by dragging, a live tail, and "what was running then?". */
export function Performance({ id }: { id: string }) {
  const [range, setRange] = useState<Range>({ kind: 'relative', ms: 3_600_000, label: '1h' });
  const [result, setResult] = useState<QueryResult | null>(null);
  const [error, setError] = useState('');
  const [data, setData] = useState<uPlot.AlignedData[]>(() => PANELS.map((p) => toAligned(p, null)));
  const [picked, setPicked] = useState<number | null>(null);
  /** The window the charts show (seconds): the query's, moved along by the live tail. */
  const [shown, setShown] = useState<readonly [number, number] | undefined>(undefined);
  const host = useHostFrame(id);
  const frame = host?.frame;
  const span = range.kind === 'relative' ? range.ms : range.to - range.from;
  const liveTail = range.kind === 'relative' && range.ms <= 3_600_000;

  const load = useCallback(
    async (signal?: AbortSignal) => {
      const now = Date.now();
      const from = range.kind === 'relative' ? now - range.ms : range.from;
      const to = range.kind === 'relative' ? now : range.to;
      // Up to ~1000 points a chart: every sample for short ranges, aggregates of a step beyond.
      const step = to - from <= 15 * 60_000 ? null : Math.max(1000, Math.ceil((to - from) / 1000 / 1000) * 1000);
      const query = new URLSearchParams({ host: id, from: String(Math.floor(from)), to: String(Math.ceil(to)) });
      for (const m of METRICS) query.append('metric', m);
      if (step) query.set('step', String(step));
      try {
        const r = await api<QueryResult>('GET', `/api/v1/query?${query}`, undefined, { signal });
        setResult(r);
        setShown([from / 1000, to / 1000]);
        setData(PANELS.map((p) => toAligned(p, r)));
        setError('');
      } catch (e) {
        if ((e as Error).name !== 'AbortError') setError((e as Error).message);
      }
    },
    [id, range],
  );

  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    // Long ranges refresh every minute; short ones follow the live frames instead.
    const timer = liveTail ? undefined : setInterval(() => void load(), 60_000);
    return () => {
      controller.abort();
      clearInterval(timer);
    };
  }, [load, liveTail]);

  useEffect(() => {
    if (!liveTail || !frame || range.kind !== 'relative') return;
    setData((current) => current.map((d, i) => appendLive(d, PANELS[i] as Panel, frame, frame.ts - range.ms)));
    setShown([(frame.ts - range.ms) / 1000, frame.ts / 1000]);
  }, [frame, liveTail, range]);

  const zoom = useCallback((from: number, to: number) => setRange({ kind: 'absolute', from: from * 1000, to: to * 1000 }), []);
  const pick = useCallback((ts: number) => setPicked(ts * 1000), []);
  const label = range.kind === 'relative' ? range.label : 'custom';

  return (
    <div className="performance">
      <fieldset className="toolbar">
        <legend className="visually-hidden">Time range</legend>
        {RANGES.map((r) => (
          <button
            key={r.label}
            type="button"
            className={label === r.label ? 'active' : ''}
            aria-pressed={label === r.label}
            onClick={() => setRange({ kind: 'relative', ms: r.ms, label: r.label })}
          >
            {r.label}
          </button>
        ))}
        <CustomRange
          active={range.kind === 'absolute'}
          onApply={(from, to) => setRange({ kind: 'absolute', from, to })}
          current={range.kind === 'absolute' ? range : { from: Date.now() - span, to: Date.now() }}
        />
        <span className="muted small" data-testid="range-info">
          {result
            ? `${result.tier} tier${result.step ? `, ${result.step / 1000} s steps` : ', every sample'}${liveTail ? ', live' : ''}`
            : 'loading…'}{' '}
          · drag to zoom, click for the processes of that moment
        </span>
      </fieldset>
      {error && <p className="error">{error}</p>}
      {result?.warnings.map((w) => (
        <p key={w} className="warn small">
          {w}
        </p>
      ))}
      <div className="charts">
        {PANELS.map((panel, i) => (
          <TimeChart
            key={panel.title}
            title={panel.title}
            data={data[i] as uPlot.AlignedData}
            series={panel.series}
            yRange={panel.yRange}
            xRange={shown}
            yFormat={panel.yFormat}
            syncKey={`host-${id}`}
            onZoom={zoom}
            onPick={pick}
          />
        ))}
      </div>
      <ProcessesAt hostId={id} ts={picked} onClose={() => setPicked(null)} />
    </div>
  );
}

function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function CustomRange({
  active,
  current,
  onApply,
}: {
  active: boolean;
  current: { from: number; to: number };
  onApply: (from: number, to: number) => void;
}) {
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState(toLocalInput(current.from));
  const [to, setTo] = useState(toLocalInput(current.to));
  if (!open)
    return (
      <button type="button" className={active ? 'active' : ''} onClick={() => setOpen(true)}>
        custom…
      </button>
    );
  return (
    <form
      className="custom-range"
      onSubmit={(e) => {
        e.preventDefault();
        const f = new Date(from).getTime();
        const t = new Date(to).getTime();
        if (f < t) {
          onApply(f, t);
          setOpen(false);
        }
      }}
    >
      <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} aria-label="From" />
      <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} aria-label="To" />
      <button type="submit">apply</button>
    </form>
  );
}

interface ProcessRow {
  pid: number;
  name: string;
  user: string;
  cmdline: string;
  cpuPercent: number;
  memoryRssBytes: number;
  ioReadBytesPerSecond: number;
  ioWriteBytesPerSecond: number;
}

/** "What was running then?": the top processes at a moment of history. */
export function ProcessesAt({ hostId, ts, onClose }: { hostId: string; ts: number | null; onClose: () => void }) {
  const [answer, setAnswer] = useState<{ ts: number | null; processes: ProcessRow[] } | null>(null);
  useEffect(() => {
    if (ts === null) return;
    setAnswer(null);
    api<{ ts: number | null; processes: ProcessRow[] }>(
      'GET',
      `/api/v1/hosts/${encodeURIComponent(hostId)}/processes/at?ts=${Math.round(ts)}`,
    ).then(setAnswer, () => setAnswer({ ts: null, processes: [] }));
  }, [hostId, ts]);
  const rows = useMemo(() => [...(answer?.processes ?? [])].sort((a, b) => b.cpuPercent - a.cpuPercent), [answer]);
  return (
    <Drawer open={ts !== null} title={`What was running at ${time(ts, true)}`} onClose={onClose}>
      {!answer ? (
        <p className="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p className="muted">No process history for that moment.</p>
      ) : (
        <>
          <p className="muted small">Reading of {time(answer.ts, true)}: the top processes by CPU, memory and I/O.</p>
          <table className="table" data-testid="processes-at">
            <thead>
              <tr>
                <th>Process</th>
                <th className="right">CPU %</th>
                <th className="right">Memory</th>
                <th className="right">I/O</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={`${p.pid}-${p.name}`} title={p.cmdline}>
                  <td>
                    {p.name}{' '}
                    <span className="muted small">
                      {p.pid} · {p.user}
                    </span>
                  </td>
                  <td className="right num">{p.cpuPercent.toFixed(1)}</td>
                  <td className="right num">{bytes(p.memoryRssBytes)}</td>
                  <td className="right num">{rate(p.ioReadBytesPerSecond + p.ioWriteBytesPerSecond)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Drawer>
  );
}
