// Bad input: every failure is a SnapshotError naming the file, an offset within the data and
// (when there is one) the opcode; nothing else escapes, nothing hangs, nothing huge is allocated.
import { test } from 'node:test';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { decodePickle, decodePickleTolerant } from '../../src/snapshot/decoder.js';
import type { SnapshotGraph } from '../../src/snapshot/graph.js';
import { SnapshotError } from '../../src/errors.js';
import { bytes, fixture } from './helpers.js';

function failure(data: Uint8Array, opts: { maxNodes?: number; maxMemo?: number } = {}): SnapshotError {
  try {
    decodePickle(data, { file: 'bad.pickle', ...opts });
  } catch (e) {
    assert.ok(e instanceof SnapshotError, `not a SnapshotError: ${String(e)}`);
    assert.equal(e.file, 'bad.pickle');
    assert.ok(e.offset >= 0 && e.offset <= data.length, `offset ${e.offset} outside 0..${data.length}`);
    assert.doesNotMatch(e.message, /\n/);
    return e;
  }
  assert.fail('decoded without error');
}

/** Every view of every node must work on a graph that decoded. */
function exercise(g: SnapshotGraph): void {
  for (let id = 0; id < g.nodeCount; id++) {
    g.node(id);
    g.kind(id);
    g.offset(id);
    g.edges(id);
    g.text(id);
    g.classOf(id);
    g.instanceState(id);
    g.pathOf(id);
  }
}

const SMALL = [
  'py2/values.p0.pickle',
  'py2/values.p1.pickle',
  'py2/values.p2.pickle',
  'py2/pickletester.p0.pickle',
  'py3/pickletester.p0.pickle',
  'py3/pickletester.p1.pickle',
  'py3/pickletester.p2.pickle',
  'py3/pickletester.p3.pickle',
  'py3/pickletester.p5.pickle',
  'py3/persid.p0.pickle',
  'py3/ext.p4.pickle',
  'py3/buffers.p5.pickle',
];

test('every truncated prefix of the small fixtures is a SnapshotError at or before its end', () => {
  for (const rel of SMALL) {
    const data = fixture(rel);
    for (let len = 0; len < data.length; len++) failure(data.subarray(0, len));
  }
});

test('truncated prefixes of the larger fixtures (sampled, and every one near the end)', () => {
  for (const rel of ['py3/values.p0.pickle', 'py3/values.p2.pickle', 'py3/values.p5.pickle']) {
    const data = fixture(rel);
    for (let len = 0; len < data.length; len += len < data.length - 300 ? 101 : 1) failure(data.subarray(0, len));
  }
});

test('mutated bytes: each mutant decodes to a usable graph or is a SnapshotError', () => {
  // A fixed LCG: the same mutants every run.
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  let decoded = 0;
  let refused = 0;
  for (const rel of [...SMALL, 'py3/values.p4.pickle']) {
    const orig = fixture(rel);
    for (let i = 0; i < 150; i++) {
      const data = Uint8Array.from(orig);
      const flips = 1 + rnd(3);
      for (let f = 0; f < flips; f++) data[rnd(data.length)] = rnd(256);
      try {
        const g = decodePickle(data, { file: 'bad.pickle' });
        if (data.length < 2000) exercise(g);
        decoded++;
      } catch (e) {
        assert.ok(e instanceof SnapshotError, `${rel} mutant ${i}: ${String(e)}`);
        refused++;
      }
    }
  }
  assert.ok(decoded > 0 && refused > 0, `decoded ${decoded}, refused ${refused}`);
});

test('non-pickles: empty, text, PNG, gzip, JSON', () => {
  assert.match(failure(new Uint8Array(0)).reason, /empty/);
  assert.match(failure(bytes('hello world\n')).reason, /^does not look like a pickle: bad memo key 101/);
  assert.match(failure(bytes([0x89], 'PNG\r\n', [0x1a, 0x0a, 0, 0, 0, 0x0d], 'IHDR')).reason, /PNG/);
  assert.match(failure(bytes([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0])).reason, /gzip/);
  assert.match(failure(bytes('{"a": 1}')).reason, /^(does not look like a pickle|not a pickle)/);
});

test('each malformed construct gets its own reason and opcode', () => {
  const cases: Array<[Uint8Array, RegExp, string | undefined, number]> = [
    [bytes([0xff]), /not a pickle/, '0xff', 0],
    [bytes('K', [1], [0xfe], '.'), /unknown opcode 0xfe/, '0xfe', 2],
    [bytes('a.'), /stack underflow/, 'APPEND', 0],
    [bytes('K', [1], 't.'), /MARK missing/, 'TUPLE', 2],
    [bytes('h', [5], '.'), /bad memo key 5/, 'BINGET', 0],
    [bytes('g12\n.'), /bad memo key 12/, 'GET', 0],
    [bytes("S'abc\n."), /must be quoted/, 'STRING', 0],
    [bytes("S'\\x4'\n."), /invalid \\x escape/, 'STRING', 0],
    [bytes("S'ab\\'\n."), /must be quoted|trailing/, 'STRING', 0],
    [bytes('V\\u12\n.'), /truncated \\uXXXX/, 'UNICODE', 0],
    [bytes('](K', [1], 'K', [2], 'u.'), /SETITEM onto a list/, 'SETITEMS', 6],
    [bytes('}(K', [1], 'e.'), /APPEND onto a dict/, 'APPENDS', 4],
    [bytes('K', [1], 'N', 'b.'), /BUILD on a scalar/, 'BUILD', 3],
    [bytes('K', [1]), /no STOP/, undefined, 2],
    [bytes([0x80, 6], '.'), /unsupported pickle protocol: 6/, 'PROTO', 0],
    [bytes('cmod\nC\nK', [1], [0x81], '.'), /NEWOBJ expected an argument tuple/, 'NEWOBJ', 9],
    [bytes('(K', [1], 'd.'), /odd number of items for DICT/, 'DICT', 3],
    [bytes('(K', [1], 'K', [2], '0', '0', '0.'), /stack underflow/, 'STOP', 8], // the third POP took the MARK
    [bytes('N00.'), /stack underflow/, 'POP', 2],
    [bytes([0x8b, 0xff, 0xff, 0xff, 0xff], '.'), /negative byte count/, 'LONG4', 0],
    [bytes('T', [0xff, 0xff, 0xff, 0xff], '.'), /negative byte count/, 'BINSTRING', 0],
    [bytes('Fabc\n.'), /bad FLOAT/, 'FLOAT', 0],
    [bytes('Ix1\n.'), /bad INT/, 'INT', 0],
    [bytes([0x82, 0], '.'), /EXT specifies code <= 0/, 'EXT1', 0],
    [bytes('K', [1], 'K', [2], [0x93], '.'), /STACK_GLOBAL requires str/, 'STACK_GLOBAL', 4],
    [bytes('K', [1], 'p-1\n.'), /negative memo key/, 'PUT', 2],
    [bytes('Pnon\xe9ascii\n.'), /ASCII/, 'PERSID', 0],
  ];
  for (const [data, reason, op, offset] of cases) {
    const e = failure(data);
    assert.match(e.reason, reason, `${Buffer.from(data).toString('latin1')}: ${e.message}`);
    assert.equal(e.opcode, op, e.message);
    assert.equal(e.offset, offset, e.message);
  }
});

test('huge declared lengths fail fast as truncated, without allocating', () => {
  const before = process.memoryUsage().rss;
  const big8 = (op: number): Uint8Array => bytes([op, 0, 0, 0, 0, 0, 0, 0, 0x10], 'x.');
  for (const op of [0x8d, 0x8e, 0x96, 0x95]) assert.match(failure(big8(op)).reason, /truncated/);
  assert.match(failure(bytes('X', [0xff, 0xff, 0xff, 0xff], 'abc.')).reason, /truncated/);
  assert.match(failure(bytes('B', [0xff, 0xff, 0xff, 0x7f], 'abc.')).reason, /truncated/);
  assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024);
});

test('memo and node bombs are refused with a clear error', () => {
  // 200,000 LONG_BINPUTs at scattered keys: within maxMemo they decode; a low limit refuses.
  const n = 200_000;
  const data = new Uint8Array(1 + 5 * n + 1);
  data[0] = 0x4e; // NONE
  for (let i = 0; i < n; i++) {
    const key = (Math.imul(i, 2654435761) >>> 0) | 0x80000000;
    data[1 + 5 * i] = 0x72;
    data[2 + 5 * i] = key & 0xff;
    data[3 + 5 * i] = (key >>> 8) & 0xff;
    data[4 + 5 * i] = (key >>> 16) & 0xff;
    data[5 + 5 * i] = key >>> 24;
  }
  data[data.length - 1] = 0x2e;
  assert.equal(decodePickle(data, { file: 'memo.pickle' }).nodeCount, 1);
  assert.match(failure(data, { maxMemo: 1000 }).reason, /memo holds more than 1000 entries/);
  // Many nodes: a list of 5000 Nones against a limit of 1000.
  const many = new Uint8Array(5003);
  many[0] = 0x28; // MARK
  many.fill(0x4e, 1, 5001);
  many[5001] = 0x6c; // LIST
  many[5002] = 0x2e;
  assert.match(failure(many, { maxNodes: 1000 }).reason, /more than 1000 objects/);
});

test('--partial: a truncated pickle gives what was decoded, under a synthetic root list', () => {
  const data = fixture('py2/values.p2.pickle');
  const cut = data.subarray(0, Math.floor(data.length * 0.6));
  const { graph, error } = decodePickleTolerant(cut, { file: 'cut.pickle' });
  assert.ok(error instanceof SnapshotError);
  assert.match(error.reason, /truncated/);
  const root = graph.node(graph.root);
  assert.equal(root.kind, 'list');
  assert.equal(graph.offset(graph.root), error.offset);
  assert.equal(graph.info.partial, true);
  assert.equal(graph.info.stopOffset, -1);
  assert.ok(root.kind === 'list' && root.items.length > 0);
  assert.ok(graph.nodesOfKind('instance').length > 0, 'the instances decoded before the cut are there');
  exercise(graph);
  // A whole pickle: no error, the real root.
  const whole = decodePickleTolerant(data, { file: 'whole.pickle' });
  assert.equal(whole.error, undefined);
  assert.equal(whole.graph.info.partial, undefined);
  assert.equal(whole.graph.kind(whole.graph.root), 'dict');
  // Nothing decodable at all: an empty root list and the error.
  const none = decodePickleTolerant(bytes([0xff]), { file: 'x' });
  assert.ok(none.error);
  assert.deepEqual(none.graph.node(none.graph.root), { kind: 'list', items: [] });
});

test('property: any byte string (opcode-rich) decodes or is a SnapshotError, and a decoded graph is usable', () => {
  const OPCODE_BYTES = [...'()0123FIJKLMNPQRSTUVXabcdeghijlmopqrstu}]BCG.'].map((c) => c.charCodeAt(0));
  for (let b = 0x80; b <= 0x98; b++) OPCODE_BYTES.push(b);
  const byte = fc.oneof(fc.constantFrom(...OPCODE_BYTES), fc.integer({ min: 0, max: 255 }), fc.constant(0x0a));
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 64 }), (arr) => {
      const data = Uint8Array.from([...arr, 0x2e]);
      try {
        exercise(decodePickle(data, { file: 'prop.pickle' }));
      } catch (e) {
        if (!(e instanceof SnapshotError)) throw e;
        if (e.offset < 0 || e.offset > data.length) throw new Error(`offset ${e.offset}`);
      }
      const t = decodePickleTolerant(data, { file: 'prop.pickle' });
      exercise(t.graph);
    }),
    { seed: 20261127, numRuns: 3000 },
  );
});
