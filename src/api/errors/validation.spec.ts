import { DomainError } from '../../jobs/domain-error';
import { CreateJobDto } from '../dto/job.dto';
import { validateInput } from './validation';

async function problems(plain: unknown): Promise<{ field: string; reason: string }[]> {
  try {
    await validateInput(CreateJobDto, plain);
    return [];
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return error.details;
  }
}

describe('job DTO validation', () => {
  const job = { name: 'ok', command: 'true', cronExpr: '@daily' };

  it('accepts a minimal job', async () => {
    expect(await problems(job)).toEqual([]);
  });

  it('reports nested fields with dotted paths and reasons without the field name', async () => {
    const found = await problems({ ...job, retries: { max: -1, extra: 1 } });
    expect(found.sort((a, b) => a.field.localeCompare(b.field))).toEqual([
      { field: 'retries.extra', reason: 'is not allowed (unknown field)' },
      { field: 'retries.max', reason: 'must be an integer from 0 to 100' },
    ]);
  });

  it('refuses unknown top-level fields and wrong types', async () => {
    expect(await problems({ ...job, colour: 'red', enabled: 'yes' })).toEqual(
      expect.arrayContaining([
        { field: 'colour', reason: 'is not allowed (unknown field)' },
        { field: 'enabled', reason: 'must be a boolean value' },
      ]),
    );
  });

  it('refuses a body that is not an object', async () => {
    expect(await problems('job')).toEqual([{ field: 'body', reason: 'must be a JSON object' }]);
  });
});
