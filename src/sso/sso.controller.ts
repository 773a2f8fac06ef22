import {
  BadRequestException,
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Logger,
  NotFoundException,
  Post,
  Put,
  Query,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../auth/actor';
import { ClusterScoped } from '../auth/cluster-scoped.decorator';
import { CurrentActor } from '../auth/current-actor.decorator';
import { RequireRole } from '../auth/require-role.decorator';
import { DomainError } from '../jobs/domain-error';
import { V1 } from '../api/controllers/http-types';
import { GroupGrants, parseGroupGrants } from './group-grants';
import { OidcProviderService } from './oidc-provider.service';
import {
  CSRF_COOKIE,
  CSRF_HEADER,
  LOGIN_COOKIE,
  LOGIN_TTL_SECONDS,
  SESSION_COOKIE,
  csrfMatches,
  csrfTokenOf,
  hashId,
  isHttps,
  randomId,
  readCookie,
  setCookie,
} from './session-cookies';
import { SsoStoreRepository } from './sso-store.repository';

/** The parts of an express request and response these routes touch. */
interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  originalUrl: string;
  socket: { encrypted?: boolean };
}
interface HttpResponse {
  setHeader(name: string, value: string | string[]): void;
  redirect(status: number, url: string): void;
}

/** A console path to return to after login: local only (no `//host`, no scheme). */
export function safeReturnTo(value: unknown): string | undefined {
  if (value === undefined || value === '') return '/';
  if (typeof value !== 'string' || !/^\/(?![/\\])[\x21-\x7e]*$/.test(value)) return undefined;
  return value;
}

/**
 * Single sign-on (docs/security.md#single-sign-on): the console's login through the OpenID
 * provider (authorization code with PKCE), logout, and the group-to-grant mapping. Login,
 * callback, logout and config are public paths of the guard; the mapping is cluster-admin's.
 */
@ApiTags('sso')
@Controller(`${V1}/sso`)
export class SsoController {
  private readonly logger = new Logger('Sso');

  constructor(
    private readonly provider: OidcProviderService,
    private readonly store: SsoStoreRepository,
    private readonly audit: AuditService,
  ) {}

  @Get('config')
  @ApiOperation({
    summary:
      "Whether SSO is on, the issuer, and the CLI's client id (`cronplane login --sso`); public",
  })
  config(): { enabled: boolean; issuer?: string; cliClientId?: string } {
    const settings = this.provider.settings;
    if (!settings) return { enabled: false };
    return {
      enabled: true,
      issuer: settings.issuerUrl,
      ...(settings.cliClientId !== undefined ? { cliClientId: settings.cliClientId } : {}),
    };
  }

  @Get('login')
  @ApiOperation({ summary: 'Starts the console login: redirects to the provider; public' })
  async login(
    @Query('returnTo') returnTo: unknown,
    @Req() req: HttpRequest,
    @Res() res: HttpResponse,
  ): Promise<void> {
    const settings = this.enabledSettings();
    const target = safeReturnTo(returnTo);
    if (target === undefined)
      throw DomainError.invalid([{ field: 'returnTo', reason: 'must be a path of this console' }]);
    const redirectUri = this.redirectUri(req);
    const start = await this.provider.startLogin(redirectUri);
    const loginId = randomId();
    await this.store.createLogin(
      hashId(loginId),
      {
        state: start.state,
        nonce: start.nonce,
        codeVerifier: start.codeVerifier,
        returnTo: target,
      },
      LOGIN_TTL_SECONDS,
    );
    const secure = this.secure(req, settings.trustForwardedProto);
    res.setHeader(
      'Set-Cookie',
      setCookie(LOGIN_COOKIE, loginId, { secure, httpOnly: true, maxAge: LOGIN_TTL_SECONDS }),
    );
    res.redirect(302, start.url.href);
  }

  @Get('callback')
  @ApiOperation({ summary: "The provider's redirect back: starts the session; public" })
  async callback(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    const settings = this.enabledSettings();
    const secure = this.secure(req, settings.trustForwardedProto);
    const loginId = readCookie(req.headers.cookie, LOGIN_COOKIE);
    const pending = loginId === undefined ? undefined : await this.store.takeLogin(hashId(loginId));
    if (!pending)
      throw new BadRequestException('no login in progress (or it expired); log in again');
    const redirectUri = this.redirectUri(req);
    const callbackUrl = new URL(req.originalUrl, redirectUri);
    let identity;
    try {
      identity = await this.provider.finishLogin(callbackUrl, { ...pending, redirectUri });
    } catch (error) {
      // The reason names the check that failed (state, nonce, provider error), never a secret.
      this.logger.warn({ msg: 'SSO login refused', reason: (error as Error).message });
      throw new UnauthorizedException('the provider did not confirm the login; log in again');
    }
    const sessionId = randomId();
    const ttl = settings.sessionTtlSeconds;
    const now = Date.now();
    await this.store.createSession(
      hashId(sessionId),
      {
        subject: identity.subject,
        name: identity.name,
        groups: identity.groups,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + ttl * 1000).toISOString(),
      },
      ttl,
    );
    this.logger.log({ msg: 'SSO login', user: identity.name, groups: identity.groups });
    res.setHeader('Set-Cookie', [
      setCookie(SESSION_COOKIE, sessionId, { secure, httpOnly: true, maxAge: ttl }),
      setCookie(CSRF_COOKIE, csrfTokenOf(sessionId), { secure, httpOnly: false, maxAge: ttl }),
      setCookie(LOGIN_COOKIE, '', { secure, httpOnly: true, maxAge: 0 }),
    ]);
    res.redirect(302, pending.returnTo);
  }

  @Post('logout')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Ends the console session (needs X-CSRF-Token); the cookie no longer works; public',
  })
  async logout(
    @Req() req: HttpRequest,
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<{ loggedOut: boolean }> {
    const settings = this.enabledSettings();
    const sessionId = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (sessionId === undefined) return { loggedOut: false };
    if (!csrfMatches(req.headers[CSRF_HEADER], sessionId))
      throw new ForbiddenException('missing or wrong X-CSRF-Token header');
    await this.store.deleteSession(hashId(sessionId));
    const secure = this.secure(req, settings.trustForwardedProto);
    res.setHeader('Set-Cookie', [
      setCookie(SESSION_COOKIE, '', { secure, httpOnly: true, maxAge: 0 }),
      setCookie(CSRF_COOKIE, '', { secure, httpOnly: false, maxAge: 0 }),
    ]);
    return { loggedOut: true };
  }

  @Get('group-grants')
  @RequireRole('admin')
  @ClusterScoped()
  @ApiOperation({ summary: "The mapping of the provider's groups to grants (cluster-admin)" })
  @ApiOkResponse({
    description: '`{mappings: [{group, grants: [{namespace, role}], clusterAdmin}]}`',
  })
  groupGrants(): Promise<GroupGrants> {
    return this.store.groupGrants();
  }

  @Put('group-grants')
  @RequireRole('admin')
  @ClusterScoped()
  @ApiOperation({
    summary: "Replaces the mapping of the provider's groups to grants (cluster-admin)",
    description: 'Applies at once, to running sessions too. 400 names each wrong field.',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['mappings'],
      properties: {
        mappings: {
          type: 'array',
          items: {
            type: 'object',
            required: ['group'],
            properties: {
              group: { type: 'string' },
              clusterAdmin: { type: 'boolean' },
              grants: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { namespace: { type: 'string' }, role: { type: 'string' } },
                },
              },
            },
          },
        },
      },
    },
  })
  async setGroupGrants(@Body() body: unknown, @CurrentActor() actor: Actor): Promise<GroupGrants> {
    const parsed = parseGroupGrants(body);
    if (parsed.errors) throw DomainError.invalid(parsed.errors);
    await this.store.setGroupGrants(parsed.value);
    await this.audit.record(actor, 'sso.group-grants.set', {});
    return parsed.value;
  }

  private enabledSettings(): NonNullable<OidcProviderService['settings']> {
    if (!this.provider.settings) throw new NotFoundException('SSO is not configured');
    return this.provider.settings;
  }

  private secure(req: HttpRequest, trust: boolean): boolean {
    return isHttps(req.socket.encrypted === true, req.headers['x-forwarded-proto'], trust);
  }

  /** OIDC_REDIRECT_URL, or this master's callback as the browser reached it. */
  private redirectUri(req: HttpRequest): string {
    const settings = this.enabledSettings();
    if (settings.redirectUrl !== undefined) return settings.redirectUrl;
    const host = req.headers.host;
    if (typeof host !== 'string' || !/^[A-Za-z0-9.[\]:-]+$/.test(host))
      throw new BadRequestException('the Host header is missing or invalid');
    const scheme = this.secure(req, settings.trustForwardedProto) ? 'https' : 'http';
    return `${scheme}://${host}/${V1}/sso/callback`;
  }
}
