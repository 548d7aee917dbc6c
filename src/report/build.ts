// Building a report from the findings both engines produced: merge what they agree on, sort so
// that two runs on the same input give byte-identical output, and decide verdict and exit status.
import { SEVERITY_RANK, findingKey, type Engine, type Evidence, type Finding, type Severity } from './finding.js';
import type { LogDiffSummary, ReleaseSummary, Report, SnapshotSummary } from './report.js';
import { applyAccept, type AcceptFile } from './accept.js';
import { toolVersion } from '../version.js';

export type FailOn = Severity | 'never';

export interface BuildReportInput {
  command: string;
  snapshots: SnapshotSummary[];
  target?: ReleaseSummary;
  baseline?: ReleaseSummary;
  checked: Report['checked'];
  findings: Finding[];
  logs?: LogDiffSummary[];
  failOn: FailOn;
  /** Accepted findings (from `--accept FILE`): marked, listed, never failing. */
  accept?: AcceptFile;
  /** Defaults to this rehearse and this Node; tests pass a fixed one. */
  tool?: Report['tool'];
}

const ENGINE_ORDER: Engine[] = ['simulated', 'live'];

export function buildReport(input: BuildReportInput): Report {
  let findings = sortFindings(mergeEngines(input.findings));
  if (input.accept) findings = applyAccept(findings, input.accept);
  const checked: Report['checked'] = { ...input.checked, engines: sortEngines(input.checked.engines) };
  const report: Report = {
    tool: input.tool ?? { name: 'rehearse', version: toolVersion(), node: process.version },
    command: input.command,
    snapshots: input.snapshots,
    ...(input.target ? { target: input.target } : {}),
    ...(input.baseline ? { baseline: input.baseline } : {}),
    checked,
    findings,
    ...(input.logs ? { logs: [...input.logs].sort(compareLogs) } : {}),
    summary: summarize(findings, checked, input.snapshots, input.failOn),
  };
  return report;
}

/**
 * One finding per (findingKey, snapshots, paths set). When the simulated and the live engine
 * report the same thing about the same objects, it becomes one finding with both engines
 * ("confirmed"). Where they disagree (same key, different objects) both are kept as they are.
 */
export function mergeEngines(findings: readonly Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const id = [findingKey(f), setKey(f.snapshots), setKey(f.paths)].join('\u0000');
    const g = groups.get(id);
    if (g) g.push(f);
    else groups.set(id, [f]);
  }
  const out: Finding[] = [];
  for (const group of groups.values()) {
    const f = group.reduce(mergeTwo);
    // An engine may cite the same line twice (two reads on one line): say it once.
    out.push(group.length === 1 ? { ...f, evidence: uniqueEvidence(f.evidence) } : f);
  }
  return out;
}

function mergeTwo(a: Finding, b: Finding): Finding {
  // Order the pair so the simulated finding's wording and suggestion win: it is the one that
  // knows the release's source (file:line, the upgradeToVersionN to write).
  const [first, second] = a.engines.includes('simulated') || !b.engines.includes('simulated') ? [a, b] : [b, a];
  const merged: Finding = {
    ...first,
    count: Math.max(first.count, second.count),
    evidence: uniqueEvidence([...first.evidence, ...second.evidence]),
    engines: sortEngines([...first.engines, ...second.engines]),
  };
  const suggestion = first.suggestion ?? second.suggestion;
  if (suggestion !== undefined) merged.suggestion = suggestion;
  if (first.details || second.details) merged.details = { ...second.details, ...first.details };
  return merged;
}

function uniqueEvidence(list: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = JSON.stringify([e.file, e.line ?? null, e.role, e.text ?? null]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function setKey(items: readonly string[]): string {
  return JSON.stringify([...new Set(items)].sort());
}

function sortEngines(engines: readonly Engine[]): Engine[] {
  return ENGINE_ORDER.filter((e) => engines.includes(e));
}

/** Severity (errors first), code, class, attribute, first path, then the rest for a total order. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    cmp(a.code, b.code) ||
    cmp(a.class ?? '', b.class ?? '') ||
    cmp(a.attribute ?? '', b.attribute ?? '') ||
    cmp(a.paths[0] ?? '', b.paths[0] ?? '') ||
    cmp(a.snapshots.join('\n'), b.snapshots.join('\n')) ||
    cmp(a.paths.join('\n'), b.paths.join('\n')) ||
    cmp(a.engines.join(','), b.engines.join(',')) ||
    cmp(a.message, b.message)
  );
}

export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

function compareLogs(a: LogDiffSummary, b: LogDiffSummary): number {
  return cmp(a.snapshot, b.snapshot) || cmp(a.path, b.path) || cmp(a.name, b.name);
}

/** Plain code-unit order: locale-independent, so reports diff the same everywhere. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function summarize(
  findings: readonly Finding[],
  checked: Report['checked'],
  snapshots: readonly SnapshotSummary[],
  failOn: FailOn,
): Report['summary'] {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  let accepted = 0;
  for (const f of findings) {
    if (f.accepted) accepted++;
    else counts[f.severity]++;
  }
  const incomplete = checked.skipped.length > 0 || snapshots.some((s) => s.skipped !== undefined);
  const verdict = counts.error > 0 ? 'UNSAFE' : incomplete ? 'INCOMPLETE' : 'SAFE';
  const failed = failOn !== 'never' && findings.some((f) => !f.accepted && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
  return { verdict, counts, failOn, failed, ...(accepted > 0 ? { accepted } : {}) };
}

/** The findings that make the run fail under its --fail-on (accepted ones never do). */
export function failingFindings(report: Report): Finding[] {
  const failOn = report.summary.failOn;
  if (failOn === 'never') return [];
  return report.findings.filter((f) => !f.accepted && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]);
}

export function exitCodeFor(report: Report): 0 | 1 {
  return report.summary.failed ? 1 : 0;
}

/**
 * Findings with the same key that the two engines reported about different objects: the
 * formatters point these out, since a disagreement is worth a look in itself.
 */
export function disagreements(report: Report): Set<Finding> {
  const byKey = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const k = findingKey(f);
    byKey.set(k, [...(byKey.get(k) ?? []), f]);
  }
  const out = new Set<Finding>();
  for (const group of byKey.values()) {
    const sim = group.filter((f) => f.engines.length === 1 && f.engines[0] === 'simulated');
    const live = group.filter((f) => f.engines.length === 1 && f.engines[0] === 'live');
    if (sim.length > 0 && live.length > 0) for (const f of [...sim, ...live]) out.add(f);
  }
  return out;
}
