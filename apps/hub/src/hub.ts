import { chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AlertRuleInput } from '@vigil/schema';
import pino, { type Logger } from 'pino';
import { Alerting } from './alert/index.ts';
import { startHubArchive } from './archive/index.ts';
import { AuthService } from './auth/service.ts';
import type { HubConfig } from './config.ts';
import { ProcessControl } from './control/process-control.ts';
import { Ingest, LiveState } from './ingest/index.ts';
import { type App, buildApp, redactUrl } from './serve/app.ts';
import type { ServeContext } from './serve/context.ts';
import { releaseHolds } from './serve/rest/index.ts';
import { LiveFanout } from './serve/ws/fanout.ts';
import { openStores, type Stores } from './store/index.ts';
import { HistoryThread } from './store/tsdb/index.ts';

/** How long `stop()` lets HTTP connections finish before it closes them. */
const STOP_GRACE_MS = 2000;

export interface HubOptions {
  config: HubConfig;
  /** The first admin's password (VIGIL_ADMIN_PASSWORD); random when absent. */
  adminPassword?: string;
  /** A logger to use instead of the default (JSON lines to stdout at the configured level). */
  logger?: Logger;
}

export interface FirstStart {
  /** The generated admin password, or null when it was given. */
  password: string | null;
  /** A URL that logs the admin in once. */
  loginLink: string;
}

/**
 * The hub: stores, live state, ingest of agents, process control, and the HTTP/WebSocket server. `start()`
 * opens the data folder (creating the first admin on first start) and listens.
 */
export class Hub {
  readonly stores: Stores;
  readonly auth: AuthService;
  readonly live: LiveState;
  readonly ingest: Ingest;
  readonly control: ProcessControl;
  readonly fanout: LiveFanout;
  readonly storage: HistoryThread;
  readonly alerting: Alerting;
  readonly log: Logger;
  app!: App;
  firstStart: FirstStart | null = null;
  localHostId: string | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  /** The S3 archive (archive.s3), when configured. */
  archive: Awaited<ReturnType<typeof startHubArchive>> | null = null;
  private address = '';

  private constructor(
    readonly config: HubConfig,
    logger: Logger | undefined,
  ) {
    this.log =
      logger ?? pino({ level: config.log.level, redact: ['req.headers.authorization', 'req.headers.cookie', 'token', 'password'] });
    const dataDir = resolve(config.data.dir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
    this.stores = openStores(join(dataDir, 'vigil.db'));
    this.auth = new AuthService(this.stores, config.auth.sessionTtlHours * 3600 * 1000);
    const intervalMs = config.agent.intervalSeconds * 1000;
    this.live = new LiveState(config.agent.offlineAfterIntervals);
    this.live.load(this.stores.hosts.all(), intervalMs);
    this.ingest = new Ingest(this.stores, this.live, intervalMs, this.log.child({ component: 'ingest' }), config.agent.maxMessageBytes);
    this.control = new ProcessControl(this.ingest, this.stores.audit);
    this.fanout = new LiveFanout(this.live, this.ingest);
    const history = config.history;
    const DAY = 24 * 3600 * 1000;
    this.storage = new HistoryThread(
      {
        path: join(dataDir, 'history.db'),
        retention: {
          rawMs: history.rawDays * DAY,
          minuteMs: history.minuteDays * DAY,
          hourMs: history.hourDays * DAY,
          maxBytes: history.maxSizeGb * 1024 ** 3,
        },
      },
      (message) => this.log.warn(message),
    );
    this.ingest.storage = this.storage;
    this.storage.onFailure = () => this.ingest.reconnectAll('the history store restarted; send again what was not acknowledged');
    this.alerting = new Alerting(
      this.stores.alerts,
      this.live,
      this.ingest,
      config,
      dataDir,
      () => this.publicUrl,
      (input) => AlertRuleInput.parse(input),
      (message) => this.log.warn(message),
      { now: Date.now },
      { get: () => this.stores.settings.get('alerts_seeded') === '1', set: () => this.stores.settings.set('alerts_seeded', '1') },
    );
  }

  static async start(options: HubOptions): Promise<Hub> {
    const hub = new Hub(options.config, options.logger);
    try {
      await hub.storage.ready();
      await hub.listen(options);
    } catch (error) {
      // Whatever started is stopped again (the history thread too), so that a failed start leaves nothing running.
      await hub.stop().catch(() => {});
      throw error;
    }
    return hub;
  }

  private async listen(options: HubOptions): Promise<void> {
    const bootstrap = await this.auth.bootstrap(options.adminPassword);
    const ctx: ServeContext = {
      config: this.config,
      stores: this.stores,
      auth: this.auth,
      live: this.live,
      ingest: this.ingest,
      control: this.control,
      storage: this.storage,
      alerting: this.alerting,
      publicUrl: () => this.publicUrl,
      localHostId: () => this.localHostId,
    };
    const tls = this.config.server.tls;
    this.app = await buildApp(ctx, this.fanout, {
      loggerInstance: this.log,
      https: tls ? { cert: readFileSync(tls.cert), key: readFileSync(tls.key) } : undefined,
    });
    this.address = await this.app.listen({ host: this.config.server.host, port: this.config.server.port });
    if (bootstrap) this.firstStart = { password: bootstrap.password, loginLink: `${this.publicUrl}/login?once=${bootstrap.loginLink}` };
    this.sweepTimer = setInterval(() => this.live.sweep((id) => this.ingest.paused && this.ingest.connections.has(id)), 1000);
    this.pruneTimer = setInterval(() => this.stores.tokens.prune(), 6 * 3600 * 1000);
    this.pruneTimer.unref();
    const s3 = this.config.archive.s3;
    if (s3) this.archive = await startHubArchive(s3, this.live, () => this.localHostId, this.log.child({ component: 'archive' }));
    this.log.info({ url: redactUrl(this.publicUrl) }, 'hub listening');
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return Number(new URL(this.address).port);
  }

  /** Where this process reaches the hub (loopback when bound to every address). */
  get url(): string {
    const u = new URL(this.address);
    if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = '127.0.0.1';
    return u.origin;
  }

  /** Where users reach the hub: the configured public URL, or localhost at the bound port. */
  get publicUrl(): string {
    if (this.config.server.publicUrl) return this.config.server.publicUrl.replace(/\/$/, '');
    const u = new URL(this.address);
    if (u.hostname === '0.0.0.0' || u.hostname === '[::]' || u.hostname === '127.0.0.1') u.hostname = 'localhost';
    return u.origin;
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.archive?.stop();
    releaseHolds();
    this.alerting.close();
    this.fanout.close();
    this.ingest.close();
    if (this.app) {
      // Fastify closes idle keep-alive connections at once and waits for the others; a client that keeps one busy
      // (or half-open) would hold the shutdown for as long as it likes. Past a grace period, every connection goes.
      const app = this.app;
      const force = setTimeout(() => app.server.closeAllConnections(), STOP_GRACE_MS);
      await app.close();
      clearTimeout(force);
    }
    await this.storage.close();
    this.stores.db.close();
  }
}
