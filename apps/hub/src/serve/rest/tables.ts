import type { Channel, Frame } from '@vigil/schema';
import { VigilError } from '../../errors.ts';
import type { FrameHead, Ingest, LiveHost } from '../../ingest/index.ts';

/** How long a table stays subscribed after the last request for it, so that polling clients keep it warm. */
const HOLD_MS = 30_000;

const holds = new Map<string, { release: () => void; timer: NodeJS.Timeout }>();

/** Keeps a host's agent streaming a table for HOLD_MS after the last request. */
function hold(ingest: Ingest, hostId: string, channel: Channel): void {
  const key = `${hostId}/${channel}`;
  const current = holds.get(key);
  if (current) {
    current.timer.refresh();
    return;
  }
  const release = ingest.subscriptions.acquire(hostId, [channel]);
  const timer = setTimeout(() => {
    holds.delete(key);
    release();
  }, HOLD_MS);
  timer.unref();
  holds.set(key, { release, timer });
}

/** Releases every hold (hub shutdown, tests). */
export function releaseHolds(): void {
  for (const { release, timer } of holds.values()) {
    clearTimeout(timer);
    release();
  }
  holds.clear();
}

export function requireHost(ingest: Ingest, id: string): LiveHost {
  const host = ingest.live.get(id);
  if (!host) throw new VigilError('VIGIL_ERR_HOST_NOT_FOUND', `no host "${id}"`);
  return host;
}

const hasTable = (frame: FrameHead | null, channel: Channel) =>
  channel === 'processes' ? frame?.processesComplete === true : frame?.connections !== undefined;

/**
 * The latest frame of a host that carries a full table (all processes, or the sockets). If the agent is not
 * streaming it, it is asked to, and the request waits for the next frame (at most ~2.5 intervals); if that
 * does not come (an offline host), the latest frame is returned as it is and `complete` is false.
 */
export async function frameWithTable(
  ingest: Ingest,
  host: LiveHost,
  channel: Channel,
): Promise<{ frame: Frame | null; complete: boolean }> {
  hold(ingest, host.record.id, channel);
  if (hasTable(host.head, channel)) return { frame: host.latest, complete: true };
  if (host.status !== 'online') return { frame: host.latest, complete: false };
  const frame = await new Promise<Frame | null>((resolve) => {
    const timer = setTimeout(
      () => {
        stop();
        resolve(null);
      },
      host.intervalMs * 2.5 + 500,
    );
    const stop = ingest.live.on((event) => {
      if (event.type === 'frame' && event.host === host && hasTable(event.frame, channel)) {
        clearTimeout(timer);
        stop();
        resolve(event.frame);
      }
    });
  });
  return frame ? { frame, complete: true } : { frame: host.latest, complete: false };
}
