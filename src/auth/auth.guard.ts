import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppConfig } from '../config/app-config';
import { TokenRole, roleAllows } from './actor';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { AuthRequest } from './auth-request';
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
 * Every route needs `Authorization: Bearer <token>` (401), with a role high enough (403).
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
    const decision = this.failures.check(client, Date.now());
    if (decision.limited) {
      context
        .switchToHttp()
        .getResponse<HeaderSetter>()
        .setHeader('Retry-After', String(decision.retryAfterSeconds));
      throw new HttpException(
        `too many failed authentications; retry after ${decision.retryAfterSeconds} s`,
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
    const token = await this.tokens.authenticate(match[1]);
    if (!token) {
      this.failures.recordFailure(client, Date.now());
      throw new UnauthorizedException('invalid or revoked token');
    }
    const required =
      this.reflector.getAllAndOverride<TokenRole | undefined>(REQUIRED_ROLE, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'admin';
    if (!roleAllows(token.role, required)) {
      throw new ForbiddenException(`role ${token.role} may not do this; it needs ${required}`);
    }
    request.actor = {
      tokenId: token.id,
      name: token.name,
      role: token.role,
      via: isCompatPath(request.path) ? 'compat' : 'v1',
    };
    return true;
  }
}
