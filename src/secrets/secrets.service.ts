import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../auth/actor';
import { DomainError } from '../jobs/domain-error';
import { rewrap, seal, SecretKeyError } from './secret-crypto';
import { SecretKeys } from './secret-keys.service';
import { SecretsRepository } from './secrets.repository';

/** A secret as the API shows it: who changed it and when, never its value. */
export interface SecretView {
  name: string;
  namespace: string;
  updatedAt: string;
  updatedBy: string;
}

/** Secrets per namespace: write-only values, sealed before they reach etcd. */
@Injectable()
export class SecretsService {
  constructor(
    private readonly repository: SecretsRepository,
    private readonly keys: SecretKeys,
    private readonly audit: AuditService,
  ) {}

  async list(namespace: string): Promise<SecretView[]> {
    const stored = await this.repository.list(namespace);
    return stored.map(({ secret }) => view(secret)).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async put(namespace: string, name: string, value: string, actor: Actor): Promise<SecretView> {
    const sealed = seal(this.sealingKey(), `${namespace}/${name}`, value);
    const secret = {
      ...sealed,
      name,
      namespace,
      updatedAt: new Date().toISOString(),
      updatedBy: actor.name,
    };
    await this.repository.put(secret);
    await this.audit.record(actor, 'secret.put', { namespace, subject: name });
    return view(secret);
  }

  async remove(namespace: string, name: string, actor: Actor): Promise<void> {
    if (!(await this.repository.delete(namespace, name)))
      throw new DomainError('notFound', `secret "${name}" not found in namespace "${namespace}"`);
    await this.audit.record(actor, 'secret.delete', { namespace, subject: name });
  }

  /**
   * Wraps every data key not under the current key with it (values stay as they are); returns
   * how many were rewrapped and how many already were. Each is a compare-and-swap: a secret
   * written meanwhile is sealed under the current key already.
   */
  async rotate(actor: Actor): Promise<{ rewrapped: number; current: number }> {
    const to = this.sealingKey();
    let rewrapped = 0;
    let current = 0;
    for (const { secret, revision } of await this.repository.list()) {
      if (secret.keyId === to.id) {
        current += 1;
        continue;
      }
      const scope = `${secret.namespace}/${secret.name}`;
      let next;
      try {
        next = { ...secret, ...rewrap(this.keys.all, to, scope, secret) };
      } catch (error) {
        if (!(error instanceof SecretKeyError)) throw error;
        throw new DomainError(
          'conflict',
          `secret "${secret.name}" in "${secret.namespace}": ${error.message}; set CRON_SECRETS_PREVIOUS_KEY_FILE to the key it was sealed with`,
        );
      }
      if (await this.repository.replace(next, revision)) rewrapped += 1;
      else current += 1;
    }
    await this.audit.record(actor, 'secrets.rotate', { subject: `${rewrapped} rewrapped` });
    return { rewrapped, current };
  }

  private sealingKey() {
    try {
      return this.keys.sealing();
    } catch (error) {
      throw new DomainError('conflict', (error as Error).message);
    }
  }
}

function view(secret: SecretView): SecretView {
  return {
    name: secret.name,
    namespace: secret.namespace,
    updatedAt: secret.updatedAt,
    updatedBy: secret.updatedBy,
  };
}
