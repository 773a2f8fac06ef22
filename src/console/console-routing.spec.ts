import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConsoleAssets } from './console-assets';
import { consoleAnswer } from './console-routing';

describe('the console answers its own paths and leaves every other route alone', () => {
  const dir = mkdtempSync(join(tmpdir(), 'console-build-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>cronplane</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
  const assets = loadConsoleAssets(dir);
  const answer = (path: string, method = 'GET', accept = 'text/html') => {
    const result = consoleAnswer(assets, method, path, accept);
    return result.kind === 'asset' ? result.asset.contentType.split(';')[0] : result.kind;
  };

  it('serves index.html at / and for its pages, dots in job names included', () => {
    for (const path of ['/', '/jobs/new', '/jobs/nightly.report', '/runs/a%40b', '/workers'])
      expect([path, answer(path)]).toEqual([path, 'text/html']);
  });

  it('serves built files with their types and caching', () => {
    expect(answer('/assets/index-abc123.js', 'GET', '*/*')).toBe('text/javascript');
    expect(answer('/favicon.svg', 'HEAD', 'image/*')).toBe('image/svg+xml');
    const hashed = consoleAnswer(assets, 'GET', '/assets/index-abc123.js', '*/*');
    const index = consoleAnswer(assets, 'GET', '/', 'text/html');
    expect(hashed.kind === 'asset' && hashed.asset.cacheControl).toBe(
      'public, max-age=31536000, immutable',
    );
    expect(index.kind === 'asset' && index.asset.cacheControl).toBe('no-cache');
  });

  it('never shadows the API, Swagger, probes, metrics or the original crontab routes', () => {
    for (const path of [
      '/api/v1/jobs',
      '/api',
      '/docs',
      '/docs-json',
      '/docs/swagger-ui.css',
      '/healthz',
      '/readyz',
      '/metrics',
      '/job/list',
      '/job/save',
      '/worker/list',
    ])
      expect([path, answer(path)]).toEqual([path, 'next']);
  });

  it('leaves missing files, non-GET requests and non-HTML requests to the 404 handler', () => {
    expect(answer('/assets/gone-123.js')).toBe('next');
    expect(answer('/robots.txt')).toBe('next');
    expect(answer('/jobs/new', 'POST')).toBe('next');
    expect(answer('/jobs/x', 'GET', 'application/json')).toBe('next');
  });

  it('says the console was not built rather than answering nothing', () => {
    expect(consoleAnswer(new Map(), 'GET', '/', 'text/html')).toEqual({ kind: 'notBuilt' });
    expect(consoleAnswer(new Map(), 'GET', '/api/v1/jobs', 'text/html')).toEqual({ kind: 'next' });
  });
});
