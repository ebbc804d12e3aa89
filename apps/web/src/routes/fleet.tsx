import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'wouter';
import { Meter, StatusDot } from '../components/ui/meter.tsx';
import { Sparkline } from '../components/ui/sparkline.tsx';
import { bytes, duration, level, percent, rate } from '../format.ts';
import { usePreferences } from '../stores/preferences.ts';
import { useFleet, useHostFrame, useSummary } from '../stores/use-live.ts';

type SortKey = 'name' | 'cpu' | 'memory' | 'disk' | 'status' | 'alerts';
const CARD_HEIGHT = 212;
const CARD_MIN_WIDTH = 270;
const GAP = 12;

/** One host's card; it re-renders on its own summary only. */
const HostCard = memo(function HostCard({ id, selected, onSelect }: { id: string; selected: boolean; onSelect: (id: string) => void }) {
  const host = useSummary(id);
  if (!host) return null;
  const h = host.summary;
  return (
    <article className={`card host-card ${selected ? 'selected' : ''} ${h.status}`} aria-label={`Host ${h.hostname}`} data-host={h.id}>
      <header>
        <StatusDot status={h.status} />
        <Link href={`/hosts/${encodeURIComponent(h.id)}`} className="host-name">
          {h.hostname}
        </Link>
        {h.alerts && (
          <Link
            href={`/alerts/active?host=${encodeURIComponent(h.id)}`}
            className={`badge count ${h.alerts.critical > 0 ? 'critical' : 'warning'}`}
            title={`${h.alerts.critical} critical, ${h.alerts.warning} warning alerts firing`}
            aria-label={`${h.alerts.critical + h.alerts.warning} alerts firing on ${h.hostname}`}
          >
            {h.alerts.critical + h.alerts.warning}
          </Link>
        )}
        <button
          type="button"
          className="link small"
          onClick={() => onSelect(h.id)}
          aria-pressed={selected}
          aria-label={`Show ${h.hostname} above`}
        >
          {selected ? 'shown' : 'show'}
        </button>
      </header>
      <Meter compact label="CPU" value={h.cpuPercent} />
      <Meter compact label="Memory" value={h.memoryPercent} />
      <Meter compact label="Disk" value={h.diskPercent} />
      <div className="card-foot">
        <Sparkline values={host.cpuHistory} label={`CPU of ${h.hostname}, last minute`} />
        <div className="muted small">
          <div>
            load {h.load1?.toFixed(2) ?? '–'} · up {duration(h.uptimeSeconds)}
          </div>
          <div>
            ↓ {rate(h.networkRxBytesPerSecond)} ↑ {rate(h.networkTxBytesPerSecond)}
          </div>
          <div>
            {h.gpus > 0 ? `${h.gpus} GPU · ` : ''}
            {h.vms + h.containers > 0 ? `${h.vms} VM · ${h.containers} containers · ` : ''}
            {h.tags.map((t) => `#${t}`).join(' ')}
          </div>
        </div>
      </div>
    </article>
  );
});

/** Seed 000's top cards and top processes, for the selected host (re-rendered by its own frames, not the fleet's). */
const SelectedHost = memo(function SelectedHost({ id }: { id: string }) {
  const host = useHostFrame(id);
  const { thresholds } = usePreferences();
  const f = host?.frame ?? null;
  const top = useMemo(() => [...(f?.processes ?? [])].sort((a, b) => (b.cpuPercent ?? 0) - (a.cpuPercent ?? 0)).slice(0, 10), [f]);
  if (!host) return null;
  const h = host.summary;
  const card = (label: string, value: string, pct: number | null, sub: string) => (
    <div className="card stat">
      <div className="muted">{label}</div>
      <div className={`big ${pct === null ? '' : level(pct, thresholds)}`} data-testid={`stat-${label.toLowerCase()}`}>
        {value}
      </div>
      <div className="muted small">{sub}</div>
    </div>
  );
  return (
    <section aria-label={`${h.hostname} now`} className="selected-host">
      <h2>
        <Link href={`/hosts/${encodeURIComponent(id)}`}>{h.hostname}</Link> <span className="muted small">{h.os}</span>
      </h2>
      <div className="stats">
        {card('CPU', percent(h.cpuPercent), h.cpuPercent, `${h.cpuCores} cores`)}
        {card('Memory', percent(h.memoryPercent), h.memoryPercent, `${bytes(f?.system.memory?.usedBytes)} of ${bytes(h.memoryTotalBytes)}`)}
        {card('Disk', percent(h.diskPercent), h.diskPercent, 'root filesystem')}
        {card('Processes', String(h.processes ?? '–'), null, `${f?.system.processes?.running ?? '–'} running`)}
      </div>
      <div className="card">
        <h3>Top processes</h3>
        <table className="table">
          <thead>
            <tr>
              <th>PID</th>
              <th>Name</th>
              <th className="right">CPU %</th>
              <th className="right">Memory %</th>
            </tr>
          </thead>
          <tbody>
            {top.map((p) => (
              <tr key={p.pid}>
                <td className="num">{p.pid}</td>
                <td>{p.name}</td>
                <td className="right num">{(p.cpuPercent ?? 0).toFixed(1)}</td>
                <td className="right num">{p.memoryPercent.toFixed(1)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
});

/**
 * The cards, in virtualised rows so that hundreds of hosts stay smooth. Scrolling re-renders this grid alone: the
 * toolbar and the selected host above it do not change with the scroll position.
 */
const FleetGrid = memo(function FleetGrid({
  ids,
  selected,
  onSelect,
}: {
  ids: readonly string[];
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const grid = useRef<HTMLDivElement>(null);
  const [columns, setColumns] = useState(3);

  useLayoutEffect(() => {
    const el = grid.current;
    if (!el) return;
    const measure = () => setColumns(Math.max(1, Math.floor((el.clientWidth + GAP) / (CARD_MIN_WIDTH + GAP))));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const rows = Math.ceil(ids.length / columns);
  const virtualizer = useWindowVirtualizer({
    count: rows,
    estimateSize: () => CARD_HEIGHT + GAP,
    overscan: 3,
    scrollMargin: grid.current?.offsetTop ?? 0,
    // Rows are rendered in a task of their own after the scroll event (main.tsx), not inside it: scroll events that
    // come close together make one render, and the scroll handler stays short (long tasks while scrolling, issue 5).
    useFlushSync: false,
  });

  return (
    <div ref={grid} className="host-grid" style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
      {virtualizer.getVirtualItems().map((row) => (
        <div
          key={row.key}
          className="host-row"
          style={{
            transform: `translateY(${row.start - virtualizer.options.scrollMargin}px)`,
            gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
          }}
        >
          {ids.slice(row.index * columns, row.index * columns + columns).map((id) => (
            <HostCard key={id} id={id} selected={id === selected} onSelect={onSelect} />
          ))}
        </div>
      ))}
    </div>
  );
});

/** The fleet: a card per host (virtualised rows, so hundreds stay smooth), search, sort and tags. */
export function Fleet() {
  const hosts = useFleet();
  const [query, setQuery] = useState('');
  const [sortKey, setSortKey] = useState<SortKey>('name');
  const [tag, setTag] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  // Sorting by a live figure uses the values at this render; the order does not jump with every tick.
  const ids = useMemo(() => {
    const needle = query.toLowerCase();
    const list = hosts.filter(
      (h) =>
        (!needle || h.summary.hostname.toLowerCase().includes(needle) || h.summary.tags.some((t) => t.includes(needle))) &&
        (!tag || h.summary.tags.includes(tag)),
    );
    const key: Record<SortKey, (h: (typeof list)[number]) => number | string> = {
      name: (h) => h.summary.hostname,
      cpu: (h) => -(h.summary.cpuPercent ?? -1),
      memory: (h) => -(h.summary.memoryPercent ?? -1),
      disk: (h) => -(h.summary.diskPercent ?? -1),
      status: (h) => (h.summary.status === 'offline' ? 0 : 1),
      alerts: (h) => -((h.summary.alerts?.critical ?? 0) * 1000 + (h.summary.alerts?.warning ?? 0)),
    };
    return list
      .sort((a, b) => {
        const x = key[sortKey](a);
        const y = key[sortKey](b);
        return typeof x === 'string'
          ? x.localeCompare(String(y))
          : x - (y as number) || a.summary.hostname.localeCompare(b.summary.hostname);
      })
      .map((h) => h.summary.id);
  }, [hosts, query, sortKey, tag]);

  const tags = useMemo(() => [...new Set(hosts.flatMap((h) => h.summary.tags))].sort(), [hosts]);
  const shown = selected && ids.includes(selected) ? selected : (ids[0] ?? null);
  useEffect(() => {
    if (!selected && ids[0]) setSelected(ids[0]);
  }, [ids, selected]);

  const online = hosts.filter((h) => h.summary.status === 'online').length;

  return (
    <div className="fleet">
      {shown ? <SelectedHost id={shown} /> : <p className="muted">No host has reported yet. Agents appear here as soon as they connect.</p>}
      <section className="toolbar" aria-label="Find hosts">
        <h2>
          Hosts{' '}
          <span className="muted small">
            {online} online of {hosts.length}
          </span>
        </h2>
        <input
          type="search"
          placeholder="Search hosts and tags"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          aria-label="Search hosts"
        />
        <label>
          Sort{' '}
          <select value={sortKey} onChange={(e) => setSortKey(e.target.value as SortKey)}>
            <option value="name">name</option>
            <option value="cpu">CPU</option>
            <option value="memory">memory</option>
            <option value="disk">disk</option>
            <option value="status">offline first</option>
            <option value="alerts">alerting first</option>
          </select>
        </label>
        {tags.length > 0 && (
          <label>
            Tag{' '}
            <select value={tag} onChange={(e) => setTag(e.target.value)}>
              <option value="">all</option>
              {tags.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
        )}
      </section>
      <FleetGrid ids={ids} selected={shown} onSelect={setSelected} />
    </div>
  );
}
