/**
 * The console's SSO cookies, pure: ids, their hashes, the CSRF token and the cookie attributes.
 *
 * - `cronplane_session`: a random id (256 bits), HttpOnly, SameSite=Lax, Secure over HTTPS. etcd
 *   keeps only its SHA-256, so reading etcd gives no usable cookie.
 * - `cronplane_csrf`: readable by the console's script, which echoes it in `X-CSRF-Token` on
 *   every write. It is derived from the session id (SHA-256 of a label and the id), so it needs
 *   no storage, and a page of another site can neither read it nor send the header.
 * - `cronplane_login`: the pending login's id during the round trip through the provider.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';

export const SESSION_COOKIE = 'cronplane_session';
export const CSRF_COOKIE = 'cronplane_csrf';
export const LOGIN_COOKIE = 'cronplane_login';
export const CSRF_HEADER = 'x-csrf-token';
export const LOGIN_TTL_SECONDS = 600;

/** Methods that change nothing: no CSRF token needed. */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function randomId(): string {
  return randomBytes(32).toString('base64url');
}

/** What etcd keys a session or pending login by. */
export function hashId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

export function csrfTokenOf(sessionId: string): string {
  return createHash('sha256').update(`cronplane-csrf\0${sessionId}`, 'utf8').digest('base64url');
}

export function csrfMatches(header: unknown, sessionId: string): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(csrfTokenOf(sessionId));
  const actual = Buffer.from(header);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export function readCookie(header: unknown, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  const value = parseCookie(header)[name];
  return value === undefined || value === '' ? undefined : value;
}

/** HTTPS as the client sees it: TLS here, or X-Forwarded-Proto when trusted. */
export function isHttps(encrypted: boolean, forwardedProto: unknown, trustForwarded: boolean) {
  if (encrypted) return true;
  if (!trustForwarded || typeof forwardedProto !== 'string') return false;
  return forwardedProto.split(',')[0].trim().toLowerCase() === 'https';
}

export interface CookieOptions {
  secure: boolean;
  /** Seconds; 0 deletes the cookie. */
  maxAge: number;
  httpOnly: boolean;
}

export function setCookie(name: string, value: string, options: CookieOptions): string {
  return stringifySetCookie({
    name,
    value,
    path: '/',
    sameSite: 'lax',
    httpOnly: options.httpOnly,
    secure: options.secure,
    maxAge: options.maxAge,
  });
}
