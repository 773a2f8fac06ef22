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

/** Probes stay open so Kubernetes and load balancers need no token. */
export const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

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
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly failures: AuthFailureLimiter;

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
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
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
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
    const authentication = await this.tokens.authenticate(match[1]);
    if (authentication.outcome === 'unknown') {
      this.failures.recordFailure(client, Date.now());
      throw new UnauthorizedException('invalid or revoked token');
    }
    // A once-valid secret guesses nothing: not counted as a failure.
    if (authentication.outcome === 'expired') throw new UnauthorizedException('token expired');
    const { token } = authentication;
    const targets = [context.getHandler(), context.getClass()];
    const required =
      this.reflector.getAllAndOverride<TokenRole | undefined>(REQUIRED_ROLE, targets) ?? 'admin';
    const scope = this.reflector.getAllAndOverride<ClusterScope | undefined>(
      CLUSTER_SCOPED,
      targets,
    );
    const namespace = scope ? undefined : requestNamespace(request.params);
    const decision = decideAccess(token.access, namespace, required, {
      delegated: scope?.delegated,
    });
    if (!decision.allow) {
      throw decision.status === 404
        ? new NotFoundException(decision.message)
        : new ForbiddenException(decision.message);
    }
    request.actor = {
      tokenId: token.id,
      name: token.name,
      role: decision.role,
      via: isCompatPath(request.path) ? 'compat' : 'v1',
      clusterAdmin: token.access.clusterAdmin,
      grants: token.access.grants,
    };
    return true;
  }
}
