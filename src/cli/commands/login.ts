/** `cronplane login --sso`: signs in through the master's OpenID provider (device flow). */
import type { Command } from 'commander';
import { ApiClient } from '../api-client';
import { CliError } from '../cli-error';
import type { CliContext, GlobalOptions } from '../command-context';
import { readConfigFile, resolveConnection, useContext, writeConfigFile } from '../config';
import { deviceLogin } from '../sso';

interface LoginOptions {
  sso?: boolean;
  issuer?: string;
  clientId?: string;
  scope: string;
}

export function registerLogin(program: Command, ctx: CliContext): void {
  program
    .command('login')
    .description(
      'Sign in with single sign-on (device flow); the token is stored in the context (mode 0600)',
    )
    .option('--sso', 'sign in through the OpenID provider the server names')
    .option('--issuer <url>', "the provider's issuer URL (default: the server's)")
    .option('--client-id <id>', "the provider's client id for the CLI (default: the server's)")
    .option('--scope <scopes>', 'scopes to ask for', 'openid profile offline_access')
    .action(async (opts: LoginOptions) => {
      if (!opts.sso)
        throw new CliError('login needs --sso (API tokens: cronplane config set-context)');
      const globals = program.opts<GlobalOptions>();
      const path = ctx.configPath();
      const config = readConfigFile(path);
      const connection = resolveConnection(
        {
          // The context may be new: it is created by this login.
          flags: {
            server: globals.server,
            context: config.contexts.some((c) => c.name === globals.context)
              ? globals.context
              : undefined,
          },
          env: ctx.env,
          config,
        },
        path,
      );
      const name = globals.context ?? connection.context ?? 'default';
      const announced = (
        await new ApiClient({ url: connection.url }).request('GET', '/api/v1/sso/config')
      ).body as { enabled?: boolean; issuer?: string; cliClientId?: string };
      const issuer = opts.issuer ?? announced.issuer;
      const clientId = opts.clientId ?? announced.cliClientId;
      if (!issuer) throw new CliError(`${connection.url} has no single sign-on (OIDC_ISSUER_URL)`);
      if (!clientId)
        throw new CliError('no client id for the CLI: pass --client-id or set OIDC_CLI_CLIENT_ID');
      const tokens = await deviceLogin({ issuer, clientId }, opts.scope, ctx.out);
      // A user whose groups map to no grant is signed in but may do nothing (403).
      const me = await new ApiClient({ url: connection.url, token: tokens.token })
        .request('GET', '/api/v1/whoami')
        .then((reply) => (reply.body as { name?: string }).name ?? 'unknown')
        .catch(() => 'a user without grants');
      const others = config.contexts.filter((c) => c.name !== name);
      const entry = {
        name,
        server: connection.url,
        ...tokens,
        ssoIssuer: issuer,
        ssoClientId: clientId,
      };
      let next = { ...config, contexts: [...others, entry] };
      if (!next.currentContext) next = useContext(next, name, path);
      writeConfigFile(path, next);
      ctx.out(`logged in as ${me}; context "${name}" saved in ${path}`);
    });
}
