import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { writePickle, int, list, dict, glob, type PyValue } from '../../src/snapshot/writer.js';
import { decodePickle } from '../../src/snapshot/decoder.js';
import { formatTree, resolvePath } from '../../src/inspect/tree.js';

const plain = new Chalk({ level: 0 });

test('a 100,000-deep chain renders without overflowing the stack, and cycles print once', () => {
  // node -> {'next': node'} … written by our writer (iterative too), read by our decoder.
  const head = dict([]) as { kind: 'dict'; entries: Array<[PyValue, PyValue]> };
  let cur = head;
  for (let i = 0; i < 100_000; i++) {
    const next = dict([]) as { kind: 'dict'; entries: Array<[PyValue, PyValue]> };
    cur.entries.push(['next', next]);
    cur = next;
  }
  cur.entries.push(['back', head]);
  const g = decodePickle(writePickle(head), { file: 'deep' });
  const text = formatTree(g, plain, { depth: 200_000 });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 100_002);
  assert.match(lines.at(-1)!, /^ {80}\(100001\) \['back'\]: → root$/);
  assert.match(lines[3]!, /^ {6}\['next'\]: dict \(1\)$/);
});

test('max children folds long lists with a count; paths resolve both ways', () => {
  const items = Array.from({ length: 250 }, (_, i) => int(i));
  const root = dict([['builds', list(items)], ['cls', glob('m', 'C')]]);
  const g = decodePickle(writePickle(root), { file: 'wide' });
  const text = formatTree(g, plain, { maxChildren: 100 });
  assert.match(text, /^ {4}… 150 more$/m);
  const id = resolvePath(g, "root['builds'][7]");
  assert.ok(id !== undefined);
  assert.equal(g.pathOf(id), "root['builds'][7]");
  assert.equal(resolvePath(g, "root['nothing']"), undefined);
});
