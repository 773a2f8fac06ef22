import { resultOf } from './execution-result';
import { OutputBuffer } from './output-buffer';

const output = (text = ''): OutputBuffer => {
  const buffer = new OutputBuffer(1024);
  buffer.write(Buffer.from(text));
  return buffer;
};

describe('resultOf', () => {
  it('classifies exits', () => {
    expect(resultOf({ code: 0, signal: null }, output('ok'))).toEqual({
      status: 'succeeded',
      exitCode: 0,
      signal: undefined,
      output: 'ok',
      truncated: false,
    });
    expect(resultOf({ code: 2, signal: null }, output())).toMatchObject({
      status: 'failed',
      exitCode: 2,
      error: 'exit code 2',
    });
    expect(resultOf({ code: null, signal: 'SIGSEGV' }, output())).toMatchObject({
      status: 'failed',
      signal: 'SIGSEGV',
      error: 'terminated by SIGSEGV',
    });
  });

  it('reports an outside stop whatever the exit', () => {
    const stopped = { reason: 'timeout' as const, detail: 'timed out after 5 ms' };
    expect(resultOf({ code: 0, signal: null, stopped }, output())).toMatchObject({
      status: 'timeout',
      error: 'timed out after 5 ms',
    });
  });

  it('puts a failure to start or supervise before everything else', () => {
    const stopped = { reason: 'killed' as const, detail: 'kill request' };
    expect(
      resultOf({ code: null, signal: null, stopped, failure: 'could not start: x' }, output()),
    ).toMatchObject({ status: 'failed', error: 'could not start: x' });
  });
});
