import { readFileSync } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { SecurityFileError } from '../config/connection-security';
import { MasterKey, readMasterKey, SecretKeyError } from './secret-crypto';

/**
 * The master keys of this process: the current one (CRON_SECRETS_KEY_FILE), which seals, and the
 * previous one (CRON_SECRETS_PREVIOUS_KEY_FILE) during a rotation, which only opens. Read once
 * at start; a bad file stops the start with a one-line reason (never the key).
 */
@Injectable()
export class SecretKeys {
  readonly current?: MasterKey;
  readonly all: readonly MasterKey[];

  constructor(config: AppConfig) {
    const read = (name: string, path?: string): MasterKey | undefined => {
      if (path === undefined) return undefined;
      try {
        return readMasterKey(readFileSync(path));
      } catch (error) {
        const reason =
          error instanceof SecretKeyError ? error.message : (error as NodeJS.ErrnoException).code;
        throw new SecurityFileError(`${name}: cannot use ${path}: ${reason}`);
      }
    };
    this.current = read('CRON_SECRETS_KEY_FILE', config.CRON_SECRETS_KEY_FILE);
    const previous = read('CRON_SECRETS_PREVIOUS_KEY_FILE', config.CRON_SECRETS_PREVIOUS_KEY_FILE);
    this.all = [this.current, previous].filter((key): key is MasterKey => key !== undefined);
  }

  /** The key that seals new values; a clear error when secrets are not set up. */
  sealing(): MasterKey {
    if (!this.current)
      throw new SecretKeyError('secrets are not set up: CRON_SECRETS_KEY_FILE is not set');
    return this.current;
  }
}
