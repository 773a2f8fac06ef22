import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { isRootName } from '../jobs/run-as';
import { DEFAULT_NAMESPACE } from '../namespaces/namespace';
import { NamespaceRunAsPolicy, RunAsPolicies } from './run-as-policy';

const NONE: NamespaceRunAsPolicy = { runAsUsers: [], allowRoot: false };

/**
 * The run-as policy until namespaces carry their own: the default namespace's users come from
 * DEFAULT_NAMESPACE_RUN_AS_USERS (listing `root` is what allows root); other namespaces allow none.
 */
@Injectable()
export class ConfigRunAsPolicies implements RunAsPolicies {
  private readonly defaultPolicy: NamespaceRunAsPolicy;

  constructor(config: AppConfig) {
    const users = config.DEFAULT_NAMESPACE_RUN_AS_USERS;
    this.defaultPolicy = { runAsUsers: users, allowRoot: users.some(isRootName) };
  }

  policyFor(namespace: string): NamespaceRunAsPolicy {
    return namespace === DEFAULT_NAMESPACE ? this.defaultPolicy : NONE;
  }
}
