import { SecretMasker } from './secret-masker';

/** Feeds `text` cut at every given offset, and returns what came out. */
function through(masker: SecretMasker, text: string, cuts: number[]): string {
  const data = Buffer.from(text);
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, data.length]) {
    out.push(masker.push(data.subarray(from, cut)));
    from = cut;
  }
  out.push(masker.end());
  return Buffer.concat(out).toString();
}

describe('SecretMasker', () => {
  it('masks every occurrence, whole or straddling any chunk boundary', () => {
    const text = 'user=admin pass=hunter22 again hunter22!';
    const expected = 'user=admin pass=*** again ***!';
    for (let a = 0; a <= text.length; a++) {
      for (let b = a; b <= text.length; b += 3) {
        expect(through(new SecretMasker(['hunter22']), text, [a, b])).toBe(expected);
      }
    }
    // One byte at a time.
    const bytes = Array.from({ length: text.length }, (_, i) => i);
    expect(through(new SecretMasker(['hunter22']), text, bytes)).toBe(expected);
  });

  it('masks several values, the longest first where they overlap; leaves short ones', () => {
    const masker = new SecretMasker(['secret', 'secret-long', 'abc']);
    expect(through(masker, 'a secret-long and a secret, abc', [5, 14])).toBe(
      'a *** and a ***, abc',
    );
  });

  it('handles multi-byte text and values cut inside a character', () => {
    const text = 'pw: pässwörd ✓';
    const cuts = Array.from({ length: Buffer.byteLength(text) }, (_, i) => i);
    expect(through(new SecretMasker(['pässwörd']), text, cuts)).toBe('pw: *** ✓');
  });

  it('lets output through unchanged and unheld when there is nothing to mask', () => {
    const masker = new SecretMasker([]);
    expect(masker.push(Buffer.from('abc')).toString()).toBe('abc');
    expect(masker.end().length).toBe(0);
  });

  it('holds back no more than the longest value less one byte', () => {
    const masker = new SecretMasker(['12345']);
    expect(masker.push(Buffer.from('abcdefgh')).toString()).toBe('abcd');
    // A value wholly arrived is masked at once.
    expect(masker.push(Buffer.from('12345')).toString()).toBe('efgh***');
    expect(masker.push(Buffer.from('x1234')).toString()).toBe('x');
    expect(masker.end().toString()).toBe('1234');
  });
});
