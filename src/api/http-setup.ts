import { HttpException, PayloadTooLargeException } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { DomainError } from '../jobs/domain-error';
import { JOB_FILE_SCHEMA_PATH, jobFileSchema } from './job-file-schema';

/** Bodies above this answer 413. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

interface HeaderWriter {
  getHeader(name: string): unknown;
  setHeader(name: string, value: string): void;
}

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

/** body-parser's errors as the API's own, so the exception filter answers them in its shape. */
function bodyError(error: unknown): unknown {
  const { type, status, message } = (error ?? {}) as BodyParserError;
  if (type === 'entity.too.large') {
    return new PayloadTooLargeException(`request body exceeds ${BODY_LIMIT_BYTES} bytes (1 MiB)`);
  }
  if (type === 'entity.parse.failed') {
    return DomainError.invalid([
      { field: 'body', reason: `is not valid JSON: ${message ?? 'parse error'}` },
    ]);
  }
  if (typeof status === 'number' && status >= 400 && status < 500)
    return new HttpException(message ?? 'bad request', status);
  return error;
}

/**
 * The probes' and scrape's place in the document, kept out of their controllers (which workers
 * serve without the OpenAPI code): the probes under `health` with their answers, the scrape
 * endpoint left out.
 */
export function withProbes(document: OpenAPIObject): OpenAPIObject {
  delete document.paths['/metrics'];
  for (const path of ['/healthz', '/readyz']) {
    for (const operation of Object.values(document.paths[path] ?? {})) {
      if (operation && typeof operation === 'object' && 'responses' in operation) {
        operation.tags = ['health'];
        operation.responses = {
          '200': { description: 'The check passed' },
          '503': { description: 'The check failed: `error` names the dependency (etcd, mongodb)' },
        };
      }
    }
  }
  return document;
}

/** HTTP set-up of the master role: body limits, and the OpenAPI document at /docs and /docs-json. */
export function configureHttp(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT_BYTES, extended: false });
  // Four parameters make this express error middleware: it sees the body parsers' errors first.
  app.use(
    (error: unknown, _request: unknown, _response: unknown, next: (error?: unknown) => void) =>
      next(bodyError(error)),
  );
  // helmet's CSP asks browsers to upgrade every sub-request to https; a master reached over plain
  // http (inside a cluster) would then load no Swagger UI script at all.
  app.use('/docs', (_request: unknown, response: HeaderWriter, next: () => void) => {
    const policy = response.getHeader('Content-Security-Policy');
    if (typeof policy === 'string') {
      response.setHeader(
        'Content-Security-Policy',
        policy.replace(/;?\s*upgrade-insecure-requests/, ''),
      );
    }
    next();
  });
  const config = new DocumentBuilder()
    .setTitle('cronplane')
    .setDescription(
      'Distributed cron on etcd and MongoDB. Every route except /healthz and /readyz needs `Authorization: Bearer <token>`; ' +
        'roles: viewer (read), operator (also run, kill, pause, resume), admin (everything).',
    )
    .setVersion('1')
    .addBearerAuth()
    .addSecurityRequirements('bearer')
    .build();
  const document = withProbes(SwaggerModule.createDocument(app, config));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  // The job-file schema, from the same document; public like /docs, since editors fetch it
  // without a token (`# yaml-language-server: $schema=<server>/api/v1/schema/job-file.json`).
  const jobFile = jobFileSchema(document.components?.schemas ?? {});
  app
    .getHttpAdapter()
    .get(JOB_FILE_SCHEMA_PATH, (_request: unknown, response: { json(body: unknown): void }) =>
      response.json(jobFile),
    );
}
