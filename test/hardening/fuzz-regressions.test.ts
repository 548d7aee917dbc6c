// Every input the fuzzer saved (test/fixtures/fuzz-regressions/) is replayed here through the
// pipeline it crashed (its .json sidecar says which: decoder, tolerant decoder, opener, inspect's
// readers): it must now end in a graph or a clean refusal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repoPath } from '../helpers/run.js';
import { consumeAsInspect } from '../fuzz/consumers.js';
import { listRegressions } from '../fuzz/regressions.js';
import { judge, type Limits } from '../fuzz/verdict.js';
import { decoderFor, openerFor } from '../fuzz/worker.js';

const LIMITS: Limits = { slowMs: 60_000, heapBytes: 512 * 1024 * 1024, walkNodes: 20_000 };
const dir = repoPath('test', 'fixtures', 'fuzz-regressions');
const saved = listRegressions(dir);

/** Known defects, reported to their owners: the test runs and shows as TODO until fixed. */
const KNOWN: Record<string, string> = {};

if (saved.length === 0) {
  test('fuzz regressions: none saved yet', { skip: 'the long fuzz runs found no crash to save (see the final report)' }, () => {});
}

for (const { name, data, mode, kind } of saved) {
  test(`fuzz regression ${name} (${kind})`, { todo: KNOWN[name] }, () => {
    const decode = mode.open ? openerFor(decoderFor(mode.tolerant)) : decoderFor(mode.tolerant);
    const limits = mode.open ? { ...LIMITS, acceptUserError: true } : LIMITS;
    const v = judge(decode, data, limits, mode.consumers ? consumeAsInspect : undefined);
    assert.notEqual(v.outcome, 'crash', JSON.stringify(v));
    // The other decoder must cope as well.
    const w = judge(decoderFor(!mode.tolerant), data, { ...LIMITS, acceptUserError: mode.open });
    assert.notEqual(w.outcome, 'crash', JSON.stringify(w));
  });
}
