import { Injectable, PipeTransform } from '@nestjs/common';
import { DomainError } from '../../jobs/domain-error';
import { IfMatch } from '../../jobs/job-input';
import { isValidJobName } from '../../jobs/job.model';
import { RUN_ID_PATTERN } from '../../jobs/run-id';
import { JOB_NAME_RULE } from '../dto/validators';

/** A job name from the path, checked before it can reach an etcd key. */
@Injectable()
export class JobNamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isValidJobName(value))
      throw DomainError.invalid([{ field: 'name', reason: JOB_NAME_RULE }]);
    return value;
  }
}

@Injectable()
export class RunIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!RUN_ID_PATTERN.test(value)) {
      throw DomainError.invalid([
        { field: 'runId', reason: 'must be a run id such as nightly@1767225600000' },
      ]);
    }
    return value;
  }
}

/** A version number from the path: 1, 2, 3... */
@Injectable()
export class VersionPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,9}$/.test(value))
      throw DomainError.invalid([
        { field: 'version', reason: 'must be a version number (1, 2, 3...)' },
      ]);
    return Number(value);
  }
}

/** `If-Match: 42`, `"42"`, `W/"42"` or `*`; absent gives undefined. */
export function parseIfMatch(header: string | undefined): IfMatch | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const value = header.trim();
  if (value === '*') return '*';
  const match = /^(?:W\/)?(?:"(\d{1,15})"|(\d{1,15}))$/.exec(value);
  if (!match) {
    throw DomainError.invalid([
      { field: 'If-Match', reason: 'must be a job revision (a positive integer) or *' },
    ]);
  }
  return Number(match[1] ?? match[2]);
}
