import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { jobId } from '../../etcd/etcd-keys';
import { DomainError } from '../../jobs/domain-error';
import { isValidJobName } from '../../jobs/job.model';
import { checkedNamespace } from '../../namespaces/namespace';
import { JOB_NAME_RULE } from '../dto/validators';

export { checkedNamespace, NAMESPACE_RULE } from '../../namespaces/namespace';

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
