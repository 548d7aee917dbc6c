// Small pieces the human-facing formatters (text, Markdown) share.
import type { Finding, Severity } from './finding.js';
import type { Report } from './report.js';

export const NOT_A_SNAPSHOT = 'not-a-snapshot';

/** Snapshots that were meant to be checked and could not be (decode failures, …). */
export function failedSnapshots(report: Report): Report['snapshots'] {
  return report.snapshots.filter((s) => s.skipped !== undefined && s.format !== NOT_A_SNAPSHOT);
}

/** Files in a basedir that turned out not to be snapshots (step logs, …). */
export function notSnapshots(report: Report): Report['snapshots'] {
  return report.snapshots.filter((s) => s.skipped !== undefined && s.format === NOT_A_SNAPSHOT);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export const SEVERITY_WORD: Record<Severity, [string, string]> = {
  error: ['error', 'errors'],
  warning: ['warning', 'warnings'],
  info: ['info', 'info'],
};

export function countsPhrase(counts: Record<Severity, number>, all = false): string {
  const parts: string[] = [];
  for (const s of ['error', 'warning', 'info'] as const) {
    if (counts[s] > 0 || all) parts.push(plural(counts[s], SEVERITY_WORD[s][0], SEVERITY_WORD[s][1]));
  }
  return parts.join(', ');
}

/** The one-line verdict both human formats open with (without colour). */
export function verdictParts(report: Report): { head: string; rest: string } {
  const { verdict, counts, accepted } = report.summary;
  const found = [countsPhrase(counts), accepted ? `${accepted} accepted` : ''].filter(Boolean).join('; ');
  if (verdict === 'UNSAFE') return { head: 'UNSAFE to upgrade in place', rest: `: ${found}` };
  const aside = found ? ` (${found})` : '';
  if (verdict === 'INCOMPLETE') {
    const n = report.checked.skipped.length + failedSnapshots(report).length;
    return { head: 'INCOMPLETE', rest: `: no errors found, but ${plural(n, 'check')} could not run${aside}` };
  }
  return { head: 'SAFE to upgrade in place', rest: aside };
}

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** The paths to show and how many more there are (`count` may exceed the paths listed). */
export function shownPaths(f: Finding, max: number): { shown: string[]; more: number } {
  const shown = f.paths.slice(0, Math.max(0, max));
  return { shown, more: Math.max(f.count, f.paths.length) - shown.length };
}

export interface SuggestionBlock {
  kind: 'prose' | 'code';
  lines: string[];
}

/**
 * Splits a suggestion into prose and code. Fenced blocks (```) are code; outside fences, a line
 * starting `def `/`class `/`@` or indented starts or continues code, so the engines may write
 * either "Add to Foo:\n    def upgradeToVersion3(self): …" or Markdown fences.
 */
export function splitSuggestion(text: string): SuggestionBlock[] {
  const blocks: SuggestionBlock[] = [];
  const push = (kind: SuggestionBlock['kind'], line: string) => {
    const last = blocks[blocks.length - 1];
    if (last && last.kind === kind) last.lines.push(line);
    else blocks.push({ kind, lines: [line] });
  };
  let fenced = false;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  lines.forEach((line, i) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      if (fenced) blocks.push({ kind: 'code', lines: [] });
      return;
    }
    if (fenced) {
      blocks[blocks.length - 1]!.lines.push(line);
      return;
    }
    const last = blocks[blocks.length - 1];
    const looksCode = /^(\s+\S|def |class |@)/.test(line);
    const blankInCode = line.trim() === '' && last?.kind === 'code' && /^(\s+\S|def |class |@)/.test(lines[i + 1] ?? '');
    if (looksCode || blankInCode) push('code', line);
    else if (line.trim() !== '' || last?.kind === 'prose') push('prose', line);
  });
  // Code is re-indented by the formatters: remove its common indentation.
  for (const b of blocks) {
    if (b.kind !== 'code') continue;
    while (b.lines.length && b.lines[b.lines.length - 1]!.trim() === '') b.lines.pop();
    const indent = Math.min(...b.lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length));
    if (Number.isFinite(indent) && indent > 0) b.lines = b.lines.map((l) => l.slice(indent));
  }
  return blocks.filter((b) => b.lines.length > 0 && b.lines.some((l) => l.trim() !== ''));
}

/** `module.Class.attr`; an attribute that is not an identifier (a version key) in brackets. */
export function subjectOf(f: Finding): string {
  if (f.attribute === undefined) return f.class ?? '';
  const attr = /^[A-Za-z_]\w*$/.test(f.attribute) ? `.${f.attribute}` : ` [${f.attribute}]`;
  return f.class !== undefined ? `${f.class}${attr}` : attr.replace(/^\./, '');
}

export function engineNote(f: Finding, report: Report, disagreeing: boolean): string {
  if (f.engines.length === 2) return 'confirmed by simulated and live replay';
  const only = f.engines[0] ?? 'unknown';
  if (disagreeing) return `${only} replay only: the other engine reported different objects`;
  // "only" would suggest the other engine looked and disagreed; some findings only one engine can make.
  const oneEngineCode = (only === 'simulated' ? SIMULATED_ONLY : LIVE_ONLY).has(f.code);
  return report.checked.engines.length > 1 && !oneEngineCode ? `${only} replay only` : `${only} replay`;
}

/** Codes only the simulated engine produces (it reads the release's source). */
const SIMULATED_ONLY: ReadonlySet<string> = new Set(['attribute-reattached', 'unused-attribute']);
/** Codes only the live engine produces (it renders logs). */
const LIVE_ONLY: ReadonlySet<string> = new Set(['log-render-diff', 'log-render-failed']);

export function location(e: { file: string; line?: number }): string {
  return e.line !== undefined ? `${e.file}:${e.line}` : e.file;
}

/** Non-identical logs first in report order: what the human sections list. */
export function interestingLogs(report: Report): NonNullable<Report['logs']> {
  return (report.logs ?? []).filter((l) => l.status !== 'identical');
}

export function logCounts(report: Report): string {
  const logs = report.logs ?? [];
  const by = (s: string) => logs.filter((l) => l.status === s).length;
  const failed = logs.filter((l) => l.status.startsWith('failed')).length;
  const parts = [`${plural(logs.length, 'log')} compared`, `${by('identical')} identical`, `${by('differs')} differ${by('differs') === 1 ? 's' : ''}`];
  if (failed) parts.push(`${failed} failed to render`);
  return parts.join(', ');
}

/**
 * A copy of the report in which control characters from the data (a pickle can hold an escape
 * sequence in any string) are shown as `\xNN`, so they cannot move the cursor, recolour or
 * clear a terminal, nor garble a mail. Tabs and newlines stay; CRLF becomes LF; lone
 * surrogates become U+FFFD.
 */
export function withVisibleControls<T>(value: T): T {
  return mapStrings(value, (s) =>
    s
      .replace(/\r\n/g, '\n')
      .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
      // A lone surrogate (from undecodable bytes) is not text: written out it would become U+FFFD
      // anyway, so make that explicit and keep the string equal to what lands in the file.
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'),
  ) as T;
}

function mapStrings(v: unknown, fn: (s: string) => string): unknown {
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, fn));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[fn(k)] = mapStrings(x, fn);
    return out;
  }
  return v;
}

/**
 * The traceback a live replay captured, without the harness's own frames (they say how rehearse
 * called the code, not where the release failed). undefined when the finding has none.
 */
export function tracebackOf(f: Finding): string[] | undefined {
  const tb = f.details?.traceback;
  if (typeof tb !== 'string' || tb.trim() === '') return undefined;
  const lines = tb.replace(/\s+$/, '').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*File ".*rehearse_harness\.py"/.test(line)) {
      // Skip the frame line and its source/caret lines.
      while (i + 1 < lines.length && /^\s{4,}/.test(lines[i + 1]!) && !/^\s*File "/.test(lines[i + 1]!)) i++;
      continue;
    }
    out.push(line);
  }
  return out;
}
