import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  ForbiddenException,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../jobs/domain-error';
import { DEFAULT_NAMESPACE } from '../namespaces/namespace';
import { Access, Grant, mayGrant, mayManage, normalizeGrants, roleIn } from './access';
import { Actor } from './actor';
import { StoredToken, TokenView, accessOf, isExpired, legacyRole } from './token.model';
import { TokenUsageService } from './token-usage.service';
import { TokensRepository } from './tokens.repository';

const BOOTSTRAP_RETRY_MS = 2000;

function sha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** What a request presents once its secret matched a stored token. */
export interface AuthenticatedToken {
  id: string;
  name: string;
  access: Access;
}

export type Authentication =
  { outcome: 'ok'; token: AuthenticatedToken } | { outcome: 'unknown' } | { outcome: 'expired' };

/** A new token's rights and lifetime, as validated by the API. */
export interface TokenSpec {
  name: string;
  grants: Grant[];
  clusterAdmin: boolean;
  expiresAt?: string;
}

/** The actor's rights, as the guard attached them (none if it did not). */
function accessOfActor(actor: Actor): Access {
  return { clusterAdmin: actor.clusterAdmin === true, grants: actor.grants ?? [] };
}

/**
 * Bearer tokens with grants, expiry and last use. Secrets are shown once, when created, and
 * stored only as sha256 hashes; verification compares hashes in constant time. Who may manage
 * which token is decided in access.ts (mayGrant, mayManage).
 */
@Injectable()
export class TokensService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Tokens');
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly tokens: TokensRepository,
    private readonly usage: TokenUsageService,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.bootstrap();
    } catch (error) {
      // etcd is away: start anyway (health answers, API says 401/503) and keep trying.
      this.logger.warn({ msg: 'admin token bootstrap failed; retrying', err: error as Error });
      this.retry = setTimeout(() => void this.onApplicationBootstrap(), BOOTSTRAP_RETRY_MS);
      this.retry.unref();
    }
  }

  onApplicationShutdown(): void {
    clearTimeout(this.retry);
  }

  /**
   * CRON_ADMIN_TOKEN, when set, is (re)installed as a cluster-admin token at every start;
   * revoking it for good means unsetting it. Otherwise the very first master start of the
   * cluster generates a cluster-admin token and prints it once, in the log line
   * "bootstrap admin token created".
   */
  private async bootstrap(): Promise<void> {
    const bootstrap = { name: 'bootstrap-admin', grants: [], clusterAdmin: true };
    const given = this.config.CRON_ADMIN_TOKEN;
    if (given !== undefined) {
      await this.tokens.create(this.record(given, bootstrap, 'CRON_ADMIN_TOKEN'));
      return;
    }
    const secret = generateSecret();
    if (await this.tokens.createFirst(this.record(secret, bootstrap, 'first start'))) {
      this.logger.log({
        msg: 'bootstrap admin token created',
        adminToken: secret,
        note: 'shown only this once; store it, then create named tokens with POST /api/v1/tokens',
      });
    }
  }

  /** Whether the secret matches a live token; a match is noted as the token's last use. */
  async authenticate(secret: string, now = Date.now()): Promise<Authentication> {
    const hash = sha256(secret);
    const stored = await this.tokens.findByHash(hash);
    if (!stored) return { outcome: 'unknown' };
    const expected = Buffer.from(stored.hash, 'hex');
    const actual = Buffer.from(hash, 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
      return { outcome: 'unknown' };
    if (isExpired(stored, now)) return { outcome: 'expired' };
    this.usage.touch(stored.id, now);
    return { outcome: 'ok', token: { id: stored.id, name: stored.name, access: accessOf(stored) } };
  }

  /** The tokens `actor` may manage (all, for cluster-admin), oldest first. */
  async list(actor: Actor, now = Date.now()): Promise<TokenView[]> {
    const visible = (await this.tokens.list()).filter((token) =>
      mayManage(accessOfActor(actor), accessOf(token)),
    );
    const lastUsed = await this.usage.lastUsed(visible.map((token) => token.id));
    return visible
      .map((token) => view(token, now, lastUsed.get(token.id)))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Creates a token; the returned `token` is the secret, shown this once. */
  async create(spec: TokenSpec, actor: Actor): Promise<TokenView & { token: string }> {
    const wanted: Access = { clusterAdmin: spec.clusterAdmin, grants: spec.grants };
    const refusal = mayGrant(accessOfActor(actor), wanted);
    // Refused before anything else is looked at, so the answer tells nothing about other tokens.
    if (refusal !== undefined) throw new ForbiddenException(refusal);
    const existing = await this.tokens.list();
    if (existing.some((token) => token.name === spec.name)) {
      throw new DomainError('exists', `a token named "${spec.name}" already exists`, [
        { field: 'name', reason: 'is taken by another token' },
      ]);
    }
    const secret = generateSecret();
    const token = this.record(secret, spec, actor.name);
    if (!(await this.tokens.create(token)))
      throw new DomainError('conflict', 'token collision; try again');
    await this.audit.record(actor, 'token.create', { subject: token.id });
    return { ...view(token, Date.now(), undefined), token: secret };
  }

  /**
   * Revokes a token by id. The last live cluster-admin token cannot be revoked (nobody could
   * manage the cluster); a token the actor may not manage is answered as not found.
   */
  async revoke(id: string, actor: Actor, now = Date.now()): Promise<TokenView> {
    const tokens = await this.tokens.list();
    const token = tokens.find((candidate) => candidate.id === id);
    if (!token || !mayManage(accessOfActor(actor), accessOf(token)))
      throw new DomainError('notFound', `token "${id}" not found`);
    const liveClusterAdmins = tokens.filter((t) => accessOf(t).clusterAdmin && !isExpired(t, now));
    if (accessOf(token).clusterAdmin && !isExpired(token, now) && liveClusterAdmins.length === 1) {
      throw new DomainError(
        'conflict',
        'the last cluster-admin token cannot be revoked; create another cluster-admin token first',
      );
    }
    if (!(await this.tokens.delete(token.hash)))
      throw new DomainError('notFound', `token "${id}" not found`);
    this.usage.forget(token.id);
    await this.audit.record(actor, 'token.revoke', { subject: id });
    return view(token, now, undefined);
  }

  private record(
    secret: string,
    spec: Omit<TokenSpec, 'expiresAt'> & { expiresAt?: string },
    createdBy: string,
  ): StoredToken {
    const hash = sha256(secret);
    const access: Access = {
      clusterAdmin: spec.clusterAdmin,
      grants: spec.clusterAdmin ? [] : normalizeGrants(spec.grants),
    };
    const role = legacyRole(access);
    return {
      id: hash.slice(0, 16),
      name: spec.name,
      ...(role !== undefined ? { role } : {}),
      grants: [...access.grants],
      ...(access.clusterAdmin ? { clusterAdmin: true as const } : {}),
      ...(spec.expiresAt !== undefined ? { expiresAt: spec.expiresAt } : {}),
      hash,
      createdAt: new Date().toISOString(),
      createdBy,
    };
  }
}

function view(token: StoredToken, now: number, lastUsed: Date | undefined): TokenView {
  const access = accessOf(token);
  const role = roleIn(access, DEFAULT_NAMESPACE);
  return {
    id: token.id,
    name: token.name,
    ...(role !== undefined ? { role } : {}),
    grants: [...access.grants],
    clusterAdmin: access.clusterAdmin,
    expiresAt: token.expiresAt ?? null,
    expired: isExpired(token, now),
    lastUsedAt: lastUsed?.toISOString() ?? null,
    createdAt: token.createdAt,
    createdBy: token.createdBy,
  };
}

function generateSecret(): string {
  return `cp_${randomBytes(24).toString('base64url')}`;
}
