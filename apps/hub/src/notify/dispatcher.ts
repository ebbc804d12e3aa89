import type { Alert, AlertRule, NotificationChannel } from '@vigil/schema';
import type { Clock, NotificationKind, Notifier } from '../alert/engine.ts';
import type { AlertStore } from '../store/index.ts';
import { type Send, senderOf } from './channels.ts';
import type { AlertEvent } from './format.ts';
import { silences } from './silences.ts';

export interface DispatchOptions {
  /** The first event of a quiet channel waits this long for others to join it. */
  groupWaitMs: number;
  /** After a notification, a channel gathers events for this long before the next (flapping cannot spam). */
  groupIntervalMs: number;
  /** A firing alert nobody acknowledged is told again this often. */
  repeatIntervalMs: number;
  /** Waits between delivery attempts; a channel that keeps failing is recorded and skipped until the next group. */
  retryDelaysMs: number[];
}

export const DEFAULT_DISPATCH: DispatchOptions = {
  groupWaitMs: 10_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 4 * 3_600_000,
  retryDelaysMs: [2000, 10_000, 30_000],
};

interface ChannelState {
  channel: NotificationChannel;
  send: Send;
  pending: Map<number, AlertEvent>;
  lastSentAt: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Tells the channels about alerts: each channel gathers events into groups (the first waits briefly for
 * company, later ones until the channel's group interval has passed), so a flapping metric makes one message
 * a window; a group keeps only the latest event of each alert. Silenced alerts are held back. Delivery is
 * retried with backoff, recorded, and never blocks evaluation.
 */
export class Dispatcher implements Notifier {
  private states = new Map<number, ChannelState>();
  private repeatTimer: NodeJS.Timeout;
  deliveries = 0;

  constructor(
    private readonly store: AlertStore,
    private readonly clock: Clock,
    private readonly hubUrl: () => string,
    private readonly dataDir: string,
    private readonly hostTags: (hostId: string) => readonly string[],
    private readonly active: () => Alert[],
    private readonly rules: () => readonly AlertRule[],
    private readonly options: DispatchOptions = DEFAULT_DISPATCH,
    private readonly warn: (message: string) => void = () => {},
  ) {
    this.reload();
    this.repeatTimer = setInterval(() => this.repeat(), Math.min(60_000, options.repeatIntervalMs));
    this.repeatTimer.unref();
  }

  /** Re-reads the channels (after an API change). */
  reload(): void {
    const channels = this.store.channels();
    const ids = new Set(channels.map((c) => c.id));
    for (const [id, state] of this.states) {
      if (!ids.has(id)) {
        if (state.timer) clearTimeout(state.timer);
        this.states.delete(id);
      }
    }
    for (const channel of channels) {
      const existing = this.states.get(channel.id);
      const send = senderOf(channel.config, this.hubUrl, this.dataDir);
      if (existing) {
        existing.channel = channel;
        existing.send = send;
      } else this.states.set(channel.id, { channel, send, pending: new Map(), lastSentAt: 0, timer: null });
    }
  }

  isSilenced(alert: Alert): boolean {
    const now = this.clock.now();
    const tags = this.hostTags(alert.hostId);
    return this.store.silences().some((s) => silences(s, alert, tags, now));
  }

  notify(alert: Alert, kind: NotificationKind, rule: AlertRule | undefined): void {
    alert.silenced = this.isSilenced(alert);
    if (alert.silenced) return;
    const names = rule?.channels;
    for (const state of this.states.values()) {
      if (!state.channel.config.enabled) continue;
      if (names && !names.includes(state.channel.config.name)) continue;
      state.pending.set(alert.id, { alert: { ...alert }, kind });
      this.schedule(state);
    }
  }

  private schedule(state: ChannelState): void {
    if (state.timer) return;
    const now = this.clock.now();
    const wait = Math.max(this.options.groupWaitMs, state.lastSentAt + this.options.groupIntervalMs - now);
    state.timer = setTimeout(() => void this.flush(state), wait);
    state.timer.unref?.();
  }

  /** Sends a channel's group now (tests and shutdown call it directly). */
  async flush(state: ChannelState): Promise<void> {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    const events = [...state.pending.values()];
    state.pending.clear();
    if (events.length === 0) return;
    state.lastSentAt = this.clock.now();
    await this.deliver(state, events);
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.states.values()].map((s) => this.flush(s)));
  }

  private async deliver(state: ChannelState, events: AlertEvent[]): Promise<{ ok: boolean; error: string | null }> {
    let error: string | null = null;
    let attempts = 0;
    for (const delay of [0, ...this.options.retryDelaysMs]) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay).unref?.());
      attempts++;
      try {
        await state.send(events);
        error = null;
        break;
      } catch (e) {
        error = (e as Error).message;
        // Shown on the channel at once: the retries can take the better part of a minute.
        this.store.channelFailed(state.channel.id, error);
      }
    }
    const ids = events.map((e) => e.alert.id);
    this.store.recordDelivery(state.channel.id, ids, error === null, attempts, error, this.clock.now());
    if (error === null) {
      this.deliveries++;
      this.store.markNotified(ids, this.clock.now());
    } else this.warn(`alerts: channel ${state.channel.config.name} failed after ${attempts} attempts: ${error}`);
    return { ok: error === null, error };
  }

  /** A test message through one channel, sent at once. */
  async test(channelId: number): Promise<{ ok: boolean; error: string | null }> {
    const state = this.states.get(channelId);
    if (!state) return { ok: false, error: 'no such channel' };
    const now = this.clock.now();
    const alert: Alert = {
      id: 0,
      ruleId: 0,
      ruleName: 'test notification',
      hostId: 'vigil',
      subject: 'test',
      state: 'firing',
      severity: 'info',
      value: null,
      threshold: null,
      message: `a test of the channel "${state.channel.config.name}" from the Vigil hub`,
      startedAt: now,
      firedAt: now,
      resolvedAt: null,
      resolvedBy: null,
      acknowledgedBy: null,
      acknowledgedAt: null,
      comment: null,
      silenced: false,
    };
    let error: string | null = null;
    try {
      await state.send([{ alert, kind: 'firing' }]);
    } catch (e) {
      error = (e as Error).message;
    }
    this.store.recordDelivery(channelId, [], error === null, 1, error, now);
    return { ok: error === null, error };
  }

  /** Tells again about firing alerts nobody acknowledged for a while. */
  repeat(): void {
    const now = this.clock.now();
    const rules = new Map(this.rules().map((r) => [r.id, r]));
    for (const alert of this.active()) {
      if (alert.state !== 'firing' || alert.acknowledgedBy) continue;
      const last = this.store.lastNotified(alert.id);
      // Held back by a silence or a maintenance window and never told: told as new once the silence ends.
      if (last === null && alert.silenced) this.notify(alert, 'firing', rules.get(alert.ruleId));
      else if (now - (last ?? alert.firedAt ?? now) >= this.options.repeatIntervalMs) this.notify(alert, 'repeat', rules.get(alert.ruleId));
    }
  }

  close(): void {
    clearInterval(this.repeatTimer);
    for (const state of this.states.values()) if (state.timer) clearTimeout(state.timer);
  }

  /** Per channel, the events waiting (for tests). */
  waiting(channelId: number): AlertEvent[] {
    return [...(this.states.get(channelId)?.pending.values() ?? [])];
  }
}
