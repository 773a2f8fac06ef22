import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP proxy that can hold the server's answers (`holding`), to make a request commit while its
 * answer comes late, and also the client's requests (`holdingRequests`), to cut a client off
 * from the server (its lease keep-alives stop reaching etcd) without closing its connections.
 * Held bytes are delivered, in order, by `release()`.
 */
export class HoldingProxy {
  holding = false;
  holdingRequests = false;
  private readonly held: (() => void)[] = [];
  private readonly heldRequests: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target);
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        if (this.holdingRequests) this.heldRequests.push(() => upstream.write(chunk));
        else upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (this.holding) this.held.push(() => client.write(chunk));
        else client.write(chunk);
      });
      const close = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  /**
   * Closes every open connection (both sides) and drops what is held for them, as a network
   * cut would; new connections are accepted as before.
   */
  cut(): void {
    this.held.splice(0);
    this.heldRequests.splice(0);
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Stops holding; what was held is delivered first (requests to the server, then answers). */
  release(): void {
    this.holdingRequests = false;
    for (const write of this.heldRequests.splice(0)) write();
    this.holding = false;
    for (const write of this.held.splice(0)) write();
  }

  /** Chunks held so far in each direction. */
  get heldCounts(): { requests: number; answers: number } {
    return { requests: this.heldRequests.length, answers: this.held.length };
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
