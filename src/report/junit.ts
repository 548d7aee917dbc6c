// JUnit XML for CI (Jenkins, GitLab, Buildbot's JUnit readers): one testcase per snapshot (or
// basedir); a case fails when its report fails --fail-on, and the <failure> carries the findings
// at or above it. The full plain-text report goes in <system-out>, so the CI page shows
// everything without another artefact. Valid against the Jenkins junit-4 XSD; no timestamps or
// durations, so the file is deterministic.
import { Chalk } from 'chalk';
import type { Finding } from './finding.js';
import type { Report } from './report.js';
import { failingFindings } from './build.js';
import { location, subjectOf, verdictParts } from './common.js';
import { formatText } from './text.js';

export interface NamedReport {
  /** The testcase name: the snapshot or basedir as given. */
  name: string;
  report: Report;
}

const PLAIN = new Chalk({ level: 0 });

export function formatJunit(results: readonly NamedReport[], options: { suiteName?: string } = {}): string {
  const suite = options.suiteName ?? 'rehearse';
  const cases = results.map(testcase);
  const failures = cases.filter((c) => c.failed).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const first = results[0]?.report.tool;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="${attr(suite)}" tests="${cases.length}" failures="${failures}" errors="0">`);
  out.push(`  <testsuite name="${attr(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}">`);
  if (first) {
    out.push('    <properties>');
    out.push(`      <property name="rehearse.version" value="${attr(first.version)}"/>`);
    out.push(`      <property name="node.version" value="${attr(first.node)}"/>`);
    out.push('    </properties>');
  }
  for (const c of cases) out.push(...c.xml.map((l) => `    ${l}`));
  out.push('  </testsuite>', '</testsuites>');
  return `${out.join('\n')}\n`;
}

function testcase({ name, report }: NamedReport): { xml: string[]; failed: boolean; skipped: boolean } {
  const xml: string[] = [];
  const open = `<testcase classname="rehearse.check" name="${attr(name)}">`;
  const v = verdictParts(report);
  const nothingChecked = report.checked.engines.length === 0 || (report.snapshots.length > 0 && report.snapshots.every((s) => s.skipped !== undefined));
  const failing = failingFindings(report);
  const failed = report.summary.failed;
  const skipped = !failed && nothingChecked;
  xml.push(open);
  // Element order is fixed by the schema: skipped, error, failure, system-out.
  if (skipped) {
    const why = [...report.checked.skipped, ...report.snapshots.filter((s) => s.skipped !== undefined).map((s) => `${s.file}: ${s.skipped}`)];
    xml.push(`  <skipped>${text(why.join('\n') || 'nothing was checked')}</skipped>`);
  }
  if (failed) {
    const message = `${v.head}${v.rest}`;
    const type = failing[0]?.code ?? report.summary.verdict;
    xml.push(`  <failure message="${attr(message)}" type="${attr(type)}">${text(failing.map(failureText).join('\n\n'))}</failure>`);
  }
  xml.push(`  <system-out>${text(formatText(report, { color: PLAIN, maxPaths: 5 }))}</system-out>`);
  xml.push('</testcase>');
  return { xml, failed, skipped };
}

function failureText(f: Finding): string {
  const subject = subjectOf(f);
  const lines = [`${f.severity} ${f.code}${subject ? ` ${subject}` : ''}: ${f.message}`];
  const more = Math.max(f.count, f.paths.length) - Math.min(f.paths.length, 5);
  lines.push(`  objects: ${f.paths.slice(0, 5).join(', ')}${more > 0 ? ` (+${more} more)` : ''}`);
  for (const e of f.evidence) lines.push(`  ${location(e)} (${e.role})${e.text ? `: ${e.text.split('\n')[0]!.trim()}` : ''}`);
  if (f.suggestion) lines.push('  fix:', ...f.suggestion.split('\n').map((l) => `    ${l}`));
  return lines.join('\n');
}

/**
 * XML 1.0 cannot carry most control characters even as references; a pickle's strings can hold
 * anything. Show them as \xNN text instead of writing a file no CI can parse. Lone surrogates
 * (from undecodable bytes) become U+FFFD.
 */
function clean(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

export function text(s: string): string {
  return clean(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values: also quotes, and whitespace as references (parsers normalise raw ones away). */
export function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
