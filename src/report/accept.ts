// Accept files: findings a person has reviewed and decided to live with. The file is meant to be
// committed and reviewed, so it is small, sorted, one entry per finding and snapshot, and keeps
// the reasons people wrote when it is rewritten.
//
// {
//   "rehearse": "accept",
//   "version": 1,
//   "accepted": [
//     { "key": "unused-attribute|buildbot.status.builder.BuildStatus|oldattr",
//       "snapshot": "basedir/full/builder", "reason": "dropped on purpose in 0.8.0" }
//   ]
// }
//
// An entry without "snapshot" accepts the finding in every snapshot; "dir/*" covers the files
// directly in dir, "dir/**" every file below it.
import { promises as fs } from 'node:fs';
import { UserError } from '../errors.js';
import { findingKey, type Finding } from './finding.js';
import type { Report } from './report.js';

export interface AcceptEntry {
  /** `findingKey(finding)`: `code|class|attribute`. */
  key: string;
  /** Snapshot file as reported (forward slashes, no leading `./`) or a `dir/*`, `dir/**` pattern; absent: any snapshot. */
  snapshot?: string;
  /** Why this is acceptable: written by the reviewer, kept when the file is rewritten. */
  reason?: string;
}

export interface AcceptFile {
  rehearse: 'accept';
  version: 1;
  accepted: AcceptEntry[];
}

/** Snapshot names compared the same way whatever the platform or `./` prefix. */
export function normalizeSnapshotName(file: string): string {
  let s = file.replace(/\\/g, '/');
  while (s.startsWith('./')) s = s.slice(2);
  return s;
}

/**
 * Marks the findings the accept file lists. A finding is accepted when every snapshot it comes
 * from is covered for its key (by name, by a `dir/*` pattern, or by an entry without snapshot);
 * a finding that also shows up in a snapshot nothing covers is new, and fails.
 */
export function applyAccept(findings: readonly Finding[], accept: AcceptFile): Finding[] {
  const byKey = new Map<string, AcceptEntry[]>();
  for (const e of accept.accepted) {
    const list = byKey.get(e.key);
    if (list) list.push(e);
    else byKey.set(e.key, [e]);
  }
  return findings.map((f) => {
    const entries = byKey.get(findingKey(f)) ?? [];
    const used: AcceptEntry[] = [];
    for (const s of f.snapshots.length > 0 ? f.snapshots : ['']) {
      const e = entries.find((x) => x.snapshot === undefined || snapshotMatches(x.snapshot, s));
      if (!e) return withoutAccepted(f);
      used.push(e);
    }
    const reasons = [...new Set(used.map((e) => e.reason).filter((r): r is string => Boolean(r)))];
    return { ...f, accepted: reasons.length > 0 ? { reason: reasons.join('; ') } : {} };
  });
}

/**
 * `basedir/full/*` matches every file directly in basedir/full, `basedir/**` every file below
 * basedir; anything else matches itself. Written by hand (two wildcards) rather than pulling in
 * a glob library for it.
 */
export function snapshotMatches(pattern: string, file: string): boolean {
  const p = normalizeSnapshotName(pattern);
  const f = normalizeSnapshotName(file);
  if (!p.includes('*')) return p === f;
  let re = compiled.get(p);
  if (!re) {
    const source = p
      .split('**')
      .map((part) => part.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*'))
      .join('.*');
    re = new RegExp(`^${source}$`);
    compiled.set(p, re);
  }
  return re.test(f);
}

/** Patterns compiled once: a finding can come from thousands of build pickles. */
const compiled = new Map<string, RegExp>();

function withoutAccepted(f: Finding): Finding {
  if (!f.accepted) return f;
  const { accepted: _dropped, ...rest } = f;
  void _dropped;
  return rest;
}

/** A finding in more than this many files of one directory is accepted as `dir/*`. */
const COLLAPSE_AT = 3;

/**
 * The accept file that accepts every finding of `report` (for `--write-accept`). One entry per
 * finding and snapshot; a finding in many files of one directory (a Buildbot builder directory,
 * where every new build adds a file) gets one `dir/*` entry instead, so the file stays small and
 * the next build's pickle is not "new". Reasons from `previous` are kept for entries that cover
 * the same snapshots; entries for findings that are gone are dropped, so the file never grows
 * stale silently.
 */
export function acceptFromReport(report: Report, previous?: AcceptFile): AcceptFile {
  const old = [...(previous?.accepted ?? [])];
  // Findings already accepted carry the reason they were accepted with.
  for (const f of report.findings) {
    if (f.accepted?.reason) for (const s of f.snapshots) old.push({ key: findingKey(f), snapshot: s, reason: f.accepted.reason });
  }
  const reasonFor = (entry: AcceptEntry): string | undefined => {
    const same = old.find((e) => e.reason && e.key === entry.key && e.snapshot === entry.snapshot);
    if (same) return same.reason;
    // A pattern inherits a reason written for a file it covers, or for the key everywhere.
    return old.find((e) => e.reason && e.key === entry.key && (e.snapshot === undefined || (entry.snapshot !== undefined && snapshotMatches(entry.snapshot, e.snapshot))))?.reason;
  };
  const byId = new Map<string, AcceptEntry>();
  for (const f of report.findings) {
    const key = findingKey(f);
    for (const snapshot of snapshotEntries(f.snapshots)) {
      const entry: AcceptEntry = { key };
      if (snapshot !== undefined) entry.snapshot = snapshot;
      const reason = reasonFor(entry);
      if (reason) entry.reason = reason;
      byId.set(entryId(entry), entry);
    }
  }
  const accepted = [...byId.values()].sort((a, b) => cmp(a.key, b.key) || cmp(a.snapshot ?? '', b.snapshot ?? ''));
  return { rehearse: 'accept', version: 1, accepted };
}

/** The snapshot names (or `dir/*` patterns) that cover `snapshots`. */
function snapshotEntries(snapshots: readonly string[]): Array<string | undefined> {
  if (snapshots.length === 0) return [undefined];
  const byDir = new Map<string, string[]>();
  for (const s of snapshots.map(normalizeSnapshotName)) {
    const slash = s.lastIndexOf('/');
    const dir = slash >= 0 ? s.slice(0, slash + 1) : '';
    const list = byDir.get(dir);
    if (list) list.push(s);
    else byDir.set(dir, [s]);
  }
  return [...byDir].flatMap(([dir, files]) => (files.length > COLLAPSE_AT ? [`${dir}*`] : files));
}

function entryId(e: AcceptEntry): string {
  return `${e.key}\u0000${e.snapshot === undefined ? '*' : normalizeSnapshotName(e.snapshot)}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stable text: fixed key order, one entry per line, so a new finding is a one-line diff. */
export function serializeAccept(accept: AcceptFile): string {
  const lines = accept.accepted.map((e) => {
    const o: Record<string, string> = { key: e.key };
    if (e.snapshot !== undefined) o.snapshot = e.snapshot;
    if (e.reason !== undefined) o.reason = e.reason;
    return `    ${JSON.stringify(o)}`;
  });
  return `{\n  "rehearse": "accept",\n  "version": 1,\n  "accepted": [${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}]\n}\n`;
}

/** Parses and checks an accept file; any problem is a one-line UserError naming the file. */
export function parseAccept(text: string, file: string): AcceptFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${file}: not a valid accept file: ${(e as Error).message}`);
  }
  const bad = (why: string): never => {
    throw new UserError(`${file}: not a valid accept file: ${why}`);
  };
  if (!isRecord(data)) return bad('expected a JSON object');
  if (data.rehearse !== 'accept') return bad('missing "rehearse": "accept"');
  if (data.version !== 1) return bad(`unsupported version ${JSON.stringify(data.version)} (this rehearse reads version 1)`);
  if (!Array.isArray(data.accepted)) return bad('"accepted" must be an array');
  const accepted: AcceptEntry[] = data.accepted.map((raw: unknown, i: number) => {
    if (!isRecord(raw)) return bad(`accepted[${i}] must be an object`);
    if (typeof raw.key !== 'string' || raw.key.split('|').length !== 3) {
      return bad(`accepted[${i}].key must be "code|class|attribute"`);
    }
    const entry: AcceptEntry = { key: raw.key };
    if (raw.snapshot !== undefined) {
      if (typeof raw.snapshot !== 'string') return bad(`accepted[${i}].snapshot must be a string`);
      entry.snapshot = normalizeSnapshotName(raw.snapshot);
    }
    if (raw.reason !== undefined) {
      if (typeof raw.reason !== 'string') return bad(`accepted[${i}].reason must be a string`);
      entry.reason = raw.reason;
    }
    return entry;
  });
  return { rehearse: 'accept', version: 1, accepted };
}

/** Reads an accept file; a missing or unreadable file is a UserError, not a crash. */
export async function loadAcceptFile(file: string): Promise<AcceptFile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${file}: cannot read accept file${code ? ` (${code})` : ''}`);
  }
  return parseAccept(text, file);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
