// Twisted's Versioned semantics, simulated: each case's pickle was written by a real release
// ("old") and expected.json records what real Twisted logged when the "new" release loaded it
// (test/fixtures/versioned/gen.py). The simulated replay must predict the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli, repoPath } from '../helpers/run.js';

const DIR = 'test/fixtures/versioned';
const expected = JSON.parse(readFileSync(repoPath(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  { warnings: string[]; error: string | null; upgraded: string[] }
>;

interface JsonFinding {
  code: string;
  class?: string;
  attribute?: string;
}

async function check(name: string): Promise<JsonFinding[]> {
  const r = await runCli(['check', `${DIR}/${name}.pickle`, '--target', `${DIR}/new`, '--replay', 'simulated', '--format', 'json']);
  assert.equal(r.stderr, '');
  return (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
}

test('bases upgrade first, and a missing step is a gap (Twisted warned once)', async () => {
  const findings = await check('chain');
  assert.equal(expected.chain!.warnings.length, 1);
  assert.deepEqual(
    findings.filter((f) => f.code !== 'attribute-reattached').map((f) => `${f.code} ${f.class} ${f.attribute}`),
    ['upgrade-gap vapp.models.Derived upgradeToVersion3'],
  );
  // Derived.upgradeToVersion2 reads b2, which Base.upgradeToVersion2 sets: no exception predicted.
  assert.equal(expected.chain!.error, null);
});

test('a bare legacy persistenceVersion key goes to the class with the highest version', async () => {
  const findings = await check('legacy');
  assert.deepEqual(expected.legacy!.upgraded, ['vapp.models.Legacy v2']);
  // Had the key been ignored, the chain would start at 0 and report a gap for upgradeToVersion1.
  assert.deepEqual(findings.map((f) => f.code), []);
});

test('a class deriving from Versioned directly, with no version of its own, needs nothing', async () => {
  assert.deepEqual(expected.direct!.upgraded, []);
  assert.deepEqual((await check('direct')).map((f) => f.code), []);
});
