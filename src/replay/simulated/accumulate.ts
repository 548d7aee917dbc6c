// Findings are about classes, not single objects: one finding per (code, class, attribute),
// counting every object it affects and keeping a few of their paths.
import type { NodeId, SnapshotGraph } from '../../snapshot/graph.js';
import { FINDING_CODES, findingKey, type Evidence, type Finding, type FindingCode } from '../../report/finding.js';

export const MAX_PATHS = 5;

interface Pending {
  finding: Omit<Finding, 'count' | 'paths' | 'snapshots'>;
  count: number;
  /** First objects seen, per snapshot, in decode order: their paths are computed at the end. */
  samples: Array<{ snapshot: string; graph: SnapshotGraph; id: NodeId }>;
  snapshots: Set<string>;
}

export interface FindingSeed {
  code: FindingCode;
  class?: string;
  attribute?: string;
  message: string;
  evidence?: Evidence[];
  suggestion?: string;
  details?: Record<string, unknown>;
  /** Keeps findings apart that share code, class and attribute (e.g. one load-exception per file). */
  scope?: string;
}

export class FindingAccumulator {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly multiSnapshot: boolean) {}

  /** Record `n` objects (the first of which is `id`) affected by the finding `seed`. */
  add(seed: FindingSeed, snapshot: string, graph: SnapshotGraph, ids: readonly NodeId[]): void {
    const key = findingKey(seed) + (seed.scope !== undefined ? `|${seed.scope}` : '');
    let p = this.pending.get(key);
    if (!p) {
      p = {
        finding: {
          code: seed.code,
          severity: FINDING_CODES[seed.code],
          ...(seed.class !== undefined ? { class: seed.class } : {}),
          ...(seed.attribute !== undefined ? { attribute: seed.attribute } : {}),
          message: seed.message,
          evidence: seed.evidence ?? [],
          ...(seed.suggestion !== undefined ? { suggestion: seed.suggestion } : {}),
          engines: ['simulated'],
          ...(seed.details !== undefined ? { details: seed.details } : {}),
        },
        count: 0,
        samples: [],
        snapshots: new Set(),
      };
      this.pending.set(key, p);
    }
    p.count += ids.length;
    p.snapshots.add(snapshot);
    for (const id of ids) {
      if (p.samples.length >= MAX_PATHS * 4) break;
      p.samples.push({ snapshot, graph, id });
    }
  }

  findings(): Finding[] {
    const out: Finding[] = [];
    for (const p of this.pending.values()) {
      const paths = [...new Set(p.samples.map((s) => (this.multiSnapshot ? `${s.snapshot}:` : '') + s.graph.pathOf(s.id)))]
        .sort(comparePaths)
        .slice(0, MAX_PATHS);
      out.push({ ...p.finding, count: p.count, paths, snapshots: [...p.snapshots].sort() });
    }
    return out;
  }
}

/** Shorter paths first (they are the ones people recognise), then in text order. */
export function comparePaths(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
