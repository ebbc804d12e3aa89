import type { ProcessAction, ProcessDetail, ProcessInfo } from '@vigil/schema';
import { useEffect, useMemo, useState } from 'react';
import { api } from '../api/client.ts';
import { Dialog, Drawer } from '../components/ui/dialog.tsx';
import { type Column, type SortState, sortRows, VirtualTable } from '../components/ui/virtual-table.tsx';
import { bytes, duration, rate, time } from '../format.ts';
import { useCanOperate } from '../stores/session.tsx';
import { useHostFrame } from '../stores/use-live.ts';

const ACTIONS: { action: ProcessAction; label: string; explain: string; danger: boolean }[] = [
  { action: 'suspend', label: 'Suspend', explain: 'pauses it (SIGSTOP) until it is resumed', danger: false },
  { action: 'resume', label: 'Resume', explain: 'lets a suspended process run again (SIGCONT)', danger: false },
  { action: 'terminate', label: 'Terminate', explain: 'asks it to exit (SIGTERM); it may clean up first', danger: true },
  { action: 'kill', label: 'Kill', explain: 'ends it at once (SIGKILL), without any chance to clean up', danger: true },
];

/** Heavy: more than half a core, or a tenth of memory. */
const heavy = (p: ProcessInfo) => (p.cpuPercent ?? 0) >= 50 || p.memoryPercent >= 10;

/** Orders processes as a tree (children under their parent) and gives each its depth. */
export function asTree(processes: ProcessInfo[]): { rows: ProcessInfo[]; depth: Map<number, number> } {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const children = new Map<number, ProcessInfo[]>();
  const roots: ProcessInfo[] = [];
  for (const p of processes) {
    if (byPid.has(p.ppid) && p.ppid !== p.pid) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    else roots.push(p);
  }
  const rows: ProcessInfo[] = [];
  const depth = new Map<number, number>();
  const visit = (p: ProcessInfo, d: number) => {
    rows.push(p);
    depth.set(p.pid, d);
    for (const c of (children.get(p.pid) ?? []).sort((a, b) => a.pid - b.pid)) visit(c, d + 1);
  };
  for (const r of roots.sort((a, b) => a.pid - b.pid)) visit(r, 0);
  return { rows, depth };
}

/** The process explorer: every process, live, sortable and filterable, with details and control. */
export function Processes({ id }: { id: string }) {
  const host = useHostFrame(id, { processes: true });
  const canOperate = useCanOperate();
  const [sort, setSort] = useState<SortState>({ key: 'cpu', desc: true });
  const [filter, setFilter] = useState('');
  const [tree, setTree] = useState(false);
  const [selected, setSelected] = useState<number | null>(null);
  const processes = host?.frame?.processes ?? [];

  const columns = useMemo<Column<ProcessInfo>[]>(
    () => [
      { key: 'pid', label: 'PID', width: '80px', render: (p) => p.pid, sort: (p) => p.pid, align: 'right' },
      {
        key: 'name',
        label: 'Name',
        width: 'minmax(140px, 2fr)',
        render: (p) => <span title={p.cmdline || p.name}>{p.name}</span>,
        sort: (p) => p.name.toLowerCase(),
      },
      { key: 'user', label: 'User', width: 'minmax(70px, 1fr)', render: (p) => p.user, sort: (p) => p.user, hideBelow: 700 },
      {
        key: 'state',
        label: 'State',
        width: '100px',
        render: (p) => <span className={`state ${p.state}`}>{p.state}</span>,
        sort: (p) => p.state,
        hideBelow: 560,
      },
      {
        key: 'cpu',
        label: 'CPU %',
        width: '80px',
        render: (p) => (p.cpuPercent ?? 0).toFixed(1),
        sort: (p) => p.cpuPercent ?? -1,
        align: 'right',
      },
      {
        key: 'memory',
        label: 'Mem %',
        width: '80px',
        render: (p) => p.memoryPercent.toFixed(1),
        sort: (p) => p.memoryPercent,
        align: 'right',
      },
      {
        key: 'rss',
        label: 'RSS',
        width: '90px',
        render: (p) => bytes(p.memoryRssBytes),
        sort: (p) => p.memoryRssBytes,
        align: 'right',
        hideBelow: 800,
      },
      { key: 'threads', label: 'Thr', width: '60px', render: (p) => p.threads, sort: (p) => p.threads, align: 'right', hideBelow: 900 },
      {
        key: 'io',
        label: 'I/O',
        width: '100px',
        render: (p) => rate((p.ioReadBytesPerSecond ?? 0) + (p.ioWriteBytesPerSecond ?? 0)),
        sort: (p) => (p.ioReadBytesPerSecond ?? 0) + (p.ioWriteBytesPerSecond ?? 0),
        align: 'right',
        hideBelow: 1000,
      },
    ],
    [],
  );

  const { rows, depth } = useMemo(() => {
    const needle = filter.toLowerCase();
    const matching = processes.filter(
      (p) =>
        !needle ||
        p.name.toLowerCase().includes(needle) ||
        p.cmdline.toLowerCase().includes(needle) ||
        p.user.toLowerCase().includes(needle) ||
        String(p.pid) === needle,
    );
    if (tree && !needle) return asTree(matching);
    return { rows: sortRows(matching, columns, sort), depth: null };
  }, [processes, filter, tree, sort, columns]);

  const chosen = processes.find((p) => p.pid === selected) ?? null;
  return (
    <div className="processes">
      <div className="toolbar">
        <input
          type="search"
          placeholder="Filter by name, command, user or PID"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          aria-label="Filter processes"
        />
        <label>
          <input type="checkbox" checked={tree} onChange={(e) => setTree(e.target.checked)} /> tree
        </label>
        <span className="muted small" data-testid="process-count">
          {rows.length} of {host?.frame?.system.processes?.total ?? processes.length} processes
          {host?.frame && !host.frame.processesComplete ? ' (top consumers; the full table is on its way)' : ''}
        </span>
      </div>
      <VirtualTable
        label="Processes"
        rows={rows}
        columns={columns}
        rowKey={(p) => p.pid}
        sort={tree ? undefined : sort}
        onSort={setSort}
        onRowClick={(p) => setSelected(p.pid)}
        rowClass={(p) => `${heavy(p) ? 'heavy' : ''} ${p.state}`}
        indent={depth ? (p) => depth.get(p.pid) ?? 0 : undefined}
        height={600}
      />
      <ProcessDrawer hostId={id} process={chosen} canOperate={canOperate} onClose={() => setSelected(null)} />
    </div>
  );
}

function ProcessDrawer({
  hostId,
  process,
  canOperate,
  onClose,
}: {
  hostId: string;
  process: ProcessInfo | null;
  canOperate: boolean;
  onClose: () => void;
}) {
  const [detail, setDetail] = useState<ProcessDetail | null>(null);
  const [confirm, setConfirm] = useState<(typeof ACTIONS)[number] | null>(null);
  const [message, setMessage] = useState('');
  const pid = process?.pid ?? null;
  useEffect(() => {
    setDetail(null);
    setMessage('');
    if (pid === null) return;
    const controller = new AbortController();
    api<ProcessDetail>('GET', `/api/v1/hosts/${encodeURIComponent(hostId)}/processes/${pid}`, undefined, {
      signal: controller.signal,
    }).then(setDetail, (e: Error) => {
      if (e.name !== 'AbortError') setMessage(e.message);
    });
    return () => controller.abort();
  }, [hostId, pid]);
  const run = async (action: ProcessAction) => {
    if (!process) return;
    setConfirm(null);
    try {
      await api('POST', `/api/v1/hosts/${encodeURIComponent(hostId)}/processes/${process.pid}/signal`, { action });
      setMessage(`${action}: done`);
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  return (
    <Drawer open={!!process} title={process ? `${process.name} (${process.pid})` : ''} onClose={onClose}>
      {process && (
        <>
          <dl className="facts">
            <dt>state</dt>
            <dd>
              <span className={`state ${process.state}`} data-testid="drawer-state">
                {process.state}
              </span>
            </dd>
            <dt>user</dt>
            <dd>{process.user}</dd>
            <dt>CPU</dt>
            <dd>
              {(process.cpuPercent ?? 0).toFixed(1)} % · {process.cpuSecondsTotal.toFixed(1)} s in all
            </dd>
            <dt>memory</dt>
            <dd>
              {bytes(process.memoryRssBytes)} resident · {bytes(process.memoryVirtualBytes)} virtual
            </dd>
            <dt>I/O</dt>
            <dd>
              read {rate(process.ioReadBytesPerSecond)} · write {rate(process.ioWriteBytesPerSecond)}
              {detail?.ioReadBytesTotal !== undefined &&
                detail?.ioReadBytesTotal !== null &&
                ` · ${bytes(detail.ioReadBytesTotal)} / ${bytes(detail.ioWriteBytesTotal)} since start`}
            </dd>
            <dt>started</dt>
            <dd>
              {time(process.startTime, true)} ({duration((Date.now() - process.startTime) / 1000)} ago)
            </dd>
            <dt>parent</dt>
            <dd>{process.ppid}</dd>
            {detail && (
              <>
                <dt>open files</dt>
                <dd>{detail.openFiles ?? 'not permitted'}</dd>
                <dt>children</dt>
                <dd>{detail.children.length > 0 ? detail.children.join(', ') : 'none'}</dd>
                <dt>executable</dt>
                <dd className="break">{detail.executable ?? '–'}</dd>
                <dt>directory</dt>
                <dd className="break">{detail.cwd ?? '–'}</dd>
              </>
            )}
          </dl>
          <h3>Command line</h3>
          <pre className="cmdline">{process.cmdline || `[${process.name}]`}</pre>
          {detail && detail.threads.length > 1 && (
            <>
              <h3>Threads ({process.threads})</h3>
              <table className="table small">
                <tbody>
                  {detail.threads.slice(0, 50).map((t) => (
                    <tr key={t.tid}>
                      <td className="num">{t.tid}</td>
                      <td>{t.name}</td>
                      <td>{t.state}</td>
                      <td className="right num">{t.cpuSecondsTotal.toFixed(1)} s</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {canOperate && (
            <fieldset className="actions">
              <legend className="visually-hidden">Process control</legend>
              {ACTIONS.map((a) => (
                <button key={a.action} type="button" className={a.danger ? 'danger' : ''} onClick={() => setConfirm(a)}>
                  {a.label}
                </button>
              ))}
            </fieldset>
          )}
          {message && (
            <p className="small" role="status">
              {message}
            </p>
          )}
          <Dialog
            open={!!confirm}
            title={`${confirm?.label} ${process.name} (${process.pid})?`}
            onClose={() => setConfirm(null)}
            actions={
              <>
                <button type="button" onClick={() => setConfirm(null)}>
                  Cancel
                </button>
                <button
                  type="button"
                  className={confirm?.danger ? 'danger' : 'primary'}
                  onClick={() => confirm && void run(confirm.action)}
                  data-testid="confirm-action"
                >
                  {confirm?.label}
                </button>
              </>
            }
          >
            <p>
              {confirm?.label} {confirm?.explain}. This is written to the audit log.
            </p>
          </Dialog>
        </>
      )}
    </Drawer>
  );
}
