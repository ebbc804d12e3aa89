import { lazy, Suspense } from 'react';
import { Link } from 'wouter';
import { StatusDot } from '../components/ui/meter.tsx';
import { ago } from '../format.ts';
import { useSummary } from '../stores/use-live.ts';
import { Overview } from './host-overview.tsx';

const Performance = lazy(() => import('./host-performance.tsx').then((m) => ({ default: m.Performance })));
const Processes = lazy(() => import('./host-processes.tsx').then((m) => ({ default: m.Processes })));
const Network = lazy(() => import('./host-network.tsx').then((m) => ({ default: m.Network })));

const TABS = [
  ['overview', 'Overview'],
  ['performance', 'Performance'],
  ['processes', 'Processes'],
  ['network', 'Network'],
] as const;

/** One host, in four tabs. */
export function Host({ id, tab }: { id: string; tab: string }) {
  const host = useSummary(id);
  const h = host?.summary;
  return (
    <div className="host">
      <div className="host-title">
        <h1>
          {h && <StatusDot status={h.status} />} {h?.hostname ?? id}
        </h1>
        {h && (
          <span className="muted small">
            {h.os} · {h.kernel} · {h.cpuModel} · {h.status === 'online' ? `reporting` : `last seen ${ago(h.lastSeen)}`}
          </span>
        )}
      </div>
      <div className="tabs" role="tablist" aria-label="Host views">
        {TABS.map(([key, label]) => (
          <Link
            key={key}
            href={`/hosts/${encodeURIComponent(id)}/${key}`}
            role="tab"
            aria-selected={tab === key}
            className={tab === key ? 'active' : ''}
          >
            {label}
          </Link>
        ))}
      </div>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        {tab === 'overview' && <Overview id={id} />}
        {tab === 'performance' && <Performance id={id} />}
        {tab === 'processes' && <Processes id={id} />}
        {tab === 'network' && <Network id={id} />}
      </Suspense>
    </div>
  );
}
