// Public types of the live replay: what the caller asks for, and what comes back.
import type { Finding } from '../../report/finding.js';
import type { LogProfile } from '../../logs/profile.js';

/** Sandbox layers that can be switched off one by one (tests prove each layer alone). */
export type LayerName = 'netns' | 'audit' | 'neuter' | 'rlimits';

export interface LiveOptions {
  /** Python executable (a path, or a name found on PATH). */
  python: string;
  /** Path of the snapshot (one pickle file). Opened read-only; its sha256 is checked unchanged. */
  snapshot: string;
  /**
   * The pickle bytes to load, when the file itself is compressed or converted (.gz, .bz2, .tas
   * turned into a pickle by the caller). `snapshot` is still the file checked and named.
   */
  snapshotBytes?: Uint8Array;
  /** Label for findings' `snapshots` (defaults to `snapshot` as given). */
  snapshotLabel?: string;
  /** Folder whose files the snapshot's objects point to (default: the snapshot's folder). */
  basedir?: string;
  /** Import root(s) of the release: put first on sys.path. */
  releasePath: string | string[];
  /** More import roots (libraries), after the release. */
  libs?: string[];
  /** Top-level package names the pickle may name: the release's own and the libs'. */
  allowedModules: string[];
  /** Per class `module.Name`: attributes the release model says are read unguarded. */
  expectations?: Record<string, string[]>;
  /** `module.Class.method`: zero-argument methods to call on every instance after the upgrade. */
  probes?: string[];
  /** Which objects are logs and how to render them (renders are skipped without one). */
  logProfile?: LogProfile;
  /** Replay even when the snapshot names globals outside the allowlist (they are then imported). */
  trusted?: boolean;
  /** Set by the caller when the decoder's safety scan flagged the snapshot `unsafe-global`. */
  flaggedUnsafe?: boolean;
  /** Set when the snapshot names twisted.persisted.styles (so a Python without Twisted is a skip). */
  needsTwisted?: boolean;
  /**
   * Python 3's Unpickler `encoding=` for Python 2 `str` values. Default 'ASCII', pickle.load's
   * own default, i.e. what a restart that calls `pickle.load(f)` does; 'latin1' never fails,
   * 'bytes' turns every key into bytes (all version keys orphaned).
   */
  encoding?: string;
  /** Wall-clock limit for the whole child process (default 120 000 ms). */
  timeoutMs?: number;
  /** Address-space limit (default 2048 MB). */
  memoryMB?: number;
  /** CPU-time limit (default: the wall-clock limit, rounded up). */
  cpuSeconds?: number;
  /** Largest file the child may write (default 64 MB). */
  fileSizeMB?: number;
  /**
   * Which top-level basedir files are copied into the sandbox: 'referenced' (default) those whose
   * name occurs as a string in the pickle (with .bz2/.gz variants), 'all' every one.
   */
  copyBasedir?: 'referenced' | 'all';
  /** Largest total size of basedir files copied into the sandbox (default 512 MB). */
  maxCopyMB?: number;
  /** Layers to switch off (tests only: each layer is proven alone). */
  disableLayers?: LayerName[];
}

/** One log object's render (or its failure), keyed by object path in `LiveOutcome.renders`. */
export interface LogRender {
  class: string;
  name?: string;
  method: string;
  text?: string;
  truncated?: boolean;
  /** `Type: message` of the failure. */
  error?: string;
  traceback?: string;
}

export interface Refusal {
  /** What the sandbox refused: 'network', 'process', 'write', 'ctypes'. */
  what: string;
  detail: string;
}

export interface LiveOutcome {
  findings: Finding[];
  /** Sandbox layers: true when active, or a sentence saying why not. */
  sandbox: Record<string, boolean | string>;
  /** Python version of the child (`3.11.2`), when it started. */
  python?: string;
  /** Twisted version the child imported (null: none). */
  twisted?: string | null;
  renders: Record<string, LogRender>;
  /** What the sandbox refused, in order. */
  refusals: Refusal[];
  /** Set when the live replay could not run, or stopped early: one sentence saying why. */
  skipped?: string;
  /** Things the caller should pass on to the report's "skipped"/"done" lists (basedir files not copied, …). */
  notes: string[];
  /** Set when the child was killed (timeout, CPU limit, crash): one sentence. */
  killed?: string;
  /** sha256 of the original snapshot file, and whether it was unchanged after the run. */
  snapshotSha256?: string;
  snapshotUnchanged?: boolean;
  stats: {
    objects: number;
    versioned: number;
    upgraded: number;
    durationMs: number;
    /** Basedir files copied into the sandbox, and those left out because the pickle does not name them. */
    basedirFilesCopied?: number;
    basedirFilesNotNamed?: number;
  };
}

/** One JSON line from the harness (see rehearse_harness.py for the events and their fields). */
export interface HarnessEvent {
  event: string;
  [field: string]: unknown;
}
