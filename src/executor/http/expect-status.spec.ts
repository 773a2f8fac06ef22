import { parseExpectStatus, parseStatusEntry, statusExpected } from './expect-status';

describe('expectStatus', () => {
  it('parses codes, classes and ranges', () => {
    expect(parseStatusEntry('204')).toEqual({ from: 204, to: 204 });
    expect(parseStatusEntry(404)).toEqual({ from: 404, to: 404 });
    expect(parseStatusEntry('2xx')).toEqual({ from: 200, to: 299 });
    expect(parseStatusEntry('3XX')).toEqual({ from: 300, to: 399 });
    expect(parseStatusEntry('200-204')).toEqual({ from: 200, to: 204 });
  });

  it('refuses anything else', () => {
    for (const bad of ['', '99', '600', '6xx', '2x', '204-200', 'ok', '2xx,3xx', '1000', 20.5]) {
      expect(parseStatusEntry(bad)).toBeUndefined();
    }
    expect(parseExpectStatus([])).toBeUndefined();
    expect(parseExpectStatus(['2xx', 'bad'])).toBeUndefined();
  });

  it('matches a status against the list', () => {
    const ranges = parseExpectStatus(['2xx', '304', '400-401'])!;
    expect(statusExpected(200, ranges)).toBe(true);
    expect(statusExpected(299, ranges)).toBe(true);
    expect(statusExpected(304, ranges)).toBe(true);
    expect(statusExpected(401, ranges)).toBe(true);
    expect(statusExpected(302, ranges)).toBe(false);
    expect(statusExpected(402, ranges)).toBe(false);
    expect(statusExpected(500, ranges)).toBe(false);
  });
});
