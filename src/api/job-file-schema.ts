/**
 * The JSON Schema of job files (`cronplane apply -f`), derived from the OpenAPI document that
 * @nestjs/swagger builds from the API's DTO decorators: a file's document is the body of
 * `POST /api/v1/jobs` (CreateJobDto) less the fields apply sets itself. The server serves it at
 * JOB_FILE_SCHEMA_PATH; docs/job-file.schema.json is a committed copy, checked against a fresh
 * derivation by job-file-schema.spec.ts (which rewrites it with UPDATE_SCHEMA=1).
 */

export const JOB_FILE_SCHEMA_PATH = '/api/v1/schema/job-file.json';

/** The DTO a document of a job file is. */
export const JOB_FILE_ROOT = 'CreateJobDto';

/** Writable fields of the API that files do not carry: `cronplane apply` sets managedBy. */
export const NOT_IN_FILES: readonly string[] = ['managedBy'];

type Schema = Record<string, unknown>;

/** A shell job names its command; an HTTP job (`executor.type: http`) has none. */
export const COMMAND_UNLESS_HTTP: Schema = {
  if: {
    properties: { executor: { properties: { type: { const: 'http' } }, required: ['type'] } },
    required: ['executor'],
  },
  then: { not: { required: ['command'] } },
  else: { required: ['command'] },
};

const OPENAPI_REF = '#/components/schemas/';
const DEFINITIONS_REF = '#/definitions/';

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names of the component schemas `schema` refers to, directly. */
function refsOf(schema: unknown, into: Set<string>): void {
  if (Array.isArray(schema)) {
    for (const item of schema) refsOf(item, into);
    return;
  }
  if (!isObject(schema)) return;
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith(OPENAPI_REF)) {
      into.add(value.slice(OPENAPI_REF.length));
    } else refsOf(value, into);
  }
}

/**
 * One OpenAPI 3 schema as JSON Schema draft-07: refs into `definitions`, `example` as
 * `examples`, and objects with declared properties closed (the API refuses unknown fields).
 */
function convert(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(convert);
  if (!isObject(schema)) return schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace(OPENAPI_REF, DEFINITIONS_REF);
    } else if (key === 'example') {
      out.examples = [value];
    } else if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, property]) => [name, convert(property)]),
      );
    } else {
      out[key] = convert(value);
    }
  }
  if (isObject(out.properties) && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

/** The job-file schema from an OpenAPI document's `components.schemas`. */
export function jobFileSchema(schemas: Record<string, unknown>): Schema {
  const root = schemas[JOB_FILE_ROOT];
  if (!isObject(root)) throw new Error(`the OpenAPI document has no ${JOB_FILE_ROOT} schema`);
  const job: Schema = { ...root };
  if (isObject(root.properties)) {
    job.properties = Object.fromEntries(
      Object.entries(root.properties).filter(([name]) => !NOT_IN_FILES.includes(name)),
    );
  }
  if (Array.isArray(root.required)) {
    job.required = root.required.filter((name) => !NOT_IN_FILES.includes(String(name)));
  }
  // Every schema reachable from the job, sorted by name so the output is stable.
  const names = new Set<string>();
  const pending: unknown[] = [job];
  while (pending.length > 0) {
    const found = new Set<string>();
    refsOf(pending.pop(), found);
    for (const name of found) {
      if (names.has(name)) continue;
      if (!isObject(schemas[name])) throw new Error(`the OpenAPI document has no ${name} schema`);
      names.add(name);
      pending.push(schemas[name]);
    }
  }
  // `command` is required unless the executor is http (which the DTOs cannot say).
  const converted = convert(job) as Schema;
  const definitions: Schema = { Job: { ...converted, ...COMMAND_UNLESS_HTTP } };
  for (const name of [...names].sort()) definitions[name] = convert(schemas[name]);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'cronplane job file',
    description:
      'One job per YAML document (several per file, separated by ---), or a JSON object, or a JSON array of them. Applied with `cronplane apply -f`; see docs/jobs-as-code.md.',
    oneOf: [
      { $ref: `${DEFINITIONS_REF}Job` },
      { type: 'array', items: { $ref: `${DEFINITIONS_REF}Job` } },
    ],
    definitions,
  };
}
