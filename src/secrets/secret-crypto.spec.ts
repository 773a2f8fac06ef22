import { randomBytes } from 'node:crypto';
import { open, readMasterKey, rewrap, seal, SecretKeyError } from './secret-crypto';

describe('secret crypto', () => {
  const raw = randomBytes(32);
  const master = readMasterKey(raw);

  it('reads a key of 32 raw bytes or their base64 text, and refuses anything else', () => {
    expect(readMasterKey(Buffer.from(`${raw.toString('base64')}\n`))).toEqual(master);
    expect(() => readMasterKey(Buffer.from('too short'))).toThrow(SecretKeyError);
    expect(() => readMasterKey(randomBytes(31))).toThrow(/32 bytes/);
  });

  it('seals under a data key of its own, and opens only under the same name', () => {
    const a = seal(master, 'team-a/db', 's3cr3t-value');
    const b = seal(master, 'team-a/db', 's3cr3t-value');
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.wrappedKey).not.toBe(b.wrappedKey);
    expect(JSON.stringify(a)).not.toContain('s3cr3t');
    expect(open([master], 'team-a/db', a)).toBe('s3cr3t-value');
    expect(() => open([master], 'team-b/db', a)).toThrow(SecretKeyError);
    const other = readMasterKey(randomBytes(32));
    expect(() => open([other], 'team-a/db', a)).toThrow(/sealed with key/);
  });

  it('rotates: the data key is wrapped again, the value stays readable with the new key only', () => {
    const sealed = seal(master, 'ns/x', 'value-1');
    const next = readMasterKey(randomBytes(32));
    const rotated = rewrap([master], next, 'ns/x', sealed);
    expect(rotated.keyId).toBe(next.id);
    expect(rotated.ciphertext).toBe(sealed.ciphertext);
    expect(open([next], 'ns/x', rotated)).toBe('value-1');
    expect(() => open([master], 'ns/x', rotated)).toThrow(SecretKeyError);
  });
});
