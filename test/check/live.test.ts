// `rehearse check` with both engines on the tinybot sample: what the admin sees when a Python with
// Twisted is at hand. Needs Debian's python3-twisted for /usr/bin/python3 (.ci/run installs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { runCli, repoPath } from '../helpers/run.js';
import { NEEDS_TWISTED } from '../helpers/python.js';

const SKIP = NEEDS_TWISTED;

interface JsonFinding {
  code: string;
  class?: string;
  attribute?: string;
  engines: string[];
  evidence: Array<{ file: string; line?: number; role: string; text?: string }>;
  details?: Record<string, unknown>;
}
interface JsonReport {
  findings: JsonFinding[];
  logs?: Array<{ status: string; diff?: string; snapshot: string }>;
  checked: { engines: string[]; sandbox?: Record<string, unknown>; skipped: string[] };
}

function digest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else h.update(p).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

test('both engines: confirmed findings, a real traceback, a readable log diff, snapshot untouched', { skip: SKIP }, async () => {
  const before = digest(repoPath('samples/tinybot/basedir'));
  const r = await runCli(
    ['check', 'samples/tinybot/basedir', '--target', 'samples/tinybot/releases/0.8', '--baseline', 'samples/tinybot/releases/0.7', '--python', '/usr/bin/python3', '--format', 'json'],
    { timeoutMs: 180_000 },
  );
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as JsonReport;
  assert.deepEqual(report.checked.engines, ['simulated', 'live']);
  const confirmed = (code: string, cls: string): JsonFinding | undefined =>
    report.findings.find((f) => f.code === code && f.class === cls && f.engines.includes('simulated') && f.engines.includes('live'));
  assert.ok(confirmed('missing-attribute', 'tinybot.status.builder.BuildStepStatus'), 'missing-attribute hidden confirmed');
  assert.ok(confirmed('missing-class', 'tinybot.status.builder.Event'), 'missing-class confirmed');
  assert.ok(confirmed('missing-module', 'tinybot.changes.changes.Change'), 'missing-module confirmed');
  const broken = confirmed('upgrade-exception', 'tinybot.status.builder.BuilderStatus');
  assert.ok(broken, 'upgrade-exception confirmed');
  const traceback = JSON.stringify(broken.details ?? {}) + JSON.stringify(broken.evidence);
  assert.match(traceback, /AttributeError/);
  assert.match(traceback, /description/);
  // The changed render: the baseline decoded the log as latin-1, the target as UTF-8.
  const differing = (report.logs ?? []).filter((l) => l.status === 'differs');
  assert.equal(differing.length, 1);
  assert.match(differing[0]!.diff ?? '', /^\+compiling src\/café\.py — déjà vu$/m);
  const logFinding = report.findings.find((f) => f.code === 'log-render-diff') as (JsonFinding & { snapshots?: string[] }) | undefined;
  assert.ok(logFinding, 'log-render-diff finding');
  assert.deepEqual(logFinding.snapshots, [differing[0]!.snapshot]);
  assert.equal(report.checked.sandbox?.allowlist, true);
  assert.equal(digest(repoPath('samples/tinybot/basedir')), before, 'basedir bytes unchanged');
});

test('without a usable Python the report says so and is not a pass', async () => {
  const r = await runCli(
    ['check', 'samples/tinybot/basedir', '--target', 'samples/tinybot/releases/0.8-fixed', '--python', '/nonexistent/python3', '--format', 'json'],
  );
  const report = JSON.parse(r.stdout) as JsonReport & { summary: { verdict: string } };
  assert.ok(report.checked.skipped.some((s) => /live replay and log rendering skipped/.test(s)), report.checked.skipped.join('\n'));
  assert.notEqual(report.summary.verdict, 'SAFE');
});
