import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Chalk } from 'chalk';
import Ajv from 'ajv';
import { formatJson } from '../../src/report/json.js';
import { formatText } from '../../src/report/text.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { buildReport } from '../../src/report/build.js';
import { repoPath } from '../helpers/run.js';
import { SAMPLES, TOOL, incompleteReport, nastyReport, safeReport, unsafeReport } from './sample-reports.js';

const plain = new Chalk({ level: 0 });
const ESC = '\u001b';

test('every JSON report validates against docs/report-json.schema.json, and the doc names every field', () => {
  const schemaText = readFileSync(repoPath('docs', 'report-json.schema.json'), 'utf8');
  const ajv = new Ajv.default({ allErrors: true });
  const validate = ajv.compile(JSON.parse(schemaText) as object);
  for (const [name, make] of Object.entries(SAMPLES)) {
    assert.ok(validate(JSON.parse(formatJson(make()))), `${name}: ${ajv.errorsText(validate.errors)}`);
  }
  const doc = readFileSync(repoPath('docs', 'report-json.md'), 'utf8');
  const fields = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'properties' && x && typeof x === 'object') Object.keys(x).forEach((f) => fields.add(f));
        walk(x);
      }
    }
  };
  walk(JSON.parse(schemaText));
  for (const f of fields) assert.ok(doc.includes(`\`${f}\``), `docs/report-json.md does not mention \`${f}\``);
});

test('JSON keeps one key order whatever order the details were built in', () => {
  const make = (details: Record<string, unknown>) =>
    formatJson(buildReport({
      command: 'c', tool: TOOL, snapshots: [], checked: { engines: ['simulated'], done: [], skipped: [] }, failOn: 'error',
      findings: [{ code: 'upgrade-gap', severity: 'warning', message: 'm', count: 1, paths: [], snapshots: [], evidence: [], engines: ['simulated'], details }],
    }));
  assert.equal(make({ b: 1, a: { d: 2, c: 3 } }), make({ a: { c: 3, d: 2 }, b: 1 }));
  assert.match(make({ b: 1, a: 2 }), /"a": 2,\n\s+"b": 1/);
});

test('colour level 0 writes no escape codes at all, even for data that contains them', () => {
  for (const make of Object.values(SAMPLES)) {
    assert.ok(!formatText(make(), { color: plain }).includes(ESC));
    assert.ok(!formatMarkdown(make()).includes(ESC));
  }
  const coloured = formatText(unsafeReport(), { color: new Chalk({ level: 1 }) });
  assert.ok(coloured.includes(`${ESC}[31m`), 'errors are red when colour is on');
  assert.ok(coloured.includes(`return self.${ESC}[1m${ESC}[31mproperties${ESC}[39m${ESC}[22m.getProperty`), 'the attribute is highlighted in the source line');
  const noData = formatText(nastyReport(), { color: new Chalk({ level: 3 }) });
  assert.ok(!noData.includes(`${ESC}[31mred`), "the data's own escape sequence is neutralised");
  assert.ok(noData.includes('\\x1b[31mred'));
});

test('the verdict comes first', () => {
  assert.match(formatText(unsafeReport(), { color: plain }), /^UNSAFE to upgrade in place: 8 errors, 4 warnings, 3 info; 1 accepted\n/);
  assert.match(formatText(safeReport(), { color: plain }), /^SAFE to upgrade in place\n/);
  assert.match(formatText(incompleteReport(), { color: plain }), /^INCOMPLETE: no errors found, but 2 checks could not run \(2 warnings\)\n/);
  assert.match(formatMarkdown(unsafeReport()), /^# rehearse: UNSAFE to upgrade in place/);
});

test('maxPaths limits the object paths and says how many more', () => {
  const one = formatText(unsafeReport(), { color: plain, maxPaths: 1 });
  assert.match(one, /objects {3}root\.builds\[10\]\n {14}\(\+11 more\)/);
  const five = formatText(unsafeReport(), { color: plain, maxPaths: 5 });
  assert.match(five, /root\.builds\[14\]\n {14}\(\+7 more\)/);
});

test('the text report names what was not checked, and why', () => {
  const out = formatText(incompleteReport(), { color: plain });
  const section = out.slice(out.indexOf('Not checked:'));
  assert.match(section, /live replay: no Python with Twisted found/);
  assert.match(section, /snapshot basedir\/full\/12: truncated bzip2 stream/);
  assert.match(section, /1 file that is not a snapshot: basedir\/full\/12-log-compile-stdio/);
});

test('a narrow width wraps messages and keeps every line within it (except unbreakable words)', () => {
  const out = formatText(unsafeReport(), { color: plain, width: 72 });
  // Code lines (a suggestion, a diff) are never cut or wrapped: they must stay copyable.
  const long = out.split('\n').filter((l) => l.length > 72 && !/^ {14}  /.test(l));
  assert.deepEqual(long, []);
});

test('Markdown is self-contained: versions, hashes, checked/not checked, balanced fences, diff blocks', () => {
  const md = formatMarkdown(unsafeReport());
  for (const s of ['| rehearse | 0.1.0 |', '| Node.js | v20.20.0 |', 'Python (live replay) | /usr/bin/python3 3.11.2', '3f1d0c9a8b7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c', 'sha256:5e884898da28', '## What was not checked', '```diff\n--- baseline\n+++ target\n@@ -1,2 +1,2 @@']) {
    assert.ok(md.includes(s), s);
  }
  for (const make of Object.values(SAMPLES)) {
    const lines = formatMarkdown(make()).split('\n');
    let open: string | null = null;
    for (const l of lines) {
      const m = /^\s*(`{3,})/.exec(l);
      if (!m) continue;
      if (open === null) open = m[1]!;
      else if (m[1] === open && l.trim() === open) open = null;
    }
    assert.equal(open, null, 'every code fence is closed');
  }
  assert.ok(formatMarkdown(nastyReport()).includes('````python'), 'a suggestion containing ``` gets a longer fence');
});

test('a basedir with thousands of snapshots is summed up, not listed in full, in text and Markdown', () => {
  const snapshots = Array.from({ length: 2000 }, (_, i) => ({ file: `basedir/full/${i}`, size: 1024, sha256: 'ab'.repeat(32), format: 'pickle' }));
  const r = buildReport({ command: 'c', tool: TOOL, snapshots, checked: { engines: ['simulated'], done: ['x'], skipped: [] }, findings: [], failOn: 'error' });
  const text = formatText(r, { color: plain });
  assert.equal((text.match(/✔ snapshot /g) ?? []).length, 10);
  assert.match(text, /✔ 1990 more snapshots \(1.9 MB; all listed by --format json\)/);
  const md = formatMarkdown(r);
  assert.equal((md.match(/^\| `basedir\/full\//gm) ?? []).length, 50);
  assert.match(md, /…and 1950 more snapshots \(1.9 MB\); the JSON report lists every one\./);
  assert.equal(JSON.parse(formatJson(r)).snapshots.length, 2000);
});

test('wrapping measures visible characters: coloured output fits the same width as plain', () => {
  for (const width of [60, 90]) {
    const strip = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '');
    const coloured = formatText(unsafeReport(), { color: new Chalk({ level: 2 }), width }).split('\n').map(strip);
    const uncoloured = formatText(unsafeReport(), { color: plain, width }).split('\n');
    assert.deepEqual(coloured, uncoloured);
  }
});

test('a log diff without a finding is shown in the Logs section, cut after maxDiffLines', () => {
  const diff = ['--- baseline', '+++ target', '@@ -1,30 +1,30 @@', ...Array.from({ length: 30 }, (_, i) => `${i % 2 ? '+' : '-'}line ${i}`)].join('\n');
  const r = buildReport({
    command: 'c', tool: TOOL, snapshots: [], checked: { engines: ['live'], done: [], skipped: [] }, findings: [], failOn: 'error',
    logs: [{ path: 'root.log', snapshot: 's', name: 'stdio', status: 'differs', added: 15, removed: 15, diff }],
  });
  const out = formatText(r, { color: plain, maxDiffLines: 5 });
  assert.match(out, /Logs: 1 log compared, 0 identical, 1 differs\n {2}root\.log \(stdio\) in s: \+15 -15\n {4}@@ -1,30 \+1,30 @@\n {4}-line 0\n/);
  assert.match(out, / {4}\(\+26 more lines\)\n/);
  assert.ok(!out.includes('--- baseline'), 'file headers are left out');
});

test('Markdown lists the first findings in full and counts the rest, so an issue body stays postable', () => {
  const md = formatMarkdown(unsafeReport(), { maxFindings: 3 });
  assert.equal((md.match(/^#### (error|warning|info): /gm) ?? []).length, 3);
  assert.match(md, /…and 13 more findings not shown here \(5 error, 4 warning, 3 info, 1 accepted\); the JSON report lists every one\./);
  assert.ok(!formatMarkdown(unsafeReport()).includes('not shown here'), 'the default shows all of a normal report');
});
