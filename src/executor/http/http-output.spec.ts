import { formatBodyCut, formatRedirect, formatResponseHead, unexpectedStatus } from './http-output';

describe('HTTP run output', () => {
  it('writes the status line and every header value, then a blank line', () => {
    expect(
      formatResponseHead(200, {
        'content-type': 'text/plain',
        'set-cookie': ['a=1', 'b=2'],
        x: undefined,
      }),
    ).toBe('HTTP 200 OK\ncontent-type: text/plain\nset-cookie: a=1\nset-cookie: b=2\n\n');
    expect(formatResponseHead(599, {})).toBe('HTTP 599\n\n');
  });

  it('names redirects, cut bodies and unexpected statuses', () => {
    expect(formatRedirect(302, 'http://x/next')).toBe('HTTP 302 Found -> http://x/next\n');
    expect(formatBodyCut(1024)).toContain('cut at 1024 bytes');
    expect(unexpectedStatus(500, ['2xx', '304'])).toBe('unexpected status 500 (expected 2xx, 304)');
  });
});
