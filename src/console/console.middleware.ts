import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import { resolve } from 'node:path';
import { ConsoleAsset, loadConsoleAssets } from './console-assets';
import { consoleAnswer } from './console-routing';

/** Where `npm run build` puts the console (vite's outDir), next to the compiled app. */
export const CONSOLE_DIR = resolve(__dirname, '..', 'public');

/**
 * The console's own Content-Security-Policy, stricter than helmet's default: no inline script
 * or style at all, same-origin fetches only, no framing. It omits upgrade-insecure-requests
 * so a master reached over plain HTTP (port-forward, private network) still loads its assets.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Request {
  method: string;
  originalUrl: string;
  headers: Record<string, string | string[] | undefined>;
}

interface Response {
  statusCode: number;
  setHeader(name: string, value: string): void;
  end(body?: Buffer): void;
}

/** Serves the built console from memory: its files by path, index.html for app routes. */
@Injectable()
export class ConsoleMiddleware implements NestMiddleware {
  private readonly logger = new Logger(ConsoleMiddleware.name);
  private readonly assets: Map<string, ConsoleAsset>;

  constructor() {
    this.assets = loadConsoleAssets(CONSOLE_DIR);
    if (!this.assets.has('/index.html')) {
      this.logger.warn({ msg: 'console not built: run npm run build', dir: CONSOLE_DIR });
    }
  }

  use(req: Request, res: Response, next: () => void): void {
    // originalUrl, not path: a mounted middleware sees a path relative to its mount point.
    const path = req.originalUrl.split('?')[0];
    const accept = req.headers.accept;
    const answer = consoleAnswer(
      this.assets,
      req.method,
      path,
      Array.isArray(accept) ? accept.join(',') : accept,
    );
    if (answer.kind === 'next') return next();
    if (answer.kind === 'notBuilt') return this.notBuilt(res);
    const { asset } = answer;
    res.setHeader('Content-Type', asset.contentType);
    res.setHeader('Cache-Control', asset.cacheControl);
    res.setHeader('ETag', asset.etag);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (asset.contentType.startsWith('text/html')) {
      res.setHeader('Content-Security-Policy', CONSOLE_CSP);
      res.setHeader('Referrer-Policy', 'no-referrer');
    }
    if (req.headers['if-none-match'] === asset.etag) {
      res.statusCode = 304;
      return res.end();
    }
    res.statusCode = 200;
    res.setHeader('Content-Length', String(asset.body.length));
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  private notBuilt(res: Response): void {
    res.statusCode = 503;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(Buffer.from('The console was not built. Run `npm run build` and restart.\n'));
  }
}
