import { Injectable } from '@nestjs/common';
import { splitJobId } from '../etcd/etcd-keys';
import { EnvValue, isSecretRef } from '../jobs/job.model';
import { open, SecretKeyError } from './secret-crypto';
import { SecretKeys } from './secret-keys.service';
import { SecretsRepository } from './secrets.repository';

export type PreparedEnv = { env: Record<string, string>; secrets: string[] } | { error: string };

/**
 * A run's variables on the worker: each `{"secretRef": name}` is read from the job's namespace
 * and decrypted only now, to start the command; the values come back to be masked in its
 * output. A missing or unreadable secret fails the run with the reason (never the value).
 */
@Injectable()
export class SecretEnv {
  constructor(
    private readonly repository: SecretsRepository,
    private readonly keys: SecretKeys,
  ) {}

  async prepare(jobId: string, env: Record<string, EnvValue>): Promise<PreparedEnv> {
    const entries = Object.entries(env);
    if (!entries.some(([, value]) => isSecretRef(value)))
      return { env: env as Record<string, string>, secrets: [] };
    const { namespace } = splitJobId(jobId);
    const out: Record<string, string> = {};
    const secrets: string[] = [];
    for (const [name, value] of entries) {
      if (!isSecretRef(value)) {
        out[name] = value;
        continue;
      }
      const ref = value.secretRef;
      let stored;
      try {
        stored = await this.repository.get(namespace, ref);
      } catch (error) {
        return {
          error: `secret "${ref}" (for ${name}) could not be read: ${(error as Error).message}`,
        };
      }
      if (!stored)
        return {
          error: `secret "${ref}" (for ${name}) does not exist in namespace "${namespace}"`,
        };
      try {
        out[name] = open(this.keys.all, `${namespace}/${ref}`, stored);
      } catch (error) {
        if (!(error instanceof SecretKeyError)) throw error;
        return { error: `secret "${ref}" (for ${name}) cannot be read: ${error.message}` };
      }
      secrets.push(out[name]);
    }
    return { env: out, secrets };
  }
}
