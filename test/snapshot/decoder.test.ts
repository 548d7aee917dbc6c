// The decoder on real CPython pickles: instance idioms, paths, state, text, offsets, and the
// opcodes that only special pickles use (EXT, persistent ids, out-of-band buffers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePickle } from '../../src/snapshot/decoder.js';
import type { NodeId, SnapshotGraph } from '../../src/snapshot/graph.js';
import { bytes, decodeFixture, dictGet, fixture } from './helpers.js';

function decode(...parts: Array<string | number[]>): SnapshotGraph {
  return decodePickle(bytes(...parts), { file: 'inline.pickle' });
}

function rootValue(g: SnapshotGraph): unknown {
  const n = g.node(g.root);
  return 'value' in n ? n.value : n;
}

test('py2 old-style instances: INST in protocol 0, OBJ in 1 and 2, with state, cycles and paths', () => {
  for (const proto of [0, 1, 2]) {
    const rel = `py2/values.p${proto}.pickle`;
    const data = fixture(rel);
    const g = decodeFixture(rel);
    const old = dictGet(g, g.root, 'old');
    const node = g.node(old);
    assert.equal(node.kind, 'instance');
    assert.equal(node.kind === 'instance' && node.how, proto === 0 ? 'INST' : 'OBJ');
    assert.deepEqual(g.classOf(old), { module: '__main__', name: 'Old' });
    assert.equal(data[g.offset(old)], proto === 0 ? 0x69 : 0x6f, 'offset points at the INST/OBJ opcode');
    const state = g.instanceState(old)!;
    assert.deepEqual([...state.keys()].sort(), ['buildbot.status.builder.Old.persistenceVersion', 'me', 'name', 'number']);
    assert.equal(state.get('me'), old, 'self-cycle keeps the same node');
    assert.equal(g.text(state.get('name')!), 'old');
    assert.equal(g.pathOf(state.get('name')!), "root['old'].name");
    assert.equal(g.pathOf(old), "root['old']");
    assert.equal(g.info.python2Hints, true);
    // New-style class in Python 2: copy_reg._reconstructor below protocol 2, NEWOBJ from 2.
    const nw = g.node(dictGet(g, g.root, 'new'));
    assert.equal(nw.kind === 'instance' && nw.how, proto < 2 ? 'reconstructor' : 'NEWOBJ');
    assert.deepEqual(g.classOf(dictGet(g, g.root, 'new')), { module: '__main__', name: 'New' });
    // A custom __getstate__ payload is no attribute dict.
    const os = dictGet(g, g.root, 'oldstate');
    assert.equal(g.instanceState(os), undefined);
    const osn = g.node(os);
    assert.equal(osn.kind === 'instance' && osn.state !== undefined && g.kind(osn.state), 'tuple');
    // __getinitargs__: INST/OBJ arguments
    const oa = g.node(dictGet(g, g.root, 'oldargs'));
    assert.equal(oa.kind, 'instance');
    if (oa.kind === 'instance') assert.deepEqual(oa.args.map((a) => g.text(a) ?? rootValueOf(g, a)), [1, 'b']);
  }
});

function rootValueOf(g: SnapshotGraph, id: NodeId): unknown {
  const n = g.node(id);
  return 'value' in n ? n.value : n.kind;
}

test("py2 S'...' strings keep their bytes; text() is UTF-8 when valid, else latin-1", () => {
  const g = decodeFixture('py2/values.p0.pickle');
  const strs = g.node(dictGet(g, g.root, 'strs'));
  assert.equal(strs.kind, 'list');
  if (strs.kind !== 'list') return;
  const nodes = strs.items.map((i) => g.node(i));
  assert.ok(nodes.every((n) => n.kind === 'bytes' && n.py2str));
  assert.equal(g.text(strs.items[2]!), 'café utf8');
  assert.equal(g.text(strs.items[3]!), 'latin é byte');
  assert.equal(g.text(strs.items[5]!), "it's");
  assert.equal(g.text(strs.items[6]!), 'back\\slash');
  const last = nodes[8]!;
  assert.deepEqual(last.kind === 'bytes' && [...last.bytes], [0, 1, 0x7f, 0x80, 0xff]);
  const bools = g.node(dictGet(g, g.root, 'bools'));
  assert.deepEqual(bools.kind === 'list' && bools.items.map((i) => g.node(i)), [
    { kind: 'bool', value: true },
    { kind: 'bool', value: false },
  ]);
  assert.equal(g.info.opcodes.INT! > 0 && g.info.opcodes.LONG! > 0 && g.info.opcodes.STRING! > 0, true);
});

test('py3 instance idioms per protocol: reconstructor, NEWOBJ, NEWOBJ_EX, reduce calls, slots', () => {
  for (let proto = 0; proto <= 5; proto++) {
    const g = decodeFixture(`py3/values.p${proto}.pickle`);
    const plain = dictGet(g, g.root, 'plain');
    const pn = g.node(plain);
    assert.equal(pn.kind === 'instance' && pn.how, proto < 2 ? 'reconstructor' : 'NEWOBJ', `protocol ${proto}`);
    assert.deepEqual(g.classOf(plain), { module: '__main__', name: 'Plain' });
    assert.equal(g.instanceState(plain)!.get('me'), plain);
    const edges = g.edges(plain);
    assert.deepEqual(edges[0], { via: 'inner', label: 'cls', to: pn.kind === 'instance' ? pn.cls : -1 });
    assert.deepEqual(
      edges.filter((e) => e.via === 'attr').map((e) => (e.via === 'attr' ? e.name : '')),
      ['name', 'count', 'items', 'me'],
    );
    const red = g.node(dictGet(g, g.root, 'reduced'));
    assert.equal(red.kind, 'call');
    if (red.kind === 'call') {
      assert.deepEqual(g.node(red.callable), { kind: 'global', module: '__main__', name: 'Reduced' });
      assert.equal(g.kind(red.args), 'tuple');
    }
    if (proto >= 2) {
      const sl = dictGet(g, g.root, 'slotted');
      assert.deepEqual([...g.instanceState(sl)!.keys()].sort(), ['x', 'y']);
      assert.equal(g.pathOf(g.instanceState(sl)!.get('y')!), "root['slotted'].y");
    }
    if (proto >= 4) {
      const wn = g.node(dictGet(g, g.root, 'withnew'));
      assert.equal(wn.kind === 'instance' && wn.how, 'NEWOBJ_EX');
      if (wn.kind === 'instance') {
        assert.equal(wn.args.length, 1);
        assert.equal(g.kind(wn.kwargs!), 'dict');
      }
    }
    // Paths: nested containers, literal keys, shared references.
    const nested = dictGet(g, g.root, 'nested');
    let cur = nested;
    const steps: Array<string | number> = ['a', 0, 'b', 0, 'c', 1, 1, 0];
    for (const s of steps) {
      const n = g.node(cur);
      cur = typeof s === 'string' ? dictGet(g, cur, s) : n.kind === 'list' || n.kind === 'tuple' ? n.items[s]! : -1;
    }
    assert.equal(g.pathOf(cur), "root['nested']['a'][0]['b'][0]['c'][1][1][0]");
    assert.equal(g.pathOf(dictGet(g, g.root, 1)), 'root[1]');
    const shared = g.node(dictGet(g, g.root, 'shared'));
    if (shared.kind === 'list') {
      assert.equal(shared.items[0], shared.items[1], 'a shared list is one node');
      assert.equal(g.pathOf(shared.items[1]!), "root['shared'][0]");
    }
    const cyc = g.node(dictGet(g, g.root, 'cycle_list'));
    assert.equal(cyc.kind === 'list' && cyc.items[0], dictGet(g, g.root, 'cycle_list'));
    const keyed = g.edges(g.root).find((e) => e.via === 'key' && e.key === "(1, 'a')");
    assert.ok(keyed, 'tuple keys are rendered as Python literals');
    assert.equal(g.pathOf(keyed.to), "root[(1, 'a')]");
    assert.ok(g.nodesOfKind('instance').includes(plain));
  }
});

test('str values: escapes, astral and lone surrogates survive every protocol', () => {
  for (let proto = 0; proto <= 5; proto++) {
    const g = decodeFixture(`py3/values.p${proto}.pickle`);
    const strs = g.node(dictGet(g, g.root, 'strs'));
    if (strs.kind !== 'list') assert.fail('strs is a list');
    const values = strs.items.map((i) => g.text(i));
    assert.deepEqual(values.slice(7), ['\u{1f600} astral', 'nul\x00byte', 'lone \ud800 surrogate', '\\u0041 not an escape']);
  }
});

test('EXT1/EXT2/EXT4 stay symbolic ext nodes', () => {
  for (const proto of [2, 4]) {
    const g = decodeFixture(`py3/ext.p${proto}.pickle`);
    const codes = g.nodesOfKind('ext').map((id) => g.node(id)).map((n) => (n.kind === 'ext' ? n.code : -1));
    assert.deepEqual(codes.sort((a, b) => a - b), [0xf0, 0x1234, 0x123456]);
    const first = g.node(g.root);
    if (first.kind === 'list') {
      const inst = g.node(first.items[0]!);
      assert.equal(inst.kind === 'instance' && g.kind(inst.cls), 'ext');
      assert.equal(g.classOf(first.items[0]!), undefined, 'an ext class is not resolved here');
    }
  }
});

test('persistent ids (PERSID, BINPERSID) are persid nodes with their id', () => {
  for (const proto of [0, 2]) {
    const g = decodeFixture(`py3/persid.p${proto}.pickle`);
    const ids = g.nodesOfKind('persid');
    assert.equal(ids.length, 2);
    const pids = ids.map((id) => g.node(id)).map((n) => (n.kind === 'persid' ? g.text(n.pid) : undefined));
    assert.deepEqual(pids, ['log-stdio', 'log-err']);
    const n0 = g.node(ids[0]!);
    if (n0.kind === 'persid') assert.equal(g.pathOf(n0.pid), "root['logs'][0].<pid>");
  }
});

test('out-of-band buffers: NEXT_BUFFER placeholders, READONLY_BUFFER', () => {
  const g = decodeFixture('py3/buffers.p5.pickle');
  const root = g.node(g.root);
  assert.equal(root.kind, 'list');
  if (root.kind === 'list') assert.deepEqual(root.items.map((i) => g.node(i)), [
    { kind: 'buffer', readonly: true },
    { kind: 'buffer', readonly: false },
  ]);
  assert.equal(g.info.protocol, 5);
});

test('protocol-0 literals: INT booleans, LONG, FLOAT specials, STRING escapes, UNICODE escapes', () => {
  assert.equal(rootValue(decode('I00\n.')), false);
  assert.equal(rootValue(decode('I01\n.')), true);
  assert.equal(rootValue(decode('I-7\n.')), -7);
  assert.equal(rootValue(decode('I3000000000\n.')), 3000000000);
  assert.equal(rootValue(decode('L-12345678901234567890L\n.')), -12345678901234567890n);
  assert.equal(rootValue(decode('L42L\n.')), 42);
  assert.equal(rootValue(decode('F-1.5\n.')), -1.5);
  assert.equal(rootValue(decode('Finf\n.')), Infinity);
  assert.ok(Number.isNaN(rootValue(decode('Fnan\n.')) as number));
  // escape_decode: \x, octal (1-3 digits), \n, \', unknown escapes kept
  const s = decode("S'a\\x41\\101\\7\\n\\'q\\d'\n.");
  const n = s.node(s.root);
  assert.deepEqual(n.kind === 'bytes' && [...n.bytes], [...Buffer.from("aAA\x07\n'q\\d")]);
  const q = decode('S"it\'s"\n.');
  assert.equal(q.text(q.root), "it's");
  // raw-unicode-escape: \uXXXX when the backslashes before it are odd in number
  const u = decode('V\\u2603x\\\\u0041\\U0001F600\n.');
  assert.equal(u.text(u.root), '\u2603x\\\\u0041\u{1f600}');
});

test('binary ints: LONG1/LONG4 two\'s complement, BININT negatives', () => {
  assert.equal(rootValue(decode([0x8a, 0x00], '.')), 0);
  assert.equal(rootValue(decode([0x8a, 0x01, 0xff], '.')), -1);
  assert.equal(rootValue(decode([0x8a, 0x02, 0x00, 0x80], '.')), -32768);
  assert.equal(rootValue(decode([0x8a, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], '.')), 2n ** 63n - 1n);
  assert.equal(rootValue(decode([0x8a, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x80], '.')), -(2n ** 63n));
  // safe integers are numbers, anything larger a bigint (2^53 + 1 would not survive a double)
  assert.equal(rootValue(decode([0x8a, 0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f], '.')), 2 ** 53 - 1);
  assert.equal(rootValue(decode([0x8a, 0x07, 0, 0, 0, 0, 0, 0, 0x20], '.')), 2n ** 53n);
  assert.equal(rootValue(decode([0x8b, 0x02, 0, 0, 0, 0xfe, 0xff], '.')), -2);
  assert.equal(rootValue(decode([0x4a, 0xfe, 0xff, 0xff, 0xff], '.')), -2);
  assert.equal(rootValue(decode([0x4d, 0xff, 0xff], '.')), 65535);
});

test('stack opcodes: POP, DUP, POP_MARK, POP at a mark, STACK_GLOBAL, BINUNICODE8, FRAME', () => {
  const t = decode('(K', [1], 'K', [2], '1K', [3], '20', [0x85], '.');
  const tn = t.node(t.root);
  assert.deepEqual(tn.kind === 'tuple' && tn.items.map((i) => rootValueOf(t, i)), [3]);
  assert.equal(rootValue(decode('(0K', [5], '.')), 5);
  const sg = decode([0x80, 4, 0x95, 18, 0, 0, 0, 0, 0, 0, 0], [0x8c, 8], 'builtins', [0x8c, 3], 'set', [0x93, 0x94], '.');
  assert.deepEqual(sg.node(sg.root), { kind: 'global', module: 'builtins', name: 'set' });
  const u8 = decode([0x8d, 2, 0, 0, 0, 0, 0, 0, 0], 'hi.');
  assert.equal(u8.text(u8.root), 'hi');
});

test('a 1,000,000-deep nested list decodes, and its deepest path is computed, without recursion', () => {
  const depth = 1_000_000;
  const data = new Uint8Array(2 * depth);
  data.fill(0x5d, 0, depth); // EMPTY_LIST × depth
  data.fill(0x61, depth, 2 * depth - 1); // APPEND × (depth - 1)
  data[2 * depth - 1] = 0x2e; // STOP
  const g = decodePickle(data, { file: 'deep.pickle' });
  assert.equal(g.nodeCount, depth);
  assert.equal(g.root, 0);
  const path = g.pathOf(depth - 1);
  assert.equal(path.length, 4 + 3 * (depth - 1));
  assert.ok(path.startsWith('root[0][0][0]'));
});

test('hostile but decodable: an OBJ whose class is an int has no classOf', () => {
  const g = decode('(K', [7], 'o.');
  const n = g.node(g.root);
  assert.equal(n.kind === 'instance' && g.kind(n.cls), 'int');
  assert.equal(g.classOf(g.root), undefined);
});

test('memo keys beyond the first guess grow the dense memo; every GET finds its PUT', () => {
  // ] then, for i < n: BININT2 i, LONG_BINPUT 2i, APPEND; then some LONG_BINGETs, APPEND.
  // Keys reach 2n, well past the first dense guess (input size / 8).
  const n = 20_000;
  const parts: number[] = [0x5d];
  for (let i = 0; i < n; i++) parts.push(0x4d, i & 0xff, i >> 8, 0x72, (2 * i) & 0xff, (2 * i) >> 8, 0, 0, 0x61);
  for (let i = n - 1; i >= 0; i -= 997) parts.push(0x6a, (2 * i) & 0xff, (2 * i) >> 8, 0, 0, 0x61);
  parts.push(0x2e);
  const g = decodePickle(Uint8Array.from(parts), { file: 'memo.pickle' });
  const root = g.node(g.root);
  if (root.kind !== 'list') assert.fail('a list');
  assert.equal(root.items.length, n + Math.ceil(n / 997));
  assert.equal(root.items[n], root.items[n - 1], 'GET returns the very node PUT stored');
  assert.equal(g.node(root.items[n + 1]!).kind === 'int' && (g.node(root.items[n + 1]!) as { value: number }).value, n - 1 - 997);
});

test('edge labels and paths: object keys, reduce calls, constructor args and kwargs, class refs', () => {
  for (let proto = 0; proto <= 5; proto++) {
    const g = decodeFixture(`py3/values.p${proto}.pickle`);
    const objkey = dictGet(g, g.root, 'objkey');
    const [keyEdge, valueEdge] = g.edges(objkey);
    assert.equal(keyEdge?.via === 'inner' && keyEdge.label, 'key-object:0');
    assert.equal(valueEdge?.via === 'value-of' && valueEdge.key, '0');
    assert.equal(g.classOf(keyEdge!.to)?.name, 'KeyObj');
    assert.equal(g.pathOf(keyEdge!.to), "root['objkey'].<key-object:0>");
    assert.equal(g.pathOf(valueEdge!.to), "root['objkey'].<key:0>");
    assert.equal(g.text(valueEdge!.to), 'value under an object key');

    const reduced = dictGet(g, g.root, 'reduced');
    const red = g.node(reduced);
    if (red.kind !== 'call') assert.fail('a call');
    assert.deepEqual(
      g.edges(reduced).map((e) => (e.via === 'inner' ? e.label : e.via)),
      ['callable', 'args'],
    );
    assert.equal(g.pathOf(red.args), "root['reduced'].<args>");
    const args = g.node(red.args);
    if (args.kind !== 'tuple') assert.fail('a tuple');
    assert.equal(g.pathOf(args.items[1]!), "root['reduced'].<args>[1]");

    const plain = dictGet(g, g.root, 'plain');
    const pn = g.node(plain);
    if (pn.kind !== 'instance') assert.fail('an instance');
    assert.equal(g.pathOf(pn.cls), "root['plain'].<cls>");
    if (pn.state !== undefined) assert.equal(g.pathOf(pn.state), "root['plain'].<state>");

    if (proto >= 4) {
      const wn = dictGet(g, g.root, 'withnew');
      const w = g.node(wn);
      if (w.kind !== 'instance') assert.fail('an instance');
      assert.equal(g.pathOf(w.kwargs!), "root['withnew'].<kwargs>");
      assert.equal(g.pathOf(w.args[0]!), "root['withnew'].<arg:0>");
      assert.equal(g.instanceState(wn)?.has('k'), true);
    }
  }
});

test('offsets: every node points at the opcode that made it, across long strings too', () => {
  // MARK, K 1, BINUNICODE of 100,000 bytes, K 2, SHORT_BINSTRING, then 70 more ints, LIST, STOP
  const big = 100_000;
  const parts: number[] = [0x28, 0x4b, 1, 0x58, big & 0xff, (big >> 8) & 0xff, big >> 16, 0];
  for (let i = 0; i < big; i++) parts.push(0x61);
  parts.push(0x4b, 2, 0x55, 1, 0x78);
  for (let i = 0; i < 70; i++) parts.push(0x4b, i);
  parts.push(0x6c, 0x2e);
  const data = Uint8Array.from(parts);
  const g = decodePickle(data, { file: 'offsets.pickle' });
  const expected = [0, 1, 3, 8 + big, 10 + big];
  assert.deepEqual([0, 1, 2, 3].map((id) => g.offset(id)), expected.slice(1));
  for (let i = 0; i < 70; i++) assert.equal(g.offset(4 + i), 13 + big + 2 * i);
  assert.equal(g.offset(g.root), data.length - 2);
  const MAKERS = new Set([0x4b, 0x58, 0x55, 0x6c]);
  for (let id = 0; id < g.nodeCount; id++) assert.ok(MAKERS.has(data[g.offset(id)]!), `node ${id}`);
  // and on every fixture: each node's offset holds an opcode byte
  for (const rel of ['py2/values.p0.pickle', 'py3/values.p2.pickle', 'py3/values.p5.pickle']) {
    const fx = fixture(rel);
    const fg = decodeFixture(rel);
    for (let id = 0; id < fg.nodeCount; id++) {
      const op = fx[fg.offset(id)]!;
      assert.ok(![0x28, 0x2e, 0x30, 0x31, 0x32, 0x70, 0x71, 0x72, 0x94, 0x95, 0x80, 0x67, 0x68, 0x6a].includes(op), `${rel} node ${id} at ${fg.offset(id)}: 0x${op.toString(16)}`);
    }
  }
});

test('objects: many items APPENDed/SETITEMed onto an instance, and a second BUILD', () => {
  // MARK GLOBAL OBJ, MARK 300×(K i) APPENDS, MARK 300×(K i, N) SETITEMS, }, BUILD, }, BUILD, STOP
  const parts: number[] = [0x28, ...Buffer.from('cmod\nCls\n'), 0x6f, 0x28];
  for (let i = 0; i < 300; i++) parts.push(0x4d, i & 0xff, i >> 8);
  parts.push(0x65, 0x28);
  for (let i = 0; i < 300; i++) parts.push(0x4d, i & 0xff, i >> 8, 0x4e);
  parts.push(0x75, 0x7d, 0x62, 0x7d, 0x28, 0x55, 1, 0x78, 0x4b, 7, 0x75, 0x62, 0x2e);
  const g = decodePickle(Uint8Array.from(parts), { file: 'obj.pickle' });
  const n = g.node(g.root);
  if (n.kind !== 'instance') assert.fail('an instance');
  assert.equal(n.how, 'OBJ');
  assert.equal(n.listItems.length, 300);
  assert.equal(n.dictItems.length, 300);
  assert.deepEqual(g.node(n.listItems[299]!), { kind: 'int', value: 299 });
  assert.deepEqual([...g.instanceState(g.root)!.keys()], ['x'], 'the last BUILD wins');
  const edges = g.edges(g.root);
  assert.equal(edges.filter((e) => e.via === 'index').length, 300);
  assert.equal(edges.filter((e) => e.via === 'key').length, 300);
  assert.equal(g.pathOf(n.listItems[299]!), 'root[299]');
  assert.equal(g.pathOf(n.dictItems[5]![1]), 'root[5]');
  assert.equal(g.pathOf(g.instanceState(g.root)!.get('x')!), 'root.x');
});

test('a view into a larger buffer (byteOffset ≠ 0) decodes like the bytes alone', () => {
  const data = fixture('py2/values.p2.pickle');
  const padded = new Uint8Array(data.length + 13);
  padded.set(data, 7);
  const g1 = decodePickle(data, { file: 'a' });
  const g2 = decodePickle(padded.subarray(7, 7 + data.length), { file: 'b' });
  assert.equal(g2.nodeCount, g1.nodeCount);
  for (let id = 0; id < g1.nodeCount; id++) {
    assert.equal(g2.text(id), g1.text(id));
    assert.equal(g2.offset(id), g1.offset(id));
    assert.deepEqual(g2.edges(id), g1.edges(id));
  }
  const floats = g1.nodesOfKind('float');
  assert.ok(floats.length > 0);
  for (const id of floats) assert.deepEqual(g2.node(id), g1.node(id));
});
