import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TokenRole, roleAllows } from './actor';
import { AuthRequest } from './auth-request';
import { REQUIRED_ROLE } from './require-role.decorator';
import { TokensService } from './tokens.service';

/** Probes stay open so Kubernetes and load balancers need no token. */
export const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** The original crontab's routes, answered in its `{errno, msg, data}` shape. */
export function isCompatPath(path: string): boolean {
  return /^\/(job|worker)\//.test(path);
}

/** Every route needs `Authorization: Bearer <token>` (401), with a role high enough (403). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthRequest>();
    if (PUBLIC_PATHS.has(request.path)) return true;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match)
      throw new UnauthorizedException('missing bearer token: send "Authorization: Bearer <token>"');
    const token = await this.tokens.authenticate(match[1]);
    if (!token) throw new UnauthorizedException('invalid or revoked token');
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
