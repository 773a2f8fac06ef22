/**
 * Runs the cached helm binary (tools/helm.ts) on the chart, with its own config and cache
 * directories so tests never read or write the user's helm set-up.
 */
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureHelm } from '../../../tools/helm';
import { KubeObject } from './kube-schema';

export const CHART = resolve(__dirname, '..', '..', '..', 'helm', 'cronplane');
export const PRODUCTION_VALUES = join(CHART, 'ci', 'production-values.yaml');

export interface HelmOptions {
  /** The chart directory; the repository's chart by default. */
  chart?: string;
  release?: string;
  namespace?: string;
  valuesFiles?: string[];
  /** `--set-json` pairs, so numbers and booleans keep their types. */
  setJson?: Record<string, unknown>;
  /** Extra arguments, e.g. `--dry-run=server`. */
  args?: string[];
  env?: Record<string, string>;
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

let helmHome: string | undefined;

function helmEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  helmHome ??= mkdtempSync(join(tmpdir(), 'cronplane-helm-'));
  return {
    PATH: process.env.PATH ?? '',
    HOME: helmHome,
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_DATA_HOME: join(helmHome, 'data'),
    KUBECONFIG: join(helmHome, 'no-kubeconfig'),
    ...extra,
  };
}

export function helm(args: string[], env?: Record<string, string>): HelmResult {
  const result = spawnSync(ensureHelm(), args, { env: helmEnv(env), encoding: 'utf8' });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function templateArgs(options: HelmOptions): string[] {
  const args = [
    'template',
    options.release ?? 'cronplane',
    options.chart ?? CHART,
    '--namespace',
    options.namespace ?? 'cron',
  ];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  for (const [path, value] of Object.entries(options.setJson ?? {})) {
    args.push('--set-json', `${path}=${JSON.stringify(value)}`);
  }
  return [...args, ...(options.args ?? [])];
}

/** `helm template`'s result as is, for tests that expect it to fail. */
export function helmTemplateRaw(options: HelmOptions = {}): HelmResult {
  return helm(templateArgs(options), options.env);
}

/**
 * As helmTemplate, without blocking the event loop: for tests whose fake API server runs in this
 * process and must answer helm while it renders.
 */
export function helmTemplateAsync(options: HelmOptions = {}): Promise<KubeObject[]> {
  return new Promise((done, fail) => {
    execFile(
      ensureHelm(),
      templateArgs(options),
      { env: helmEnv(options.env), maxBuffer: 64 << 20 },
      (error, stdout, stderr) =>
        error ? fail(new Error(`helm template failed:\n${stderr}`)) : done(parseManifests(stdout)),
    );
  });
}

/** Renders the chart and parses every object; throws with helm's message when rendering fails. */
export function helmTemplate(options: HelmOptions = {}): KubeObject[] {
  const result = helmTemplateRaw(options);
  if (result.status !== 0) throw new Error(`helm template failed:\n${result.stderr}`);
  return parseManifests(result.stdout);
}

export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`bad YAML: ${document.errors[0].message}`);
      return document.toJS() as KubeObject | null;
    })
    .filter((object): object is KubeObject => object !== null);
}

export function helmLint(options: HelmOptions = {}): HelmResult {
  const args = ['lint', CHART, '--strict', '--namespace', options.namespace ?? 'cron'];
  for (const file of options.valuesFiles ?? []) args.push('--values', file);
  return helm(args, options.env);
}

/** The one object of a kind (and component, for kinds both roles have). */
export function find(objects: KubeObject[], kind: string, component?: string): KubeObject {
  const matches = objects.filter(
    (object) =>
      object.kind === kind &&
      (component === undefined ||
        object.metadata.labels?.['app.kubernetes.io/component'] === component),
  );
  if (matches.length !== 1) {
    throw new Error(`expected one ${kind} ${component ?? ''}, found ${matches.length}`);
  }
  return matches[0];
}

/**
 * NOTES.txt as `helm install` would print it. helm template leaves NOTES out, so a copy of the
 * chart renders it through `tpl` into a ConfigMap.
 */
export function renderNotes(options: HelmOptions = {}): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'cronplane-notes-')), 'cronplane');
  cpSync(CHART, copy, { recursive: true });
  cpSync(join(CHART, 'templates', 'NOTES.txt'), join(copy, 'notes-under-test.txt'));
  writeFileSync(
    join(copy, 'templates', 'notes-under-test.yaml'),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: notes-under-test',
      'data:',
      '  notes: {{ tpl (.Files.Get "notes-under-test.txt") . | quote }}',
      '',
    ].join('\n'),
  );
  const notes = helmTemplate({ ...options, chart: copy }).find(
    (object) => object.metadata.name === 'notes-under-test',
  );
  return (notes as unknown as { data: { notes: string } }).data.notes;
}
