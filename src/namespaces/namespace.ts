import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { DomainError } from '../jobs/domain-error';

/** The namespace of today's un-namespaced routes (`/api/v1/jobs/...`, the original's `/job/...`). */
export const DEFAULT_NAMESPACE = 'default';

/** A namespace name is a DNS label: it becomes an etcd key segment and a run id prefix. */
export const NAMESPACE_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isValidNamespace(name: string): boolean {
  return NAMESPACE_PATTERN.test(name);
}

/** The namespace a request is about: the `:ns` route parameter, or `default` on the old routes. */
export function requestNamespace(params: Record<string, string | undefined> | undefined): string {
  return params?.ns ?? DEFAULT_NAMESPACE;
}

/** `@CurrentNamespace() ns: string` in a controller: see `requestNamespace`. */
export const CurrentNamespace = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string =>
    requestNamespace(
      context.switchToHttp().getRequest<{ params?: Record<string, string> }>().params,
    ),
);

export const NAMESPACE_RULE =
  'must be a DNS label: 1-63 lowercase letters, digits or "-", starting and ending with a letter or digit';

/** The namespace of the path, checked (400 naming the field) before it can reach a key. */
export function checkedNamespace(params: Record<string, string | undefined>): string {
  const namespace = requestNamespace(params);
  if (!isValidNamespace(namespace))
    throw DomainError.invalid([{ field: 'namespace', reason: NAMESPACE_RULE }]);
  return namespace;
}
