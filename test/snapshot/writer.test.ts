import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { writePickle, int, float, py2str, glob, list, tuple, dict, type PyValue } from '../../src/snapshot/writer.js';
import { pyLoad, pickletoolsDis } from '../helpers/pyload.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** What Python should build from `v`, in the shape test/helpers/pyload.ts describes. */
function expected(v: PyValue, seen = new Map<object, number>(), py2 = false): unknown {
  if (v === null) return null;
  if (typeof v === 'boolean') return { bool: v };
  if (typeof v === 'string') return { str: v };
  const tracked = v.kind === 'list' || v.kind === 'dict' || v.kind === 'set' || v.kind === 'instance' || (v.kind === 'tuple' && v.items.length > 0);
  if (tracked) {
    const n = seen.get(v);
    if (n !== undefined) return { ref: n };
    seen.set(v, seen.size);
  }
  switch (v.kind) {
    case 'int':
      return { int: String(v.value) };
    case 'float':
      return { float: floatHex(v.value) };
    case 'bytes':
      return { bytes: hex(v.value) };
    case 'list':
      return { list: v.items.map((x) => expected(x, seen, py2)) };
    case 'tuple':
      return { tuple: v.items.map((x) => expected(x, seen, py2)) };
    case 'dict':
      return { dict: v.entries.map(([k, x]) => [expected(k, seen, py2), expected(x, seen, py2)]) };
    case 'set':
      return { set: v.items.map((x) => JSON.stringify(sortKeys(expected(x, new Map(), py2)))).sort(), frozen: Boolean(v.frozen) };
    case 'global':
      return { global: `${v.module}.${v.name}` };
    case 'instance':
      return v.state === undefined ? { inst: `${v.cls.module}.${v.cls.name}` } : { inst: `${v.cls.module}.${v.cls.name}`, state: expected(v.state, seen, py2) };
    default:
      throw new Error(`no expectation for ${v.kind}`);
  }
}

function floatHex(d: number): string {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, d, false);
  return hex(b);
}

/** Python's json.dumps(sort_keys=True) spelling, for set members. */
function sortKeys(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sortKeys);
  if (x && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sortKeys((x as Record<string, unknown>)[k])]));
  return x;
}
function pyJson(x: unknown): string {
  return JSON.stringify(sortKeys(x)).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/,/g, ', ').replace(/":/g, '": ');
}
function normaliseSets(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(normaliseSets);
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if ('set' in o && Array.isArray(o.set)) return { ...o, set: (o.set as string[]).map((s) => pyJson(JSON.parse(s))).sort() };
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, normaliseSets(v)]));
  }
  return x;
}

test('protocol 2: scalars, containers, instances, sets, bytes and big ints load in Python 3 as written', () => {
  const state = dict([[py2str('name'), 'caf\u00e9 \u2603'], [py2str('buildbot.status.builder.BuildStatus.persistenceVersion'), int(3)]]);
  const value = list([
    null, true, false, int(0), int(255), int(256), int(65535), int(65536), int(-1), int(-(2 ** 31)), int(2 ** 31), int(2n ** 64n), int(-(2n ** 100n)),
    float(1.5), float(-0.25), float(1e300), 'plain', '', py2str('r\u00e9v'), { kind: 'bytes', value: new Uint8Array([0, 1, 255]) },
    tuple([]), tuple([int(1)]), tuple([int(1), int(2)]), tuple([int(1), int(2), int(3)]), tuple([int(1), int(2), int(3), int(4)]),
    { kind: 'set', items: [int(1), int(2)] }, { kind: 'set', items: ['a'], frozen: true },
    { kind: 'instance', cls: glob('buildbot.status.builder', 'BuildStatus'), state },
    { kind: 'instance', cls: glob('flock.jobs', 'Job'), how: 'NEWOBJ', state: dict([['n', int(1)]]) },
    glob('buildbot.status.builder', 'LogFile'),
  ]);
  const p = writePickle(value);
  pickletoolsDis(p);
  const [r] = pyLoad([p]);
  assert.ok(r && 'ok' in r, JSON.stringify(r));
  assert.deepEqual(normaliseSets(r.ok), normaliseSets(expected(value)));
});

test('shared objects stay shared and cycles close, in protocols 2 and 0', () => {
  const inner = list([int(1)]);
  const self = list([]) as { kind: 'list'; items: PyValue[] };
  self.items.push(self, inner, inner);
  const buildState = dict([]) as { kind: 'dict'; entries: Array<[PyValue, PyValue]> };
  const build = { kind: 'instance' as const, cls: glob('m', 'Build'), state: buildState };
  const builder = { kind: 'instance' as const, cls: glob('m', 'Builder'), state: dict([['builds', list([build])]]) };
  buildState.entries.push(['builder', builder]);
  // A tuple inside a list inside the same tuple: CPython writes the tuple twice and POPs one.
  const l = list([]) as { kind: 'list'; items: PyValue[] };
  const t = tuple([l, 'x']);
  l.items.push(t);
  const root = list([self, builder, t, t]);
  for (const protocol of [2, 0] as const) {
    const p = writePickle(root, { protocol });
    pickletoolsDis(p);
    const [r] = pyLoad([p]);
    assert.ok(r && 'ok' in r, JSON.stringify(r));
    assert.deepEqual(r.ok, expected(root), `protocol ${protocol}`);
  }
});

test('Python 2 spelling (old-style OBJ/INST, BINSTRING, __builtin__.set) loads in a real Python 2.7', () => {
  const v = list([
    { kind: 'instance', cls: glob('buildbot.changes.changes', 'Change'), how: 'INST', state: dict([[py2str('who'), py2str('j\u00f6rg')]]) },
    { kind: 'set', items: [int(3)] },
    py2str('x'.repeat(300)),
  ]);
  for (const protocol of [2, 0] as const) {
    if (protocol === 0) (v as { items: PyValue[] }).items.splice(1, 1); // protocol 0 sets reduce too, but keep the two spellings apart
    const p = writePickle(v, { protocol, python2: true });
    const [r] = pyLoad([p], 'python2.7');
    assert.ok(r && 'ok' in r, JSON.stringify(r));
    assert.deepEqual(normaliseSets(r.ok), normaliseSets(expected(v)));
  }
});

test('values pickle cannot express are refused, not written wrong', () => {
  const t = tuple([]);
  (t as { items: PyValue[] }).items.push(t);
  assert.throws(() => writePickle(t), /tuple that contains itself/);
  assert.throws(() => writePickle({ kind: 'bytes', value: new Uint8Array([1]) }, { protocol: 0 }), /protocol 0/);
  assert.throws(() => writePickle({ kind: 'instance', cls: glob('m', 'C'), how: 'NEWOBJ' }, { protocol: 0 }), /protocol 2/);
  assert.throws(() => py2str('\u2603'), /latin-1/);
});

test('property: random trees of scalars and containers load in Python 3 exactly as written (protocols 2 and 0)', () => {
  const scalar = fc.oneof(
    fc.constant(null),
    fc.boolean(),
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.integer().map((n) => int(n)),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((n) => int(n)),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)).map((d) => float(d)),
  );
  const { tree } = fc.letrec<{ tree: PyValue }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('tree'), { maxLength: 4 }).map((a) => list(a)),
      fc.array(tie('tree'), { maxLength: 4 }).map((a) => tuple(a)),
      fc
        .uniqueArray(fc.tuple(fc.oneof(fc.string({ maxLength: 5 }), fc.integer().map((n) => int(n))), tie('tree')), {
          maxLength: 3,
          selector: ([k]) => (typeof k === 'string' ? `s${k}` : `i${String((k as { value: number }).value)}`),
        })
        .map((e) => dict(e as Array<[PyValue, PyValue]>)),
    ),
  }));
  const samples = fc.sample(tree, { numRuns: 150, seed: 20261127 });
  for (const protocol of [2, 0] as const) {
    const results = pyLoad(samples.map((s) => writePickle(s, { protocol })));
    results.forEach((r, i) => {
      assert.ok('ok' in r, `sample ${i}: ${JSON.stringify(r)}`);
      assert.deepEqual(r.ok, expected(samples[i]!), `protocol ${protocol}, sample ${i}`);
    });
  }
});

test('our decoder reads back what the writer wrote: classes, state, sharing and cycles (protocols 2 and 0)', async () => {
  const { decodePickle } = await import('../../src/snapshot/decoder.js');
  const shared = list([int(1)]);
  const buildState = dict([]) as { kind: 'dict'; entries: Array<[PyValue, PyValue]> };
  const build = { kind: 'instance' as const, cls: glob('buildbot.status.builder', 'BuildStatus'), state: buildState };
  const builder = { kind: 'instance' as const, cls: glob('buildbot.status.builder', 'BuilderStatus'), state: dict([['builds', list([build])], ['a', shared], ['b', shared]]) };
  buildState.entries.push(['builder', builder], ['buildbot.status.builder.BuildStatus.persistenceVersion', int(3)], ['big', int(2n ** 70n)]);
  for (const protocol of [2, 0] as const) {
    const g = decodePickle(writePickle(builder, { protocol, python2: true }), { file: 'w' });
    assert.deepEqual(g.classOf(g.root), { module: 'buildbot.status.builder', name: 'BuilderStatus' });
    const st = g.instanceState(g.root)!;
    assert.deepEqual([...st.keys()], ['builds', 'a', 'b']);
    assert.equal(st.get('a'), st.get('b'), 'shared list is one node');
    const builds = g.node(st.get('builds')!);
    assert.ok(builds.kind === 'list');
    const b0 = builds.items[0]!;
    const bst = g.instanceState(b0)!;
    assert.equal(bst.get('builder'), g.root, 'the cycle closes on the root');
    assert.deepEqual(g.node(bst.get('buildbot.status.builder.BuildStatus.persistenceVersion')!), { kind: 'int', value: 3 });
    assert.deepEqual(g.node(bst.get('big')!), { kind: 'int', value: 2n ** 70n });
    assert.equal(g.pathOf(b0), 'root.builds[0]');
    assert.equal(g.info.protocol, protocol);
  }
});
