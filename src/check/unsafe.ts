// unsafe-global findings from the safety scan. Low-confidence hits (a REDUCE of a callable the
// table does not know, a bound method spelled as getattr) are how ordinary objects are pickled
// too: they are counted in the report's notes, not raised as errors.
import type { UnsafeCall } from '../snapshot/unsafe.js';
import type { Finding } from '../report/finding.js';
import { MAX_PATHS, comparePaths } from '../replay/simulated/accumulate.js';

export function isDangerous(call: UnsafeCall): boolean {
  return call.confidence !== 'low';
}

export function unsafeFindings(snapshot: string, calls: readonly UnsafeCall[], prefixPaths: boolean): Finding[] {
  const byCallable = new Map<string, UnsafeCall[]>();
  for (const c of calls) {
    if (!isDangerous(c)) continue;
    byCallable.set(c.callable, [...(byCallable.get(c.callable) ?? []), c]);
  }
  const out: Finding[] = [];
  for (const [callable, group] of byCallable) {
    const first = group[0]!;
    out.push({
      code: 'unsafe-global',
      severity: 'error',
      class: callable,
      message: `the snapshot ${first.kind === 'call' ? 'calls' : 'references'} ${callable} on load: ${first.why}`,
      count: group.reduce((n, c) => n + 1 + (c.omitted ?? 0), 0),
      paths: group
        .map((c) => (prefixPaths ? `${snapshot}:` : '') + c.path)
        .sort(comparePaths)
        .slice(0, MAX_PATHS),
      snapshots: [snapshot],
      evidence: group.slice(0, 3).map((c) => ({
        file: snapshot,
        role: 'snapshot' as const,
        text: `${c.callable}(${c.args}) at byte ${c.offset}`,
      })),
      suggestion:
        'Do not load this snapshot with pickle: it runs code of its own. rehearse never replays it live unless you pass --trust-snapshot.',
      engines: ['simulated'],
      details: { confidence: first.confidence, kind: first.kind },
    });
  }
  return out;
}
