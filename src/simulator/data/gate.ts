import net from 'node:net';

/**
 * The TCP proxy in front of one wire server; its port is the deployment's public address. Each new
 * connection waits for `admit` (which also brings the server in step with the clock) and is closed at once
 * when refused, as a deployment that is being restored or warming up refuses connections.
 */
export class Gate {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly backendPort: number,
    private readonly admit: () => Promise<boolean>,
  ) {
    this.server = net.createServer({ pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // A client that goes away mid-stream is not an error of ours.
    socket.on('error', () => socket.destroy());
  }

  private accept(client: net.Socket): void {
    this.track(client);
    this.admit().then(
      (admitted) => {
        if (!admitted || client.destroyed) {
          client.destroy();
          return;
        }
        const upstream = net.connect(this.backendPort, '127.0.0.1');
        this.track(upstream);
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      },
      () => client.destroy(),
    );
  }

  /** Cuts every open connection (the deployment went down for a restore or was made unreachable). */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.dropAll();
    await closed;
  }
}
