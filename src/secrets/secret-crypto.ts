import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Envelope encryption of secret values, AES-256-GCM throughout: each value is encrypted under a
 * data key of its own, and the data key under the master key (CRON_SECRETS_KEY_FILE). The
 * secret's `<namespace>/<name>` is authenticated with both, so a stored value moved to another
 * secret's key does not decrypt. Rotation re-wraps data keys; the values' ciphertexts stay.
 */
export interface SealedValue {
  /** Which master key wrapped the data key: the first 16 hex digits of its SHA-256. */
  keyId: string;
  /** base64: iv (12) | ciphertext (32) | tag (16) of the data key. */
  wrappedKey: string;
  /** base64: iv (12) | ciphertext | tag (16) of the value. */
  ciphertext: string;
}

export interface MasterKey {
  id: string;
  key: Buffer;
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretKeyError extends Error {}

/** A key file's content: 32 raw bytes, or their base64 text (a trailing newline allowed). */
export function readMasterKey(content: Buffer): MasterKey {
  let key = content;
  if (content.length !== KEY_BYTES) {
    const text = content.toString('utf8').trim();
    key = Buffer.from(text, 'base64');
    if (
      key.length !== KEY_BYTES ||
      key.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '')
    )
      throw new SecretKeyError(
        `the secrets key must be 32 bytes, raw or as base64 text (head -c 32 /dev/urandom > key); got ${content.length} bytes`,
      );
  }
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

function encrypt(key: Buffer, plain: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function decrypt(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new SecretKeyError('sealed value is too short');
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

/** Encrypts `value` of the secret `scope` (`<namespace>/<name>`) under a fresh data key. */
export function seal(master: MasterKey, scope: string, value: string): SealedValue {
  const dataKey = randomBytes(KEY_BYTES);
  try {
    return {
      keyId: master.id,
      wrappedKey: encrypt(master.key, dataKey, `key:${scope}`).toString('base64'),
      ciphertext: encrypt(dataKey, Buffer.from(value, 'utf8'), `value:${scope}`).toString('base64'),
    };
  } finally {
    dataKey.fill(0);
  }
}

function masterFor(keys: readonly MasterKey[], sealed: SealedValue): MasterKey {
  const master = keys.find((key) => key.id === sealed.keyId);
  if (!master)
    throw new SecretKeyError(
      `the secret was sealed with key ${sealed.keyId}, which this process does not have`,
    );
  return master;
}

/** The value, with whichever of `keys` wrapped its data key. */
export function open(keys: readonly MasterKey[], scope: string, sealed: SealedValue): string {
  const dataKey = unwrap(keys, scope, sealed);
  try {
    return decrypt(dataKey, Buffer.from(sealed.ciphertext, 'base64'), `value:${scope}`).toString(
      'utf8',
    );
  } catch (error) {
    if (error instanceof SecretKeyError) throw error;
    throw new SecretKeyError('the secret does not decrypt (damaged, or stored under another name)');
  } finally {
    dataKey.fill(0);
  }
}

/** The same value, its data key wrapped by `to` instead (key rotation); the ciphertext stays. */
export function rewrap(
  keys: readonly MasterKey[],
  to: MasterKey,
  scope: string,
  sealed: SealedValue,
): SealedValue {
  const dataKey = unwrap(keys, scope, sealed);
  try {
    return {
      ...sealed,
      keyId: to.id,
      wrappedKey: encrypt(to.key, dataKey, `key:${scope}`).toString('base64'),
    };
  } finally {
    dataKey.fill(0);
  }
}

function unwrap(keys: readonly MasterKey[], scope: string, sealed: SealedValue): Buffer {
  const master = masterFor(keys, sealed);
  try {
    return decrypt(master.key, Buffer.from(sealed.wrappedKey, 'base64'), `key:${scope}`);
  } catch {
    throw new SecretKeyError(
      "the secret's data key does not unwrap (damaged, or stored under another name)",
    );
  }
}
