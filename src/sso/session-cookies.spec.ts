import { looksLikeJwt } from './sso-authenticator.service';
import { safeReturnTo } from './sso.controller';
import {
  csrfMatches,
  csrfTokenOf,
  hashId,
  isHttps,
  randomId,
  readCookie,
  setCookie,
} from './session-cookies';

describe('session cookies', () => {
  it('makes random ids and derives a CSRF token that only matches its session', () => {
    const a = randomId();
    const b = randomId();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashId(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(csrfMatches(csrfTokenOf(a), a)).toBe(true);
    expect(csrfMatches(csrfTokenOf(b), a)).toBe(false);
    expect(csrfMatches(undefined, a)).toBe(false);
    expect(csrfMatches(`${csrfTokenOf(a)}x`, a)).toBe(false);
    expect(csrfTokenOf(a)).not.toBe(hashId(a));
  });

  it('reads a cookie from the header', () => {
    expect(readCookie('a=1; cronplane_session=xyz; b=2', 'cronplane_session')).toBe('xyz');
    expect(readCookie('a=1', 'cronplane_session')).toBeUndefined();
    expect(readCookie(undefined, 'cronplane_session')).toBeUndefined();
  });

  it('sets HttpOnly, SameSite=Lax and Secure only over HTTPS', () => {
    const cookie = setCookie('n', 'v', { secure: true, httpOnly: true, maxAge: 60 });
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('Max-Age=60');
    expect(setCookie('n', 'v', { secure: false, httpOnly: false, maxAge: 0 })).not.toMatch(
      /Secure|HttpOnly/,
    );
  });

  it('trusts X-Forwarded-Proto only when told to', () => {
    expect(isHttps(true, undefined, false)).toBe(true);
    expect(isHttps(false, 'https', false)).toBe(false);
    expect(isHttps(false, 'https, http', true)).toBe(true);
    expect(isHttps(false, 'http', true)).toBe(false);
  });
});

describe('safeReturnTo and looksLikeJwt', () => {
  it('returns only to local paths', () => {
    expect(safeReturnTo(undefined)).toBe('/');
    expect(safeReturnTo('/ns/team-b?x=1')).toBe('/ns/team-b?x=1');
    for (const bad of ['//evil.example', 'https://evil.example', '/\\evil', 'jobs', ['/']])
      expect(safeReturnTo(bad)).toBeUndefined();
  });

  it('tells JWTs from cronplane tokens', () => {
    expect(looksLikeJwt('eyJh.eyJz.sig')).toBe(true);
    expect(looksLikeJwt('cp_abcdef')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
  });
});
