// `rehearse ci` end to end, through the built CLI, on a small corpus: the tinybot samples'
// basedirs (0.7's passes against 0.8-fixed; 0.9's is the planted failure, a downgrade) plus the
// generated files in test/fixtures/corpus (a good single file, one with secrets that passes,
// and a truncated pickle that cannot be read).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import Ajv04 from 'ajv-draft-04';
import Ajv from 'ajv';
import fc from 'fast-check';
import { runCli, repoPath, tempDir } from '../helpers/run.js';
import { shardUnits, parseShard, discoverUnits } from '../../src/ci/units.js';

const FIXED = 'samples/tinybot/releases/0.8-fixed';
const CORPUS = ['samples/tinybot/basedir', 'samples/tinybot/basedir-0.9', 'test/fixtures/corpus/*'];
const ALL_UNITS = [
  'samples/tinybot/basedir',
  'samples/tinybot/basedir-0.9',
  'test/fixtures/corpus/docs-1.pck',
  'test/fixtures/corpus/secret.pck',
  'test/fixtures/corpus/truncated.pck',
];

interface CiJson {
  rehearse: string;
  summary: { units: number; passed: number; failed: number; unreadable: number; exitCode: number };
  units: Array<{ name: string; kind: string; status: string; error?: string; report: { findings: Array<{ code: string; class?: string; attribute?: string; snapshots: string[]; accepted?: unknown }> } }>;
}

const tmp = () => tempDir('rehearse-ci-');
const parse = (s: string) => JSON.parse(s) as CiJson;

test('a corpus with a planted failure: one result per unit, failing and unreadable units, exit 1', async () => {
  const r = await runCli(['ci', ...CORPUS, '--target', FIXED, '--format', 'json', '--jobs', '2']);
  assert.equal(r.code, 1, r.stderr);
  const out = parse(r.stdout);
  assert.deepEqual(out.units.map((u) => u.name), ALL_UNITS);
  const status = Object.fromEntries(out.units.map((u) => [u.name, u.status]));
  assert.deepEqual(status, {
    'samples/tinybot/basedir': 'pass',
    'samples/tinybot/basedir-0.9': 'fail',
    'test/fixtures/corpus/docs-1.pck': 'pass',
    'test/fixtures/corpus/secret.pck': 'pass',
    'test/fixtures/corpus/truncated.pck': 'unreadable',
  });
  assert.deepEqual(out.summary, { units: 5, passed: 3, failed: 1, unreadable: 1, exitCode: 1 });
  // The planted failure is the downgrade, named with the unit so names are unique across units.
  const down = out.units[1]!.report.findings.find((f) => f.code === 'version-downgrade' && f.class === 'tinybot.status.builder.BuildStatus');
  assert.ok(down);
  assert.ok(down.snapshots.includes('samples/tinybot/basedir-0.9/runtests/0'), down.snapshots.join());
  // The unreadable unit carries its one-line reason, as a load-exception error.
  const bad = out.units[4]!;
  assert.match(bad.error ?? '', /truncated\.pck/);
  assert.ok(!bad.error!.includes('\n'));
  assert.equal(bad.report.findings[0]!.code, 'load-exception');
  // Every unit's report is a rehearse JSON report, valid against its documented schema.
  const ajv = new Ajv.default({ allErrors: true, allowUnionTypes: true });
  const validate = ajv.compile(JSON.parse(readFileSync(repoPath('docs', 'report-json.schema.json'), 'utf8')) as object);
  for (const u of out.units) assert.ok(validate(u.report), `${u.name}: ${ajv.errorsText(validate.errors)}`);
  // The generator script in the folder is not a snapshot: left out with a note, not a unit.
  assert.match(r.stderr, /1 matched file\(s\) are not snapshots/);
});

test('text output: a summary table with one row per unit, then the findings', async () => {
  const r = await runCli(['ci', ...CORPUS, '--target', FIXED]);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^rehearse ci: 5 unit\(s\) against samples\/tinybot\/releases\/0\.8-fixed: 3 passed, 1 failed, 1 unreadable$/m);
  assert.match(r.stdout, /^samples\/tinybot\/basedir-0\.9 +fail +UNSAFE +1 /m);
  assert.match(r.stdout, /^test\/fixtures\/corpus\/truncated\.pck +unreadable /m);
  assert.match(r.stdout, /version-downgrade +tinybot\.status\.builder\.BuildStatus/);
  assert.match(r.stdout, /^── samples\/tinybot\/basedir-0\.9$/m);
  assert.doesNotMatch(r.stdout, /^── samples\/tinybot\/basedir$/m, 'a passing unit with only info stays on its row');
});

test('exit 0 when every unit passes; --fail-on decides what fails', async () => {
  const ok = await runCli(['ci', 'samples/tinybot/basedir', 'test/fixtures/corpus/docs-1.pck', '--target', FIXED]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const never = await runCli(['ci', 'samples/tinybot/basedir-0.9', '--target', FIXED, '--fail-on', 'never']);
  assert.equal(never.code, 0);
  const info = await runCli(['ci', 'samples/tinybot/basedir', '--target', FIXED, '--fail-on', 'info']);
  assert.equal(info.code, 1, 'attribute-reattached (info) fails --fail-on info');
});

test('exit 2: usage errors, nothing matched, or no unit could be read (outputs still written)', async () => {
  const none = await runCli(['ci', 'test/fixtures/corpus/*.nothing', '--target', FIXED]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no unit matched/);
  const shard = await runCli(['ci', ...CORPUS, '--target', FIXED, '--shard', '3/2']);
  assert.equal(shard.code, 2);
  assert.match(shard.stderr, /--shard 3\/2/);
  const jobs = await runCli(['ci', ...CORPUS, '--target', FIXED, '--jobs', '0']);
  assert.equal(jobs.code, 2);
  const dir = tmp();
  const junit = path.join(dir, 'j.xml');
  const unread = await runCli(['ci', 'test/fixtures/corpus/truncated.pck', '--target', FIXED, '--junit', junit]);
  assert.equal(unread.code, 2);
  assert.match(unread.stderr, /none of the 1 unit\(s\) could be read/);
  assert.ok(existsSync(junit));
  const target = await runCli(['ci', 'samples/tinybot/basedir', '--target', 'no/such/release']);
  assert.equal(target.code, 2);
  assert.ok(!target.stderr.includes('    at '), 'no stack trace');
});

test('shards: deterministic, disjoint, and together every unit (2 and 3 shards)', async () => {
  for (const n of [2, 3]) {
    const seen: string[] = [];
    for (let i = 1; i <= n; i++) {
      const r = await runCli(['ci', ...CORPUS, '--target', FIXED, '--format', 'json', '--shard', `${i}/${n}`]);
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      seen.push(...parse(r.stdout).units.map((u) => u.name));
    }
    assert.equal(new Set(seen).size, seen.length, `shards of ${n} overlap: ${seen.join(', ')}`);
    assert.deepEqual([...seen].sort(), [...ALL_UNITS].sort());
  }
});

test('shardUnits: for any list and any n, the shards partition it in order', () => {
  fc.assert(
    fc.property(fc.array(fc.string(), { maxLength: 40 }), fc.integer({ min: 1, max: 9 }), (items, n) => {
      const shards = Array.from({ length: n }, (_, i) => shardUnits(items, { index: i + 1, count: n }));
      assert.equal(shards.reduce((a, s) => a + s.length, 0), items.length);
      const back = shards.flatMap((s, i) => s.map((x, k) => ({ x, at: k * n + i })));
      for (const { x, at } of back) assert.equal(items[at], x);
      assert.ok(Math.max(...shards.map((s) => s.length)) - Math.min(...shards.map((s) => s.length)) <= 1);
    }),
  );
  assert.deepEqual(parseShard('2/5'), { index: 2, count: 5 });
  for (const bad of ['0/2', '3/2', '1/0', 'x', '1/2/3']) assert.throws(() => parseShard(bad), /--shard/);
});

test('a glob that matches a basedir and its builder folders gives the basedir once', async () => {
  const { units, notes } = await discoverUnits(['samples/tinybot/basedir*', 'samples/tinybot/basedir/**']);
  assert.deepEqual(
    units.map((u) => [u.name, u.kind]),
    [
      ['samples/tinybot/basedir', 'basedir'],
      ['samples/tinybot/basedir-0.9', 'basedir'],
    ],
  );
  assert.ok(notes.some((n) => /folded into it/.test(n)), notes.join('\n'));
});

test('accept files: accepted findings pass; a new finding fails', async () => {
  const dir = tmp();
  const accept = path.join(dir, 'accept.json');
  const w = await runCli(['ci', ...CORPUS, '--target', FIXED, '--write-accept', accept]);
  assert.equal(w.code, 1, 'writing an accept file does not change the verdict of this run');
  const file = JSON.parse(readFileSync(accept, 'utf8')) as { accepted: Array<{ key: string; snapshot?: string }> };
  assert.ok(file.accepted.some((e) => e.key === 'version-downgrade|tinybot.status.builder.BuildStatus|' && e.snapshot === 'samples/tinybot/basedir-0.9/runtests/0'));

  const again = await runCli(['ci', ...CORPUS, '--target', FIXED, '--accept', accept, '--format', 'json']);
  assert.equal(again.code, 0, again.stdout.slice(0, 2000));
  const out = parse(again.stdout);
  assert.ok(out.units[1]!.report.findings.every((f) => f.accepted !== undefined));

  // Against 0.8 the 0.7 basedir has new errors (the planted problems): they are not accepted.
  const worse = await runCli(['ci', ...CORPUS, '--target', 'samples/tinybot/releases/0.8', '--accept', accept, '--format', 'json']);
  assert.equal(worse.code, 1);
  const base = parse(worse.stdout).units[0]!;
  assert.equal(base.status, 'fail');
  const hidden = base.report.findings.find((f) => f.code === 'missing-attribute' && f.attribute === 'hidden');
  assert.ok(hidden && hidden.accepted === undefined);
});

test('JUnit output is valid against the vendored XSD: one testcase per unit, failures for failing units', async () => {
  const dir = tmp();
  const junit = path.join(dir, 'out', 'rehearse.xml');
  const r = await runCli(['ci', ...CORPUS, '--target', FIXED, '--junit', junit]);
  assert.equal(r.code, 1);
  const xml = readFileSync(junit, 'utf8');
  const xsd = readFileSync(repoPath('test', 'fixtures', 'schemas', 'jenkins-junit.xsd'), 'utf8');
  const v = await validateXML({ xml: [{ fileName: 'r.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: xsd }] });
  assert.ok(v.valid, v.errors.map((e) => e.rawMessage).join('\n'));
  const cases = [...xml.matchAll(/<testcase classname="rehearse\.check" name="([^"]*)">([\s\S]*?)<\/testcase>/g)];
  assert.deepEqual(cases.map((m) => m[1]), ALL_UNITS);
  assert.deepEqual(cases.filter((m) => m[2]!.includes('<failure ')).map((m) => m[1]), ['samples/tinybot/basedir-0.9', 'test/fixtures/corpus/truncated.pck']);
});

test('SARIF output is valid against the vendored schema, locations relative to the target', async () => {
  const dir = tmp();
  const sarif = path.join(dir, 'rehearse.sarif');
  const r = await runCli(['ci', ...CORPUS, '--target', FIXED, '--sarif', sarif]);
  assert.equal(r.code, 1);
  const schema = JSON.parse(readFileSync(repoPath('test', 'fixtures', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
  const ajv = new Ajv04.default({ strict: false, validateFormats: false, allErrors: true, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  const log = JSON.parse(readFileSync(sarif, 'utf8')) as { runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }> }> }> };
  assert.ok(validate(log), ajv.errorsText(validate.errors));
  const down = log.runs[0]!.results.find((x) => x.ruleId === 'version-downgrade');
  assert.ok(down);
  assert.equal(down.locations[0]!.physicalLocation.artifactLocation.uri, 'tinybot/status/builder.py');
  assert.ok(log.runs[0]!.results.some((x) => x.ruleId === 'load-exception'), 'the unreadable unit is a result too');
});
