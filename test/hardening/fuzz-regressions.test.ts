// Every input the fuzzer ever saved (test/fixtures/fuzz-regressions/) is replayed here: it must
// now end in a graph or a SnapshotError, with the strict and the tolerant decoder alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePickle, decodePickleTolerant } from '../../src/snapshot/decoder.js';
import { repoPath } from '../helpers/run.js';
import { listRegressions } from '../fuzz/regressions.js';
import { judge, type Limits } from '../fuzz/verdict.js';

const LIMITS: Limits = { slowMs: 30_000, heapBytes: 512 * 1024 * 1024, walkNodes: 20_000 };
const dir = repoPath('test', 'fixtures', 'fuzz-regressions');
const saved = listRegressions(dir);

test('the regression folder holds saved fuzz inputs', () => {
  assert.ok(saved.length > 0, `no *.pickle in ${dir}`);
});

for (const { name, data } of saved) {
  test(`fuzz regression ${name}`, () => {
    const s = judge((d) => decodePickle(d, { file: name }), data, LIMITS);
    assert.notEqual(s.outcome, 'crash', JSON.stringify(s));
    const t = judge((d) => {
      const r = decodePickleTolerant(d, { file: name });
      return { graph: r.graph, partial: r.error !== undefined };
    }, data, LIMITS);
    assert.equal(t.outcome, 'graph', JSON.stringify(t));
  });
}
