import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

interface Pair {
  near: Socket;
  far: Socket | null;
  farClosed: boolean;
  nearClosed: boolean;
}

/**
 * A TCP relay on loopback to a local port, that a test can cut like a network link where network namespaces
 * are not available: while cut, nothing passes and nobody is told (bytes wait, as TCP retransmissions would;
 * new connections wait, as a SYN would). When the link is back, connections whose far end closed meanwhile
 * are reset, the others carry on.
 */
export class TcpRelay {
  private pairs = new Set<Pair>();
  private cut = false;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {
    server.on('connection', (near) => {
      const pair: Pair = { near, far: null, farClosed: false, nearClosed: false };
      this.pairs.add(pair);
      near.on('error', () => {});
      near.on('close', () => {
        pair.nearClosed = true;
        if (this.cut) return;
        pair.far?.destroy();
        this.pairs.delete(pair);
      });
      near.pause();
      if (!this.cut) this.join(pair);
    });
  }

  static async start(targetPort: number): Promise<TcpRelay> {
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TcpRelay(server, targetPort);
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  private join(pair: Pair): void {
    const far = tcpConnect(this.targetPort, '127.0.0.1');
    pair.far = far;
    far.on('error', () => {});
    far.on('close', () => {
      pair.farClosed = true;
      if (!this.cut) pair.near.destroy();
    });
    pair.near.pipe(far);
    far.pipe(pair.near);
  }

  /** Cuts (true) or restores (false) the link. */
  setDown(down: boolean): void {
    this.cut = down;
    for (const pair of this.pairs) {
      const { near, far } = pair;
      if (pair.nearClosed) {
        if (!down) {
          far?.destroy();
          this.pairs.delete(pair);
        }
      } else if (down) {
        near.unpipe();
        far?.unpipe();
        near.pause();
        far?.pause();
      } else if (!far) this.join(pair);
      else if (pair.farClosed) near.resetAndDestroy();
      else {
        near.pipe(far);
        far.pipe(near);
      }
    }
  }

  async close(): Promise<void> {
    for (const { near, far } of this.pairs) {
      near.destroy();
      far?.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
