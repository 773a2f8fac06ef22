/** `cronplane create token NAME --grant ns=role... [--expires 30d|ISO]`, and the token list. */
import type { Command } from 'commander';
import type { CliContext } from '../command-context';
import { CliError } from '../cli-error';
import { Column, relativeTime } from '../output';

export interface TokenItem {
  id: string;
  name: string;
  grants: { namespace: string; role: string }[];
  clusterAdmin: boolean;
  expiresAt: string | null;
  expired: boolean;
  lastUsedAt: string | null;
  createdAt: string;
}

const ROLES = ['viewer', 'operator', 'admin'];

/** `ns=role`, e.g. `team-b=operator`. */
export function parseGrant(
  value: string,
  previous: { namespace: string; role: string }[] = [],
): { namespace: string; role: string }[] {
  const match = /^([^=]+)=([^=]+)$/.exec(value);
  if (!match || !ROLES.includes(match[2]))
    throw new CliError(
      `--grant: expected NAMESPACE=ROLE (role ${ROLES.join('|')}), got "${value}"`,
    );
  return [...previous, { namespace: match[1], role: match[2] }];
}

/** `30d`, `12h`, `90m` from `now`, or an ISO 8601 time as given. */
export function parseExpires(value: string, now = Date.now()): string {
  const relative = /^(\d+)([dhm])$/.exec(value);
  if (relative) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return new Date(now + Number(relative[1]) * unit).toISOString();
  }
  if (Number.isNaN(Date.parse(value)))
    throw new CliError(`--expires: expected 30d, 12h, 90m or an ISO 8601 time, got "${value}"`);
  return value;
}

export function tokenColumns(now: number): Column<TokenItem>[] {
  return [
    { header: 'ID', value: (t) => t.id },
    { header: 'NAME', value: (t) => t.name },
    {
      header: 'GRANTS',
      value: (t) =>
        t.clusterAdmin
          ? 'cluster-admin'
          : t.grants.map((g) => `${g.namespace}=${g.role}`).join(','),
      shrink: true,
    },
    {
      header: 'EXPIRES',
      value: (t) => (t.expired ? 'expired' : (t.expiresAt ?? 'never')),
    },
    {
      header: 'LAST USED',
      value: (t) => (t.lastUsedAt ? relativeTime(t.lastUsedAt, now) : 'never'),
    },
    { header: 'CREATED', value: (t) => t.createdAt, wide: true },
  ];
}

export function registerTokens(program: Command, ctx: CliContext): void {
  program
    .command('create')
    .description('Create a token (prints its secret, shown only this once)')
    .argument('<kind>', 'token')
    .argument('<name>', 'who or what uses it')
    .option('--grant <ns=role>', 'a role in a namespace (repeatable)', parseGrant)
    .option('--cluster-admin', 'every role in every namespace (cluster-admin callers only)')
    .option('--expires <when>', 'refused from then on: 30d, 12h, 90m or an ISO 8601 time')
    .action(
      async (
        kind: string,
        name: string,
        opts: {
          grant?: { namespace: string; role: string }[];
          clusterAdmin?: boolean;
          expires?: string;
        },
      ) => {
        if (kind !== 'token') throw new CliError(`create: unknown kind "${kind}" (expected token)`);
        if (!opts.grant && !opts.clusterAdmin)
          throw new CliError('create token: give --grant NAMESPACE=ROLE (or --cluster-admin)');
        const body = {
          name,
          ...(opts.clusterAdmin ? { clusterAdmin: true } : { grants: opts.grant }),
          ...(opts.expires ? { expiresAt: parseExpires(opts.expires) } : {}),
        };
        const { body: created } = await ctx
          .client()
          .request<TokenItem & { token: string }>('POST', '/api/v1/tokens', { body });
        ctx.err(`token ${created.name} created (id ${created.id}); its secret, shown only now:`);
        ctx.out(created.token);
      },
    );
}

export async function revokeTokens(ctx: CliContext, ids: string[]): Promise<void> {
  if (ids.length === 0) throw new CliError('delete token: name at least one token id');
  for (const id of ids) {
    await ctx.client().request('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
    ctx.out(`token ${id} revoked`);
  }
}
