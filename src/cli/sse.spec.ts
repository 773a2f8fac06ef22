import { endSummary, exitCodeOf, SseParser } from './sse';

describe('SseParser', () => {
  it('parses events split anywhere across chunks, skipping comments', () => {
    const stream =
      ': keep-alive\n\nid: 1\nevent: output\ndata: {"seq":1,"data":"a\\n"}\n\n' +
      'id: 2\r\nevent: output\r\ndata: {"seq":2}\r\n\r\nevent: end\ndata: line1\ndata: line2\n\n';
    for (const size of [1, 3, 7, stream.length]) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < stream.length; i += size)
        events.push(...parser.feed(stream.slice(i, i + size)));
      expect(events).toEqual([
        { event: 'output', data: '{"seq":1,"data":"a\\n"}', id: '1' },
        { event: 'output', data: '{"seq":2}', id: '2' },
        { event: 'end', data: 'line1\nline2', id: '2' },
      ]);
      expect(parser.lastEventId).toBe('2');
    }
  });

  it('holds an event back until its blank line', () => {
    const parser = new SseParser();
    expect(parser.feed('data: x\n')).toEqual([]);
    expect(parser.feed('\n')).toEqual([{ event: 'message', data: 'x' }]);
  });
});

describe('exit codes of runs', () => {
  it("uses the run's exit code, else 0 for success and 1 otherwise", () => {
    expect(exitCodeOf({ status: 'succeeded', exitCode: 0 })).toBe(0);
    expect(exitCodeOf({ status: 'failed', exitCode: 7 })).toBe(7);
    expect(exitCodeOf({ status: 'killed' })).toBe(1);
    expect(exitCodeOf({ status: 'timeout', exitCode: null })).toBe(1);
    expect(exitCodeOf({ status: 'lost', exitCode: 0 })).toBe(1);
  });

  it('summarises without saying the exit code twice', () => {
    expect(endSummary({ runId: 'r', status: 'failed', exitCode: 7, error: 'exit code 7' })).toBe(
      'run r ended failed: exit code 7',
    );
    expect(endSummary({ runId: 'r', status: 'timeout', error: 'timed out after 5s' })).toBe(
      'run r ended timeout: timed out after 5s',
    );
  });
});
