/**
 * The Dockerfile as data, parsed by dockerfile-ast (line continuations, flags and exec forms
 * handled as Docker does): its stages, and per stage the instructions in order.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Arg, Copy, DockerfileParser, Env, From } from 'dockerfile-ast';

export const ROOT = resolve(__dirname, '..', '..', '..');

export interface Instruction {
  keyword: string;
  /** Arguments without flags, continuation lines joined. */
  args: string;
  /** COPY --from. */
  from?: string;
  /** ENV and ARG names with their values (or defaults). */
  properties?: Record<string, string>;
}

export interface Stage {
  name: string | null;
  image: string;
  tag: string | null;
  digest: string | null;
  instructions: Instruction[];
}

export function readDockerfile(path = resolve(ROOT, 'Dockerfile')): Stage[] {
  const dockerfile = DockerfileParser.parse(readFileSync(path, 'utf8'));
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (instruction instanceof From) {
      stages.push({
        name: instruction.getBuildStage(),
        image: instruction.getImageName() ?? '',
        tag: instruction.getImageTag(),
        digest: instruction.getImageDigest(),
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${keyword} before the first FROM`);
    const parsed: Instruction = {
      keyword,
      args: (instruction.getArgumentsContent() ?? '').replace(/\s+/g, ' '),
    };
    if (instruction instanceof Copy)
      parsed.from = instruction.getFromFlag()?.getValue() ?? undefined;
    if (instruction instanceof Env || instruction instanceof Arg) {
      parsed.properties = Object.fromEntries(
        instruction.getProperties().map((p) => [p.getName(), p.getValue() ?? '']),
      );
    }
    stage.instructions.push(parsed);
  }
  return stages;
}

export function instructions(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** An exec-form (JSON array) argument list, e.g. CMD ["node", "dist/main.js"]. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`not an exec form: ${args}`);
  }
  return parsed as string[];
}

/** The ENV of a stage, later instructions winning. */
export function stageEnv(stage: Stage): Record<string, string> {
  return Object.assign(
    {},
    ...instructions(stage, 'ENV').map((instruction) => instruction.properties),
  );
}

/**
 * Whether `.dockerignore` keeps `path` (relative to the context) out of the build context: the
 * last pattern matching it or one of its parent directories decides, `!` patterns re-include.
 * Covers the patterns Docker documents short of `**` inside a segment: `*`, `?`, `**` and `!`.
 */
export function ignoredByDockerignore(
  path: string,
  file = resolve(ROOT, '.dockerignore'),
): boolean {
  const patterns = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const segments = path.replace(/^\.\//, '').replace(/\/$/, '').split('/');
  const candidates = segments.map((_, i) => segments.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const glob = (negated ? pattern.slice(1) : pattern).replace(/^\//, '').replace(/\/$/, '');
    const source = glob
      .split('/')
      .map((part) =>
        part === '**'
          ? '.*'
          : part
              .replace(/[.+^${}()|[\]\\]/g, '\\$&')
              .replace(/\*/g, '[^/]*')
              .replace(/\?/g, '[^/]'),
      )
      .join('/');
    const regex = new RegExp(`^${source}$`);
    if (candidates.some((candidate) => regex.test(candidate))) ignored = !negated;
  }
  return ignored;
}
