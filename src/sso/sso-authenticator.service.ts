import { Injectable } from '@nestjs/common';
import { Access } from '../auth/access';
import { accessOfGroups } from './group-grants';
import { OidcProviderService, ProviderIdentity } from './oidc-provider.service';
import {
  CSRF_HEADER,
  SAFE_METHODS,
  SESSION_COOKIE,
  csrfMatches,
  hashId,
  readCookie,
} from './session-cookies';
import { SsoStoreRepository } from './sso-store.repository';

/** A user signed in through the provider, with the rights its groups map to. */
export interface SsoUser {
  id: string;
  name: string;
  access: Access;
}

export type SsoAuthentication =
  | { outcome: 'ok'; user: SsoUser }
  | { outcome: 'expired' }
  | { outcome: 'invalid' }
  | { outcome: 'csrf' };

/** The parts of a request a cookie session is read from. */
export interface CookieRequest {
  method?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Three base64url parts: what a JWT looks like (cronplane's own tokens never do). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/**
 * The guard's SSO half: the provider's access tokens as bearer tokens, and the console's session
 * cookie (with its CSRF check on writes). Rights come from the group mapping at each request, so
 * a changed mapping applies at once, to sessions too.
 */
@Injectable()
export class SsoAuthenticator {
  constructor(
    private readonly provider: OidcProviderService,
    private readonly store: SsoStoreRepository,
  ) {}

  get enabled(): boolean {
    return this.provider.enabled;
  }

  hasSessionCookie(request: CookieRequest): boolean {
    return this.enabled && readCookie(request.headers.cookie, SESSION_COOKIE) !== undefined;
  }

  async bearer(token: string): Promise<SsoAuthentication> {
    const check = await this.provider.verifyAccessToken(token);
    if (check.outcome !== 'ok') return check;
    return { outcome: 'ok', user: await this.userOf(check.identity) };
  }

  /** A request with the session cookie: its session, and on writes the CSRF header. */
  async session(request: CookieRequest): Promise<SsoAuthentication> {
    const id = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (id === undefined) return { outcome: 'invalid' };
    const session = await this.store.session(hashId(id));
    if (!session || Date.parse(session.expiresAt) <= Date.now()) return { outcome: 'expired' };
    const method = (request.method ?? 'GET').toUpperCase();
    if (!SAFE_METHODS.has(method) && !csrfMatches(request.headers[CSRF_HEADER], id))
      return { outcome: 'csrf' };
    return {
      outcome: 'ok',
      user: await this.userOf({
        subject: session.subject,
        name: session.name,
        groups: session.groups,
      }),
    };
  }

  private async userOf(identity: ProviderIdentity): Promise<SsoUser> {
    const mapping = await this.store.groupGrants();
    return {
      id: `sso:${hashId(identity.subject).slice(0, 16)}`,
      name: `sso:${identity.name}`,
      access: accessOfGroups(mapping, identity.groups),
    };
  }
}
