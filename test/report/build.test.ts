import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildReport, disagreements, exitCodeFor, mergeEngines, splitBySnapshot, type FailOn } from '../../src/report/build.js';
import type { Finding } from '../../src/report/finding.js';
import type { Report } from '../../src/report/report.js';
import { formatJson } from '../../src/report/json.js';
import { TOOL, unsafeFindings } from './sample-reports.js';

const CHECKED: Report['checked'] = { engines: ['simulated', 'live'], done: ['everything'], skipped: [] };

function finding(p: Partial<Finding> & Pick<Finding, 'code'>): Finding {
  return {
    severity: p.code === 'unused-attribute' ? 'info' : p.code === 'upgrade-gap' ? 'warning' : 'error',
    message: 'm',
    count: 1,
    paths: ['root'],
    snapshots: ['s'],
    evidence: [],
    engines: ['simulated'],
    ...p,
  };
}

function build(findings: Finding[], failOn: FailOn = 'error', checked = CHECKED): Report {
  return buildReport({ command: 'c', tool: TOOL, snapshots: [], checked, findings, failOn });
}

test('the same finding from both engines becomes one confirmed finding with merged evidence', () => {
  const read = { file: 'a.py', line: 3, text: 'self.x', role: 'read' as const };
  const sim = finding({ code: 'missing-attribute', class: 'm.C', attribute: 'x', count: 2, paths: ['root.a', 'root.b'], evidence: [read], suggestion: 'def upgradeToVersion2(self): …' });
  const live = finding({
    code: 'missing-attribute', class: 'm.C', attribute: 'x', paths: ['root.b', 'root.a'], count: 2,
    evidence: [read, { file: 'a.py', role: 'traceback', text: 'AttributeError' }], engines: ['live'], message: 'live words',
  });
  const r = build([live, sim]);
  assert.equal(r.findings.length, 1);
  const f = r.findings[0]!;
  assert.deepEqual(f.engines, ['simulated', 'live']);
  assert.equal(f.count, 2);
  assert.equal(f.message, 'm', "the simulated engine's wording wins");
  assert.equal(f.suggestion, 'def upgradeToVersion2(self): …');
  assert.deepEqual(f.evidence.map((e) => e.role), ['read', 'traceback'], 'the shared read appears once');
  assert.equal(disagreements(r).size, 0);
});

test('where the engines disagree about the objects, both findings are kept and flagged', () => {
  const sim = finding({ code: 'upgrade-exception', class: 'm.C', paths: ['root.a'] });
  const live = finding({ code: 'upgrade-exception', class: 'm.C', paths: ['root.a', 'root.b'], engines: ['live'] });
  const r = build([sim, live]);
  assert.equal(r.findings.length, 2);
  assert.deepEqual(r.findings.map((f) => f.engines), [['simulated'], ['live']]);
  assert.equal(disagreements(r).size, 2);
});

test('the same key in different snapshots is not merged', () => {
  const a = finding({ code: 'missing-class', class: 'm.C', snapshots: ['one'] });
  const b = finding({ code: 'missing-class', class: 'm.C', snapshots: ['two'], engines: ['live'] });
  assert.equal(mergeEngines([a, b]).length, 2);
});

test('findings sort by severity, code, class, attribute, first path', () => {
  const r = build([
    finding({ code: 'unused-attribute', class: 'a.A', attribute: 'z' }),
    finding({ code: 'missing-class', class: 'b.B' }),
    // Same key from the two engines about different objects: both kept, ordered by first path.
    finding({ code: 'missing-attribute', class: 'a.A', attribute: 'y', paths: ['root.2'] }),
    finding({ code: 'missing-attribute', class: 'a.A', attribute: 'y', paths: ['root.1'], engines: ['live'] }),
    finding({ code: 'missing-attribute', class: 'a.A', attribute: 'b' }),
    finding({ code: 'upgrade-gap', class: 'a.A' }),
    finding({ code: 'missing-class', class: 'a.A' }),
  ]);
  assert.deepEqual(
    r.findings.map((f) => `${f.code} ${f.class} ${f.attribute ?? ''} ${f.paths[0]}`),
    [
      'missing-attribute a.A b root',
      'missing-attribute a.A y root.1',
      'missing-attribute a.A y root.2',
      'missing-class a.A  root',
      'missing-class b.B  root',
      'upgrade-gap a.A  root',
      'unused-attribute a.A z root',
    ],
  );
});

test('the report does not depend on the order the engines delivered findings in', () => {
  const all = unsafeFindings();
  const expected = formatJson(build(all));
  fc.assert(
    fc.property(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), (shuffled) => {
      assert.equal(formatJson(build(shuffled)), expected);
    }),
    { numRuns: 50, seed: 42 },
  );
});

test('verdict: UNSAFE on any error, INCOMPLETE when something was skipped, else SAFE', () => {
  const err = finding({ code: 'missing-class', class: 'm.C' });
  const warn = finding({ code: 'upgrade-gap', class: 'm.C' });
  const skipped = { ...CHECKED, skipped: ['live replay: no Python with Twisted'] };
  assert.equal(build([err], 'error', skipped).summary.verdict, 'UNSAFE');
  assert.equal(build([warn], 'error', skipped).summary.verdict, 'INCOMPLETE');
  assert.equal(build([warn]).summary.verdict, 'SAFE');
  assert.equal(build([]).summary.verdict, 'SAFE');
  const skippedSnapshot = buildReport({
    command: 'c', tool: TOOL, checked: CHECKED, findings: [], failOn: 'error',
    snapshots: [{ file: 'x', size: 1, sha256: '0', format: 'pickle', skipped: 'truncated at byte 9' }],
  });
  assert.equal(skippedSnapshot.summary.verdict, 'INCOMPLETE', 'a snapshot that could not be decoded');
  const stepLog = buildReport({
    command: 'c', tool: TOOL, checked: CHECKED, findings: [], failOn: 'error',
    snapshots: [{ file: '0-log-compile-stdio', size: 1, sha256: '0', format: 'not-a-snapshot', skipped: 'not a pickle' }],
  });
  assert.equal(stepLog.summary.verdict, 'SAFE', 'a step log next to the pickles was never asked for');
});

test('counts and --fail-on thresholds decide failed and the exit code', () => {
  const fs = [finding({ code: 'upgrade-gap', class: 'm.C' }), finding({ code: 'unused-attribute', class: 'm.C', attribute: 'a' })];
  assert.deepEqual(build(fs).summary.counts, { error: 0, warning: 1, info: 1 });
  const cases: Array<[FailOn, 0 | 1]> = [['error', 0], ['warning', 1], ['info', 1], ['never', 0]];
  for (const [failOn, code] of cases) {
    const r = build(fs, failOn);
    assert.equal(r.summary.failOn, failOn);
    assert.equal(exitCodeFor(r), code, `--fail-on ${failOn}`);
  }
  assert.equal(exitCodeFor(build([finding({ code: 'missing-module', class: 'm.C' })], 'never')), 0);
  assert.equal(exitCodeFor(build([finding({ code: 'missing-module', class: 'm.C' })], 'error')), 1);
});

test('accepted findings are listed, not counted, and never fail', () => {
  const err = finding({ code: 'missing-class', class: 'm.C' });
  const r = buildReport({
    command: 'c', tool: TOOL, snapshots: [], checked: CHECKED, findings: [err], failOn: 'info',
    accept: { rehearse: 'accept', version: 1, accepted: [{ key: 'missing-class|m.C|', snapshot: 's', reason: 'known' }] },
  });
  assert.equal(r.findings.length, 1);
  assert.deepEqual(r.findings[0]!.accepted, { reason: 'known' });
  assert.deepEqual(r.summary.counts, { error: 0, warning: 0, info: 0 });
  assert.equal(r.summary.accepted, 1);
  assert.equal(r.summary.verdict, 'SAFE');
  assert.equal(exitCodeFor(r), 0);
});

test('the engines list is put in a fixed order', () => {
  const r = build([], 'error', { ...CHECKED, engines: ['live', 'simulated'] });
  assert.deepEqual(r.checked.engines, ['simulated', 'live']);
});

test('truncated path samples of the same object count merge; a different count is a disagreement', () => {
  const sim = finding({ code: 'missing-attribute', class: 'm.C', attribute: 'x', count: 40, paths: ['root.a', 'root.b'] });
  const live = finding({ code: 'missing-attribute', class: 'm.C', attribute: 'x', count: 40, paths: ['root.c', 'root.d'], engines: ['live'] });
  const r = build([sim, live]);
  assert.equal(r.findings.length, 1);
  assert.deepEqual(r.findings[0]!.engines, ['simulated', 'live']);
  const r2 = build([sim, { ...live, count: 39 }]);
  assert.equal(r2.findings.length, 2);
  assert.equal(disagreements(r2).size, 2);
});

test('splitBySnapshot gives one report per snapshot with its own findings and verdict', () => {
  const snapshots = ['a', 'b', 'c'].map((file) => ({ file, size: 1, sha256: '0', format: 'pickle' }));
  const r = buildReport({
    command: 'c', tool: TOOL, snapshots, checked: CHECKED, failOn: 'error',
    findings: [finding({ code: 'missing-class', class: 'm.C', snapshots: ['a', 'b'] }), finding({ code: 'upgrade-gap', class: 'm.D', snapshots: ['b'] })],
  });
  const parts = splitBySnapshot(r);
  assert.deepEqual(parts.map((p) => [p.name, p.report.findings.length, p.report.summary.verdict, exitCodeFor(p.report)]), [
    ['a', 1, 'UNSAFE', 1],
    ['b', 2, 'UNSAFE', 1],
    ['c', 0, 'SAFE', 0],
  ]);
});

test("one engine's findings with one key are consolidated across snapshots, and then confirmed by the other", () => {
  // The simulated replay reports across snapshots with qualified paths; the live replay per file.
  const sim = finding({
    code: 'missing-class', class: 'm.Event', snapshots: ['b/docs/builder', 'b/run/builder'], count: 3,
    paths: ['b/docs/builder:root.events[0]', 'b/run/builder:root.events[0]', 'b/run/builder:root.events[1]'],
  });
  const live1 = finding({ code: 'missing-class', class: 'm.Event', snapshots: ['b/run/builder'], count: 2, paths: ['root.events[0]', 'root.events[1]'], engines: ['live'], message: 'live 1' });
  const live2 = finding({ code: 'missing-class', class: 'm.Event', snapshots: ['b/docs/builder'], count: 1, paths: ['root.events[0]'], engines: ['live'], message: 'live 2' });
  const r = build([live1, sim, live2]);
  assert.equal(r.findings.length, 1);
  assert.deepEqual(r.findings[0]!.engines, ['simulated', 'live']);
  assert.deepEqual(r.findings[0]!.snapshots, ['b/docs/builder', 'b/run/builder']);
  assert.equal(r.findings[0]!.count, 3);

  const liveOnly = build([live1, live2]).findings;
  assert.equal(liveOnly.length, 1, 'live findings of one key in two snapshots read as one');
  assert.deepEqual(liveOnly[0]!.paths, ['b/docs/builder:root.events[0]', 'b/run/builder:root.events[0]', 'b/run/builder:root.events[1]']);
  assert.equal(liveOnly[0]!.count, 3);
  assert.equal(liveOnly[0]!.message, 'live 2', 'the first snapshot (in order) speaks for the group');

  const short = build([sim, live1]).findings;
  assert.equal(short.length, 2, 'live saw one snapshot less: a disagreement, both kept');
});

test('an engine that names no attribute for an upgrade gap is folded into the other engine\'s finding about the same objects', () => {
  const sim = finding({ code: 'upgrade-gap', class: 'p.Properties', attribute: 'upgradeToVersion2', count: 5, paths: ['a:root.p', 'b:root.p'], snapshots: ['a', 'b'] });
  const live = finding({ code: 'upgrade-gap', class: 'p.Properties', count: 5, paths: ['a:root.p', 'b:root.p'], snapshots: ['a', 'b'], engines: ['live'] });
  const r = build([live, sim]);
  assert.equal(r.findings.length, 1);
  assert.deepEqual(r.findings[0]!.engines, ['simulated', 'live']);
  assert.equal(r.findings[0]!.attribute, 'upgradeToVersion2');
  // Other objects: not the same finding.
  assert.equal(build([{ ...live, count: 4 }, sim]).findings.length, 2);
  // Two different named attributes are two findings.
  const other = finding({ code: 'upgrade-gap', class: 'p.Properties', attribute: 'upgradeToVersion3', count: 5, paths: ['a:root.p', 'b:root.p'], snapshots: ['a', 'b'], engines: ['live'] });
  assert.equal(build([other, sim]).findings.length, 2);
});
