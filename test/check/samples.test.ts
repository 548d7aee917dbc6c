// End-to-end: `rehearse check` (simulated replay) on the shipped samples must report exactly what
// each sample's expected.json says (the ground truth, verified against real Python and Twisted
// by the sample's verify.py), and nothing else beyond the codes a scenario allows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli, repoPath } from '../helpers/run.js';

interface ExpectedEvidence {
  file: string;
  line: number;
}
interface ExpectedFinding {
  code: string;
  severity: string;
  class?: string;
  attribute?: string;
  count?: number;
  files?: Record<string, number>;
  file?: string;
  /** The finding may be one naming all these snapshots, or one per snapshot. */
  snapshots?: string[];
  nonAsciiStrings?: number;
  evidence?: ExpectedEvidence[];
  suggestion?: string;
}
interface Scenario {
  name: string;
  snapshotDir: string;
  target: string;
  encoding?: string;
  findings: ExpectedFinding[];
  allowedExtra?: string[];
}
interface ActualFinding {
  code: string;
  severity: string;
  class?: string;
  attribute?: string;
  count: number;
  snapshots: string[];
  evidence: Array<{ file: string; line?: number }>;
  suggestion?: string;
}

function matches(e: ExpectedFinding, a: ActualFinding): boolean {
  if (e.code !== a.code || e.severity !== a.severity) return false;
  if (e.class !== undefined && e.class !== a.class) return false;
  if (e.attribute !== undefined && e.attribute !== a.attribute) return false;
  if (e.file !== undefined && !a.snapshots.includes(e.file)) return false;
  return true;
}

for (const sample of ['tinybot', 'oldbot']) {
  const expected = JSON.parse(readFileSync(repoPath('samples', sample, 'expected.json'), 'utf8')) as { scenarios: Scenario[] };
  for (const scenario of expected.scenarios) {
    test(`check ${sample}: ${scenario.name}`, async () => {
      const args = [
        'check',
        `samples/${sample}/${scenario.snapshotDir}`,
        '--target',
        `samples/${sample}/${scenario.target}`,
        '--format',
        'json',
        '--replay',
        'simulated',
        ...(scenario.encoding ? ['--encoding', scenario.encoding] : []),
      ];
      const r = await runCli(args);
      assert.equal(r.stderr, '', 'nothing on stderr');
      const report = JSON.parse(r.stdout) as { findings: ActualFinding[]; summary: { counts: Record<string, number> } };
      const unmatched = [...report.findings];
      for (const e of scenario.findings) {
        if (e.snapshots) {
          const parts = unmatched.filter((a) => a.code === e.code && a.snapshots.every((f) => e.snapshots!.includes(f)));
          assert.deepEqual([...new Set(parts.flatMap((a) => a.snapshots))].sort(), [...e.snapshots].sort(), `${e.code} covers every snapshot`);
          if (e.nonAsciiStrings !== undefined) assert.equal(parts.reduce((n, a) => n + a.count, 0), e.nonAsciiStrings);
          for (const p of parts) unmatched.splice(unmatched.indexOf(p), 1);
          continue;
        }
        const i = unmatched.findIndex((a) => matches(e, a));
        assert.ok(i >= 0, `expected ${e.code} ${e.class ?? e.file ?? ''} ${e.attribute ?? ''}; got:\n${report.findings.map((a) => `${a.code} ${a.class} ${a.attribute}`).join('\n')}`);
        const a = unmatched.splice(i, 1)[0]!;
        if (e.count !== undefined) assert.equal(a.count, e.count, `count of ${e.code} ${e.class} ${e.attribute ?? ''}`);
        if (e.files) assert.deepEqual([...a.snapshots].sort(), Object.keys(e.files).sort(), `files of ${e.code} ${e.class}`);
        for (const ev of e.evidence ?? []) {
          assert.ok(
            a.evidence.some((x) => x.file === ev.file && x.line === ev.line),
            `${e.code} ${e.class} evidence ${ev.file}:${ev.line} in ${JSON.stringify(a.evidence)}`,
          );
        }
        // expected.json words a suggestion as "A and B setting C": each fragment must appear.
        for (const fragment of e.suggestion?.split(/ and | setting /) ?? []) {
          assert.ok(a.suggestion?.includes(fragment), `suggestion of ${e.code} mentions ${fragment}: ${a.suggestion}`);
        }
      }
      const allowed = new Set(scenario.allowedExtra ?? []);
      const extra = unmatched.filter((a) => !allowed.has(a.code));
      assert.deepEqual(extra.map((a) => `${a.code} ${a.class} ${a.attribute ?? ''}`), [], 'no unexpected findings');
      const expectedErrors = scenario.findings.filter((f) => f.severity === 'error').length;
      if (expectedErrors > 0) assert.ok(report.summary.counts.error >= expectedErrors);
      assert.equal(r.code, report.summary.counts.error > 0 ? 1 : 0, 'exit code follows --fail-on error');
    });
  }
}
