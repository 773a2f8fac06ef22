import type { LoggerOptions } from 'pino';
import { AppConfig } from '../config/app-config';

/** Paths pino replaces with "[redacted]" wherever they appear in a log object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'req.headers["x-csrf-token"]',
  // The SSO callback's authorization code and state.
  'req.query.code',
  'req.query.state',
  'token',
  '*.token',
];

/** A request as the log shows it: the SSO callback's query (code, state) is left out. */
export function withoutSsoCallbackQuery<T extends { url?: string }>(req: T): T {
  if (typeof req.url === 'string' && req.url.startsWith('/api/v1/sso/callback?'))
    req.url = '/api/v1/sso/callback?[redacted]';
  return req;
}

export function loggerOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { workerId: config.WORKER_ID, pid: process.pid },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    transport:
      config.LOG_PRETTY === '1'
        ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
        : undefined,
  };
}
