import { parseCrontab, splitPercent } from './crontab-parser';

describe('parseCrontab', () => {
  it('skips comments and blank lines, and counts lines from 1 as written', () => {
    const parsed = parseCrontab('# c\n\n  \t\n   # indented\n0 1 * * * echo a\n', 'user');
    expect(parsed.problems).toEqual([]);
    expect(parsed.entries).toEqual([
      {
        line: 5,
        text: '0 1 * * * echo a',
        schedule: { kind: 'fields', fields: ['0', '1', '*', '*', '*'] },
        command: 'echo a',
        env: {},
        envLines: {},
      },
    ]);
  });

  it('reads NAME=value lines with spaces and quotes; each applies to the lines after it', () => {
    const text = [
      'A=1',
      '0 * * * * first',
      ' B = two words  ',
      'C="quoted  "',
      "'D'='single # kept'",
      'E=',
      'A=3',
      '0 * * * * second',
    ].join('\n');
    const parsed = parseCrontab(text, 'user');
    expect(parsed.assignments.map((a) => [a.line, a.name, a.value])).toEqual([
      [1, 'A', '1'],
      [3, 'B', 'two words'],
      [4, 'C', 'quoted  '],
      [5, 'D', 'single # kept'],
      [6, 'E', ''],
      [7, 'A', '3'],
    ]);
    expect(parsed.entries[0].env).toEqual({ A: '1' });
    expect(parsed.entries[1].env).toEqual({
      A: '3',
      B: 'two words',
      C: 'quoted  ',
      D: 'single # kept',
      E: '',
    });
    expect(parsed.entries[1].envLines).toEqual({ A: 7, B: 3, C: 4, D: 5, E: 6 });
  });

  it('does not take an entry whose command holds "=" for a variable', () => {
    const parsed = parseCrontab('*/5 * * * * FOO=1 run\n@daily X=2 run', 'user');
    expect(parsed.assignments).toEqual([]);
    expect(parsed.entries.map((e) => e.command)).toEqual(['FOO=1 run', 'X=2 run']);
  });

  it('writes month and weekday names as numbers, in ranges and lists, any case', () => {
    const parsed = parseCrontab('0 9 * Jan-MAR,dec Mon-Fri,sun run', 'user');
    expect(parsed.entries[0].schedule).toEqual({
      kind: 'fields',
      fields: ['0', '9', '*', '1-3,12', '1-5,0'],
    });
  });

  it('keeps ranges, steps and lists, and 7 as Sunday', () => {
    const parsed = parseCrontab('5-55/10 */3 1,15 */2 7 run', 'user');
    expect(parsed.entries[0].schedule).toEqual({
      kind: 'fields',
      fields: ['5-55/10', '*/3', '1,15', '*/2', '7'],
    });
  });

  it('reads the macros in any case, and the user field of the system format', () => {
    const parsed = parseCrontab('@Daily root run it\n@reboot  www-data  start\n', 'system');
    expect(parsed.entries.map((e) => [e.schedule, e.user, e.command])).toEqual([
      [{ kind: 'macro', macro: '@daily' }, 'root', 'run it'],
      [{ kind: 'macro', macro: '@reboot' }, 'www-data', 'start'],
    ]);
  });

  it('separates fields by tabs or spaces and keeps the command spacing as written', () => {
    const parsed = parseCrontab('18 */3\t* * *\tamavis\ttest -e  x && y  ', 'system');
    expect(parsed.entries[0]).toMatchObject({ user: 'amavis', command: 'test -e  x && y  ' });
  });

  it.each([
    ['60 * * * * x', 'bad minute field "60": "60" is not a number from 0 to 59'],
    ['0 24 * * * x', 'bad hour field "24": "24" is not a number from 0 to 23'],
    ['0 0 0 * * x', 'bad day of month field "0": "0" is not a number from 1 to 31'],
    ['0 0 * 13 * x', 'bad month field "13": "13" is not a number from 1 to 12 or a name jan-dec'],
    ['0 0 * * 8 x', 'bad day of week field "8": "8" is not a number from 0 to 7 or a name sun-sat'],
    ['0 0 * * monday x', 'bad day of week field "monday": "monday" is not a number'],
    ['5/10 * * * * x', 'bad minute field "5/10": a step needs a range or * before it'],
    ['*/0 * * * * x', 'bad minute field "*/0": step "0" is not a number from 1 to 60'],
    ['0 0 10-5 * * x', 'bad day of month field "10-5": the range 10-5 runs backwards'],
    ['0,,1 * * * * x', 'bad minute field "0,,1": empty list element'],
    ['1-2-3 * * * * x', 'bad minute field "1-2-3": "1-2-3" is not a number or a range'],
    ['0 0 * *', 'expected five time fields'],
    ['0 0 * * *', 'no command after the schedule (a system crontab? pass --system)'],
    ['@fortnightly x', 'unknown macro @fortnightly; cron knows @reboot @yearly'],
  ])('reports %j as an error with its line', (line, reason) => {
    const parsed = parseCrontab(`# first\n${line}\n`, 'user');
    expect(parsed.entries).toEqual([]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatchObject({ line: 2, severity: 'error' });
    expect(parsed.problems[0].reason).toContain(reason);
  });

  it('needs a user and a command in the system format', () => {
    const parsed = parseCrontab('0 0 * * * root\n@daily\n', 'system');
    expect(parsed.problems.map((p) => [p.line, p.reason])).toEqual([
      [1, 'no command after the user field'],
      [2, 'expected a user and a command after the schedule (system crontab format)'],
    ]);
  });

  it('drops the \\r of DOS line endings and warns once', () => {
    const parsed = parseCrontab('A=1\r\n0 0 * * * run\r\n', 'user');
    expect(parsed.entries[0]).toMatchObject({ command: 'run', env: { A: '1' } });
    expect(parsed.problems).toEqual([expect.objectContaining({ line: 1, severity: 'warning' })]);
  });

  it('cuts the command at the first unescaped %', () => {
    const parsed = parseCrontab('0 0 * * * mail -s "50\\% done" ops%Hello,%%bye%', 'user');
    expect(parsed.entries[0]).toMatchObject({
      command: 'mail -s "50% done" ops',
      stdin: 'Hello,\n\nbye\n',
    });
  });
});

describe('splitPercent', () => {
  it.each([
    ['echo plain', { command: 'echo plain' }],
    ['date +\\%s', { command: 'date +%s' }],
    ['cat%', { command: 'cat', stdin: '' }],
    ['cat%a%b', { command: 'cat', stdin: 'a\nb' }],
    ['cat%100\\%%x', { command: 'cat', stdin: '100%\nx' }],
    // A backslash before anything but % stays for the shell.
    ['test \\! -d x%\\n', { command: 'test \\! -d x', stdin: '\\n' }],
    // An escaped backslash does not escape the % after it (cron's own reading).
    ['echo a\\\\%b', { command: 'echo a\\\\', stdin: 'b' }],
    ['cat%a\\b', { command: 'cat', stdin: 'a\\b' }],
  ])('%j', (text, expected) => {
    expect(splitPercent(text)).toEqual(expected);
  });
});
