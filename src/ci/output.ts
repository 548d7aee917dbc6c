// What `rehearse ci` prints: a table with one row per unit, then each unit's findings (text), or
// every unit's full report (JSON). Pure functions.
import type { ChalkInstance } from 'chalk';
import { formatText } from '../report/text.js';
import { toJsonReport } from '../report/json.js';
import type { ReleaseSummary } from '../report/report.js';
import type { Shard } from './units.js';
import type { UnitResult } from './run.js';

export type UnitStatus = 'pass' | 'fail' | 'unreadable';

export function unitStatus(r: UnitResult): UnitStatus {
  if (r.error !== undefined) return 'unreadable';
  return r.report.summary.failed ? 'fail' : 'pass';
}

export interface CiSummary {
  units: number;
  passed: number;
  failed: number;
  unreadable: number;
}

export function summarizeCi(results: readonly UnitResult[]): CiSummary {
  const s: CiSummary = { units: results.length, passed: 0, failed: 0, unreadable: 0 };
  for (const r of results) {
    const st = unitStatus(r);
    if (st === 'pass') s.passed++;
    else if (st === 'fail') s.failed++;
    else s.unreadable++;
  }
  return s;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function formatCiText(results: readonly UnitResult[], opts: { color: ChalkInstance; shard?: Shard; target: string; width?: number }): string {
  const c = opts.color;
  const s = summarizeCi(results);
  const lines: string[] = [];
  lines.push(
    `rehearse ci: ${s.units} unit(s) against ${opts.target}${opts.shard ? ` (shard ${opts.shard.index}/${opts.shard.count})` : ''}: ` +
      `${s.passed} passed, ${s.failed} failed, ${s.unreadable} unreadable`,
  );
  const nameWidth = Math.min(60, Math.max(4, ...results.map((r) => r.unit.name.length)));
  lines.push('');
  lines.push(`${pad('unit', nameWidth)}  ${pad('status', 10)}  ${pad('verdict', 10)}  errors  warnings  info  accepted`);
  for (const r of results) {
    const st = unitStatus(r);
    const colour = st === 'pass' ? c.green : c.red;
    const k = r.report.summary.counts;
    lines.push(
      `${pad(r.unit.name, nameWidth)}  ${colour(pad(st, 10))}  ${pad(r.report.summary.verdict, 10)}  ` +
        `${pad(String(k.error), 6)}  ${pad(String(k.warning), 8)}  ${pad(String(k.info), 4)}  ${r.report.summary.accepted ?? 0}`,
    );
  }
  for (const r of results) {
    if (r.error !== undefined) {
      lines.push('', c.bold(`── ${r.unit.name}`), `cannot be read: ${r.error}`);
      continue;
    }
    // Units with only info (or accepted) findings stay on their table row: CI logs are read for
    // what needs doing; the JSON and JUnit outputs carry everything.
    const k = r.report.summary.counts;
    if (!r.report.summary.failed && k.error + k.warning === 0) continue;
    lines.push('', c.bold(`── ${r.unit.name}`));
    lines.push(formatText(r.report, { color: c, ...(opts.width ? { width: opts.width } : {}) }).trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

export const CI_JSON_VERSION = 1;

export function formatCiJson(results: readonly UnitResult[], opts: { shard?: Shard; target: ReleaseSummary; exitCode: number }): string {
  const out = {
    rehearse: 'ci',
    version: CI_JSON_VERSION,
    target: opts.target,
    ...(opts.shard ? { shard: opts.shard } : {}),
    summary: { ...summarizeCi(results), exitCode: opts.exitCode },
    units: results.map((r) => ({
      name: r.unit.name,
      kind: r.unit.kind,
      status: unitStatus(r),
      ...(r.error !== undefined ? { error: r.error } : {}),
      report: toJsonReport(r.report),
    })),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
