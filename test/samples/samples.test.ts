// The sample applications' ground truth (samples/*/expected.json) must agree with the finding
// codes of the contract, with the files in the repo, and with what real Python/Twisted does
// (samples/*/verify.py, run here when Debian's /usr/bin/python3 with Twisted is installed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FINDING_CODES, type FindingCode } from '../../src/report/finding.js';
import { repoPath } from '../helpers/run.js';
import { hasTwisted } from '../helpers/python.js';

interface ExpectedEvidence {
  file: string;
  line: number;
  text: string;
  role: string;
}
interface ExpectedFinding {
  code: string;
  severity: string;
  class?: string;
  count?: number;
  files?: Record<string, number>;
  evidence?: ExpectedEvidence[];
  mustNotCite?: ExpectedEvidence[];
}
interface Scenario {
  name: string;
  snapshotDir: string;
  target: string;
  baseline?: string;
  findings: ExpectedFinding[];
  allowedExtra: string[];
  reattached?: Array<{ class: string; attribute: string; reattach: ExpectedEvidence }>;
}
interface ExpectedDoc {
  pickles: string[] | Record<string, unknown>;
  scenarios: Scenario[];
}

function load(sample: string): ExpectedDoc {
  return JSON.parse(readFileSync(repoPath('samples', sample, 'expected.json'), 'utf8')) as ExpectedDoc;
}

function isCode(code: string): code is FindingCode {
  return Object.prototype.hasOwnProperty.call(FINDING_CODES, code);
}

function sourceLine(root: string, ev: ExpectedEvidence): string | undefined {
  const file = path.join(root, ev.file);
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').split('\n')[ev.line - 1]?.trim();
}

for (const sample of ['tinybot', 'oldbot']) {
  test(`${sample}: expected.json uses the contract's codes and severities, and names real files and lines`, () => {
    const doc = load(sample);
    const base = repoPath('samples', sample);
    const pickles = Array.isArray(doc.pickles) ? doc.pickles : Object.keys(doc.pickles);
    assert.ok(doc.scenarios.length > 0);
    for (const sc of doc.scenarios) {
      assert.ok(existsSync(path.join(base, sc.target)), `${sc.name}: target ${sc.target}`);
      if (sc.baseline) assert.ok(existsSync(path.join(base, sc.baseline)), `${sc.name}: baseline`);
      for (const p of pickles) assert.ok(existsSync(path.join(base, sc.snapshotDir, p)), `${sc.name}: ${p}`);
      for (const code of sc.allowedExtra) assert.ok(isCode(code), `${sc.name}: allowedExtra ${code}`);
      for (const f of sc.findings) {
        assert.ok(isCode(f.code), `${sc.name}: unknown code ${f.code}`);
        assert.equal(f.severity, FINDING_CODES[f.code], `${sc.name}: severity of ${f.code}`);
        if (f.files && f.count !== undefined) {
          assert.equal(Object.values(f.files).reduce((a, b) => a + b, 0), f.count, `${sc.name}: ${f.code} ${f.class}`);
          for (const p of Object.keys(f.files)) assert.ok(pickles.includes(p), `${sc.name}: ${p} is not a pickle`);
        }
        for (const ev of [...(f.evidence ?? []), ...(f.mustNotCite ?? [])]) {
          assert.equal(sourceLine(path.join(base, sc.target), ev), ev.text, `${sc.name}: ${ev.file}:${ev.line}`);
        }
      }
      for (const r of sc.reattached ?? []) {
        assert.equal(sourceLine(path.join(base, sc.target), r.reattach), r.reattach.text, `${sc.name}: ${r.reattach.file}:${r.reattach.line}`);
      }
    }
  });
}

test('tinybot: the 0.8 scenario plants one finding per code that simulated replay can produce', () => {
  const sc = load('tinybot').scenarios.find((s) => s.target === 'releases/0.8' && s.snapshotDir === 'basedir');
  assert.ok(sc);
  const codes = new Set(sc.findings.map((f) => f.code));
  for (const code of ['missing-module', 'missing-class', 'missing-attribute', 'upgrade-exception', 'upgrade-gap', 'version-key-orphaned', 'unused-attribute']) {
    assert.ok(codes.has(code), code);
  }
  const fixed = load('tinybot').scenarios.find((s) => s.target === 'releases/0.8-fixed' && s.snapshotDir === 'basedir');
  assert.deepEqual(fixed?.findings, []);
  const down = load('tinybot').scenarios.find((s) => s.snapshotDir === 'basedir-0.9' && s.target === 'releases/0.8');
  assert.ok(down?.findings.some((f) => f.code === 'version-downgrade'));
});

// The real interpreters: Debian's python3 has Twisted; pyenv provides python2.7 for oldbot.
function hasPyenv(exe: string, version: string): boolean {
  const r = spawnSync(exe, ['-c', 'pass'], { stdio: 'ignore', env: { ...process.env, PYENV_VERSION: version } });
  return r.status === 0;
}

for (const sample of ['tinybot', 'oldbot']) {
  test(`${sample}: verify.py confirms expected.json with the real interpreters`, (t) => {
    if (!hasTwisted()) return t.skip('no /usr/bin/python3 with Twisted (apt-get install python3-twisted)');
    // Both scripts also check the syntax claims with pyenv's Python 2.7 and 3.6.
    if (!hasPyenv('python2.7', '2.7.18')) return t.skip('no python2.7 (PYENV_VERSION=2.7.18)');
    if (!hasPyenv('python3.6', '3.6.15')) return t.skip('no python3.6 (PYENV_VERSION=3.6.15)');
    const r = spawnSync('/usr/bin/python3', ['-B', repoPath('samples', sample, 'verify.py')], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 300_000, // a safety net against a hang, not a timing assertion
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /, 0 failures\n$/);
  });
}
