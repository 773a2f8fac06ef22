import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { requestNamespace } from '../namespaces/namespace';
import { decideAccess } from './access';
import { TokenRole } from './actor';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { AuthRequest } from './auth-request';
import { CLUSTER_SCOPED, ClusterScope } from './cluster-scoped.decorator';
import { REQUIRED_ROLE } from './require-role.decorator';
import { TokensService } from './tokens.service';
import { Access } from './access';
import { SsoAuthenticator, looksLikeJwt } from '../sso/sso-authenticator.service';

/** Probes stay open so Kubernetes and load balancers need no token. */
export const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * SSO's status, login round trip and logout (which checks its session and CSRF token itself);
 * with SSO off they answer 404.
 */
export const SSO_PUBLIC_PATHS = new Set([
  '/api/v1/sso/config',
  '/api/v1/sso/login',
  '/api/v1/sso/callback',
  '/api/v1/sso/logout',
]);

interface Caller {
  id: string;
  name: string;
  access: Access;
}

/** The original crontab's routes, answered in its `{errno, msg, data}` shape. */
export function isCompatPath(path: string): boolean {
  return /^\/(job|worker)\//.test(path);
}

interface HeaderSetter {
  setHeader(name: string, value: string): void;
}

/**
 * Every route needs `Authorization: Bearer <token>` (401; an expired one: 401 "token expired"),
 * and a grant for the route's namespace (404 when it has none, 403 when its role is too low) or,
 * on @ClusterScoped routes, the rights access.ts describes. The namespace is the matched route's
 * `:ns` parameter, or `default` on routes without one.
 * A client (IP) that presents more than AUTH_FAILURE_LIMIT unknown tokens within
 * AUTH_FAILURE_WINDOW_SECONDS is refused with 429 and Retry-After until its window ends, valid
 * token or not (otherwise the difference between 429 and 200 would let it keep guessing).
 * Missing tokens are not counted: they guess nothing.
 *
 * With SSO on (docs/security.md#single-sign-on), a bearer token may also be one of the
 * provider's access tokens (a JWT), and a request without Authorization may be authenticated by
 * the console's session cookie; a write authenticated so needs the X-CSRF-Token header (403).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly failures: AuthFailureLimiter;

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
    private readonly sso: SsoAuthenticator,
    config: AppConfig,
  ) {
    this.failures = new AuthFailureLimiter({
      maxFailures: config.AUTH_FAILURE_LIMIT,
      windowMs: config.AUTH_FAILURE_WINDOW_SECONDS * 1000,
      maxClients: config.AUTH_FAILURE_MAX_CLIENTS,
    });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthRequest>();
    if (PUBLIC_PATHS.has(request.path)) return true;
    if (SSO_PUBLIC_PATHS.has(request.path)) return true;
    const caller = await this.authenticate(context, request);
    const targets = [context.getHandler(), context.getClass()];
    const required =
      this.reflector.getAllAndOverride<TokenRole | undefined>(REQUIRED_ROLE, targets) ?? 'admin';
    const scope = this.reflector.getAllAndOverride<ClusterScope | undefined>(
      CLUSTER_SCOPED,
      targets,
    );
    const namespace = scope ? undefined : requestNamespace(request.params);
    const decision = decideAccess(caller.access, namespace, required, {
      delegated: scope?.delegated,
    });
    if (!decision.allow) {
      throw decision.status === 404
        ? new NotFoundException(decision.message)
        : new ForbiddenException(decision.message);
    }
    request.actor = {
      tokenId: caller.id,
      name: caller.name,
      role: decision.role,
      via: isCompatPath(request.path) ? 'compat' : 'v1',
      clusterAdmin: caller.access.clusterAdmin,
      grants: caller.access.grants,
    };
    return true;
  }

  /** Who calls: a bearer token (cronplane's or the provider's), or the SSO session cookie. */
  private async authenticate(context: ExecutionContext, request: AuthRequest): Promise<Caller> {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match && header === undefined && this.sso.hasSessionCookie(request)) {
      const session = await this.sso.session(request);
      if (session.outcome === 'csrf')
        throw new ForbiddenException(
          'missing or wrong X-CSRF-Token header: a write authenticated by the session cookie needs it',
        );
      if (session.outcome !== 'ok') throw new UnauthorizedException('session expired or ended');
      return session.user;
    }
    if (!match)
      throw new UnauthorizedException('missing bearer token: send "Authorization: Bearer <token>"');
    const client = request.ip ?? request.socket?.remoteAddress ?? 'unknown';
    const limit = this.failures.check(client, Date.now());
    if (limit.limited) {
      context
        .switchToHttp()
        .getResponse<HeaderSetter>()
        .setHeader('Retry-After', String(limit.retryAfterSeconds));
      throw new HttpException(
        `too many failed authentications; retry after ${limit.retryAfterSeconds} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const secret = match[1];
    const authentication = await this.tokens.authenticate(secret);
    if (authentication.outcome === 'ok') return authentication.token;
    // A once-valid secret guesses nothing: not counted as a failure.
    if (authentication.outcome === 'expired') throw new UnauthorizedException('token expired');
    if (this.sso.enabled && looksLikeJwt(secret)) {
      const check = await this.sso.bearer(secret);
      if (check.outcome === 'ok') return check.user;
      if (check.outcome === 'expired') throw new UnauthorizedException('token expired');
    }
    this.failures.recordFailure(client, Date.now());
    throw new UnauthorizedException('invalid or revoked token');
  }
}
