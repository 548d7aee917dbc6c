// The terminal report. Modelled on what makes ESLint's "stylish" and ripgrep readable: the
// answer first (one verdict line), then findings grouped by severity with the code and the
// class up front, labelled rows underneath (objects, evidence as file:line like a compiler
// error so terminals make it clickable, the fix as indented code), and a closing account of
// what was and was not checked. Colour only through the chalk instance given: level 0 writes
// no escape codes at all.
import type { ChalkInstance } from 'chalk';
import type { Evidence, Finding, Severity } from './finding.js';
import type { Report } from './report.js';
import { disagreements, failingFindings } from './build.js';
import {
  withVisibleControls,
  SEVERITY_WORD,
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

export interface TextOptions {
  color: ChalkInstance;
  /** Object paths shown per finding before "(+N more)". */
  maxPaths?: number;
  /** Terminal width: long messages wrap and long source lines are cut to fit. */
  width?: number;
  /** Snapshots listed under "Checked:" before the rest are summed up in one line. */
  maxSnapshots?: number;
  /** Diff lines shown per differing log before "(+N more lines)". */
  maxDiffLines?: number;
}

const SYMBOL: Record<Severity, string> = { error: '✖', warning: '⚠', info: 'ℹ' };
const LABEL_WIDTH = 10;
/** A labelled row (see `rows`): its continuation lines hang under the value. */
const ROW_LABEL = /^ {4}(object|objects|in|evidence|fix|engines|accepted) +\S/;

/** What every section of the text report needs. */
interface Ctx {
  report: Report;
  c: ChalkInstance;
  maxPaths: number;
  maxSnapshots: number;
  maxDiffLines: number;
  width: number | undefined;
}

export function formatText(input: Report, options: TextOptions): string {
  const ctx: Ctx = {
    report: withVisibleControls(input),
    c: options.color,
    maxPaths: options.maxPaths ?? 3,
    maxSnapshots: options.maxSnapshots ?? 10,
    maxDiffLines: options.maxDiffLines ?? 20,
    width: options.width && options.width > 40 ? options.width : undefined,
  };
  const out = [...verdictLines(ctx), ...findingSections(ctx), ...logLines(ctx), ...checkedLines(ctx), ...exitLines(ctx)];
  return `${out
    .flatMap((l) => fitLine(l, ctx.width))
    .map(trimEnd)
    .join('\n')}\n`;
}

function verdictLines({ report, c }: Ctx): string[] {
  const v = verdictParts(report);
  const vc = report.summary.verdict === 'UNSAFE' ? c.red : report.summary.verdict === 'SAFE' ? c.green : c.yellow;
  return [`${vc.bold(v.head)}${v.rest}`, c.dim(`  ${contextLine(report)}`)];
}

/** Findings by severity, errors first; accepted ones last, apart. */
function findingSections(ctx: Ctx): string[] {
  const { report, c } = ctx;
  const sev: Record<Severity, ChalkInstance> = { error: c.red, warning: c.yellow, info: c.blue };
  const disagree = disagreements(report);
  const out: string[] = [];
  const active = report.findings.filter((f) => !f.accepted);
  for (const s of ['error', 'warning', 'info'] as const) {
    const group = active.filter((f) => f.severity === s);
    if (group.length === 0) continue;
    out.push('', sev[s].bold(`${SYMBOL[s]} ${plural(group.length, SEVERITY_WORD[s][0], SEVERITY_WORD[s][1])}`));
    for (const f of group) out.push('', ...findingLines(f, ctx, disagree.has(f), sev[f.severity]));
  }
  const accepted = report.findings.filter((f) => f.accepted);
  if (accepted.length > 0) {
    out.push('', c.dim.bold(`✔ ${plural(accepted.length, 'accepted finding')} (listed, not failing)`));
    for (const f of accepted) out.push('', ...findingLines(f, ctx, disagree.has(f), c.dim));
  }
  return out;
}

function logLines({ report, c, maxDiffLines }: Ctx): string[] {
  if (!report.logs || report.logs.length === 0) return [];
  const out = ['', c.bold('Logs: ') + logCounts(report)];
  // A diff already shown as a finding's evidence is not shown twice.
  const shown = new Set(
    report.findings.filter((f) => f.evidence.some((e) => e.role === 'log-diff')).flatMap((f) => f.paths.map((p) => `${f.snapshots.join('\n')}\u0000${p}`)),
  );
  for (const l of interestingLogs(report)) {
    const where = `${c.cyan(l.path)} (${l.name}) in ${c.magenta(l.snapshot)}`;
    if (l.status === 'differs') {
      const inFinding = shown.has(`${l.snapshot}\u0000${l.path}`) || shown.has(`${l.snapshot}\u0000${l.snapshot}:${l.path}`);
      out.push(`  ${where}: ${c.green(`+${l.added}`)} ${c.red(`-${l.removed}`)}${inFinding ? c.dim(' (diff shown with its finding above)') : ''}`);
      if (l.diff && !inFinding) out.push(...diffLines(l.diff, c, maxDiffLines).map((x) => `    ${x}`));
    } else {
      out.push(`  ${where}: ${c.red(l.status.replace('failed-', 'failed under '))}${l.error ? `: ${l.error}` : ''}`);
    }
  }
  return out;
}

/** What was checked, and what was not: never silent. */
function checkedLines({ report, c, maxSnapshots }: Ctx): string[] {
  const ok = c.green('✔');
  const out = ['', c.bold('Checked:')];
  for (const d of report.checked.done) out.push(`  ${ok} ${d}`);
  // A Buildbot basedir holds thousands of build pickles: list a few, sum up the rest.
  const read = report.snapshots.filter((x) => x.skipped === undefined);
  for (const s of read.slice(0, maxSnapshots)) {
    const facts = [s.format, s.protocol !== undefined ? `protocol ${s.protocol}` : '', humanSize(s.size), s.instances !== undefined ? plural(s.instances, 'instance') : '']
      .filter(Boolean)
      .join(', ');
    out.push(`  ${ok} snapshot ${c.magenta(s.file)} (${facts}) ${c.dim(`sha256 ${s.sha256.slice(0, 12)}`)}`);
  }
  if (read.length > maxSnapshots) {
    const rest = read.slice(maxSnapshots);
    const bytes = rest.reduce((n, s) => n + s.size, 0);
    out.push(`  ${ok} ${plural(rest.length, 'more snapshot')} (${humanSize(bytes)}; all listed by --format json)`);
  }
  for (const [name, r] of [['target', report.target], ['baseline', report.baseline]] as const) {
    if (!r) continue;
    const facts = [r.python ? `Python ${r.python}` : '', plural(r.files, 'file'), plural(r.classes, 'class', 'classes'), r.parseErrors ? plural(r.parseErrors, 'parse error') : '']
      .filter(Boolean)
      .join(', ');
    out.push(`  ${ok} ${name} ${c.magenta(r.path)} (${facts}) ${c.dim(shortHash(r.contentHash))}`);
  }
  if (report.checked.python?.length) out.push(`  ${ok} live replay ran ${report.checked.python.join('; ')}`);
  if (report.checked.sandbox) {
    const layers = Object.entries(report.checked.sandbox)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, val]) => (val === false ? c.red(`${k} ✖`) : val === true ? `${k} ✔` : `${k}: ${val}`));
    out.push(`  ${ok} sandbox: ${layers.join(', ')}`);
  }

  const failed = failedSnapshots(report);
  const notChecked = [
    ...report.checked.skipped,
    ...failed.slice(0, maxSnapshots).map((s) => `snapshot ${s.file}: ${s.skipped}`),
    ...(failed.length > maxSnapshots ? [`${plural(failed.length - maxSnapshots, 'more snapshot')} could not be read (all listed by --format json)`] : []),
  ];
  const others = notSnapshots(report);
  if (notChecked.length > 0 || others.length > 0) {
    out.push('', c.bold('Not checked:'));
    for (const s of notChecked) out.push(`  ${c.yellow('✖')} ${s}`);
    if (others.length > 0) {
      const names = others.slice(0, 3).map((s) => s.file).join(', ');
      const more = others.length > 3 ? ` (+${others.length - 3} more)` : '';
      out.push(`  ${c.dim('–')} ${plural(others.length, 'file')} that ${others.length === 1 ? 'is' : 'are'} not a snapshot: ${names}${more}`);
    }
  }
  if (report.checked.redacted?.length) out.push('', c.bold('Redacted: ') + report.checked.redacted.join(', '));
  return out;
}

/** The exit status, stated, so a red CI log says why. */
function exitLines({ report, c }: Ctx): string[] {
  if (!report.summary.failed) return [];
  const failing = failingFindings(report);
  return ['', c.red(`${plural(failing.length, 'finding')} at or above --fail-on ${report.summary.failOn} (exit 1)`)];
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** Trailing blanks go, also when colour codes sit among them (the codes stay, balanced). */
function trimEnd(line: string): string {
  const tail = /(?:[ \t]|\u001b\[[0-9;]*m)+$/.exec(line);
  if (!tail) return line;
  const kept = `${line.slice(0, tail.index)}${(tail[0].match(ANSI) ?? []).join('')}`;
  return kept.replace(ANSI, '') === '' ? '' : kept;
}

/**
 * Word-wraps one finished (possibly coloured) line to the width by its visible length, with
 * continuation lines hanging under the text. Lines that are code (suggestion code, diff,
 * traceback: indented past the label column) are left alone so they stay copyable.
 */
function fitLine(line: string, width: number | undefined): string[] {
  if (!width) return [line];
  const visible = line.replace(ANSI, '');
  if (visible.length <= width || /^ {16}/.test(visible)) return [line];
  const indent = /^ */.exec(visible)![0].length;
  // Labelled rows hang under their value; other lines under their first word.
  const hang = ROW_LABEL.test(visible) ? 4 + LABEL_WIDTH : indent + 2;
  const vis = (t: string) => t.replace(ANSI, '').length;
  const out: string[] = [];
  let cur = line.slice(0, indent);
  let fresh = true;
  for (const w of line.slice(indent).split(' ')) {
    const candidate = fresh ? `${cur}${w}` : `${cur} ${w}`;
    if (!fresh && vis(candidate) > width) {
      out.push(cur);
      cur = ' '.repeat(hang) + w;
    } else cur = candidate;
    fresh = false;
  }
  out.push(cur);
  return out;
}

function contextLine(report: Report): string {
  const parts: string[] = [];
  const skippedFiles = new Set(notSnapshots(report));
  const snaps = report.snapshots.filter((s) => !skippedFiles.has(s));
  parts.push(snaps.length === 1 ? `snapshot ${snaps[0]!.file}` : plural(snaps.length, 'snapshot'));
  if (report.target) parts.push(`target ${report.target.path}`);
  if (report.baseline) parts.push(`baseline ${report.baseline.path}`);
  const confirmed = report.findings.filter((f) => f.engines.length === 2).length;
  parts.push(`engines: ${report.checked.engines.join(', ') || 'none'}${report.checked.engines.length === 2 ? ` (${confirmed} confirmed by both)` : ''}`);
  return parts.join(' · ');
}

function findingLines(f: Finding, ctx: Ctx, disagreeing: boolean, sevColor: (s: string) => string): string[] {
  const { report, c, maxPaths, width } = ctx;
  const lines: string[] = [];
  const subject = subjectOf(f);
  const note = engineNote(f, report, disagreeing);
  const noteC = f.engines.length === 2 ? c.green(note) : c.dim(note);
  const head = `  ${sevColor(f.code)}${subject ? `  ${c.bold(subject)}` : ''}`;
  // The engines go at the end of the head line (like ESLint's rule id) unless that overflows.
  const headLength = 2 + f.code.length + (subject ? 2 + subject.length : 0) + 2 + note.length;
  const noteOnHead = !width || headLength <= width;
  lines.push(noteOnHead ? `${head}  ${noteC}` : head);
  for (const l of f.message.split('\n').flatMap((m) => wrap(m, width ? width - 4 : undefined))) lines.push(`    ${l}`);
  if (!noteOnHead) lines.push(row(c, 'engines', noteC));
  if (f.accepted) lines.push(row(c, 'accepted', f.accepted.reason ?? '(no reason given)'));

  const { shown, more } = shownPaths(f, maxPaths);
  const objs = shown.map((p) => c.cyan(p));
  if (more > 0) objs.push(c.dim(`(+${more} more)`));
  if (objs.length > 0) lines.push(...rows(c, f.count === 1 ? 'object' : `objects`, objs));
  if (f.snapshots.length > 0 && report.snapshots.length > 1) {
    const snaps = f.snapshots.slice(0, Math.max(1, maxPaths)).map((s) => c.magenta(s));
    if (f.snapshots.length > snaps.length) snaps.push(c.dim(`(+${f.snapshots.length - snaps.length} more)`));
    lines.push(...rows(c, 'in', snaps));
  }

  const ev = f.evidence.length ? evidenceLines(f.evidence, c, width, f.attribute) : [];
  if (ev.length > 0) lines.push(...rows(c, 'evidence', ev));

  if (f.suggestion) {
    const body: string[] = [];
    for (const b of splitSuggestion(f.suggestion)) {
      if (b.kind === 'prose') body.push(...b.lines.flatMap((l) => wrap(l, width ? width - 4 - LABEL_WIDTH : undefined)));
      else body.push(...b.lines.map((l) => `  ${c.cyan(l)}`));
    }
    lines.push(...rows(c, 'fix', body));
  }
  return lines;
}

/** Evidence rows in aligned columns (location, role, text), like a compiler's error list. */
function evidenceLines(list: Evidence[], c: ChalkInstance, width: number | undefined, attribute: string | undefined): string[] {
  // Like ripgrep's match highlighting: the attribute stands out in the source line.
  const mark = highlighter(c, attribute);
  const locWidth = Math.max(...list.map((e) => location(e).length));
  const roleWidth = Math.max(...list.map((e) => e.role.length));
  return list.flatMap((e) => {
    const pad = ' '.repeat(locWidth - location(e).length);
    const loc = e.line !== undefined ? `${c.magenta(e.file)}:${c.green(String(e.line))}` : c.magenta(e.file);
    const textLines = (e.text ?? '').replace(/\n+$/, '').split('\n');
    const single = textLines.length === 1 && e.role !== 'log-diff';
    if (e.text === undefined || e.text === '') return [`${loc}  ${c.dim(e.role)}`];
    if (single) {
      const head = `${loc}${pad}  ${c.dim(e.role.padEnd(roleWidth))}`;
      const used = 4 + LABEL_WIDTH + locWidth + 2 + roleWidth + 2;
      const room = width ? width - used : undefined;
      const body = textLines[0]!.trim();
      // A narrow terminal: the source line goes under the location rather than being cut to nothing.
      if (room !== undefined && room < 24 && body.length > room) {
        return [`${loc}  ${c.dim(e.role)}`, `  ${mark(cut(body, width! - 4 - LABEL_WIDTH - 2))}`];
      }
      return [`${head}  ${mark(cut(body, room))}`];
    }
    const body = e.role === 'log-diff' ? diffLines(e.text, c, 20) : textLines.map((l) => c.dim(cut(l, width ? width - 6 - LABEL_WIDTH : undefined)));
    return [`${loc}  ${c.dim(e.role)}`, ...body.map((l) => `  ${l}`)];
  });
}

function highlighter(c: ChalkInstance, attribute: string | undefined): (s: string) => string {
  if (c.level === 0 || !attribute || !/^[A-Za-z_]\w*$/.test(attribute)) return (s) => s;
  const word = new RegExp(`\\b${attribute}\\b`, 'g');
  return (s) => s.replace(word, (m) => c.bold.red(m));
}

function diffLines(diff: string, c: ChalkInstance, max: number): string[] {
  const lines = diff.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n').filter((l) => !/^(Index: |={10,}|--- |\+\+\+ )/.test(l));
  const out = lines.slice(0, max).map((l) => (l.startsWith('+') ? c.green(l) : l.startsWith('-') ? c.red(l) : l.startsWith('@@') ? c.cyan(l) : l));
  if (lines.length > max) out.push(c.dim(`(+${lines.length - max} more lines)`));
  return out;
}

/** A labelled block: the label on the first line, the rest aligned under the first value. */
function rows(c: ChalkInstance, label: string, values: string[]): string[] {
  return values.map((v, i) => `    ${i === 0 ? c.dim(label.padEnd(LABEL_WIDTH)) : ' '.repeat(LABEL_WIDTH)}${v}`);
}

function row(c: ChalkInstance, label: string, value: string): string {
  return rows(c, label, [value])[0]!;
}

function wrap(text: string, width: number | undefined): string[] {
  if (!width || text.length <= width) return [text];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

function cut(text: string, room: number | undefined): string {
  if (room === undefined || text.length <= room) return text;
  return room <= 1 ? '…' : `${text.slice(0, room - 1)}…`;
}


/** `sha256:5e88…` → `sha256 5e884898da28`: enough to tell two releases apart at a glance. */
function shortHash(h: string): string {
  const m = /^([a-z0-9]+):([0-9a-f]+)$/i.exec(h);
  return m ? `${m[1]} ${m[2]!.slice(0, 12)}` : `hash ${h.slice(0, 12)}`;
}
