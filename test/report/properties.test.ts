// Property tests: whatever strings a snapshot or a release puts in a report, every format stays
// well-formed, and redaction removes what it was told to remove from every format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Chalk } from 'chalk';
import { validateXML } from 'xmllint-wasm';
import { buildReport } from '../../src/report/build.js';
import { FINDING_CODES, type Evidence, type Finding, type FindingCode } from '../../src/report/finding.js';
import type { Report } from '../../src/report/report.js';
import { formatJson } from '../../src/report/json.js';
import { formatJunit } from '../../src/report/junit.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { formatSarif } from '../../src/report/sarif.js';
import { formatText } from '../../src/report/text.js';
import { redactReport } from '../../src/report/redact.js';
import { repoPath } from '../helpers/run.js';
import { TOOL } from './sample-reports.js';

const XSD = readFileSync(repoPath('test', 'fixtures', 'schemas', 'jenkins-junit.xsd'), 'utf8');
const CODES = Object.keys(FINDING_CODES) as FindingCode[];
const ROLES: Evidence['role'][] = ['read', 'init', 'upgrade', 'reattach', 'definition', 'traceback', 'snapshot', 'log-diff', 'note'];

// Any UTF-16 (lone surrogates and control characters included), biased towards markup.
const nasty = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", '`', '|', '*', '_', '#', '\n', '\r', '\t', '\u0000', '\u001b', '\uD800', 'é', ' ', 'x', ']]>', '```', '-'), maxLength: 30 }),
);

const findingArb: fc.Arbitrary<Finding> = fc.record({
  code: fc.constantFrom(...CODES),
  class: nasty,
  attribute: nasty,
  message: nasty,
  count: fc.integer({ min: 1, max: 50 }),
  paths: fc.array(nasty, { maxLength: 4 }),
  snapshots: fc.array(nasty, { minLength: 1, maxLength: 2 }),
  evidence: fc.array(fc.record({ file: nasty, line: fc.integer({ min: 1, max: 9999 }), text: nasty, role: fc.constantFrom(...ROLES) }), { maxLength: 3 }),
  suggestion: nasty,
  engines: fc.constantFrom<Finding['engines']>(['simulated'], ['live'], ['simulated', 'live']),
}).map((f) => ({ ...f, severity: FINDING_CODES[f.code] }));

const reportArb: fc.Arbitrary<Report> = fc.record({ findings: fc.array(findingArb, { maxLength: 4 }), skipped: fc.array(nasty, { maxLength: 2 }), file: nasty }).map(({ findings, skipped, file }) =>
  buildReport({
    command: 'rehearse check', tool: TOOL, failOn: 'error', findings,
    snapshots: [{ file, size: 1, sha256: '0'.repeat(64), format: 'pickle' }],
    checked: { engines: ['simulated', 'live'], done: ['simulated replay'], skipped },
    logs: [{ path: 'root.log', snapshot: file, name: 'stdio', status: 'differs', added: 1, removed: 1, diff: `-${skipped[0] ?? ''}\n+x` }],
  }),
);

test('JUnit stays schema-valid XML for arbitrary strings', async () => {
  const reports = fc.sample(reportArb, { numRuns: 60, seed: 7 });
  const xml = formatJunit(reports.map((report, i) => ({ name: `${i}${report.snapshots[0]!.file}`, report })));
  const r = await validateXML({ xml: [{ fileName: 'p.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: XSD }] });
  assert.ok(r.valid, r.errors.slice(0, 3).map((e) => e.rawMessage).join('\n'));
});

test('JSON and SARIF always parse; text and Markdown never carry raw control characters or lone surrogates', () => {
  fc.assert(
    fc.property(reportArb, (report) => {
      JSON.parse(formatJson(report));
      JSON.parse(formatSarif([{ name: 'n', report }], { releaseRoot: '/rel' }));
      for (const out of [formatText(report, { color: new Chalk({ level: 0 }) }), formatMarkdown(report)]) {
        assert.ok(!/[\u0000-\u0008\u000B-\u001F\u007F]/.test(out), 'raw control character');
        assert.ok(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(out), 'lone surrogate');
      }
    }),
    { numRuns: 150, seed: 11 },
  );
});

test('Markdown code fences are always closed, whatever backticks the data holds', () => {
  fc.assert(
    fc.property(reportArb, (report) => {
      let open: string | null = null;
      for (const l of formatMarkdown(report).split('\n')) {
        const m = /^\s*(`{3,})/.exec(l);
        if (!m) continue;
        if (open === null) open = m[1]!;
        else if (l.trim() === open) open = null;
      }
      assert.equal(open, null);
    }),
    { numRuns: 150, seed: 13 },
  );
});

test('a listed value is gone from every format after redaction, wherever it was', () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9]{10,16}$/);
  fc.assert(
    fc.property(reportArb, secret, fc.nat(), (report, value, where) => {
      // Plant the secret in one of the report's strings.
      const f = report.findings[0];
      const spots = [
        () => (report.command += ` --token ${value}`),
        () => f && (f.message += value),
        () => f && f.paths.push(`root['${value}']`),
        () => f && f.evidence.push({ file: 'a.py', line: 1, text: `x = "${value}"`, role: 'read' }),
        () => f && (f.details = { nested: { v: [value] } }),
        () => report.logs && (report.logs[0]!.diff = `+${value}`),
        () => report.checked.skipped.push(`live replay of ${value}`),
      ];
      spots[where % spots.length]!();
      const r = redactReport(report, { values: [value] });
      const all = [formatJson(r), formatMarkdown(r), formatText(r, { color: new Chalk({ level: 0 }) }), formatJunit([{ name: 'n', report: r }]), formatSarif([{ name: 'n', report: r }], { releaseRoot: '/rel' })];
      for (const out of all) assert.ok(!out.includes(value));
    }),
    { numRuns: 100, seed: 17 },
  );
});

test('text at any width: never throws, and is the same text as the coloured one once escapes are stripped', () => {
  fc.assert(
    fc.property(reportArb, fc.integer({ min: 20, max: 200 }), fc.integer({ min: 0, max: 6 }), (report, width, maxPaths) => {
      const plain = formatText(report, { color: new Chalk({ level: 0 }), width, maxPaths });
      const coloured = formatText(report, { color: new Chalk({ level: 3 }), width, maxPaths }).replace(/\u001b\[[0-9;]*m/g, '');
      assert.equal(coloured, plain);
    }),
    { numRuns: 100, seed: 19 },
  );
});

test('Markdown table rows keep their column count whatever the file names hold', () => {
  fc.assert(
    fc.property(fc.array(nasty, { minLength: 1, maxLength: 4 }), nasty, (files, cmd) => {
      const report = buildReport({
        command: cmd, tool: TOOL, failOn: 'error', findings: [],
        snapshots: files.map((file) => ({ file, size: 1, sha256: '0', format: 'pickle', skipped: file })),
        target: { path: files[0]!, contentHash: cmd, files: 1, classes: 1, parseErrors: 0 },
        checked: { engines: ['simulated'], done: [], skipped: [] },
      });
      const lines = formatMarkdown(report).split('\n');
      const pipes = (l: string) => (l.match(/(?<!\\)\|/g) ?? []).length;
      let expected = 0;
      for (const l of lines) {
        if (!l.startsWith('|')) {
          expected = 0;
          continue;
        }
        if (expected === 0) expected = pipes(l); // the header row
        else assert.equal(pipes(l), expected, l);
      }
    }),
    { numRuns: 150, seed: 23 },
  );
});
