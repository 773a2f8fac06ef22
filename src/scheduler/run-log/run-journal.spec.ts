import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalEntry, RunJournal } from './run-journal';
import { RunLogOp } from './run-record';
import { testRun } from './run-record.fixture';

const op = (runId: string): RunLogOp => ({ kind: 'final', run: testRun(runId, 'skipped') });

/** The operations in a journal file, in order. */
const opsIn = (file: string): string[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (JSON.parse(line) as RunLogOp).run.runId);

describe('RunJournal', () => {
  let dir: string;
  const files = (): string[] => readdirSync(dir).sort();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runjournal-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates by op count and deletes a segment once all its ops are released', () => {
    const journal = new RunJournal(dir, 'runlog-w', 2);
    const [a, b, c] = ['a', 'b', 'c'].map((id) => journal.append(op(id)));
    expect(files()).toHaveLength(2);
    expect(opsIn(join(dir, files()[0]))).toEqual(['a', 'b']);
    expect(opsIn(join(dir, files()[1]))).toEqual(['c']);

    journal.release(a);
    expect(files()).toHaveLength(2); // b in the first segment is still pending
    journal.release(b);
    expect(files()).toHaveLength(1);
    expect(opsIn(join(dir, files()[0]))).toEqual(['c']);

    journal.release(c); // the current segment too, once nothing in it is pending
    expect(files()).toEqual([]);
    expect(journal.bytes()).toBe(0);
  });

  it('rotates by size', () => {
    const journal = new RunJournal(dir, 'runlog-w', 1000, 10);
    journal.append(op('a'));
    journal.append(op('b'));
    expect(files()).toHaveLength(2);
  });

  it('releasing one entry twice does not release a neighbour', () => {
    const journal = new RunJournal(dir, 'runlog-w');
    const a = journal.append(op('a'));
    journal.append(op('b'));
    journal.release(a);
    journal.release(a);
    expect(files()).toHaveLength(1);
    expect(journal.pending()).toBe(1);
  });

  it('close keeps segments with pending ops and deletes the others', () => {
    const first = new RunJournal(dir, 'runlog-w');
    first.release(first.append(op('a')));
    first.append(op('b'));
    first.close();
    expect(files()).toHaveLength(1);
    const second = new RunJournal(dir, 'runlog-w');
    second.append(op('c'));
    const leftovers = second.leftovers();
    expect(leftovers).toHaveLength(1);
    expect(opsIn(leftovers[0])).toEqual(['b']);
  });

  it('leftovers are only segments of this name from other instances', () => {
    const other = new RunJournal(dir, 'runlog-w.journal-1');
    other.append(op('x'));
    const journal = new RunJournal(dir, 'runlog-w');
    journal.append(op('a'));
    expect(journal.leftovers()).toEqual([]);
  });

  it('never throws: a failed write is logged once per burst and a torn line is cut off', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require('node:fs') as typeof import('node:fs');
    const write = fs.writeSync;
    const journal = new RunJournal(dir, 'runlog-w');
    const errors = jest.spyOn(journal['logger'], 'error').mockImplementation();
    const warnings = jest.spyOn(journal['logger'], 'warn').mockImplementation();
    journal.append(op('a'));
    const spy = jest.spyOn(fs, 'writeSync').mockImplementation((fd: number, buffer: unknown) => {
      write(fd, buffer as Buffer, 0, 7); // half a line reaches the file, then the disk is full
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    let failed: JournalEntry[] = [];
    try {
      expect(() => (failed = [journal.append(op('b')), journal.append(op('c'))])).not.toThrow();
    } finally {
      spy.mockRestore();
    }
    expect(failed).toEqual([{}, {}]);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0][0]).toMatchObject({ err: expect.stringContaining('ENOSPC') });

    journal.append(op('d'));
    expect(warnings).toHaveBeenCalledWith(expect.objectContaining({ unjournaled: 2 }));
    expect(opsIn(join(dir, files()[0]))).toEqual(['a', 'd']);
  });

  it('never throws when the directory cannot be created', () => {
    writeFileSync(join(dir, 'file'), '');
    const journal = new RunJournal(join(dir, 'file', 'spool'), 'runlog-w'); // ENOTDIR
    jest.spyOn(journal['logger'], 'error').mockImplementation();
    expect(journal.append(op('a'))).toEqual({});
    expect(() => journal.release({})).not.toThrow();
    expect(() => journal.close()).not.toThrow();
  });
});
