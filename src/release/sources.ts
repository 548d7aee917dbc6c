// Where a release's Python files come from: a directory, an sdist (.tar.gz/.tgz/.tar), or a
// wheel/egg/zip. Archives are unpacked (sdist, to a temp dir that is removed) or read in memory
// (zip). Each file gets its module name from its path under the import root.
import fg from 'fast-glob';
import { unzipSync } from 'fflate';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { UserError } from '../errors.js';

export interface SourceFile {
  /** Path relative to the release root, `/`-separated. */
  rel: string;
  module: string;
  isPackage: boolean;
  text: string;
}

export interface ReleaseSources {
  files: SourceFile[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IGNORE = ['**/.*/**', '**/node_modules/**', '**/__pycache__/**', '**/build/**', '**/site-packages/**', '**/venv/**', '**/*.dist-info/**', '**/*.egg-info/**'];

/** Module name for a path relative to an import root, or undefined when Python could not import it. */
export function moduleNameOf(rel: string): { module: string; isPackage: boolean } | undefined {
  const parts = rel.replace(/\.py$/, '').split('/');
  const isPackage = parts[parts.length - 1] === '__init__';
  if (isPackage) parts.pop();
  if (parts.length === 0 || !parts.every((p) => IDENT.test(p))) return undefined;
  return { module: parts.join('.'), isPackage };
}

/** Decode source text: UTF-8 when valid, else Latin-1 (Python 2 files with a coding cookie). */
export function decodeSource(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('latin1').decode(bytes);
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * The import root of a source tree: the tree itself; its parent when the tree is itself a
 * package (has `__init__.py`); `src/` when the tree uses the src layout.
 */
async function importRoot(dir: string): Promise<{ root: string; prefix: string; only?: string }> {
  if (await exists(path.join(dir, '__init__.py'))) {
    // The directory is a package: index it under its own name.
    return { root: path.dirname(dir), prefix: '', only: path.basename(dir) };
  }
  const src = path.join(dir, 'src');
  if ((await exists(src)) && !(await exists(path.join(src, '__init__.py')))) {
    const inSrc = await fg('**/*.py', { cwd: src, ignore: IGNORE, deep: 3 });
    if (inSrc.length > 0) return { root: src, prefix: 'src/' };
  }
  return { root: dir, prefix: '' };
}

async function readTree(dir: string): Promise<SourceFile[]> {
  const { root, prefix, only } = await importRoot(dir);
  const pattern = only ? `${fg.escapePath(only)}/**/*.py` : '**/*.py';
  const rels = (await fg(pattern, { cwd: root, ignore: IGNORE, followSymbolicLinks: false, onlyFiles: true })).sort();
  const out: SourceFile[] = [];
  for (const rel of rels) {
    const name = moduleNameOf(rel);
    if (!name) continue;
    const text = decodeSource(await fs.readFile(path.join(root, rel)));
    out.push({ rel: prefix + rel, module: name.module, isPackage: name.isPackage, text });
  }
  return out;
}

function readZip(bytes: Uint8Array, file: string): SourceFile[] {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => f.name.endsWith('.py') });
  } catch (e) {
    throw new UserError(`${file}: not a readable zip archive (${(e as Error).message})`);
  }
  const out: SourceFile[] = [];
  for (const rel of Object.keys(entries).sort()) {
    if (/(^|\/)[^/]+\.(dist-info|egg-info|data)\//.test(rel) || rel.startsWith('EGG-INFO/')) continue;
    const name = moduleNameOf(rel);
    if (!name) continue;
    out.push({ rel, module: name.module, isPackage: name.isPackage, text: decodeSource(entries[rel]!) });
  }
  return out;
}

async function readSdist(file: string, bytes: Uint8Array): Promise<SourceFile[]> {
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const plainTar = bytes.length > 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar';
  if (!gz && !plainTar) {
    if (bytes[0] === 0x42 && bytes[1] === 0x5a && bytes[2] === 0x68) {
      throw new UserError(`${file}: a bzip2-compressed archive is not supported: unpack it and pass the directory`);
    }
    throw new UserError(`${file}: not a gzip-compressed tar archive (sdist)`);
  }
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-sdist-'));
  try {
    try {
      await tar.x({ file, cwd: tmp, strict: true, filter: (p) => p.endsWith('.py') || p.endsWith('/') });
    } catch (e) {
      throw new UserError(`${file}: unreadable tar archive (${(e as Error).message})`);
    }
    const top = await fs.readdir(tmp);
    // An sdist has one top folder (name-version/); anything else is read from the archive root.
    const dir = top.length === 1 && (await fs.stat(path.join(tmp, top[0]!))).isDirectory() ? path.join(tmp, top[0]!) : tmp;
    return await readTree(dir);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Read the Python files of a release (directory, sdist, wheel/egg/zip). */
export async function readRelease(p: string): Promise<ReleaseSources> {
  let st;
  try {
    st = await fs.stat(p);
  } catch {
    throw new UserError(`${p}: no such file or directory`);
  }
  let files: SourceFile[];
  if (st.isDirectory()) files = await readTree(path.resolve(p));
  else {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(p);
    } catch (e) {
      throw new UserError(`${p}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (bytes[0] === 0x50 && bytes[1] === 0x4b) files = readZip(bytes, p);
    else if (/\.(tar\.gz|tgz|tar|tar\.bz2|tbz2?)$/i.test(p) || (bytes[0] === 0x1f && bytes[1] === 0x8b)) files = await readSdist(p, bytes);
    else if (/\.py$/.test(p)) throw new UserError(`${p}: a single file is not a release: pass its directory`);
    else throw new UserError(`${p}: not a directory, sdist (.tar.gz) or wheel/egg/zip`);
  }
  if (files.length === 0) throw new UserError(`${p}: no Python files found`);
  return { files };
}
