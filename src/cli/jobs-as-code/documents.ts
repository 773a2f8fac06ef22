/**
 * Job files as documents (pure): YAML (several documents per file, `---`) or JSON (an object, or
 * an array of them), each document one job. Problems are collected, never thrown, each naming
 * its file, its document (1-based) and, when it is about one, its field.
 */
import { parseAllDocuments } from 'yaml';

export interface SourceFile {
  /** As the user named it (relative paths stay relative), for messages. */
  path: string;
  text: string;
}

/** One job as a file gives it. */
export interface JobDocument {
  file: string;
  /** 1-based position of the document in its file (the element of a JSON array). */
  index: number;
  body: Record<string, unknown>;
}

export interface FileProblem {
  file: string;
  /** 1-based; absent when the problem is about the whole file. */
  index?: number;
  field?: string;
  reason: string;
}

/** `jobs/a.yaml: document 2: cronExpr: expected 5 fields...`. */
export function formatProblem(problem: FileProblem): string {
  const where = [problem.file];
  if (problem.index !== undefined) where.push(`document ${problem.index}`);
  if (problem.field !== undefined && problem.field !== '') where.push(problem.field);
  return `${where.join(': ')}: ${problem.reason}`;
}

/** Fields the API has but files must not set: apply sets them. */
const SET_BY_APPLY: Record<string, string> = {
  managedBy: 'is set by cronplane apply (--manager), not in files',
};

/** Fields the server keeps, which files must not carry. */
const SERVER_FIELDS = ['createdAt', 'updatedAt', 'revision', 'cronDialect'];

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function documentProblems(doc: JobDocument): FileProblem[] {
  const at = { file: doc.file, index: doc.index };
  const problems: FileProblem[] = [];
  for (const [field, reason] of Object.entries(SET_BY_APPLY)) {
    if (field in doc.body) problems.push({ ...at, field, reason });
  }
  for (const field of SERVER_FIELDS) {
    if (field in doc.body) {
      problems.push({ ...at, field, reason: 'is kept by the server, not written in files' });
    }
  }
  if (!('name' in doc.body)) problems.push({ ...at, field: 'name', reason: 'is required' });
  else if (typeof doc.body.name !== 'string' || doc.body.name === '') {
    problems.push({ ...at, field: 'name', reason: 'must be a non-empty string' });
  }
  return problems;
}

function fromValues(file: string, values: { value: unknown; index: number }[]): ParsedFile {
  const documents: JobDocument[] = [];
  const problems: FileProblem[] = [];
  for (const { value, index } of values) {
    if (!isMapping(value)) {
      const kind = Array.isArray(value) ? 'a list' : value === null ? 'empty' : typeof value;
      problems.push({ file, index, reason: `must be a job (a mapping of fields), not ${kind}` });
      continue;
    }
    const doc = { file, index, body: value };
    const found = documentProblems(doc);
    if (found.length > 0) problems.push(...found);
    else documents.push(doc);
  }
  return { documents, problems };
}

export interface ParsedFile {
  documents: JobDocument[];
  problems: FileProblem[];
}

function parseJson(file: SourceFile): ParsedFile {
  let value: unknown;
  try {
    value = JSON.parse(file.text);
  } catch (error) {
    return {
      documents: [],
      problems: [{ file: file.path, reason: `is not valid JSON: ${(error as Error).message}` }],
    };
  }
  const values = Array.isArray(value) ? value : [value];
  return fromValues(
    file.path,
    values.map((item, i) => ({ value: item, index: i + 1 })),
  );
}

function parseYaml(file: SourceFile): ParsedFile {
  const problems: FileProblem[] = [];
  const values: { value: unknown; index: number }[] = [];
  parseAllDocuments(file.text, { prettyErrors: true }).forEach((doc, i) => {
    const index = i + 1;
    const errors = doc.errors;
    if (errors.length > 0) {
      for (const error of errors) {
        const line = error.linePos?.[0];
        const where = line ? ` (line ${line.line}, column ${line.col})` : '';
        // prettyErrors appends " at line L, column C:" and a code frame: keep the reason.
        const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        problems.push({ file: file.path, index, reason: `is not valid YAML${where}: ${reason}` });
      }
      return;
    }
    // A document of only comments, or empty (a trailing `---`), holds no job.
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) return;
    values.push({ value, index });
  });
  const parsed = fromValues(file.path, values);
  return { documents: parsed.documents, problems: [...problems, ...parsed.problems] };
}

/** The documents of one file, by its extension: `.json` is JSON, anything else YAML. */
export function parseFile(file: SourceFile): ParsedFile {
  return file.path.toLowerCase().endsWith('.json') ? parseJson(file) : parseYaml(file);
}

/** Every file's documents, and a problem for each job name defined more than once. */
export function parseFiles(files: SourceFile[]): ParsedFile {
  const documents: JobDocument[] = [];
  const problems: FileProblem[] = [];
  const seen = new Map<string, JobDocument>();
  for (const file of files) {
    const parsed = parseFile(file);
    problems.push(...parsed.problems);
    for (const doc of parsed.documents) {
      const name = doc.body.name as string;
      const first = seen.get(name);
      if (first) {
        problems.push({
          file: doc.file,
          index: doc.index,
          field: 'name',
          reason: `job "${name}" is also defined in ${first.file} (document ${first.index})`,
        });
        continue;
      }
      seen.set(name, doc);
      documents.push(doc);
    }
  }
  return { documents, problems };
}
