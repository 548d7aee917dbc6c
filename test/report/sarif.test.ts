import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv04 from 'ajv-draft-04';
import { formatSarif, RELEASE_BASE } from '../../src/report/sarif.js';
import { FINDING_CODES } from '../../src/report/finding.js';
import { repoPath } from '../helpers/run.js';
import { SAMPLES, nastyReport, unsafeReport } from './sample-reports.js';

const schema = JSON.parse(readFileSync(repoPath('test', 'fixtures', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
// Formats ("uri", "date-time") are not checked by ajv without ajv-formats; the URIs are checked
// by hand below. strict: false because the SARIF schema uses keywords ajv's strict mode rejects;
// unicodeRegExp: false because its "language" pattern is not a valid regular expression with /u.
const ajv = new Ajv04.default({ strict: false, validateFormats: false, allErrors: true, unicodeRegExp: false });
const validate = ajv.compile(schema);

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region?: { startLine: number; snippet?: { text: string } } } }>;
  relatedLocations?: unknown[];
  suppressions?: Array<{ kind: string; justification?: string }>;
  properties: { paths: string[]; count: number; engines: string[]; snapshot: string };
}
interface SarifLog {
  version: string;
  runs: Array<{
    tool: { driver: { name: string; rules: Array<{ id: string; help: { text: string }; defaultConfiguration: { level: string } }> } };
    originalUriBaseIds: Record<string, { uri: string }>;
    invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications?: Array<{ message: { text: string } }> }>;
    results: SarifResult[];
  }>;
}

const all = () => Object.entries(SAMPLES).map(([name, make]) => ({ name, report: make() }));
const parse = (text: string) => JSON.parse(text) as SarifLog;

test('SARIF output validates against the SARIF 2.1.0 schema', () => {
  for (const results of [all(), [], [{ name: 'nasty', report: nastyReport() }]]) {
    const log = JSON.parse(formatSarif(results, { releaseRoot: '/srv/rel' })) as unknown;
    assert.ok(validate(log), ajv.errorsText(validate.errors, { separator: '\n' }));
  }
});

test('the schema check is not a rubber stamp: a wrong level is rejected', () => {
  const log = parse(formatSarif([{ name: 'u', report: unsafeReport() }], { releaseRoot: '/srv/rel' }));
  log.runs[0]!.results[0]!.level = 'fatal';
  assert.equal(validate(log), false);
});

test('one rule per finding code, with help text and the default level of its severity', () => {
  const log = parse(formatSarif(all(), { releaseRoot: '/srv/rel' }));
  const rules = log.runs[0]!.tool.driver.rules;
  assert.deepEqual(rules.map((r) => r.id), Object.keys(FINDING_CODES));
  for (const r of rules) {
    assert.ok(r.help.text.length > 20, r.id);
    const sev = FINDING_CODES[r.id as keyof typeof FINDING_CODES];
    assert.equal(r.defaultConfiguration.level, sev === 'info' ? 'note' : sev);
  }
  for (const res of log.runs[0]!.results) assert.equal(rules[res.ruleIndex]!.id, res.ruleId);
});

test('results point at the release source relative to the release root, with the object paths in properties', () => {
  const log = parse(formatSarif([{ name: 'basedir', report: unsafeReport() }], { releaseRoot: '/srv/releases/buildbot-0.8.0' }));
  const run = log.runs[0]!;
  assert.equal(run.originalUriBaseIds[RELEASE_BASE]!.uri, 'file:///srv/releases/buildbot-0.8.0/');
  const missing = run.results.find((r) => r.ruleId === 'missing-attribute')!;
  assert.equal(missing.level, 'error');
  assert.deepEqual(missing.locations[0]!.physicalLocation.artifactLocation, { uri: 'buildbot/status/builder.py', uriBaseId: RELEASE_BASE });
  assert.equal(missing.locations[0]!.physicalLocation.region!.startLine, 1034, 'the unguarded read is the primary location');
  assert.equal(missing.relatedLocations?.length, 1, 'the __init__ line is related; the live probe note is not a place in the source');
  assert.deepEqual(missing.properties.engines, ['simulated', 'live']);
  assert.equal(missing.properties.count, 12);
  assert.deepEqual(missing.properties.paths.slice(0, 2), ['root.builds[10]', 'root.builds[11]']);
  const raising = run.results.find((r) => r.ruleId === 'upgrade-exception')!;
  assert.equal(raising.locations[0]!.physicalLocation.region!.startLine, 702, 'the upgrade method that raises');
  const info = run.results.find((r) => r.ruleId === 'unused-attribute')!;
  assert.equal(info.level, 'note');
  const accepted = run.results.filter((r) => r.suppressions);
  assert.deepEqual(accepted.map((r) => r.suppressions), [[{ kind: 'external', justification: 'typo fixed in 0.8.0; harmless' }]]);
  const notes = run.invocations[0]!.toolExecutionNotifications ?? [];
  assert.match(notes[0]!.message.text, /^basedir: not checked: live replay of basedir\/quick\/builder/);
});

test('absolute evidence paths are made relative; odd file names are percent-encoded', () => {
  const report = nastyReport();
  report.findings[0]!.evidence.push({ file: '/srv/rel/pkg/abs.py', line: 9, role: 'init' });
  const log = parse(formatSarif([{ name: 'n', report }], { releaseRoot: '/srv/rel' }));
  const res = log.runs[0]!.results[0]!;
  assert.equal(res.locations[0]!.physicalLocation.artifactLocation.uri, 'app/mod%20el%5B1%5D.py');
  assert.ok(JSON.stringify(res.relatedLocations).includes('"uri":"pkg/abs.py"'));
});
