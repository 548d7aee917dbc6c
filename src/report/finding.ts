// One Finding type for both engines and every formatter. Codes are stable: add, never renumber.

export const FINDING_CODES = {
  'missing-module': 'error',
  'missing-class': 'error',
  'missing-attribute': 'error',
  'upgrade-exception': 'error',
  'load-exception': 'error',
  'version-downgrade': 'error',
  'upgrade-gap': 'warning',
  'version-key-orphaned': 'warning',
  'unused-attribute': 'info',
  'log-render-diff': 'warning',
  'unsafe-global': 'error',
  // Added after the design table (codes are only ever added):
  'attribute-reattached': 'info', // read unguarded, missing after upgrade, but the release sets it from outside after loading
  'not-checked': 'info', // the model cannot see through __getattr__/__setstate__/dynamic code: what was not checked
  'log-render-failed': 'warning', // a log fails to render under one side
} as const;

export type FindingCode = keyof typeof FINDING_CODES;
export type Severity = 'error' | 'warning' | 'info';
export const SEVERITY_RANK: Record<Severity, number> = { error: 3, warning: 2, info: 1 };

export type Engine = 'simulated' | 'live';

export interface Evidence {
  /** File relative to the release root (or the snapshot name for snapshot evidence). */
  file: string;
  line?: number;
  text?: string;
  /** What this piece of evidence shows: where the attribute is read, where __init__ sets it, … */
  role: 'read' | 'init' | 'upgrade' | 'reattach' | 'definition' | 'traceback' | 'snapshot' | 'log-diff' | 'note';
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** Dotted `module.Name` exactly as the snapshot references it. */
  class?: string;
  attribute?: string;
  /** One line saying what is wrong. */
  message: string;
  /** How many objects are affected. */
  count: number;
  /** A few object paths (sorted, at most a handful); `count` says how many in all. */
  paths: string[];
  /** The snapshot file(s) the objects come from (relative as given on the command line). */
  snapshots: string[];
  evidence: Evidence[];
  suggestion?: string;
  /** Which engines reported it. Both = confirmed. */
  engines: Engine[];
  /** Free-form facts for machines (versions, methods that will re-run, traceback text, …). */
  details?: Record<string, unknown>;
  /** Set by `applyAccept` when an accept file lists this finding: it is shown, but never fails the run. */
  accepted?: { reason?: string };
}

/** The identity of a finding, for merging engines and for accept files. */
export function findingKey(f: Pick<Finding, 'code' | 'class' | 'attribute'>): string {
  return [f.code, f.class ?? '', f.attribute ?? ''].join('|');
}
