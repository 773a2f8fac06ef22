import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AppConfig } from '../config/app-config';
import { DomainError } from '../jobs/domain-error';
import { Actor, TokenRole } from './actor';
import { StoredToken, TokenView } from './token.model';
import { TokensRepository } from './tokens.repository';

const BOOTSTRAP_RETRY_MS = 2000;

function sha256(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function view(token: StoredToken): TokenView {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    createdAt: token.createdAt,
    createdBy: token.createdBy,
  };
}

/**
 * Bearer tokens with roles. Secrets are shown once, when created, and stored only as sha256
 * hashes; verification compares hashes in constant time.
 */
@Injectable()
export class TokensService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Tokens');
  private retry?: NodeJS.Timeout;

  constructor(
    private readonly tokens: TokensRepository,
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
   * CRON_ADMIN_TOKEN, when set, is (re)installed as an admin token at every start; revoking it
   * for good means unsetting it. Otherwise the very first master start of the cluster generates
   * an admin token and prints it once, in the log line "bootstrap admin token created".
   */
  private async bootstrap(): Promise<void> {
    const given = this.config.CRON_ADMIN_TOKEN;
    if (given !== undefined) {
      await this.tokens.create(this.record(given, 'bootstrap-admin', 'admin', 'CRON_ADMIN_TOKEN'));
      return;
    }
    const secret = generateSecret();
    if (
      await this.tokens.createFirst(this.record(secret, 'bootstrap-admin', 'admin', 'first start'))
    ) {
      this.logger.log({
        msg: 'bootstrap admin token created',
        adminToken: secret,
        note: 'shown only this once; store it, then create named tokens with POST /api/v1/tokens',
      });
    }
  }

  /** The token's identity and role, or undefined when the secret matches no token. */
  async authenticate(secret: string): Promise<TokenView | undefined> {
    const hash = sha256(secret);
    const stored = await this.tokens.findByHash(hash);
    if (!stored) return undefined;
    const expected = Buffer.from(stored.hash, 'hex');
    const actual = Buffer.from(hash, 'hex');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
    return view(stored);
  }

  async list(): Promise<TokenView[]> {
    const tokens = await this.tokens.list();
    return tokens
      .map(view)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Creates a token; the returned `token` is the secret, shown this once. */
  async create(
    name: string,
    role: TokenRole,
    actor: Actor,
  ): Promise<TokenView & { token: string }> {
    const existing = await this.tokens.list();
    if (existing.some((token) => token.name === name)) {
      throw new DomainError('exists', `a token named "${name}" already exists`, [
        { field: 'name', reason: 'is taken by another token' },
      ]);
    }
    const secret = generateSecret();
    const token = this.record(secret, name, role, actor.name);
    if (!(await this.tokens.create(token)))
      throw new DomainError('conflict', 'token collision; try again');
    await this.audit.record(actor, 'token.create', { subject: token.id });
    return { ...view(token), token: secret };
  }

  /** Revokes a token by id; the last admin token cannot be revoked (nobody could manage tokens). */
  async revoke(id: string, actor: Actor): Promise<TokenView> {
    const tokens = await this.tokens.list();
    const token = tokens.find((candidate) => candidate.id === id);
    if (!token) throw new DomainError('notFound', `token "${id}" not found`);
    if (token.role === 'admin' && tokens.filter((t) => t.role === 'admin').length === 1) {
      throw new DomainError(
        'conflict',
        'the last admin token cannot be revoked; create another admin token first',
      );
    }
    if (!(await this.tokens.delete(token.hash)))
      throw new DomainError('notFound', `token "${id}" not found`);
    await this.audit.record(actor, 'token.revoke', { subject: id });
    return view(token);
  }

  private record(secret: string, name: string, role: TokenRole, createdBy: string): StoredToken {
    const hash = sha256(secret);
    return {
      id: hash.slice(0, 16),
      name,
      role,
      hash,
      createdAt: new Date().toISOString(),
      createdBy,
    };
  }
}

function generateSecret(): string {
  return `cp_${randomBytes(24).toString('base64url')}`;
}
