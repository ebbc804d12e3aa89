import type { Channel } from '@vigil/schema';

/**
 * Who is watching what: per host, how many viewers want the full process table and the socket table. The
 * agent streams them only while the count is above zero (the hub tells it on each change), so an idle
 * fleet costs little.
 */
export class Subscriptions {
  private counts = new Map<string, Map<Channel, number>>();

  constructor(private readonly changed: (hostId: string, channels: Channel[]) => void) {}

  /** Registers a viewer of these channels on a host; call the returned function when it stops watching. */
  acquire(hostId: string, channels: Channel[]): () => void {
    if (channels.length === 0) return () => {};
    const before = this.channels(hostId).join();
    let perHost = this.counts.get(hostId);
    if (!perHost) {
      perHost = new Map();
      this.counts.set(hostId, perHost);
    }
    for (const channel of channels) perHost.set(channel, (perHost.get(channel) ?? 0) + 1);
    if (this.channels(hostId).join() !== before) this.changed(hostId, this.channels(hostId));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const before = this.channels(hostId).join();
      for (const channel of channels) {
        const n = (perHost.get(channel) ?? 1) - 1;
        if (n <= 0) perHost.delete(channel);
        else perHost.set(channel, n);
      }
      if (perHost.size === 0) this.counts.delete(hostId);
      if (this.channels(hostId).join() !== before) this.changed(hostId, this.channels(hostId));
    };
  }

  /** The channels someone watches on a host, sorted. */
  channels(hostId: string): Channel[] {
    return [...(this.counts.get(hostId)?.keys() ?? [])].sort();
  }
}
