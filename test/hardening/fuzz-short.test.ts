// The short fuzz budget that runs in `npm test` (the long one is `npm run fuzz`): a few thousand
// mutated inputs with a fixed seed, decoded in process; each must end in a graph or a
// SnapshotError (./../fuzz/verdict.ts says exactly what else counts as a crash). Also checks that
// the fuzzer itself can tell a crash when it sees one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotError } from '../../src/errors.js';
import { decodePickle, decodePickleTolerant } from '../../src/snapshot/decoder.js';
import type { SnapshotGraph } from '../../src/snapshot/graph.js';
import { repoPath } from '../helpers/run.js';
import { loadCorpus } from '../fuzz/corpus.js';
import { makeInput } from '../fuzz/mutate.js';
import { splitOps } from '../fuzz/opcodes.js';
import { judge, signature, type Decode, type Limits } from '../fuzz/verdict.js';

const corpus = loadCorpus(repoPath('test', 'fixtures'));
// Generous: this is a hang detector, not a speed test (tests must not depend on timing).
const LIMITS: Limits = { slowMs: 30_000, heapBytes: 512 * 1024 * 1024, walkNodes: 20_000 };
const strict: Decode = (d) => decodePickle(d, { file: 'fuzz-input' });
const tolerant: Decode = (d) => {
  const r = decodePickleTolerant(d, { file: 'fuzz-input' });
  return { graph: r.graph, partial: r.error !== undefined };
};

function fuzz(decode: Decode, seed: number, runs: number): { graphs: number; errors: number; crashes: string[] } {
  let graphs = 0;
  let errors = 0;
  const crashes: string[] = [];
  for (let i = 0; i < runs; i++) {
    const input = makeInput(corpus, seed, i);
    const v = judge(decode, input.data, LIMITS);
    if (v.outcome === 'graph') graphs++;
    else if (v.outcome === 'snapshot-error') errors++;
    else crashes.push(`input ${i} (from ${input.base}: ${input.mutations.join(', ')}): ${signature(v)}: ${v.message}`);
  }
  return { graphs, errors, crashes };
}

test('the seed corpus holds the committed pickles of every fixture folder', () => {
  assert.ok(corpus.length >= 40, `${corpus.length} seeds`);
  for (const dir of ['malicious/', 'bombs/', 'snapshots/']) {
    assert.ok(corpus.some((c) => c.name.startsWith(dir)), `no seed from ${dir}`);
  }
});

test('inputs are deterministic in (seed, index) and differ between indexes', () => {
  const a = makeInput(corpus, 7, 123);
  const b = makeInput(corpus, 7, 123);
  assert.deepEqual(a, b);
  const distinct = new Set<string>();
  for (let i = 0; i < 200; i++) distinct.add(Buffer.from(makeInput(corpus, 7, i).data).toString('hex'));
  assert.ok(distinct.size > 150, `${distinct.size} distinct of 200`);
});

test('opcode splitting finds every opcode of a real pickle', () => {
  const seed = corpus.find((c) => c.name.endsWith('os-system-p4-stack-global.pickle'))!;
  const ops = splitOps(seed.data).map((o) => o.info.name);
  assert.deepEqual(ops, ['PROTO', 'FRAME', 'SHORT_BINUNICODE', 'SHORT_BINUNICODE', 'STACK_GLOBAL', 'MEMOIZE', 'SHORT_BINUNICODE', 'TUPLE1', 'REDUCE', 'STOP']);
});

test('the judge calls a crash a crash', () => {
  const data = Uint8Array.from([0x4e, 0x2e]);
  const fromThrow = (e: unknown): Decode => () => {
    throw e;
  };
  const kind = (d: Decode): string => {
    const v = judge(d, data, LIMITS);
    return v.outcome === 'crash' ? v.kind : v.outcome;
  };
  assert.equal(kind(fromThrow(new TypeError('x is undefined'))), 'typeerror');
  assert.equal(kind(fromThrow(new SnapshotError('f', 1, 'NONE', 'bad'))), 'snapshot-error');
  assert.equal(kind(fromThrow(new SnapshotError('f', 99, 'NONE', 'bad'))), 'bad-error-offset');
  assert.equal(kind(fromThrow(new SnapshotError('f', 1, 'NONE', 'two\nlines'))), 'bad-error-multiline');
  assert.equal(kind(fromThrow(new SnapshotError('f', 1, 'NONE', 'internal decoder error: oops'))), 'masked-internal-error');
  const recurse = (n: number): number => (n === 0 ? 0 : 1 + recurse(n - 1));
  assert.equal(kind(() => { recurse(1e9); throw new Error('unreachable'); }), 'stack-overflow');
  const good = strict(data);
  const broken: SnapshotGraph = Object.create(good, { edges: { value: () => [{ via: 'index', index: 0, to: 99 }] } }) as SnapshotGraph;
  assert.equal(kind(() => broken), 'graph-error');
  assert.equal(kind(strict), 'graph');
});

test('short fuzz, strict decoder: 3000 inputs (seed 1) end in a graph or a SnapshotError', () => {
  const r = fuzz(strict, 1, 3000);
  assert.deepEqual(r.crashes, []);
  // Both outcomes occur: a fuzzer that only makes garbage (or only valid input) tests little.
  assert.ok(r.graphs > 100 && r.errors > 100, `${r.graphs} graphs, ${r.errors} errors`);
});

test('short fuzz, tolerant decoder: 1500 inputs (seed 2) always give a usable graph', () => {
  const r = fuzz(tolerant, 2, 1500);
  assert.deepEqual(r.crashes, []);
  assert.equal(r.errors, 0, 'the tolerant decoder does not throw');
});
