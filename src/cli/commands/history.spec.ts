import { diffText, jobVersionArgs } from './history';

describe('history', () => {
  it("reads --version after history or rollback as the job's version, elsewhere as the CLI's", () => {
    const node = ['node', 'cronplane'];
    expect(jobVersionArgs([...node, 'history', 'j', '--version', '3'])).toEqual([
      ...node,
      'history',
      'j',
      '--job-version',
      '3',
    ]);
    expect(jobVersionArgs([...node, '-s', 'http://x', 'rollback', 'j', '--version=2'])).toEqual([
      ...node,
      '-s',
      'http://x',
      'rollback',
      'j',
      '--job-version=2',
    ]);
    expect(jobVersionArgs([...node, '--version'])).toEqual([...node, '--version']);
    expect(jobVersionArgs([...node, 'get', 'jobs', '--version'])).toEqual([
      ...node,
      'get',
      'jobs',
      '--version',
    ]);
  });

  it('prints a diff one field a line', () => {
    expect(
      diffText([
        { path: '/command', op: 'replace', before: 'a', after: 'b' },
        { path: '/env/X', op: 'add', after: '1' },
        { path: '/shell', op: 'remove', before: '/bin/sh' },
      ]),
    ).toBe('  ~ /command: "a" → "b"\n  + /env/X: "1"\n  - /shell: "/bin/sh"');
  });
});
