// Turning command-line inputs (files, directories, glob patterns) into a sorted list of files to
// open. Nothing is judged by name here: whether a file is a snapshot is decided by its content
// when it is opened (an old Buildbot builder directory mixes `builder`, numbered build pickles
// and step logs; the logs are skipped later, with a note).
import fg from 'fast-glob';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

export interface Discovered {
  /** Files to open, deduplicated, in a deterministic order. */
  files: string[];
  /** Things the user should know (an empty directory, a pattern that matched nothing, …). */
  notes: string[];
}

/** Byte-wise compare, so the order does not depend on the locale. */
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Sort so that `2` comes before `10` in a builder directory, then by code unit. */
export function naturalCompare(a: string, b: string): number {
  const ax = a.split(/(\d+)/);
  const bx = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(ax.length, bx.length); i++) {
    const x = ax[i]!;
    const y = bx[i]!;
    if (x === y) continue;
    if (i % 2 === 1) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
    }
    return byCodeUnit(x, y);
  }
  return ax.length - bx.length || byCodeUnit(a, b);
}

const GLOB_CHARS = /[*?[\]{}!]/;

/**
 * Expand `inputs` in order: a file is kept as given; a directory is walked recursively (hidden
 * files and leftover `*.tmp` files skipped, with a note); a pattern is expanded with fast-glob.
 * A path that does not exist (and is not a pattern) is a UserError.
 */
export async function discoverSnapshots(inputs: string[]): Promise<Discovered> {
  const files: string[] = [];
  const notes: string[] = [];
  const seen = new Set<string>();
  const add = (f: string): void => {
    const key = path.resolve(f);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(f);
  };
  for (const input of inputs) {
    let stat: import('node:fs').Stats | undefined;
    try {
      stat = await fs.stat(input);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new UserError(`${input}: cannot read (${code ?? String(e)})`);
    }
    if (stat?.isFile()) {
      add(input);
    } else if (stat?.isDirectory()) {
      const found = await fg('**/*', { cwd: input, onlyFiles: true, dot: true, followSymbolicLinks: false, suppressErrors: true });
      const skipped = found.filter((f) => isLeftover(f));
      const kept = found.filter((f) => !isLeftover(f)).sort(naturalCompare);
      if (skipped.length) notes.push(`${input}: skipped ${skipped.length} hidden or leftover temporary file(s) (${skipped.sort(naturalCompare).slice(0, 3).join(', ')}${skipped.length > 3 ? ', …' : ''})`);
      if (kept.length === 0) notes.push(`${input}: directory holds no files`);
      for (const f of kept) add(path.join(input, f));
    } else if (stat) {
      notes.push(`${input}: not a regular file, skipped`);
    } else if (GLOB_CHARS.test(input)) {
      const found = await fg(input, { onlyFiles: true, dot: false, suppressErrors: true });
      if (found.length === 0) notes.push(`${input}: pattern matched no files`);
      for (const f of found.sort(naturalCompare)) add(f);
    } else {
      throw new UserError(`${input}: no such file or directory`);
    }
  }
  return { files, notes };
}

/** Hidden files and temporaries a writer left behind (Buildbot's `*.bz2.tmp`, editors' `~`). */
function isLeftover(rel: string): boolean {
  return rel.split('/').some((part) => part.startsWith('.')) || /\.tmp$|~$/.test(rel);
}
