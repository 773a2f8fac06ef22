import { Module } from '@nestjs/common';
import { SecretEnv } from './secret-env';
import { SecretKeys } from './secret-keys.service';
import { SecretsRepository } from './secrets.repository';

/** Secret values: the keys, the store, and their delivery to a run on the worker. */
@Module({
  providers: [SecretKeys, SecretsRepository, SecretEnv],
  exports: [SecretKeys, SecretsRepository, SecretEnv],
})
export class SecretsModule {}
