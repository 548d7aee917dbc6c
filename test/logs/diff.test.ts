import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeNormalisation, diffLogRenders, logDiffFindings, normaliseHtml } from '../../src/logs/diff.js';
import type { LogRender } from '../../src/replay/live/types.js';

const r = (text: string, name = 'stdio'): LogRender => ({ class: 'a.LogFile', name, method: 'getText', text });
const fail = (error: string): LogRender => ({ class: 'a.LogFile', name: 'stdio', method: 'getText', error, traceback: 'Traceback…' });

test('identical, differs (with counts and a unified diff), and failures on each side', () => {
  const baseline = { 'root.a': r('x\ny\n'), 'root.b': r('one\ntwo\nthree\n'), 'root.c': fail('IOError: gone'), 'root.d': r('ok\n') };
  const target = { 'root.a': r('x\ny\n'), 'root.b': r('one\nTWO\nthree\nfour\n'), 'root.c': r('fine\n'), 'root.d': fail('AttributeError: x') };
  const out = diffLogRenders(baseline, target, { snapshot: 'snap' });
  assert.deepEqual(
    out.map((s) => [s.path, s.status, s.added, s.removed]),
    [
      ['root.a', 'identical', 0, 0],
      ['root.b', 'differs', 2, 1],
      ['root.c', 'failed-baseline', 0, 0],
      ['root.d', 'failed-target', 0, 0],
    ],
  );
  const b = out[1]!;
  assert.match(b.diff!, /^--- baseline\/stdio/m);
  assert.match(b.diff!, /^-two$/m);
  assert.match(b.diff!, /^\+TWO$/m);
  assert.match(b.diff!, /^\+four$/m);
  assert.match(out[3]!.error!, /^target: AttributeError: x$/);
  const findings = logDiffFindings(out, ['snap']);
  assert.deepEqual(
    findings.map((f) => [f.code, f.severity, f.count, f.paths]),
    [
      ['log-render-diff', 'warning', 1, ['root.b']],
      ['log-render-failed', 'warning', 2, ['root.c', 'root.d']],
    ],
  );
});

test('a log rendered on one side only is a failure on the other', () => {
  const out = diffLogRenders({ 'root.x': r('a') }, {}, { snapshot: 's' });
  assert.equal(out[0]!.status, 'failed-target');
  assert.match(out[0]!.error!, /did not load as a log/);
});

test('only the first N differing logs carry a diff, unless "all"', () => {
  const base: Record<string, LogRender> = {};
  const tgt: Record<string, LogRender> = {};
  for (let i = 0; i < 4; i++) {
    base[`root[${i}]`] = r(`a${i}\n`);
    tgt[`root[${i}]`] = r(`b${i}\n`);
  }
  assert.equal(diffLogRenders(base, tgt, { snapshot: 's', diffs: 2 }).filter((s) => s.diff).length, 2);
  assert.equal(diffLogRenders(base, tgt, { snapshot: 's', diffs: 'all' }).filter((s) => s.diff).length, 4);
});

test('HTML normalisation: 0.7-style vs 0.8-style escaping and span boundaries compare equal', () => {
  const old = '<html><h1>Log</h1><pre><span class="stdout">say &quot;hi&quot; &amp; go\n</span><span class="stderr">it&#39;s</span></pre></html>';
  const neu = '<pre><span class="stdout">say &#34;hi&#34; &amp; go\nit</span><span class="stdout">&#39;s</span></pre><p>footer</p>';
  assert.equal(normaliseHtml(old), 'say "hi" & go\nit\'s');
  assert.equal(normaliseHtml(neu), normaliseHtml(old));
  const raw = diffLogRenders({ p: r(old) }, { p: r(neu) }, { snapshot: 's' });
  assert.equal(raw[0]!.status, 'differs');
  const norm = diffLogRenders({ p: r(old) }, { p: r(neu) }, { snapshot: 's', normalise: 'html' });
  assert.equal(norm[0]!.status, 'identical');
  assert.match(describeNormalisation('html'), /entities unescaped/);
  assert.match(describeNormalisation(), /exactly/);
});

test('log findings over several snapshots: paths say which file, snapshots only those with a diff', () => {
  const a = diffLogRenders({ 'root.logs[0]': r('x\n') }, { 'root.logs[0]': r('y\n') }, { snapshot: 'builds/1' });
  const b = diffLogRenders({ 'root.logs[0]': r('x\n') }, { 'root.logs[0]': r('x\n') }, { snapshot: 'builds/2' });
  const [f] = logDiffFindings([...a, ...b], ['builds/1', 'builds/2']);
  assert.deepEqual([f!.code, f!.count, f!.paths, f!.snapshots], ['log-render-diff', 1, ['builds/1:root.logs[0]'], ['builds/1']]);
  assert.equal(f!.evidence[0]!.text, 'stdio: +1 -1 lines');
});
