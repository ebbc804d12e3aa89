import { useEffect, useSyncExternalStore } from 'react';
import { type HostLive, live } from '../api/live.ts';

/** Re-renders when the key's version changes (a batched notification per animation frame). */
function useKey(key: string): number {
  return useSyncExternalStore(
    (listener) => live.subscribe(key, listener),
    () => live.version(key),
  );
}

/** The fleet's host ids, sorted by name; re-renders when a host joins, leaves or changes state. */
export function useFleet(): HostLive[] {
  useKey('fleet');
  useEffect(() => live.watchFleet(), []);
  return [...live.hosts.values()];
}

/** One host's summary; re-renders when it changes. */
export function useSummary(hostId: string): HostLive | undefined {
  useKey(`summary:${hostId}`);
  return live.hosts.get(hostId);
}

/** One host's latest frame, watched while the component is mounted. */
export function useHostFrame(hostId: string, tables: { processes?: boolean; connections?: boolean } = {}): HostLive | undefined {
  useKey(`host:${hostId}`);
  const { processes = false, connections = false } = tables;
  useEffect(() => live.watchHost(hostId, { processes, connections }), [hostId, processes, connections]);
  return live.hosts.get(hostId);
}

export function useConnectionState() {
  useKey('connection');
  return live.state;
}
