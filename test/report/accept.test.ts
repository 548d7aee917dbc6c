import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acceptFromReport, applyAccept, loadAcceptFile, parseAccept, serializeAccept, snapshotMatches, type AcceptFile } from '../../src/report/accept.js';
import { buildReport, exitCodeFor } from '../../src/report/build.js';
import { UserError } from '../../src/errors.js';
import type { Finding } from '../../src/report/finding.js';
import { TOOL, unsafeReport } from './sample-reports.js';
import { assertGolden } from './golden.js';

function finding(code: Finding['code'], cls: string, attribute: string | undefined, snapshots: string[]): Finding {
  return {
    code, severity: 'error', class: cls, ...(attribute ? { attribute } : {}), message: 'm', count: 1, paths: ['root'],
    snapshots, evidence: [], engines: ['simulated'],
  };
}

test('--write-accept output is stable, sorted, one line per entry (golden)', () => {
  const text = serializeAccept(acceptFromReport(unsafeReport()));
  assertGolden('unsafe.accept.json', text);
  const lines = text.trim().split('\n');
  assert.equal(lines.length, 6 + acceptFromReport(unsafeReport()).accepted.length);
  assert.deepEqual(parseAccept(text, 'a.json'), acceptFromReport(unsafeReport()));
});

test('a written accept file accepts everything in the same run: exit 0, nothing counted', () => {
  const report = unsafeReport();
  const accept = parseAccept(serializeAccept(acceptFromReport(report)), 'a.json');
  const again = buildReport({
    command: report.command, tool: TOOL, snapshots: report.snapshots, checked: report.checked,
    findings: report.findings, failOn: 'info', accept,
  });
  assert.ok(again.findings.every((f) => f.accepted));
  assert.equal(again.summary.accepted, again.findings.length);
  assert.equal(exitCodeFor(again), 0);
});

test('a new finding, or an accepted one turning up in a new snapshot, still fails', () => {
  const accept: AcceptFile = { rehearse: 'accept', version: 1, accepted: [{ key: 'missing-class|m.C|', snapshot: 'a' }] };
  const [inA, inAB, other] = applyAccept(
    [finding('missing-class', 'm.C', undefined, ['a']), finding('missing-class', 'm.C', undefined, ['a', 'b']), finding('missing-class', 'm.D', undefined, ['a'])],
    accept,
  );
  assert.ok(inA!.accepted);
  assert.equal(inAB!.accepted, undefined);
  assert.equal(other!.accepted, undefined);
});

test('an entry without a snapshot accepts the key everywhere; ./ and backslashes do not matter', () => {
  const anywhere: AcceptFile = { rehearse: 'accept', version: 1, accepted: [{ key: 'missing-attribute|m.C|x' }] };
  assert.ok(applyAccept([finding('missing-attribute', 'm.C', 'x', ['p', 'q'])], anywhere)[0]!.accepted);
  const spelled = parseAccept(JSON.stringify({ rehearse: 'accept', version: 1, accepted: [{ key: 'missing-attribute|m.C|x', snapshot: '.\\basedir\\full\\builder' }] }), 'f');
  assert.ok(applyAccept([finding('missing-attribute', 'm.C', 'x', ['./basedir/full/builder'])], spelled)[0]!.accepted);
});

test('rewriting keeps the reasons people wrote and drops entries for findings that are gone', () => {
  const report = unsafeReport();
  const first = acceptFromReport(report);
  const edited: AcceptFile = {
    ...first,
    accepted: [
      ...first.accepted.map((e) => (e.key.startsWith('upgrade-gap|') ? { ...e, reason: 'step 2 was a no-op' } : e)),
      { key: 'missing-class|gone.Gone|', snapshot: 'basedir/full/builder', reason: 'old' },
    ],
  };
  const rewritten = acceptFromReport(report, edited);
  assert.equal(rewritten.accepted.find((e) => e.key.startsWith('upgrade-gap|'))?.reason, 'step 2 was a no-op');
  assert.equal(rewritten.accepted.find((e) => e.key.startsWith('missing-class|gone.Gone')), undefined);
});

test('bad accept files are one-line UserErrors naming the file', async () => {
  const bad = ['not json', '[]', '{"rehearse":"accept","version":2,"accepted":[]}', '{"rehearse":"accept","version":1,"accepted":[{"key":"x"}]}', '{"rehearse":"accept","version":1,"accepted":[{"key":"a|b|c","snapshot":3}]}'];
  for (const text of bad) {
    assert.throws(() => parseAccept(text, 'acc.json'), (e: unknown) => e instanceof UserError && e.message.startsWith('acc.json: ') && !e.message.includes('\n'), text);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rehearse-accept-'));
  try {
    await assert.rejects(loadAcceptFile(path.join(dir, 'missing.json')), (e: unknown) => e instanceof UserError && /ENOENT/.test(e.message));
    const file = path.join(dir, 'ok.json');
    writeFileSync(file, serializeAccept({ rehearse: 'accept', version: 1, accepted: [{ key: 'a|b|c', reason: 'r' }] }));
    assert.deepEqual(await loadAcceptFile(file), { rehearse: 'accept', version: 1, accepted: [{ key: 'a|b|c', reason: 'r' }] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshot patterns: dir/* is one directory, dir/** everything below, anything else itself', () => {
  assert.ok(snapshotMatches('basedir/full/*', 'basedir/full/12'));
  assert.ok(snapshotMatches('basedir/full/*', './basedir/full/builder'));
  assert.ok(!snapshotMatches('basedir/full/*', 'basedir/full/sub/12'));
  assert.ok(!snapshotMatches('basedir/full/*', 'basedir/fullx/12'));
  assert.ok(snapshotMatches('basedir/**', 'basedir/full/sub/12'));
  assert.ok(snapshotMatches('a+b (1)/*', 'a+b (1)/x'), 'regex characters in names are literal');
  assert.ok(!snapshotMatches('a.b', 'aXb'));
});

test('a finding in many build pickles of one builder is accepted as builder/*: the next build is covered too', () => {
  const builds = Array.from({ length: 40 }, (_, i) => `basedir/full/${i}`);
  const f = finding('missing-attribute', 'm.Build', 'x', [...builds, 'basedir/quick/1']);
  const report = buildReport({ command: 'c', tool: TOOL, snapshots: [], checked: { engines: ['simulated'], done: [], skipped: [] }, findings: [f], failOn: 'error' });
  const accept = acceptFromReport(report);
  assert.deepEqual(accept.accepted.map((e) => e.snapshot), ['basedir/full/*', 'basedir/quick/1']);
  assert.ok(applyAccept([finding('missing-attribute', 'm.Build', 'x', ['basedir/full/41', 'basedir/quick/1'])], accept)[0]!.accepted, 'a new build of the same builder');
  assert.equal(applyAccept([finding('missing-attribute', 'm.Build', 'x', ['basedir/other/1'])], accept)[0]!.accepted, undefined, 'another builder is new');
  // A reason written for one file is kept when the entries collapse into a pattern.
  const withReason: AcceptFile = { rehearse: 'accept', version: 1, accepted: [{ key: 'missing-attribute|m.Build|x', snapshot: 'basedir/full/3', reason: 'set by the master on start' }] };
  assert.equal(acceptFromReport(report, withReason).accepted[0]!.reason, 'set by the master on start');
});
