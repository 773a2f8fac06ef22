import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { jobId } from '../../etcd/etcd-keys';
import { DomainError } from '../../jobs/domain-error';
import { isValidJobName } from '../../jobs/job.model';
import { isValidNamespace, requestNamespace } from '../../namespaces/namespace';
import { JOB_NAME_RULE } from '../dto/validators';

export const NAMESPACE_RULE =
  'must be a DNS label: 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit';

/** The namespace of the path, checked (400 naming the field) before it can reach a key. */
export function checkedNamespace(params: Record<string, string | undefined>): string {
  const namespace = requestNamespace(params);
  if (!isValidNamespace(namespace))
    throw DomainError.invalid([{ field: 'namespace', reason: NAMESPACE_RULE }]);
  return namespace;
}

/**
 * `@JobIdParam() id`: the job of the path (`:name`, in `:ns` or `default`) as its job id, both
 * parts checked before they can reach an etcd key.
 */
export const JobIdParam = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  const params = context.switchToHttp().getRequest<{ params: Record<string, string> }>().params;
  const namespace = checkedNamespace(params);
  if (!isValidJobName(params.name ?? ''))
    throw DomainError.invalid([{ field: 'name', reason: JOB_NAME_RULE }]);
  return jobId(namespace, params.name);
});
