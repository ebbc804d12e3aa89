import type { Connection } from '@vigil/schema';
import { useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { api } from '../api/client.ts';
import { TimeChart } from '../components/charts/time-chart.tsx';
import { type Column, type SortState, sortRows, VirtualTable } from '../components/ui/virtual-table.tsx';
import { bytes, number, rate } from '../format.ts';
import { useHostFrame } from '../stores/use-live.ts';

interface QueryResult {
  series: { metric: string; labels: Record<string, string>; points: number[][] }[];
}

const WINDOW_MS = 15 * 60_000;

/** Bandwidth per interface over the last 15 minutes, then live. */
function Bandwidth({
  id,
  iface,
  frameTs,
  rx,
  tx,
}: {
  id: string;
  iface: string;
  frameTs: number | null;
  rx: number | null;
  tx: number | null;
}) {
  const [data, setData] = useState<uPlot.AlignedData>([[], [], []]);
  useEffect(() => {
    const q = new URLSearchParams({ host: id, from: '-15m', label: `interface=${iface}` });
    q.append('metric', 'network_receive_bytes_per_second');
    q.append('metric', 'network_transmit_bytes_per_second');
    api<QueryResult>('GET', `/api/v1/query?${q}`).then(
      (r) => {
        const rxs = new Map(
          (r.series.find((s) => s.metric === 'network_receive_bytes_per_second')?.points ?? []).map((p) => [
            p[0] as number,
            p[1] as number,
          ]),
        );
        const txs = new Map(
          (r.series.find((s) => s.metric === 'network_transmit_bytes_per_second')?.points ?? []).map((p) => [
            p[0] as number,
            p[1] as number,
          ]),
        );
        const times = [...new Set([...rxs.keys(), ...txs.keys()])].sort((a, b) => a - b);
        setData([
          times.map((t) => t / 1000),
          times.map((t) => rxs.get(t) ?? null),
          times.map((t) => txs.get(t) ?? null),
        ] as uPlot.AlignedData);
      },
      () => {},
    );
  }, [id, iface]);
  useEffect(() => {
    if (frameTs === null) return;
    setData((d) => {
      const x = d[0] as number[];
      if (x.length > 0 && (x.at(-1) as number) >= frameTs / 1000) return d;
      const start = x.findIndex((t) => t * 1000 >= frameTs - WINDOW_MS);
      const from = start < 0 ? x.length : start;
      return [
        [...x.slice(from), frameTs / 1000],
        [...(d[1] as number[]).slice(from), rx],
        [...(d[2] as number[]).slice(from), tx],
      ] as uPlot.AlignedData;
    });
  }, [frameTs, rx, tx]);
  return (
    <TimeChart
      title={`${iface} bandwidth`}
      data={data}
      height={140}
      yFormat={rate}
      series={[
        { label: 'received', color: '#58a6ff', format: rate },
        { label: 'sent', color: '#a371f7', format: rate },
      ]}
    />
  );
}

/** Interfaces with their bandwidth, the connections with filters, the top ports, and totals. */
export function Network({ id }: { id: string }) {
  const host = useHostFrame(id, { connections: true });
  const f = host?.frame;
  const [state, setState] = useState('');
  const [port, setPort] = useState('');
  const [protocol, setProtocol] = useState('');
  const [sort, setSort] = useState<SortState>({ key: 'state', desc: false });
  const interfaces = f?.system.network ?? [];
  const connections = f?.connections ?? [];
  const names = useMemo(() => new Map((f?.processes ?? []).map((p) => [p.pid, p.name])), [f]);

  const columns = useMemo<Column<Connection>[]>(
    () => [
      { key: 'protocol', label: 'Proto', width: '64px', render: (c) => c.protocol, sort: (c) => c.protocol },
      {
        key: 'local',
        label: 'Local',
        width: 'minmax(150px, 2fr)',
        render: (c) => `${c.localAddress}:${c.localPort}`,
        sort: (c) => c.localPort,
      },
      {
        key: 'remote',
        label: 'Remote',
        width: 'minmax(150px, 2fr)',
        render: (c) => (c.remotePort ? `${c.remoteAddress}:${c.remotePort}` : '–'),
        sort: (c) => c.remoteAddress,
        hideBelow: 600,
      },
      { key: 'state', label: 'State', width: '120px', render: (c) => c.state, sort: (c) => c.state },
      {
        key: 'pid',
        label: 'Process',
        width: 'minmax(110px, 1fr)',
        render: (c) => (c.pid ? `${names.get(c.pid) ?? ''} ${c.pid}` : '–'),
        sort: (c) => c.pid ?? 0,
        hideBelow: 480,
      },
    ],
    [names],
  );
  const filtered = useMemo(
    () =>
      sortRows(
        connections.filter(
          (c) =>
            (!state || c.state === state) &&
            (!protocol || c.protocol === protocol) &&
            (!port || String(c.localPort) === port || String(c.remotePort) === port),
        ),
        columns,
        sort,
      ),
    [connections, state, protocol, port, columns, sort],
  );
  const topPorts = useMemo(() => {
    const counts = new Map<number, number>();
    for (const c of connections) if (c.state !== 'LISTEN' && c.remotePort) counts.set(c.localPort, (counts.get(c.localPort) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 10);
  }, [connections]);
  const states = useMemo(() => [...new Set(connections.map((c) => c.state))].sort(), [connections]);
  const external = interfaces.filter((n) => n.interface !== 'lo');
  const total = (pick: (n: (typeof interfaces)[number]) => number | null) => external.reduce((t, n) => t + (pick(n) ?? 0), 0);
  const maxPort = topPorts[0]?.[1] ?? 1;

  if (!f) return <p className="muted">Waiting for this host's next reading…</p>;
  return (
    <div className="network">
      <div className="stats">
        <div className="card stat">
          <div className="muted">Receiving</div>
          <div className="big">{rate(total((n) => n.rxBytesPerSecond))}</div>
          <div className="muted small">{bytes(total((n) => n.rxBytesTotal))} since boot</div>
        </div>
        <div className="card stat">
          <div className="muted">Sending</div>
          <div className="big">{rate(total((n) => n.txBytesPerSecond))}</div>
          <div className="muted small">{bytes(total((n) => n.txBytesTotal))} since boot</div>
        </div>
        <div className="card stat">
          <div className="muted">TCP connections</div>
          <div className="big">{number(f.system.sockets?.tcpTotal)}</div>
          <div className="muted small">
            {f.system.sockets?.tcp.ESTABLISHED ?? 0} established · {f.system.sockets?.tcp.LISTEN ?? 0} listening
          </div>
        </div>
        <div className="card stat">
          <div className="muted">Errors and drops</div>
          <div className="big">
            {number(
              total((n) => n.rxErrorsTotal) + total((n) => n.txErrorsTotal) + total((n) => n.rxDropsTotal) + total((n) => n.txDropsTotal),
            )}
          </div>
          <div className="muted small">since boot</div>
        </div>
      </div>
      <section className="card" aria-label="Interfaces">
        <h3>Interfaces</h3>
        <table className="table">
          <thead>
            <tr>
              <th>Interface</th>
              <th className="right">Received</th>
              <th className="right">Sent</th>
              <th className="right">Packets in/out</th>
              <th className="right">Errors</th>
              <th className="right">Drops</th>
            </tr>
          </thead>
          <tbody>
            {interfaces.map((n) => (
              <tr key={n.interface}>
                <td>{n.interface}</td>
                <td className="right num">{rate(n.rxBytesPerSecond)}</td>
                <td className="right num">{rate(n.txBytesPerSecond)}</td>
                <td className="right num">
                  {number(n.rxPacketsPerSecond)} / {number(n.txPacketsPerSecond)}
                </td>
                <td className="right num">{n.rxErrorsTotal + n.txErrorsTotal}</td>
                <td className="right num">{n.rxDropsTotal + n.txDropsTotal}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <div className="charts">
        {[...external]
          .filter((n) => n.rxBytesTotal + n.txBytesTotal > 0)
          .sort((a, b) => b.rxBytesTotal + b.txBytesTotal - (a.rxBytesTotal + a.txBytesTotal))
          .slice(0, 4)
          .map((n) => (
            <Bandwidth key={n.interface} id={id} iface={n.interface} frameTs={f.ts} rx={n.rxBytesPerSecond} tx={n.txBytesPerSecond} />
          ))}
      </div>
      <div className="columns">
        <section className="card wide" aria-label="Connections">
          <h3>Connections</h3>
          <div className="toolbar">
            <select value={state} onChange={(e) => setState(e.target.value)} aria-label="State">
              <option value="">any state</option>
              {states.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
            <select value={protocol} onChange={(e) => setProtocol(e.target.value)} aria-label="Protocol">
              <option value="">any protocol</option>
              {['tcp', 'tcp6', 'udp', 'udp6'].map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
            <input
              type="search"
              inputMode="numeric"
              placeholder="port"
              value={port}
              onChange={(e) => setPort(e.target.value.replace(/\D/g, ''))}
              aria-label="Port"
              size={6}
            />
            <span className="muted small">
              {filtered.length} of {connections.length}
            </span>
          </div>
          <VirtualTable
            label="Connections"
            rows={filtered}
            columns={columns}
            rowKey={(c) => `${c.protocol}-${c.inode}-${c.localPort}-${c.remoteAddress}-${c.remotePort}`}
            sort={sort}
            onSort={setSort}
            height={420}
          />
        </section>
        <section className="card" aria-label="Top ports">
          <h3>Top ports</h3>
          {topPorts.length === 0 ? (
            <p className="muted">No connections right now.</p>
          ) : (
            topPorts.map(([p, n]) => (
              <div key={p} className="meter compact">
                <div className="meter-label">
                  <span>{p}</span>
                  <span className="num">{n}</span>
                </div>
                <div className="meter-track">
                  <div className="meter-fill ok" style={{ width: `${(n / maxPort) * 100}%` }} />
                </div>
              </div>
            ))
          )}
        </section>
      </div>
    </div>
  );
}
