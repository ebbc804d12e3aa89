/**
 * The page's live socket fed by the harness instead of the hub (Playwright's routeWebSocket), at exactly N host
 * updates a second: the fleet view's own cost at the target load, whatever the hub manages to deliver, and without
 * the hub and simulators competing for this machine's two cores (a user's browser is not on the hub's machine).
 * The messages follow @vigil/schema live.ts; summaries are the hub's own (GET /api/v1/hosts) with their figures
 * moved a little every second, and the selected host's frames are real captured frames.
 */
import { readFileSync } from 'node:fs';
import type { Frame, HostSummary, LiveClientMessage, LiveServerMessage } from '@vigil/schema';
import type { BrowserContext, WebSocketRoute } from 'playwright-core';
import { seededRandom } from '../hub/frames.ts';
import type { SendMode } from '../hub/simulator.ts';
import { SESSION_COOKIE, type WebHub } from './hub.ts';

export interface ReplaySource {
  summaries: HostSummary[];
  frames: Frame[];
}

/** The hub's current fleet and the captured frames: what the replay sends. */
export async function replaySource(hub: WebHub, templatesFile: string): Promise<ReplaySource> {
  const res = await fetch(`${hub.url}/api/v1/hosts`, { headers: { cookie: `${SESSION_COOKIE}=${hub.session}` } });
  if (!res.ok) throw new Error(`GET /api/v1/hosts: HTTP ${res.status}`);
  const summaries = ((await res.json()) as HostSummary[]).map((s) => ({ ...s, status: 'online' as const }));
  const { frames } = JSON.parse(readFileSync(templatesFile, 'utf8')) as { frames: Frame[] };
  return { summaries, frames };
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** One host's summary one second later: percentages and rates move, identity and status stay. */
function moved(s: HostSummary, now: number, rnd: () => number): HostSummary {
  const pct = (v: number | null, step: number) => (v === null ? null : clamp(v + (rnd() - 0.5) * step, 0, 100));
  const rate = (v: number | null) => (v === null ? null : v * (0.8 + rnd() * 0.4));
  return {
    ...s,
    cpuPercent: pct(s.cpuPercent ?? 20, 10),
    memoryPercent: pct(s.memoryPercent, 1),
    diskPercent: pct(s.diskPercent, 0.1),
    load1: s.load1 === null ? null : Math.round(s.load1 * (0.9 + rnd() * 0.2) * 100) / 100,
    networkRxBytesPerSecond: rate(s.networkRxBytesPerSecond),
    networkTxBytesPerSecond: rate(s.networkTxBytesPerSecond),
    uptimeSeconds: s.uptimeSeconds === null ? null : s.uptimeSeconds + 1,
    ts: now,
    lastSeen: now,
  };
}

/** A running replay: stops its timers when the measurement ends. */
export interface Replay {
  stop(): void;
}

/**
 * Routes the context's /api/v1/live to a replay: a full fleet on subscribe, then every host's update once a second,
 * in one message just after each second (aligned: agents send on the second and the hub batches 100 ms) or in ten
 * messages over the second (spread); and one `host` message a second for each subscribed host.
 */
export async function routeLiveToReplay(context: BrowserContext, source: ReplaySource, mode: SendMode): Promise<Replay> {
  const timers = new Set<NodeJS.Timeout>();
  const rnd = seededRandom(5);
  let summaries = source.summaries;
  let frameIndex = 0;
  const serve = (ws: WebSocketRoute): void => {
    let fleet = false;
    const watched = new Set<string>();
    const send = (m: LiveServerMessage) => ws.send(JSON.stringify(m));
    const hostMessage = (hostId: string) => {
      const summary = summaries.find((s) => s.id === hostId);
      const template = source.frames[frameIndex++ % source.frames.length];
      if (summary && template) send({ type: 'host', hostId, summary, frame: { ...template, ts: summary.ts ?? Date.now() } });
    };
    ws.onMessage((data) => {
      const m = JSON.parse(String(data)) as LiveClientMessage;
      if (m.type === 'subscribe' && m.channel === 'fleet') {
        fleet = true;
        send({ type: 'fleet', full: true, hosts: summaries, removed: [] });
      } else if (m.type === 'subscribe' && m.channel === 'host') {
        watched.add(m.hostId);
        hostMessage(m.hostId);
      } else if (m.type === 'unsubscribe') {
        if (m.channel === 'fleet') fleet = false;
        else if (m.hostId) watched.delete(m.hostId);
      }
    });
    // Every 100 ms: in aligned mode the whole fleet in the first tick after each second, in spread mode a tenth of it.
    let tick = 0;
    const timer = setInterval(() => {
      const slot = tick++ % 10;
      if (mode === 'aligned' && slot !== 0) return;
      const now = Date.now();
      const changed: HostSummary[] = [];
      summaries = summaries.map((s, i) => {
        if (mode === 'spread' && i % 10 !== slot) return s;
        const next = moved(s, now, rnd);
        changed.push(next);
        return next;
      });
      if (fleet) send({ type: 'fleet', full: false, hosts: changed, removed: [] });
      if (slot === 0) for (const id of watched) hostMessage(id);
    }, 100);
    timers.add(timer);
    ws.onClose(() => {
      clearInterval(timer);
      timers.delete(timer);
    });
  };
  await context.routeWebSocket((url) => url.pathname === '/api/v1/live', serve);
  return {
    stop() {
      for (const t of timers) clearInterval(t);
      timers.clear();
    },
  };
}
