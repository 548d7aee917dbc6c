// Old-vs-new rendered logs: per log identical / differs / fails to render on one side.
import { createTwoFilesPatch, diffLines } from 'diff';
import { FINDING_CODES, type Finding } from '../report/finding.js';
import type { LogDiffSummary } from '../report/report.js';
import type { LogRender } from '../replay/live/types.js';

export type Normalisation = 'none' | 'html';

export interface LogDiffOptions {
  /** The snapshot the logs come from (as named in the report). */
  snapshot: string;
  /** 'html': unescape entities, ignore span boundaries and page chrome outside <pre>. Default 'none'. */
  normalise?: Normalisation;
  /** How many differing logs get a unified diff (default 5; 'all' for every one). */
  diffs?: number | 'all';
  /** Context lines in the unified diffs (default 3). */
  context?: number;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

/** HTML render → its text: what a reader of the page sees, whatever the escaping style. */
export function normaliseHtml(html: string): string {
  const pres = [...html.matchAll(/<pre\b[^>]*>([\s\S]*?)<\/pre>/gi)].map((m) => m[1] ?? '');
  const body = pres.length ? pres.join('') : html;
  return body
    .replace(/<\/?span\b[^>]*>/gi, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ent: string) => {
      if (ent[0] === '#') {
        const code = ent[1] === 'x' || ent[1] === 'X' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
        return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[ent.toLowerCase()] ?? whole;
    });
}

/** One sentence for the report: which normalisation the log diff applied. */
export function describeNormalisation(mode: Normalisation = 'none'): string {
  return mode === 'html'
    ? 'log diff normalised HTML: entities unescaped, <span> boundaries and page chrome outside <pre> ignored'
    : 'log diff compared the rendered text exactly (no normalisation)';
}

function lineCount(s: string): number {
  if (!s) return 0;
  return s.split('\n').length - (s.endsWith('\n') ? 1 : 0);
}

export function diffLogRenders(
  baseline: Record<string, LogRender>,
  target: Record<string, LogRender>,
  opts: LogDiffOptions,
): LogDiffSummary[] {
  const norm = (t: string): string => (opts.normalise === 'html' ? normaliseHtml(t) : t);
  const limit = opts.diffs === 'all' ? Infinity : (opts.diffs ?? 5);
  const paths = [...new Set([...Object.keys(baseline), ...Object.keys(target)])].sort();
  let shown = 0;
  return paths.map((p): LogDiffSummary => {
    const b = baseline[p];
    const t = target[p];
    const name = t?.name ?? b?.name ?? p;
    const base = { path: p, snapshot: opts.snapshot, name, added: 0, removed: 0 };
    const bErr = !b ? 'not rendered (the object did not load as a log)' : b.error;
    const tErr = !t ? 'not rendered (the object did not load as a log)' : t.error;
    if (bErr !== undefined || tErr !== undefined) {
      const status = bErr !== undefined && tErr !== undefined ? 'failed-both' : bErr !== undefined ? 'failed-baseline' : 'failed-target';
      const error = [bErr !== undefined ? `baseline: ${bErr}` : '', tErr !== undefined ? `target: ${tErr}` : ''].filter(Boolean).join('; ');
      return { ...base, status, error };
    }
    const before = norm(b!.text ?? '');
    const after = norm(t!.text ?? '');
    if (before === after) return { ...base, status: 'identical' };
    let added = 0;
    let removed = 0;
    for (const c of diffLines(before, after)) {
      if (c.added) added += lineCount(c.value);
      else if (c.removed) removed += lineCount(c.value);
    }
    const summary: LogDiffSummary = { ...base, status: 'differs', added, removed };
    if (shown < limit) {
      shown++;
      summary.diff = createTwoFilesPatch(`baseline/${name}`, `target/${name}`, before, after, b!.method, t!.method, {
        context: opts.context ?? 3,
      });
    }
    return summary;
  });
}

/**
 * Findings for a set of log diffs: one `log-render-diff` and one `log-render-failed` at most.
 * `snapshots`: every snapshot of the run; when there are several, paths read `snapshot:path`
 * (as the live engine's aggregated findings) and each finding names only its logs' snapshots.
 */
export function logDiffFindings(summaries: LogDiffSummary[], snapshots: string[]): Finding[] {
  const out: Finding[] = [];
  const differs = summaries.filter((s) => s.status === 'differs');
  const failed = summaries.filter((s) => s.status.startsWith('failed'));
  const multi = new Set([...snapshots, ...summaries.map((s) => s.snapshot)]).size > 1;
  const mk = (code: 'log-render-diff' | 'log-render-failed', list: LogDiffSummary[], message: string): Finding => ({
    code,
    severity: FINDING_CODES[code],
    message,
    count: list.length,
    paths: list.map((s) => (multi ? `${s.snapshot}:${s.path}` : s.path)).sort().slice(0, 5),
    snapshots: [...new Set(list.map((s) => s.snapshot))].sort(),
    evidence: list.slice(0, 5).map((s) => ({ file: s.snapshot, text: `${s.name}: ${s.error ?? `+${s.added} -${s.removed} lines`}`, role: 'log-diff' as const })),
    engines: ['live'],
    details: { logs: list.map((s) => ({ path: s.path, name: s.name, status: s.status, added: s.added, removed: s.removed, error: s.error })) },
  });
  if (differs.length) out.push(mk('log-render-diff', differs, `${differs.length} log(s) render differently under the baseline and the target`));
  if (failed.length) out.push(mk('log-render-failed', failed, `${failed.length} log(s) fail to render under the baseline, the target, or both`));
  return out;
}
