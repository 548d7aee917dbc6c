import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Chalk } from 'chalk';
import { formatText } from '../../src/report/text.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { formatJson } from '../../src/report/json.js';
import { formatJunit } from '../../src/report/junit.js';
import { formatSarif } from '../../src/report/sarif.js';
import { splitBySnapshot } from '../../src/report/build.js';
import { FINDING_CODES } from '../../src/report/finding.js';
import { SAMPLES, unsafeReport } from './sample-reports.js';
import { assertGolden } from './golden.js';

const plain = new Chalk({ level: 0 });
const colour = new Chalk({ level: 1 });

test('the sample reports cover every finding code', () => {
  const codes = new Set(Object.values(SAMPLES).flatMap((make) => make().findings.map((f) => f.code)));
  assert.deepEqual([...codes].sort(), Object.keys(FINDING_CODES).sort());
});

for (const [name, make] of Object.entries(SAMPLES)) {
  test(`golden: ${name} as text (no colour)`, () => assertGolden(`${name}.txt`, formatText(make(), { color: plain })));
  test(`golden: ${name} as Markdown`, () => assertGolden(`${name}.md`, formatMarkdown(make())));
  test(`golden: ${name} as JSON`, () => assertGolden(`${name}.json`, formatJson(make())));
}

test('golden: unsafe as text with colour (16 colours)', () => {
  assertGolden('unsafe.color.txt', formatText(unsafeReport(), { color: colour }));
});

test('golden: unsafe as text at width 72 with 1 path per finding', () => {
  assertGolden('unsafe.w72.txt', formatText(unsafeReport(), { color: plain, width: 72, maxPaths: 1 }));
});

test('golden: all samples as one JUnit file', () => {
  const results = Object.entries(SAMPLES).map(([name, make]) => ({ name, report: make() }));
  assertGolden('all.junit.xml', formatJunit(results));
});

test('golden: all samples as one SARIF log', () => {
  const results = Object.entries(SAMPLES).map(([name, make]) => ({ name, report: make() }));
  assertGolden('all.sarif.json', formatSarif(results, { releaseRoot: '/srv/releases/buildbot-0.8.0' }));
});

test('golden: unsafe as JUnit with one testcase per snapshot', () => {
  assertGolden('unsafe.per-snapshot.junit.xml', formatJunit(splitBySnapshot(unsafeReport())));
});
