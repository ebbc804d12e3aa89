import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { axisTime } from '../../format.ts';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  color: string;
  /** Formats a value for the legend. */
  format?: (v: number) => string;
  /** Draws the min/max band of aggregated data around the line. */
  dashed?: boolean;
}

export interface TimeChartProps {
  title: string;
  /** x in seconds (uPlot's convention), then one array per series. */
  data: uPlot.AlignedData;
  series: ChartSeries[];
  height?: number;
  /** Charts with the same key share the crosshair. */
  syncKey?: string;
  /** Fixed y range, e.g. [0, 100] for percentages. */
  yRange?: [number, number];
  /**
   * The time window shown (seconds), whatever the data covers: a 24 h range with an hour of history shows 24 hours,
   * and an empty one still shows its dates. Without it, the x axis spans the data.
   */
  xRange?: readonly [number, number];
  yFormat?: (v: number) => string;
  /** A range selected by dragging (seconds). */
  onZoom?: (from: number, to: number) => void;
  /** A click at a moment (seconds): "what was running then?" */
  onPick?: (ts: number) => void;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/**
 * The one chart of the dashboard: uPlot, made for dense time series (86,400 points draw in a few
 * milliseconds). Each metric panel passes its series and data; zoom by dragging, click a moment to ask what
 * was running then, and charts with one sync key move their crosshair together.
 */
export function TimeChart({ title, data, series, height = 180, syncKey, yRange, xRange, yFormat, onZoom, onPick }: TimeChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const callbacks = useRef({ onZoom, onPick });
  callbacks.current = { onZoom, onPick };
  // Read by the x scale each time the chart ranges itself (on setData), so a new window needs no rebuild.
  const xWindow = useRef(xRange);
  xWindow.current = xRange;
  const shape = `${series.map((s) => s.label).join('|')}:${yRange?.join(',') ?? ''}:${syncKey ?? ''}`;

  // The chart is rebuilt only when its shape changes (`shape` covers series, range and sync key); new data
  // goes through setData in the next effect.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--line'), width: 1 }, ticks: { stroke: cssVar('--line') } };
    const options: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      legend: { live: true },
      cursor: {
        sync: syncKey ? { key: uPlot.sync(syncKey).key } : undefined,
        drag: { x: true, y: false, setScale: false },
      },
      scales: {
        x: { time: true, range: (_u, min, max) => (xWindow.current ? [xWindow.current[0], xWindow.current[1]] : [min, max]) },
        y: yRange ? { range: yRange } : { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        // One-line time labels at least 80 px apart: uPlot's own put the date under the first tick, where it ran into
        // the next label on charts with narrow y labels (Load, Processes, a network interface).
        { ...axis, space: 80, size: 32, values: (_u, splits, _axis, _space, step) => splits.map((t) => axisTime(t, step)) },
        { ...axis, size: yFormat ? 84 : 50, values: yFormat ? (_u, vals) => vals.map((v) => yFormat(v)) : undefined },
      ],
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          dash: s.dashed ? [4, 4] : undefined,
          value: s.format ? (_u: uPlot, v: number | null) => (v === null ? '–' : (s.format as (v: number) => string)(v)) : undefined,
          points: { show: false },
        })),
      ],
      hooks: {
        // The x window on the element, in whole seconds, for tests and anyone inspecting the page.
        setScale: [
          (u, key) => {
            if (key !== 'x' || u.scales.x?.min == null || u.scales.x.max == null) return;
            el.dataset.xFrom = String(Math.round(u.scales.x.min));
            el.dataset.xTo = String(Math.round(u.scales.x.max));
          },
        ],
        setSelect: [
          (u) => {
            if (u.select.width < 5) return;
            const from = u.posToVal(u.select.left, 'x');
            const to = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            callbacks.current.onZoom?.(from, to);
          },
        ],
      },
    };
    const u = new uPlot(options, data, el);
    plot.current = u;
    const over = u.over;
    let downX = 0;
    const down = (e: MouseEvent) => {
      downX = e.clientX;
    };
    const up = (e: MouseEvent) => {
      if (Math.abs(e.clientX - downX) > 3 || u.cursor.idx === null || u.cursor.idx === undefined) return;
      const ts = u.data[0][u.cursor.idx];
      if (ts !== undefined) callbacks.current.onPick?.(ts);
    };
    over.addEventListener('mousedown', down);
    over.addEventListener('mouseup', up);
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      over.removeEventListener('mousedown', down);
      over.removeEventListener('mouseup', up);
      u.destroy();
      plot.current = null;
    };
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={container} className="chart-canvas" />
    </figure>
  );
}
