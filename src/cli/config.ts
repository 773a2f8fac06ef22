/**
 * Where the CLI finds its server and token, like kubectl's kubeconfig: a YAML file of named
 * contexts (`~/.config/cronplane/config.yaml`, or `$CRONPLANE_CONFIG`), written mode 0600 since it
 * holds tokens. Resolution, strongest first: the `--server`/`--token` flags, then
 * `CRONPLANE_URL`/`CRONPLANE_TOKEN`, then the context named by `--context` or the file's current
 * context, then (inside a master's container only) that master, then http://localhost:8070. Parsing and resolution are pure; only readConfigFile/writeConfigFile touch the disk.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CliError } from './cli-error';

export interface ContextEntry {
  name: string;
  server?: string;
  token?: string;
  /** `cronplane login --sso`: the provider's refresh token, and where and for whom to use it. */
  refreshToken?: string;
  /** ISO 8601: when `token` (an SSO access token) expires. */
  tokenExpiresAt?: string;
  ssoIssuer?: string;
  ssoClientId?: string;
}

const OPTIONAL_STRINGS = [
  'server',
  'token',
  'refreshToken',
  'tokenExpiresAt',
  'ssoIssuer',
  'ssoClientId',
] as const;

export interface CliConfig {
  currentContext?: string;
  contexts: ContextEntry[];
}

export interface ConnectionSources {
  flags: { server?: string; token?: string; context?: string };
  env: Record<string, string | undefined>;
  config: CliConfig;
}

export interface Connection {
  url: string;
  token?: string;
  /** The context the URL or token came from, if any. */
  context?: string;
}

export const DEFAULT_SERVER = 'http://localhost:8070';

export function configPath(env: Record<string, string | undefined>): string {
  if (env.CRONPLANE_CONFIG) return env.CRONPLANE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'cronplane', 'config.yaml');
}

export function parseConfig(text: string, path: string): CliConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new CliError(`${path}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (raw === null || raw === undefined) return { contexts: [] };
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new CliError(`${path}: expected a mapping`);
  const doc = raw as { currentContext?: unknown; contexts?: unknown };
  const contexts: ContextEntry[] = [];
  if (doc.contexts !== undefined && doc.contexts !== null) {
    if (!Array.isArray(doc.contexts)) throw new CliError(`${path}: contexts: expected a list`);
    doc.contexts.forEach((entry: unknown, index) => {
      const e = entry as Record<string, unknown> | null;
      if (!e || typeof e !== 'object' || typeof e.name !== 'string' || !e.name) {
        throw new CliError(`${path}: contexts[${index}].name: expected a non-empty string`);
      }
      const parsed: ContextEntry = { name: e.name };
      for (const key of OPTIONAL_STRINGS) {
        const value = e[key];
        if (value !== undefined && typeof value !== 'string') {
          throw new CliError(`${path}: contexts[${index}].${key}: expected a string`);
        }
        if (typeof value === 'string') parsed[key] = value;
      }
      contexts.push(parsed);
    });
  }
  const currentContext = typeof doc.currentContext === 'string' ? doc.currentContext : undefined;
  return { ...(currentContext ? { currentContext } : {}), contexts };
}

export function serializeConfig(config: CliConfig): string {
  return stringify({
    ...(config.currentContext ? { currentContext: config.currentContext } : {}),
    contexts: config.contexts,
  });
}

/** Adds or updates a context; fields left undefined keep their old value. */
export function setContext(config: CliConfig, entry: ContextEntry): CliConfig {
  const existing = config.contexts.find((c) => c.name === entry.name);
  // A token given by hand replaces an SSO login's token and what refreshes it.
  const sso =
    entry.token === undefined && existing
      ? Object.fromEntries(
          (['refreshToken', 'tokenExpiresAt', 'ssoIssuer', 'ssoClientId'] as const)
            .filter((key) => existing[key] !== undefined)
            .map((key) => [key, existing[key]]),
        )
      : {};
  const merged: ContextEntry = {
    name: entry.name,
    ...sso,
    ...((entry.server ?? existing?.server) ? { server: entry.server ?? existing?.server } : {}),
    ...((entry.token ?? existing?.token) ? { token: entry.token ?? existing?.token } : {}),
  };
  const contexts = existing
    ? config.contexts.map((c) => (c.name === entry.name ? merged : c))
    : [...config.contexts, merged];
  return { ...config, contexts };
}

export function useContext(config: CliConfig, name: string, path: string): CliConfig {
  if (!config.contexts.some((c) => c.name === name)) {
    throw new CliError(`no context named "${name}" in ${path}`);
  }
  return { ...config, currentContext: name };
}

export function deleteContext(config: CliConfig, name: string, path: string): CliConfig {
  if (!config.contexts.some((c) => c.name === name)) {
    throw new CliError(`no context named "${name}" in ${path}`);
  }
  const contexts = config.contexts.filter((c) => c.name !== name);
  const currentContext = config.currentContext === name ? undefined : config.currentContext;
  return { ...(currentContext ? { currentContext } : {}), contexts };
}

/** Shows that a token is set without showing any of it. */
export function maskToken(token: string | undefined): string {
  return token ? '********' : '';
}

/**
 * Inside a master's container (`kubectl exec deploy/cronplane-master -- cronplane ...`) the
 * environment is the server's own: ROLE=master (or all), PORT and CRON_ADMIN_TOKEN. Then, as the
 * last fallback, the CLI talks to that master on 127.0.0.1:$PORT with its bootstrap admin token;
 * whoever can exec into the pod can read that environment anyway. A ROLE of anything else (or
 * none, as in a user's shell) changes nothing.
 */
export function inMasterProcessEnv(env: Record<string, string | undefined>): {
  url?: string;
  token?: string;
} {
  if (env.ROLE !== 'master' && env.ROLE !== 'all') return {};
  const port = env.PORT && /^\d+$/.test(env.PORT) ? env.PORT : '8070';
  return {
    url: `http://127.0.0.1:${port}`,
    ...(env.CRON_ADMIN_TOKEN ? { token: env.CRON_ADMIN_TOKEN } : {}),
  };
}

export function resolveConnection(
  sources: ConnectionSources,
  path = 'the config file',
): Connection {
  const { flags, env, config } = sources;
  const contextName = flags.context ?? config.currentContext;
  let context: ContextEntry | undefined;
  if (contextName !== undefined) {
    context = config.contexts.find((c) => c.name === contextName);
    if (!context && flags.context !== undefined) {
      throw new CliError(`no context named "${contextName}" in ${path}`);
    }
  }
  const pod = inMasterProcessEnv(env);
  const url = flags.server || env.CRONPLANE_URL || context?.server || pod.url || DEFAULT_SERVER;
  const token = flags.token || env.CRONPLANE_TOKEN || context?.token || pod.token || undefined;
  if (!/^https?:\/\/[^/]/i.test(url)) {
    throw new CliError(`server URL must start with http:// or https://, got "${url}"`);
  }
  return { url, ...(token ? { token } : {}), ...(context ? { context: context.name } : {}) };
}

export function readConfigFile(path: string): CliConfig {
  if (!existsSync(path)) return { contexts: [] };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return parseConfig(text, path);
}

/** Written to a scratch file mode 0600 and renamed into place: never readable by others. */
export function writeConfigFile(path: string, config: CliConfig): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const scratch = `${path}.${process.pid}.tmp`;
    writeFileSync(scratch, serializeConfig(config), { mode: 0o600 });
    chmodSync(scratch, 0o600);
    renameSync(scratch, path);
  } catch (error) {
    throw new CliError(
      `cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
}
