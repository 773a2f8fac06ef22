import { createServer, Server, Socket, connect } from 'node:net';

/**
 * A TCP proxy that can hold the server's answers (client to server bytes always pass), to make
 * a request commit while its answer comes late.
 */
export class HoldingProxy {
  holding = false;
  private readonly held: (() => void)[] = [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target);
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => upstream.write(chunk));
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
   * Closes every open connection (both sides) and drops the answers held for them, as a network
   * cut would; new connections are accepted as before.
   */
  cut(): void {
    this.held.splice(0);
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  release(): void {
    this.holding = false;
    for (const write of this.held.splice(0)) write();
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
