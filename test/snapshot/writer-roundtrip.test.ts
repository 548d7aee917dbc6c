// decode → valueFromGraph → writePickle: the rewritten pickle must load in Python into the same
// objects as the original (how a minimized repro snapshot will be written).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodePickle } from '../../src/snapshot/decoder.js';
import { valueFromGraph } from '../../src/snapshot/graph-to-value.js';
import { writePickle } from '../../src/snapshot/writer.js';
import { openSnapshot } from '../../src/snapshot/open.js';
import { repoPath } from '../helpers/run.js';
import { pyLoad } from '../helpers/pyload.js';

const FILES = [
  'basedir/changes.pck',
  'basedir/full/0',
  'basedir/full/2',
  'basedir/full/builder',
  'misc/py3-proto4.pickle',
  'misc/py3-proto0.data',
  'misc/py3-proto1.data',
  'misc/unsafe-system.pickle',
  'aot/builder.tas',
];

test('real snapshots rewritten from their graphs load in Python exactly like the originals', async () => {
  const originals: Uint8Array[] = [];
  const rewritten: Uint8Array[] = [];
  for (const f of FILES) {
    const opened = await openSnapshot(repoPath('test/fixtures/snapshots', f));
    assert.ok(opened.kind === 'snapshot', f);
    const g = decodePickle(opened.pickle, { file: f });
    originals.push(opened.pickle);
    rewritten.push(writePickle(valueFromGraph(g), { protocol: 2, python2: g.info.python2Hints }));
  }
  const a = pyLoad(originals);
  const b = pyLoad(rewritten);
  FILES.forEach((f, i) => {
    assert.ok('ok' in a[i]!, `${f} original: ${JSON.stringify(a[i])}`);
    assert.deepEqual(b[i], a[i], f);
  });
});

test('a subtree can be written on its own (the minimizer’s use)', () => {
  const g = decodePickle(readFileSync(repoPath('test/fixtures/snapshots/basedir/full/0')), { file: '0' });
  const steps = g.instanceState(g.root)!.get('steps')!;
  const step0 = (g.node(steps) as { items: number[] }).items[0]!;
  const p = writePickle(valueFromGraph(g, step0), { python2: true });
  const g2 = decodePickle(p, { file: 'step' });
  assert.deepEqual(g2.classOf(g2.root), { module: 'buildbot.status.builder', name: 'BuildStepStatus' });
  // The step's build (and the build's builder) come along: references are followed.
  const build = g2.instanceState(g2.root)!.get('build')!;
  assert.deepEqual(g2.classOf(build), { module: 'buildbot.status.builder', name: 'BuildStatus' });
  const [r] = pyLoad([p], 'python2.7');
  assert.ok(r && 'ok' in r, JSON.stringify(r));
});
