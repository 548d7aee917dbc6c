// Building a report from the findings both engines produced: merge what they agree on, sort so
// that two runs on the same input give byte-identical output, and decide verdict and exit status.
import { SEVERITY_RANK, findingKey, type Engine, type Evidence, type Finding, type Severity } from './finding.js';
import type { LogDiffSummary, ReleaseSummary, Report, SnapshotSummary } from './report.js';
import { applyAccept, type AcceptFile } from './accept.js';
import { toolVersion } from '../version.js';
import { NOT_A_SNAPSHOT } from './common.js';

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

/** How many object paths a consolidated finding keeps ("a handful", like the engines). */
const MAX_PATHS = 5;

/**
 * One finding per finding key and engine, then engines merged where they agree.
 *
 * The engines report at different grains: the simulated replay reports one finding per key
 * across all snapshots (paths prefixed `snapshot:`), the live replay runs once per snapshot
 * file and reports per snapshot. So each engine's findings with the same key are first
 * consolidated into one (snapshots united, counts added, paths prefixed with their snapshot
 * when there is more than one). Then, when the simulated and the live finding cover the same
 * objects (same snapshots, same count and, where both lists are complete, the same paths),
 * they become one finding with both engines: "confirmed". Where they disagree both are kept.
 */
export function mergeEngines(findings: readonly Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const id = `${findingKey(f)}\u0000${sortEngines(f.engines).join(',')}`;
    const g = groups.get(id);
    if (g) g.push(f);
    else groups.set(id, [f]);
  }
  const byKey = new Map<string, Finding[]>();
  for (const group of groups.values()) {
    const f = consolidate(group);
    pushTo(byKey, findingKey(f), f);
  }
  const out: Finding[] = [];
  for (const perEngine of byKey.values()) {
    // At most three: simulated only, live only, already both. Fold in whatever agrees.
    const pending = [...perEngine].sort((a, b) => a.engines.length - b.engines.length);
    const kept: Finding[] = [];
    for (const f of pending) {
      const i = kept.findIndex((k) => sameObjects(k, f));
      if (i >= 0) kept[i] = mergeTwo(kept[i]!, f);
      else kept.push(f);
    }
    out.push(...kept);
  }
  return foldUnnamedAttributes(out);
}

/**
 * The engines name some findings at different precision: for an upgrade gap or an orphaned
 * version key one gives the method or key as `attribute`, the other none. A single-engine
 * finding without attribute is the same finding as the other engine's with one, when code,
 * class and objects agree: fold it in (the precise key is kept).
 */
function foldUnnamedAttributes(findings: Finding[]): Finding[] {
  // Candidates to fold into, by code and class (indexed: a run can have thousands of findings).
  const named = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.attribute !== undefined && f.engines.length === 1) pushTo(named, `${f.code}\u0000${f.class ?? ''}`, f);
  }
  const replaced = new Map<Finding, Finding>();
  const folded = new Set<Finding>();
  for (const loose of findings) {
    if (loose.attribute !== undefined || loose.engines.length !== 1) continue;
    const candidates = named.get(`${loose.code}\u0000${loose.class ?? ''}`) ?? [];
    const target = candidates.find((f) => f.engines[0] !== loose.engines[0] && !replaced.has(f) && sameObjects(f, loose));
    if (!target) continue;
    replaced.set(target, mergeTwo(target, loose));
    folded.add(loose);
  }
  return findings.filter((f) => !folded.has(f)).map((f) => replaced.get(f) ?? f);
}

/** One engine's findings with one key, as one finding over all their snapshots. */
function consolidate(group: Finding[]): Finding {
  if (group.length === 1) return { ...group[0]!, evidence: uniqueEvidence(group[0]!.evidence) };
  // Snapshot order first (paths are listed by snapshot), then a total order: the result must
  // not depend on the order the engine delivered its findings in.
  const sorted = [...group].sort((a, b) => cmp(a.snapshots.join('\n'), b.snapshots.join('\n')) || compareFindings(a, b));
  const snapshots = [...new Set(sorted.flatMap((f) => f.snapshots))].sort(cmp);
  const multi = snapshots.length > 1;
  const paths = [...new Set(sorted.flatMap((f) => (multi ? qualifiedPaths(f) : f.paths)))];
  const first = sorted[0]!;
  const merged: Finding = {
    ...first,
    count: sorted.reduce((n, f) => n + f.count, 0),
    paths: paths.slice(0, Math.max(MAX_PATHS, ...sorted.map((f) => f.paths.length))),
    snapshots,
    evidence: uniqueEvidence(sorted.flatMap((f) => f.evidence)),
  };
  const suggestion = sorted.find((f) => f.suggestion !== undefined)?.suggestion;
  if (suggestion !== undefined) merged.suggestion = suggestion;
  return merged;
}

/** Paths as `snapshot:path`, the form the simulated replay uses across several snapshots. */
function qualifiedPaths(f: Finding): string[] {
  if (f.snapshots.length !== 1) return f.paths;
  const snap = f.snapshots[0]!;
  return f.paths.map((p) => (p.startsWith(`${snap}:`) ? p : `${snap}:${p}`));
}

/** Same snapshots and object count; same paths too where both lists are complete. */
function sameObjects(a: Finding, b: Finding): boolean {
  if (setKey(a.snapshots) !== setKey(b.snapshots) || a.count !== b.count) return false;
  const complete = (f: Finding) => f.paths.length >= f.count;
  return !(complete(a) && complete(b)) || setKey(qualifiedPaths(a)) === setKey(qualifiedPaths(b));
}

function mergeTwo(a: Finding, b: Finding): Finding {
  // Order the pair so the simulated finding's wording and suggestion win: it is the one that
  // knows the release's source (file:line, the upgradeToVersionN to write).
  const [first, second] = a.engines.includes('simulated') || !b.engines.includes('simulated') ? [a, b] : [b, a];
  const merged: Finding = {
    ...first,
    count: Math.max(first.count, second.count),
    paths: first.paths.length >= second.paths.length ? first.paths : second.paths,
    evidence: uniqueEvidence([...first.evidence, ...second.evidence]),
    engines: sortEngines([...first.engines, ...second.engines]),
  };
  const suggestion = first.suggestion ?? second.suggestion;
  if (suggestion !== undefined) merged.suggestion = suggestion;
  const attribute = first.attribute ?? second.attribute;
  if (attribute !== undefined) merged.attribute = attribute;
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
    cmp(a.message, b.message) ||
    a.count - b.count ||
    cmp(JSON.stringify(a.evidence), JSON.stringify(b.evidence)) ||
    cmp(a.suggestion ?? '', b.suggestion ?? '')
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
  // A file that is not a snapshot at all (a step log next to the pickles) was never asked for.
  const incomplete = checked.skipped.length > 0 || snapshots.some((s) => s.skipped !== undefined && s.format !== NOT_A_SNAPSHOT);
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

/**
 * One report per snapshot, for `formatJunit`'s one testcase per snapshot: each keeps the
 * findings that involve that snapshot (whole, as a finding may span several) and its own
 * verdict; what was (not) checked is the run's.
 */
export function splitBySnapshot(report: Report): Array<{ name: string; report: Report }> {
  // Indexed once: a basedir can hold thousands of snapshots.
  const findingsOf = new Map<string, Finding[]>();
  for (const f of report.findings) for (const s of new Set(f.snapshots)) pushTo(findingsOf, s, f);
  const logsOf = new Map<string, LogDiffSummary[]>();
  for (const l of report.logs ?? []) pushTo(logsOf, l.snapshot, l);
  // Files that are not snapshots (step logs) get no testcase of their own.
  return report.snapshots.filter((s) => s.format !== NOT_A_SNAPSHOT).map((snap) => {
    const findings = findingsOf.get(snap.file) ?? [];
    return {
      name: snap.file,
      report: {
        ...report,
        snapshots: [snap],
        findings,
        ...(report.logs ? { logs: logsOf.get(snap.file) ?? [] } : {}),
        summary: summarize(findings, report.checked, [snap], report.summary.failOn),
      },
    };
  });
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
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
  for (const f of report.findings) pushTo(byKey, findingKey(f), f);
  const out = new Set<Finding>();
  for (const group of byKey.values()) {
    const sim = group.filter((f) => f.engines.length === 1 && f.engines[0] === 'simulated');
    const live = group.filter((f) => f.engines.length === 1 && f.engines[0] === 'live');
    if (sim.length > 0 && live.length > 0) for (const f of [...sim, ...live]) out.add(f);
  }
  return out;
}
