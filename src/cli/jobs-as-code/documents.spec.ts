import { formatProblem, parseFile, parseFiles } from './documents';

describe('job files as documents', () => {
  it('reads several YAML documents, skipping empty ones, numbering them from 1 as editors do', () => {
    const parsed = parseFile({
      path: 'jobs/a.yaml',
      text: '# header\n---\nname: one\ncommand: "true"\n---\n# nothing here\n---\nname: two\ncommand: x\n',
    });
    expect(parsed.problems).toEqual([]);
    expect(parsed.documents.map((d) => [d.index, d.body.name])).toEqual([
      [1, 'one'],
      [3, 'two'],
    ]);
  });

  it('reads a JSON object or a JSON array, each element a document', () => {
    expect(parseFile({ path: 'a.json', text: '{"name":"x"}' }).documents).toHaveLength(1);
    const array = parseFile({ path: 'b.JSON', text: '[{"name":"x"},{"name":"y"}]' });
    expect(array.documents.map((d) => [d.index, d.body.name])).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
  });

  it('names file, document and field of each problem', () => {
    const parsed = parseFile({
      path: 'a.yaml',
      text: 'name: x\nmanagedBy: me\nrevision: 3\n---\n- a list\n---\ncommand: nameless\n---\nname: 5\n',
    });
    expect(parsed.problems.map(formatProblem)).toEqual([
      'a.yaml: document 1: managedBy: is set by cronplane apply (--manager), not in files',
      'a.yaml: document 1: revision: is kept by the server, not written in files',
      'a.yaml: document 2: must be a job (a mapping of fields), not a list',
      'a.yaml: document 3: name: is required',
      'a.yaml: document 4: name: must be a non-empty string',
    ]);
    expect(parsed.documents).toEqual([]);
  });

  it('reports YAML syntax errors with their line, and duplicate keys', () => {
    const parsed = parseFile({ path: 'a.yml', text: 'name: x\nname: y\n' });
    expect(parsed.problems.map(formatProblem)).toEqual([
      'a.yml: document 1: is not valid YAML (line 2, column 1): Map keys must be unique',
    ]);
  });

  it('reports invalid JSON for the whole file', () => {
    const [problem] = parseFile({ path: 'a.json', text: '{"name": ' }).problems;
    expect(problem.index).toBeUndefined();
    expect(formatProblem(problem)).toMatch(/^a\.json: is not valid JSON: /);
  });

  it('refuses a name defined twice, naming where it was first', () => {
    const parsed = parseFiles([
      { path: 'a.yaml', text: 'name: x\n' },
      { path: 'b.yaml', text: 'name: y\n---\nname: x\n' },
    ]);
    expect(parsed.documents.map((d) => d.body.name)).toEqual(['x', 'y']);
    expect(parsed.problems.map(formatProblem)).toEqual([
      'b.yaml: document 2: name: job "x" is also defined in a.yaml (document 1)',
    ]);
  });
});
