import type { Frame, HostSummary, ProcessAction } from '@vigil/schema';

/**
 * Where `vigil top` gets its readings and sends its signals: this host directly (local mode) or a hub (remote
 * mode). The app sees only this interface, so it is tested with a fake.
 */

export type ConnectionState = 'local' | 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface TopSnapshot {
  mode: 'local' | 'remote';
  /** The host shown (its id on the hub; the hostname in local mode), null while none is chosen. */
  hostId: string | null;
  hostLabel: string;
  frame: Frame | null;
  /** The fleet (remote mode), in screen order. */
  hosts: HostSummary[];
  /** How the data arrives; `retryAt` (Unix ms) while waiting to reconnect, `detail` the last problem. */
  connection: { state: ConnectionState; detail?: string; retryAt?: number };
  /** A problem to show once in the status line (e.g. `--host` named no host of the hub); `seq` tells a repeat from a new one. */
  notice?: { text: string; seq: number };
  /** Whether signals may be sent, and the line shown when they may not (e.g. a viewer's token). */
  canAct: boolean;
  readOnlyReason?: string;
}

/** The outcome of a signal, as the status line says it. */
export interface SignalOutcome {
  ok: boolean;
  message: string;
}

export interface TopSource {
  /** The latest snapshot; listeners are called after each change. */
  current(): TopSnapshot;
  subscribe(listener: () => void): () => void;
  start(): void;
  stop(): Promise<void>;
  signal(target: { pid: number; name: string; user: string }, action: ProcessAction): Promise<SignalOutcome>;
  chooseHost(id: string): void;
}

/** A small helper for sources: a snapshot and its listeners. */
export class SnapshotStore {
  private listeners = new Set<() => void>();
  constructor(private snapshot: TopSnapshot) {}

  current(): TopSnapshot {
    return this.snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  update(patch: Partial<TopSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }
}
