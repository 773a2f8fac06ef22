import { OutputBuffer } from './output-buffer';

const write = (buffer: OutputBuffer, ...chunks: string[]) =>
  chunks.forEach((chunk) => buffer.write(Buffer.from(chunk)));

describe('OutputBuffer', () => {
  it('keeps everything under the cap', () => {
    const buffer = new OutputBuffer(16);
    write(buffer, 'hello ', 'world');
    expect(buffer.toString()).toBe('hello world');
    expect(buffer.truncated).toBe(false);
  });

  it('keeps the head and the tail and marks the cut', () => {
    const buffer = new OutputBuffer(8);
    write(buffer, 'abcdef', 'ghijkl', 'mnop');
    expect(buffer.truncated).toBe(true);
    expect(buffer.written).toBe(16);
    expect(buffer.toString()).toBe('abcd\n[... 8 bytes truncated ...]\nmnop');
  });

  it('handles many small chunks with memory bounded by the cap', () => {
    const buffer = new OutputBuffer(1024);
    for (let i = 0; i < 100_000; i++) write(buffer, `line ${i}\n`);
    const text = buffer.toString();
    expect(text.startsWith('line 0\nline 1\n')).toBe(true);
    expect(text.endsWith('line 99999\n')).toBe(true);
    expect(Buffer.byteLength(text)).toBeLessThan(1024 + 64);
  });
});
