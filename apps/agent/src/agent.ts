import { type Archiver, type ArchiveSetup, startS3Archive } from '@vigil/archive';
import type { AgentCollection, Channel, Command, CommandResult, Frame } from '@vigil/schema';
import { PROTOCOL_VERSION } from '@vigil/schema';
import { Collection, type CollectOptions, readIdentity, toFrame } from './collect/index.ts';
import { executeSignal, inspectProcess } from './control/index.ts';
import { HubClient, type Logger } from './ship/hub-client.ts';
import { type FrameQueue, MemoryQueue } from './ship/queue.ts';
import { DEFAULT_SPOOL_LIMITS, Spool, type SpoolLimits } from './ship/spool.ts';

export interface AgentOptions {
  /** The hub's URL, e.g. http://hub.example:7070. */
  hub: string;
  token: string;
  /** Reported instead of the system host name. */
  hostname?: string;
  /** Folder of the on-disk spool; null keeps frames in memory only while the hub is away. */
  spoolDir: string | null;
  spoolLimits?: SpoolLimits;
  intervalMs: number;
  log: Logger;
  /** PIDs that count as this agent and are never signalled (the hub's, when the agent runs inside it). */
  selfPids?: number[];
  /** A prepared collection (tests point it at fixtures). */
  collection?: Collection;
  /** Custom metric plugins and textfile folder. */
  custom?: AgentCollection;
  /** Called with the host id the hub gave, at each connection. */
  onConnected?: (hostId: string) => void;
  /** Called when the hub acknowledges frames (every seq up to this one is stored). */
  onAck?: (seq: number) => void;
  /** Uploads this host's frames to S3 in seed 003's layout (archive/, docs/s3-archive.md). */
  archive?: ArchiveSetup;
}

/**
 * An agent: collects a frame every interval (on the wall-clock grid, so a fleet's frames line up), ships
 * it to the hub, and carries out the hub's subscriptions and commands. The same code runs inside the hub
 * for its own host and as `vigil agent` on every other.
 */
export class Agent {
  readonly collection: Collection;
  readonly client: HubClient;
  private intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  /** The last slot scheduled, so that no slot is used twice. */
  private lastSlot = 0;
  private running = false;
  private collecting = false;
  private paused = false;
  private options: CollectOptions = { allProcesses: false, connections: false, followPids: new Set() };
  private cycleWaiters: (() => void)[] = [];
  private readonly queue: FrameQueue;
  private archive: Archiver | null = null;
  private latestFrame: Frame | null = null;
  /** The host's name in the archive: HOSTNAME_OVERRIDE / `hostnameOverride`, else the name reported to the hub. */
  private readonly archiveName: string;

  constructor(private readonly config: AgentOptions) {
    this.collection = config.collection ?? new Collection({ intervalMs: config.intervalMs, custom: config.custom });
    this.intervalMs = config.intervalMs;
    this.queue = config.spoolDir
      ? new Spool(config.spoolDir, config.spoolLimits ?? DEFAULT_SPOOL_LIMITS, (m) => config.log.warn(m))
      : new MemoryQueue(Math.ceil(DEFAULT_SPOOL_LIMITS.maxAgeMs / config.intervalMs / 24));
    const identity = readIdentity(this.collection.proc, this.collection.sys, this.collection.roots, { hostname: config.hostname });
    this.archiveName = config.archive?.s3.hostnameOverride ?? identity.hostname;
    this.client = new HubClient({
      url: config.hub,
      token: config.token,
      queue: this.queue,
      identity: () => identity,
      intervalMs: () => this.intervalMs,
      log: config.log,
      onWelcome: (welcome) => {
        config.onConnected?.(welcome.hostId);
        if (welcome.intervalMs !== this.intervalMs) {
          config.log.info(`the hub asks for one frame every ${welcome.intervalMs / 1000} s`);
          this.intervalMs = welcome.intervalMs;
          this.schedule();
        }
      },
      onSubscription: (message) => {
        if (message.type === 'subscribe') {
          this.setChannels(message.channels);
          this.options.followPids = new Set(message.followPids);
          this.options.followNames = message.followNames;
        } else {
          const remaining = (['processes', 'connections'] as Channel[]).filter((c) => this.hasChannel(c) && !message.channels.includes(c));
          this.setChannels(remaining);
        }
      },
      onCommand: (command) => this.command(command),
      onAck: config.onAck,
      onCollection: (paused) => {
        this.paused = paused;
        config.log.info(paused ? 'collection paused by the hub' : 'collection resumed by the hub');
      },
    });
  }

  private hasChannel(channel: Channel): boolean {
    return channel === 'processes' ? this.options.allProcesses : this.options.connections;
  }

  private setChannels(channels: Channel[]): void {
    this.options = { ...this.options, allProcesses: channels.includes('processes'), connections: channels.includes('connections') };
  }

  /** Connects and starts collecting (after warming the collectors up, see Collection.warmUp). */
  async start(): Promise<void> {
    const latest = () => (this.latestFrame ? [{ hostname: this.archiveName, frame: this.latestFrame }] : []);
    if (this.config.archive) this.archive = await startS3Archive(this.config.archive, latest, this.config.log);
    this.running = true;
    this.client.start();
    await this.collection.warmUp(this.options, 30);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    if (!this.running) return;
    const now = Date.now();
    let slot = now + this.intervalMs - (now % this.intervalMs);
    // A timer may fire a millisecond early by the wall clock; the next slot must still be a new one.
    if (slot <= this.lastSlot) slot = this.lastSlot + this.intervalMs;
    this.lastSlot = slot;
    const wait = Math.max(0, slot - now);
    this.timer = setTimeout(() => {
      this.schedule();
      void this.tick(slot);
    }, wait);
  }

  /** One cycle, stamped with its slot on the interval grid (not the few ms later the timer fired). */
  private async tick(slot: number): Promise<void> {
    // A cycle still running (a slow disk, a stuck sensor) is not overtaken: that interval is skipped.
    if (this.collecting || this.paused) return;
    this.collecting = true;
    try {
      const result = await this.collection.collect(this.options);
      if (!this.running) return;
      this.latestFrame = toFrame({ ...result, ts: slot }, this.client.takeSeq());
      this.client.enqueue(this.latestFrame);
    } catch (error) {
      this.config.log.error(`collection failed: ${(error as Error).message}`);
    } finally {
      this.collecting = false;
      for (const wake of this.cycleWaiters.splice(0)) wake();
    }
  }

  private nextCycle(): Promise<void> {
    return new Promise((resolve) => {
      this.cycleWaiters.push(resolve);
      setTimeout(resolve, 2 * this.intervalMs + 500).unref();
    });
  }

  private async command(command: Command): Promise<CommandResult> {
    const { proc, constants } = this.collection;
    if (command.kind === 'signal') {
      return executeSignal(command, {
        proc,
        bootTimeMs: proc.stat().bootTime * 1000,
        clockTicks: constants.clockTicks,
        selfPids: new Set([process.pid, ...(this.config.selfPids ?? [])]),
      });
    }
    const find = () => this.collection.lastProcessTable.find((r) => r.info.pid === command.pid)?.info;
    let info = find();
    // A process younger than the last reading is in the next one.
    if (!info && proc.pidStat(command.pid)) {
      await this.nextCycle();
      info = find();
    }
    if (!info)
      return {
        v: PROTOCOL_VERSION,
        type: 'result',
        id: command.id,
        ok: false,
        code: 'not_found',
        error: `no process with PID ${command.pid}`,
      };
    const detail = inspectProcess(
      proc,
      info,
      this.collection.lastProcessTable.map((r) => r.info),
      constants.clockTicks,
    );
    return { v: PROTOCOL_VERSION, type: 'result', id: command.id, ok: true, name: info.name, detail };
  }

  /** Stops collecting, hands unacknowledged frames to the spool, and closes the connection. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.archive?.stop();
    await this.client.stop();
    this.collection.close();
  }
}
