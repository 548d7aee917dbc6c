// The report of one run: what was checked, what could not be, and the findings.
// Formatters (one per format, in this folder) are pure functions from a Report to a string.
import type { Finding, Severity } from './finding.js';

export interface SnapshotSummary {
  /** Path as given (relative to cwd when given relative). */
  file: string;
  size: number;
  sha256: string;
  /**
   * 'pickle', 'pickle+gzip', 'pickle+bzip2', 'aot' …; 'not-a-snapshot' for a file found in a
   * basedir that is not one (a step log): skipped with a note, it does not make a run INCOMPLETE.
   */
  format: string;
  protocol?: number;
  nodes?: number;
  instances?: number;
  /** Set when the file was skipped (not a snapshot) or failed to decode. */
  skipped?: string;
}

export interface ReleaseSummary {
  path: string;
  contentHash: string;
  python?: 2 | 3;
  files: number;
  classes: number;
  parseErrors: number;
}

export interface LogDiffSummary {
  /** Object path of the log object in the snapshot. */
  path: string;
  snapshot: string;
  name: string;
  status: 'identical' | 'differs' | 'failed-baseline' | 'failed-target' | 'failed-both';
  added: number;
  removed: number;
  /** Unified diff text (present for the first few, or all with --log-diffs all). */
  diff?: string;
  error?: string;
}

export interface Report {
  tool: { name: 'rehearse'; version: string; node: string };
  command: string;
  snapshots: SnapshotSummary[];
  target?: ReleaseSummary;
  baseline?: ReleaseSummary;
  checked: {
    engines: Array<'simulated' | 'live'>;
    /** Human sentences: what was checked. */
    done: string[];
    /** Human sentences: what could not be checked, and why (never silent). */
    skipped: string[];
    /** Live replay sandbox layers that were active, by name. */
    sandbox?: Record<string, boolean | string>;
    redacted?: string[];
    /** The Python interpreter(s) live replay ran, e.g. "/usr/bin/python3 3.11.2, Twisted 22.4.0". */
    python?: string[];
  };
  findings: Finding[];
  logs?: LogDiffSummary[];
  summary: {
    verdict: 'SAFE' | 'UNSAFE' | 'INCOMPLETE';
    counts: Record<Severity, number>;
    /** The --fail-on threshold used, and whether it was reached. */
    failOn: Severity | 'never';
    failed: boolean;
    /** How many findings an accept file marked accepted (not in `counts`, never failing). */
    accepted?: number;
  };
}
