// The units of a CI run: what `rehearse ci <glob...>` checks, one result each. A pattern that
// names or matches a directory makes that directory one unit (a basedir: its pickles belong
// together); a matched file is a unit of its own. Sorted, so shards split the same way on every
// machine.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fg from 'fast-glob';
import { UserError } from '../errors.js';
import { naturalCompare } from '../snapshot/discover.js';
import { openSnapshot } from '../snapshot/open.js';

export interface Unit {
  /** As matched (forward slashes, no leading `./`): the JUnit testcase name. */
  name: string;
  /** The path to give `check`. */
  path: string;
  kind: 'basedir' | 'file';
}

export interface Shard {
  /** 1-based, as CI matrices count. */
  index: number;
  count: number;
}

function clean(p: string): string {
  let s = p.replace(/\\/g, '/');
  while (s.startsWith('./')) s = s.slice(2);
  return s.length > 1 ? s.replace(/\/+$/, '') : s;
}

/**
 * Expand the patterns. A path that exists is taken as it is; anything else goes to fast-glob
 * (directories included, hidden entries not). Entries inside a directory that is itself a unit
 * are dropped (`corpus/**` gives each basedir once, not each of its builder folders). Files a
 * glob matched that are not snapshots (step logs, READMEs) are left out with a note; a file
 * named explicitly is always a unit, so a broken one fails loudly.
 */
export async function discoverUnits(patterns: readonly string[]): Promise<{ units: Unit[]; notes: string[] }> {
  const notes: string[] = [];
  const found = new Map<string, Unit>();
  for (const pattern of patterns) {
    const st = await fs.stat(pattern).catch(() => undefined);
    if (st) {
      const name = clean(pattern);
      found.set(name, { name, path: pattern, kind: st.isDirectory() ? 'basedir' : 'file' });
      continue;
    }
    const entries = await fg(pattern, { onlyFiles: false, markDirectories: true, dot: false, followSymbolicLinks: false, unique: true });
    if (entries.length === 0) {
      notes.push(`${pattern}: matched nothing`);
      continue;
    }
    let skipped = 0;
    for (const e of entries) {
      const dir = e.endsWith('/');
      const name = clean(e);
      if (dir) {
        found.set(name, { name, path: name, kind: 'basedir' });
        continue;
      }
      const opened = await openSnapshot(name).catch(() => undefined);
      if (opened && opened.kind === 'not-a-snapshot') {
        skipped++;
        continue;
      }
      found.set(name, { name, path: name, kind: 'file' });
    }
    if (skipped > 0) notes.push(`${pattern}: ${skipped} matched file(s) are not snapshots (logs and the like): not units`);
  }
  const all = [...found.values()].sort((a, b) => naturalCompare(a.name, b.name));
  const dirs = all.filter((u) => u.kind === 'basedir').map((u) => `${u.name}/`);
  const units = all.filter((u) => !dirs.some((d) => u.name.startsWith(d) && `${u.name}/` !== d));
  const nested = all.length - units.length;
  if (nested > 0) notes.push(`${nested} match(es) inside a basedir unit were folded into it`);
  return { units, notes };
}

/** `i/n`, 1 ≤ i ≤ n. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UserError(`--shard ${JSON.stringify(text)}: expected i/n, e.g. 1/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new UserError(`--shard ${text}: i must be between 1 and n`);
  return { index, count };
}

/**
 * Shard i of n: every n-th unit of the sorted list, starting at the i-th. Deterministic, the
 * shards are disjoint and together hold every unit, and neighbours (often similar in size, like
 * the builds of one builder) land in different shards.
 */
export function shardUnits<T>(units: readonly T[], shard: Shard | undefined): T[] {
  if (!shard) return [...units];
  return units.filter((_, k) => k % shard.count === shard.index - 1);
}

/** Name a snapshot of a basedir unit the way the unit's users see it: `unit/runtests/0`. */
export function qualify(unit: Unit, snapshot: string): string {
  if (unit.kind !== 'basedir') return snapshot;
  return path.posix.join(unit.name, snapshot.replace(/\\/g, '/'));
}
