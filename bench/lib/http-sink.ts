/**
 * The ledger of HTTP benchmarks: a local node:http server that HTTP jobs call. It keeps every
 * (job, tick) it received, from the X-Cronplane-Job and X-Cronplane-Tick headers the worker sets,
 * and each arrival's lateness (arrival minus tick), so a window's fires, misses, duplicates and
 * lateness come from what actually arrived.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { duplicates, summarize, Summary } from './stats';

export interface SinkWindow {
  /** Requests whose tick is in the window, duplicates included. */
  requests: number;
  /** Distinct (job, tick) pairs in the window. */
  distinct: number;
  duplicates: number;
  lateness: Summary;
}

interface Arrival {
  key: string;
  tick: number;
  latenessMs: number;
}

export class HttpSink {
  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly arrivals: Arrival[],
  ) {}

  static async start(): Promise<HttpSink> {
    const arrivals: Arrival[] = [];
    const server = createServer((req, res) => {
      const tick = Number(req.headers['x-cronplane-tick']);
      arrivals.push({
        key: `${String(req.headers['x-cronplane-job'])} ${tick}`,
        tick,
        latenessMs: Date.now() - tick,
      });
      res.end('ok');
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return new HttpSink(server, `http://127.0.0.1:${port}/tick`, arrivals);
  }

  /** What arrived for ticks in [from, to), in ms since the epoch. */
  window(from: number, to: number): SinkWindow {
    const inside = this.arrivals.filter((a) => a.tick >= from && a.tick < to);
    const keys = inside.map((a) => a.key);
    return {
      requests: inside.length,
      distinct: new Set(keys).size,
      duplicates: duplicates(keys).length,
      lateness: summarize(inside.map((a) => a.latenessMs)),
    };
  }

  /** Forgets what arrived so far (between steps of a ramp). */
  reset(): void {
    this.arrivals.length = 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
