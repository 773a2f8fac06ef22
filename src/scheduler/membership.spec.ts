import { killReason, readMembership } from './membership';

describe('readMembership', () => {
  it('reads labels and saturation, and names registrations that are not JSON', () => {
    const { workers, unreadable } = readMembership(
      new Map([
        ['w1', JSON.stringify({ labels: { zone: 'a' }, saturated: true })],
        ['w2', JSON.stringify({})],
        ['w3', 'not json'],
      ]),
    );
    expect(workers).toEqual([
      { id: 'w1', labels: { zone: 'a' }, saturated: true },
      { id: 'w2', labels: {}, saturated: false },
    ]);
    expect(unreadable).toEqual(['w3']);
  });
});

describe('killReason', () => {
  it('names who asked, when the request says', () => {
    expect(killReason(JSON.stringify({ requestedBy: 'alice' }))).toBe('kill requested by alice');
    expect(killReason(JSON.stringify({}))).toBe('a kill request');
    expect(killReason('')).toBe('a kill request');
  });
});
