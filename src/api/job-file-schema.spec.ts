import 'reflect-metadata';
import { Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiBody, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateJobDto } from './dto/job.dto';
import { jobFileSchema } from './job-file-schema';

const COMMITTED = join(__dirname, '..', '..', 'docs', 'job-file.schema.json');

/** The body of POST /jobs, as the API's OpenAPI document describes it, and nothing else. */
@Controller()
class BodyOnlyController {
  @Post()
  @ApiBody({ type: CreateJobDto })
  create(): void {}
}

@Module({ controllers: [BodyOnlyController] })
class BodyOnlyModule {}

async function openApiSchemas(): Promise<Record<string, unknown>> {
  const app = await NestFactory.create(BodyOnlyModule, { logger: false });
  try {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    return document.components?.schemas ?? {};
  } finally {
    await app.close();
  }
}

describe('job-file JSON Schema', () => {
  it('docs/job-file.schema.json is the one the DTOs give (UPDATE_SCHEMA=1 rewrites it)', async () => {
    const generated = `${JSON.stringify(jobFileSchema(await openApiSchemas()), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMA === '1') writeFileSync(COMMITTED, generated);
    expect(readFileSync(COMMITTED, 'utf8')).toBe(generated);
  });

  it('closes objects, leaves out managedBy and keeps the rules of the DTOs', async () => {
    const schema = jobFileSchema(await openApiSchemas());
    const defs = schema.definitions as Record<string, Record<string, unknown>>;
    const job = defs.Job;
    const properties = job.properties as Record<string, Record<string, unknown>>;
    expect(job.additionalProperties).toBe(false);
    expect(job.required).toEqual(expect.arrayContaining(['name', 'cronExpr']));
    // command: required for a shell job, absent for an HTTP job.
    expect(job.else).toEqual({ required: ['command'] });
    expect(job.then).toEqual({ not: { required: ['command'] } });
    expect(properties.executor.allOf).toEqual([{ $ref: '#/definitions/JobExecutorDto' }]);
    expect(defs.JobExecutorDto.additionalProperties).toBe(false);
    expect(properties.managedBy).toBeUndefined();
    expect(properties.labels).toMatchObject({ type: 'object' });
    expect(properties.concurrencyPolicy.enum).toEqual(['allow', 'forbid', 'replace']);
    expect(properties.retries).toEqual({ $ref: '#/definitions/RetryPolicyDto' });
    expect(defs.RetryPolicyDto.additionalProperties).toBe(false);
    expect(JSON.stringify(schema)).not.toContain('#/components/');
  });

  it('refuses a document without the root schema', () => {
    expect(() => jobFileSchema({})).toThrow('no CreateJobDto schema');
  });
});
