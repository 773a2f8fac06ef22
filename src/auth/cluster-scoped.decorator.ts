import { SetMetadata } from '@nestjs/common';

export const CLUSTER_SCOPED = 'cronplane:clusterScoped';

export interface ClusterScope {
  /**
   * A route needing admin that a namespace admin may call too, the handler limiting it to the
   * caller's namespaces (token management). Other cluster-scoped admin routes: cluster-admin.
   */
  delegated: boolean;
}

/**
 * A route about the cluster, not about one namespace (see access.ts for who may call it).
 * Routes without it are about a namespace: their `:ns` parameter, or `default` when they have
 * none, so a route is never open to every namespace by omission.
 */
export const ClusterScoped = (
  options: Partial<ClusterScope> = {},
): MethodDecorator & ClassDecorator =>
  SetMetadata(CLUSTER_SCOPED, { delegated: options.delegated === true } satisfies ClusterScope);
