import type { Alert } from '@vigil/schema';
import { useEffect, useState } from 'react';
import { api } from '../api/client.ts';

export interface FiringCount {
  warning: number;
  critical: number;
}

/**
 * Firing alerts across the fleet, for the header's badge: polled every 10 s (the hub answers from memory, and
 * the header must not subscribe to every host's summary just for a count).
 */
export function useFiringCount(): FiringCount {
  const [count, setCount] = useState<FiringCount>({ warning: 0, critical: 0 });
  useEffect(() => {
    let stopped = false;
    const load = () =>
      api<Alert[]>('GET', '/api/v1/alerts?state=active', undefined, { quiet401: true }).then(
        (alerts) => {
          if (stopped) return;
          const next = { warning: 0, critical: 0 };
          for (const a of alerts) if (a.state === 'firing') next[a.severity === 'critical' ? 'critical' : 'warning']++;
          setCount((before) => (before.warning === next.warning && before.critical === next.critical ? before : next));
        },
        () => {},
      );
    void load();
    const timer = setInterval(load, 10_000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return count;
}
