// The sample app (samples/tinybot, a Buildbot-like master on real Twisted): the live replay must
// find exactly what samples/tinybot/expected.json says real Python and Twisted do — for the
// codes the live engine can see — summed over every pickle of the basedir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runLiveReplay } from '../../src/replay/live/run.js';
import type { LiveOptions, LiveOutcome } from '../../src/replay/live/types.js';
import { BUILDBOT_PROFILE, type LogProfile } from '../../src/logs/profile.js';
import { diffLogRenders } from '../../src/logs/diff.js';
import { repoPath } from '../helpers/run.js';
import { DEBIAN_PYTHON, NEEDS_TWISTED } from './fixtures.js';

const TINY = repoPath('samples/tinybot');

interface Expected {
  pickles: string[];
  scenarios: Array<{
    name: string;
    snapshotDir: string;
    target: string;
    findings: Array<{ code: string; class: string; attribute?: string; count: number; files: Record<string, number>; missing?: string[]; savedKey?: string }>;
    allowedExtra: string[];
  }>;
}
const expected = JSON.parse(readFileSync(path.join(TINY, 'expected.json'), 'utf8')) as Expected;

/** Codes only the simulated engine produces (from the release model, not from running code). */
const SIMULATED_ONLY = new Set(['unused-attribute', 'attribute-reattached']);

const PROBES = ['tinybot.status.builder.BuildStatus.getSummary', 'tinybot.status.builder.BuildStepStatus.isHidden'];

async function replayAll(snapshotDir: string, release: string, extra: Partial<LiveOptions> = {}): Promise<Map<string, LiveOutcome>> {
  const out = new Map<string, LiveOutcome>();
  const run = async (p: string): Promise<void> => {
    out.set(
      p,
      await runLiveReplay({
        python: DEBIAN_PYTHON,
        snapshot: path.join(TINY, snapshotDir, p),
        snapshotLabel: p,
        releasePath: path.join(TINY, release),
        allowedModules: ['tinybot'],
        probes: PROBES,
        logProfile: BUILDBOT_PROFILE,
        needsTwisted: true,
        timeoutMs: 60_000,
        ...extra,
      }),
    );
  };
  // Two at a time: the machine's two cores are shared.
  const queue = [...expected.pickles];
  await Promise.all([0, 1].map(async () => {
    for (let p = queue.shift(); p !== undefined; p = queue.shift()) await run(p);
  }));
  return out;
}

for (const scenario of expected.scenarios.filter((s) => ['basedir (0.7) against 0.7', 'basedir (0.7) against 0.8', 'basedir-0.9 against 0.8-fixed', 'basedir-0.9 against 0.8'].includes(s.name))) {
  test(`tinybot: ${scenario.name}`, { skip: NEEDS_TWISTED }, async () => {
    const outcomes = await replayAll(scenario.snapshotDir, scenario.target);
    const got = new Map<string, { count: number; files: Record<string, number> }>();
    for (const [file, o] of outcomes) {
      assert.equal(o.skipped, undefined, `${file}: ${o.skipped}`);
      assert.equal(o.killed, undefined, `${file}: ${o.killed}`);
      assert.equal(o.snapshotUnchanged, true, file);
      for (const f of o.findings) {
        if (f.severity === 'info' && scenario.allowedExtra.includes(f.code)) continue;
        const key = [f.code, f.class ?? '', f.attribute ?? ''].join('|');
        const g = got.get(key) ?? { count: 0, files: {} };
        g.count += f.count;
        g.files[file] = (g.files[file] ?? 0) + f.count;
        got.set(key, g);
      }
    }
    const want = new Map(
      scenario.findings
        .filter((f) => !SIMULATED_ONLY.has(f.code))
        // The engines name a gap by its missing method and an orphan by its key (findingKey's
        // attribute); expected.json has them as `missing` and `savedKey`.
        .map((f) => [[f.code, f.class, f.attribute ?? f.missing?.[0] ?? f.savedKey ?? ''].join('|'), { count: f.count, files: f.files }]),
    );
    assert.deepEqual(Object.fromEntries([...got].sort()), Object.fromEntries([...want].sort()));
  });
}

test('tinybot: the missing attribute carries the real read, file:line in the release', { skip: NEEDS_TWISTED }, async () => {
  const o = (await replayAll('basedir', 'releases/0.8')).get('runtests/0')!;
  const f = o.findings.find((x) => x.code === 'missing-attribute')!;
  assert.equal(f.class, 'tinybot.status.builder.BuildStepStatus');
  assert.equal(f.attribute, 'hidden');
  assert.deepEqual(f.paths, ['root.steps[0]', 'root.steps[1]', 'root.steps[2]']);
  assert.ok(f.evidence.some((e) => e.file === 'tinybot/status/builder.py' && e.line === 72 && e.text === 'return self.hidden'));
  const orphan = o.findings.find((x) => x.code === 'version-key-orphaned')!;
  assert.equal(orphan.details?.savedKey, 'tinybot.sourcestamp.SourceStamp.persistenceVersion');
  assert.equal(orphan.details?.savedVersion, 2);
  assert.equal(orphan.details?.nowQualified, 'tinybot.changes.sourcestamp.SourceStamp');
  assert.deepEqual(orphan.details?.reruns, ['upgradeToVersion1', 'upgradeToVersion2']);
  const gap = o.findings.find((x) => x.code === 'upgrade-gap')!;
  assert.deepEqual([gap.class, gap.details?.missing, gap.details?.saved, gap.details?.current], ['tinybot.process.properties.Properties', ['upgradeToVersion2'], 1, 3]);
});

async function renders(release: string, profile: LogProfile): Promise<Map<string, LiveOutcome>> {
  return replayAll('basedir', release, { probes: [], logProfile: profile });
}

test('tinybot: old-vs-new renders, plain text and HTML (raw and normalised)', { skip: NEEDS_TWISTED }, async () => {
  const html: LogProfile = { ...BUILDBOT_PROFILE, methods: ['asHTML'], html: true };
  const [baseText, targetText, baseHtml, targetHtml] = [
    await renders('releases/0.7', BUILDBOT_PROFILE),
    await renders('releases/0.8', BUILDBOT_PROFILE),
    await renders('releases/0.7', html),
    await renders('releases/0.8', html),
  ];
  const differing = (b: Map<string, LiveOutcome>, t: Map<string, LiveOutcome>, normalise: 'none' | 'html'): string[] =>
    expected.pickles.flatMap((p) =>
      diffLogRenders(b.get(p)!.renders, t.get(p)!.renders, { snapshot: p, normalise })
        .map((d) => {
          assert.ok(d.status === 'identical' || d.status === 'differs', `${p} ${d.path}: ${d.status} ${d.error ?? ''}`);
          return d;
        })
        .filter((d) => d.status === 'differs')
        .map((d) => `${p}:${d.path}`),
    );
  const all = expected.pickles.flatMap((p) => Object.keys(baseText.get(p)!.renders).map((k) => `${p}:${k}`));
  assert.equal(all.length, 12);
  assert.deepEqual(differing(baseText, targetText, 'none'), ['runtests/1:root.steps[1].logs[0]']);
  assert.deepEqual(differing(baseHtml, targetHtml, 'html'), ['runtests/1:root.steps[1].logs[0]']);
  assert.equal(differing(baseHtml, targetHtml, 'none').length, 11);
  const d = diffLogRenders(baseText.get('runtests/1')!.renders, targetText.get('runtests/1')!.renders, { snapshot: 'runtests/1' })[1]!;
  assert.match(d.diff!, /^-compiling src\/cafÃ©\.py/m);
  assert.match(d.diff!, /^\+compiling src\/café\.py — déjà vu/m);
});
