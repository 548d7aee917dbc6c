// The Markdown report: self-contained, for a bug mail or an issue. Whoever reads it has no
// terminal and no snapshot: it says which versions ran, exactly which files (sizes, hashes) were
// looked at, what was and was not checked, and shows evidence, fixes and log diffs in code blocks.
import type { Finding } from './finding.js';
import type { Report } from './report.js';
import { disagreements } from './build.js';
import {
  withVisibleControls,
  engineNote,
  humanSize,
  interestingLogs,
  location,
  logCounts,
  plural,
  shownPaths,
  splitSuggestion,
  subjectOf,
  verdictParts,
  failedSnapshots,
  notSnapshots,
} from './common.js';
import { RULES } from './rules.js';

export interface MarkdownOptions {
  /** Object paths listed per finding before "(+N more)". */
  maxPaths?: number;
  /** Rows of the snapshot table before the rest are summed up (a basedir can hold thousands). */
  maxSnapshots?: number;
  /** Findings shown in full before the rest are only counted (default 100). */
  maxFindings?: number;
}

const TITLE = { error: 'Errors', warning: 'Warnings', info: 'Info' } as const;

export function formatMarkdown(input: Report, options: MarkdownOptions = {}): string {
  const report = withVisibleControls(input);
  const maxPaths = options.maxPaths ?? 10;
  const maxSnapshots = options.maxSnapshots ?? 50;
  const maxFindings = options.maxFindings ?? 100;
  const out: string[] = [];
  const v = verdictParts(report);
  out.push(`# rehearse: ${v.head}${v.rest}`, '');

  out.push('| | |', '|---|---|');
  out.push(`| rehearse | ${cell(report.tool.version)} |`);
  out.push(`| Node.js | ${cell(report.tool.node)} |`);
  out.push(`| Python (live replay) | ${report.checked.python?.length ? cell(report.checked.python.join('; ')) : 'not run'} |`);
  out.push(`| engines | ${cell(report.checked.engines.join(', ') || 'none')} |`);
  out.push(`| command | ${code(report.command, true)} |`);
  out.push(`| --fail-on | ${cell(report.summary.failOn)}: ${report.summary.failed ? 'reached (exit 1)' : 'not reached (exit 0)'} |`, '');

  out.push('## Snapshots', '');
  out.push('| file | format | size | sha256 | status |', '|---|---|---|---|---|');
  for (const s of report.snapshots.slice(0, maxSnapshots)) {
    const format = [s.format, s.protocol !== undefined ? `protocol ${s.protocol}` : ''].filter(Boolean).join(', ');
    const status = s.skipped !== undefined ? `skipped: ${cell(s.skipped)}` : s.instances !== undefined ? `${plural(s.instances, 'instance')}` : 'checked';
    out.push(`| ${code(s.file, true)} | ${cell(format)} | ${s.size} bytes (${humanSize(s.size)}) | ${code(s.sha256, true)} | ${status} |`);
  }
  if (report.snapshots.length > maxSnapshots) {
    const rest = report.snapshots.slice(maxSnapshots);
    const skipped = rest.filter((s) => s.skipped !== undefined).length;
    out.push('', `…and ${plural(rest.length, 'more snapshot')} (${humanSize(rest.reduce((n, s) => n + s.size, 0))}${skipped ? `, ${skipped} of them skipped` : ''}); the JSON report lists every one.`);
  }
  out.push('');

  const releases = ([['target', report.target], ['baseline', report.baseline]] as const).filter(([, r]) => r);
  out.push('## Releases', '');
  if (releases.length === 0) out.push('No release given.', '');
  else {
    out.push('| role | path | content hash | Python | files | classes | parse errors |', '|---|---|---|---|---|---|---|');
    for (const [role, r] of releases) {
      out.push(`| ${role} | ${code(r!.path, true)} | ${code(r!.contentHash, true)} | ${r!.python ?? '?'} | ${r!.files} | ${r!.classes} | ${r!.parseErrors} |`);
    }
    out.push('');
  }

  out.push('## What was checked', '');
  for (const d of report.checked.done) out.push(`- ${text(d)}`);
  if (report.checked.sandbox) {
    const layers = Object.entries(report.checked.sandbox)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, val]) => `${k}: ${val === true ? 'on' : val === false ? '**off**' : text(String(val))}`);
    out.push(`- live replay sandbox: ${layers.join(', ')}`);
  }
  if (report.checked.done.length === 0 && !report.checked.sandbox) out.push('- nothing');
  out.push('', '## What was not checked', '');
  const failed = failedSnapshots(report);
  const notChecked = [...report.checked.skipped, ...failed.map((s) => `snapshot ${s.file}: ${s.skipped}`)];
  if (notChecked.length === 0) out.push('Everything that was asked for was checked.');
  for (const s of notChecked) out.push(`- ${text(s)}`);
  const others = notSnapshots(report);
  if (others.length > 0) out.push('', `${plural(others.length, 'file')} in the inputs ${others.length === 1 ? 'is' : 'are'} not a snapshot (step logs and the like) and ${others.length === 1 ? 'was' : 'were'} skipped.`);
  if (report.checked.redacted?.length) out.push('', `Redacted from this report: ${report.checked.redacted.map(text).join(', ')}.`);
  out.push('');

  out.push('## Findings', '');
  if (report.findings.length === 0) out.push('None.', '');
  const disagree = disagreements(report);
  const active = report.findings.filter((f) => !f.accepted);
  // An issue tracker refuses very long bodies (GitHub: 65,536 characters): list the first
  // findings in full, errors first, and count the rest.
  let budget = maxFindings;
  const left: Record<'error' | 'warning' | 'info' | 'accepted', number> = { error: 0, warning: 0, info: 0, accepted: 0 };
  for (const s of ['error', 'warning', 'info'] as const) {
    const group = active.filter((f) => f.severity === s);
    if (group.length === 0) continue;
    out.push(`### ${TITLE[s]} (${group.length})`, '');
    for (const f of group) {
      if (budget-- > 0) out.push(...findingBlock(f, report, disagree.has(f), maxPaths));
      else left[s]++;
    }
  }
  const accepted = report.findings.filter((f) => f.accepted);
  if (accepted.length > 0) {
    out.push(`### Accepted (${accepted.length}): listed, not failing`, '');
    for (const f of accepted) {
      if (budget-- > 0) out.push(...findingBlock(f, report, disagree.has(f), maxPaths));
      else left.accepted++;
    }
  }
  const omitted = left.error + left.warning + left.info + left.accepted;
  if (omitted > 0) {
    const parts = (['error', 'warning', 'info', 'accepted'] as const).filter((k) => left[k] > 0).map((k) => `${left[k]} ${k}`);
    out.push(`…and ${plural(omitted, 'more finding')} not shown here (${parts.join(', ')}); the JSON report lists every one.`, '');
  }

  if (report.logs && report.logs.length > 0) {
    out.push('## Log diffs', '', `${logCounts(report)}.`, '');
    for (const l of interestingLogs(report)) {
      out.push(`#### ${code(l.path)} (${text(l.name)}) in ${code(l.snapshot)}`, '');
      if (l.status === 'differs') out.push(`+${l.added} −${l.removed} lines.`, '');
      else out.push(`${l.status.replace('failed-', 'Failed under ')}${l.error ? `: ${text(l.error)}` : ''}.`, '');
      if (l.diff) out.push(...fence(l.diff, 'diff'), '');
    }
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function findingBlock(f: Finding, report: Report, disagreeing: boolean, maxPaths: number): string[] {
  const out: string[] = [];
  const subject = subjectOf(f);
  out.push(`#### ${f.severity}: ${code(f.code)}${subject ? ` ${code(subject)}` : ''}`, '');
  out.push(text(f.message), '');
  const { shown, more } = shownPaths(f, maxPaths);
  const bullets: string[] = [];
  if (f.accepted) bullets.push(`**Accepted**: ${text(f.accepted.reason ?? '(no reason given)')}`);
  bullets.push(`**Objects** (${f.count}): ${shown.map((x) => code(x)).join(', ')}${more > 0 ? ` (+${more} more)` : ''}`);
  if (f.snapshots.length) {
    const more = f.snapshots.length - Math.min(f.snapshots.length, maxPaths);
    bullets.push(`**Snapshots** (${f.snapshots.length}): ${f.snapshots.slice(0, maxPaths).map((x) => code(x)).join(', ')}${more > 0 ? ` (+${more} more)` : ''}`);
  }
  bullets.push(`**Engines**: ${engineNote(f, report, disagreeing)}`);
  bullets.push(`**What it means**: ${text(RULES[f.code].description)}`);
  out.push(...bullets.map((b) => `- ${b}`), '');
  if (f.evidence.length) {
    out.push('**Evidence**', '');
    for (const e of f.evidence) {
      out.push(`- ${code(location(e))} (${e.role})${e.text ? ':' : ''}`);
      if (e.text) {
        const lang = e.role === 'log-diff' ? 'diff' : e.role === 'traceback' || e.role === 'snapshot' || e.role === 'note' ? 'text' : 'python';
        out.push('', ...fence(e.text, lang).map((l) => `  ${l}`), '');
      }
    }
    if (out[out.length - 1] !== '') out.push('');
  }
  if (f.suggestion) {
    out.push('**Suggestion**', '');
    for (const b of splitSuggestion(f.suggestion)) {
      if (b.kind === 'prose') out.push(text(b.lines.join('\n')), '');
      else out.push(...fence(b.lines.join('\n'), 'python'), '');
    }
  }
  return out;
}

/** Inline code that survives backticks inside it (CommonMark: a longer backtick run). */
function code(s: string, inTable = false): string {
  // GFM needs `\|` even inside a code span in a table; elsewhere it would show the backslash.
  const flat = s.replace(/\r?\n/g, ' ');
  const clean = inTable ? flat.replace(/\|/g, '\\|') : flat;
  const runs = clean.match(/`+/g) ?? [];
  const ticks = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${clean}${pad}${ticks}`;
}

/** A fenced block whose fence is longer than any backtick run inside. */
function fence(body: string, lang: string): string[] {
  const runs = body.match(/`{3,}/g) ?? [];
  const ticks = '`'.repeat(Math.max(2, ...runs.map((r) => r.length)) + 1);
  return [`${ticks}${lang}`, ...body.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n'), ticks];
}

/** Plain text in Markdown: escape what would turn into markup or break a table. */
function text(s: string): string {
  return s
    .replace(/([\\`*_[\]<>|#])/g, '\\$1')
    // Line starts that would become a list, a rule, a heading underline or a numbered list.
    .replace(/^(\s*)([-+=])/gm, '$1\\$2')
    .replace(/^(\s*\d+)([.)])(?=\s|$)/gm, '$1\\$2');
}

function cell(s: string): string {
  return text(s.replace(/\r?\n/g, ' '));
}
