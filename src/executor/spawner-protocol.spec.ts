import { constants } from 'node:os';
import { encodeCommands, EventDecoder, invalidSpec, SpawnerEvent } from './spawner-protocol';

/** An event frame as the spawner writes it: u32 length, kind byte, u32 id, fields. */
function frame(kind: number, id: number, fields: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt32LE(5 + fields.length, 0);
  head.writeUInt8(kind, 4);
  head.writeUInt32LE(id, 5);
  return Buffer.concat([head, fields]);
}

function spawnedFields(pid: number, at: number): Buffer {
  const fields = Buffer.alloc(12);
  fields.writeUInt32LE(pid, 0);
  fields.writeDoubleLE(at, 4);
  return fields;
}

function exitFields(code: number, signal: number): Buffer {
  const fields = Buffer.alloc(8);
  fields.writeInt32LE(code, 0);
  fields.writeInt32LE(signal, 4);
  return fields;
}

const stream = Buffer.concat([
  frame(1, 7, spawnedFields(4242, 1_790_000_000_123.5)),
  frame(4, 7, Buffer.from('hello\n')),
  frame(5, 7, exitFields(3, 0)),
  frame(6, 7),
  frame(2, 8, Buffer.from('spawn /nope ENOENT')),
  frame(3, 9),
  frame(5, 10, exitFields(-1, constants.signals.SIGKILL)),
]);

const expected: SpawnerEvent[] = [
  { kind: 'spawned', id: 7, pid: 4242, at: 1_790_000_000_123.5 },
  { kind: 'output', id: 7, chunk: Buffer.from('hello\n') },
  { kind: 'exit', id: 7, code: 3, signal: null },
  { kind: 'closed', id: 7 },
  { kind: 'failed', id: 8, message: 'spawn /nope ENOENT' },
  { kind: 'cancelled', id: 9 },
  { kind: 'exit', id: 10, code: null, signal: 'SIGKILL' },
];

describe('EventDecoder', () => {
  it('decodes every kind of event from one chunk', () => {
    expect(new EventDecoder().push(stream)).toEqual(expected);
  });

  it('reassembles frames however the pipe splits them', () => {
    for (const size of [1, 2, 3, 5, 13, 64]) {
      const decoder = new EventDecoder();
      const events: SpawnerEvent[] = [];
      for (let at = 0; at < stream.length; at += size) {
        events.push(...decoder.push(stream.subarray(at, at + size)));
      }
      expect(events).toEqual(expected);
    }
  });

  it('refuses a stream that cannot be frames instead of waiting forever', () => {
    const tooLong = Buffer.alloc(4);
    tooLong.writeUInt32LE(0xffffffff, 0);
    expect(() => new EventDecoder().push(tooLong)).toThrow(/bad frame length/);
    expect(() => new EventDecoder().push(frame(9, 1))).toThrow(/unknown event kind 9/);
    expect(() => new EventDecoder().push(frame(1, 1, Buffer.alloc(3)))).toThrow(/short spawned/);
  });
});

describe('encodeCommands', () => {
  it('writes each command as one length-prefixed frame, a start with its strings NUL-terminated', () => {
    const bytes = encodeCommands([
      {
        kind: 'start',
        id: 1,
        file: '/bin/sh',
        args: ['-c', 'echo é'],
        env: { A: '1', PATH: '/bin' },
        notBefore: 1_790_000_000_500,
      },
      { kind: 'release', id: 2 },
      { kind: 'cancel', id: 3 },
    ]);
    const start = bytes.subarray(4, 4 + bytes.readUInt32LE(0));
    expect(start.readUInt8(0)).toBe(1);
    expect(start.readUInt32LE(1)).toBe(1);
    expect(start.readDoubleLE(5)).toBe(1_790_000_000_500);
    expect([start.readUInt32LE(13), start.readUInt32LE(17)]).toEqual([2, 2]);
    expect(start.subarray(21).toString()).toBe('/bin/sh\0-c\0echo é\0A=1\0PATH=/bin\0');
    const rest = bytes.subarray(4 + start.length);
    expect([...rest]).toEqual([5, 0, 0, 0, 2, 2, 0, 0, 0, 5, 0, 0, 0, 3, 3, 0, 0, 0]);
  });

  it('appends stdin as a u32 length and its bytes after the strings, and nothing without it', () => {
    const withInput = encodeCommands([
      { kind: 'start', id: 5, file: 'sh', args: [], env: {}, stdin: 'a%é\n' },
    ]);
    const frame = withInput.subarray(4, 4 + withInput.readUInt32LE(0));
    expect(frame.length).toBe(withInput.length - 4);
    const trailer = frame.subarray(21 + 'sh\0'.length);
    expect(trailer.readUInt32LE(0)).toBe(5);
    expect(trailer.subarray(4).toString()).toBe('a%é\n');
    const without = encodeCommands([{ kind: 'start', id: 5, file: 'sh', args: [], env: {} }]);
    expect(without.subarray(4 + 21).toString()).toBe('sh\0');
    const empty = encodeCommands([
      { kind: 'start', id: 5, file: 'sh', args: [], env: {}, stdin: '' },
    ]);
    expect([...empty.subarray(4 + 21 + 3)]).toEqual([0, 0, 0, 0]);
  });

  it('writes a start with runAs as kind 4: flags after the counts, the identity first', () => {
    const bytes = encodeCommands([
      {
        kind: 'start',
        id: 6,
        file: 'sh',
        args: ['-c', 'id'],
        env: { A: '1' },
        notBefore: 1_790_000_000_500,
        runAs: { identity: 'backup:disk', allowRoot: false },
        stdin: 'x',
      },
      {
        kind: 'start',
        id: 7,
        file: 'sh',
        args: [],
        env: {},
        runAs: { identity: '0', allowRoot: true },
      },
    ]);
    const frame = bytes.subarray(4, 4 + bytes.readUInt32LE(0));
    expect(frame.readUInt8(0)).toBe(4);
    expect(frame.readUInt32LE(1)).toBe(6);
    expect(frame.readDoubleLE(5)).toBe(1_790_000_000_500);
    expect([frame.readUInt32LE(13), frame.readUInt32LE(17), frame.readUInt32LE(21)]).toEqual([
      2, 1, 0,
    ]);
    const strings = 'backup:disk\0sh\0-c\0id\0A=1\0';
    expect(frame.subarray(25, 25 + strings.length).toString()).toBe(strings);
    const trailer = frame.subarray(25 + strings.length);
    expect([trailer.readUInt32LE(0), trailer.subarray(4).toString()]).toEqual([1, 'x']);
    const root = bytes.subarray(4 + frame.length + 4);
    expect([root.readUInt8(0), root.readUInt32LE(21)]).toEqual([4, 1]);
    expect(root.subarray(25).toString()).toBe('0\0sh\0');
  });

  it('keeps a start without runAs as kind 1, byte for byte the layout it always had', () => {
    const bytes = encodeCommands([{ kind: 'start', id: 4, file: 'sh', args: [], env: {} }]);
    expect([bytes.readUInt32LE(0), bytes.readUInt8(4)]).toEqual([21 + 3, 1]);
  });

  it('sends a start without notBefore as due now (0)', () => {
    const bytes = encodeCommands([{ kind: 'start', id: 4, file: 'sh', args: [], env: {} }]);
    expect(bytes.readDoubleLE(9)).toBe(0);
  });
});

describe('invalidSpec', () => {
  const spec = { file: '/bin/sh', args: ['-c', 'true'], env: { A: '1' } };
  it('accepts what exec can pass and names what it cannot', () => {
    expect(invalidSpec(spec)).toBeUndefined();
    expect(invalidSpec({ ...spec, args: ['-c', 'a\0b'] })).toMatch(/NUL byte/);
    expect(invalidSpec({ ...spec, env: { A: '\0' } })).toMatch(/NUL byte/);
    expect(invalidSpec({ ...spec, env: { '': 'x' } })).toMatch(/names/);
    expect(invalidSpec({ ...spec, runAs: { identity: 'a\0b', allowRoot: false } })).toMatch(
      /NUL byte/,
    );
  });
});
