// Shared by the hardening tests: running the CLI under resource caps, reading the fixture
// manifests, and proving that a command left a directory exactly as it found it.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BIN, repoPath } from '../helpers/run.js';

/** The opener child (./open-child.ts), for runBounded's `script`. */
export const OPEN_CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'open-child.js');

/** The open + decode child (./decode-child.ts), for runBounded's `script`. */
export const DECODE_CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'decode-child.js');

const PROBE = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'rss-probe.js')).href;

export interface BoundedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak RSS of the child in bytes (undefined when it did not exit by itself). */
  maxRss: number | undefined;
  /** True when the child had to be killed at the deadline. */
  timedOut: boolean;
}

/**
 * Runs the built CLI in a child with a V8 heap cap and a wall-clock deadline, and measures its
 * peak RSS. The deadline is a safety net (a hang must end the test, not stall it), not a
 * measurement: assertions use exit code, output and RSS.
 */
export function runBounded(
  args: string[],
  opts: { heapMb?: number; timeoutMs?: number; cwd?: string; env?: NodeJS.ProcessEnv; script?: string } = {},
): Promise<BoundedResult> {
  return new Promise((resolve, reject) => {
    void (async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-rss-'));
      const rssFile = path.join(dir, 'rss');
      const child = spawn(
        process.execPath,
        [`--max-old-space-size=${opts.heapMb ?? 256}`, '--import', PROBE, opts.script ?? BIN, ...args],
        {
          cwd: opts.cwd ?? repoPath(),
          env: { ...process.env, NO_COLOR: '1', REHEARSE_RSS_FILE: rssFile, ...opts.env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, opts.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        void (async () => {
          let maxRss: number | undefined;
          try {
            maxRss = Number(await fs.readFile(rssFile, 'utf8'));
          } catch {
            maxRss = undefined;
          }
          await fs.rm(dir, { recursive: true, force: true });
          resolve({ code, signal, stdout, stderr, maxRss, timedOut });
        })();
      });
    })().catch(reject);
  });
}

export const MiB = 1024 * 1024;

// --- fixture manifests --------------------------------------------------------------------------

export interface MaliciousFixture {
  file: string;
  path: string;
  globals: string[];
  args: string[];
  marker: string;
  executes: boolean | null;
  python: string;
  note: string;
}

export function maliciousManifest(): MaliciousFixture[] {
  const m = JSON.parse(readFileSync(repoPath('test', 'fixtures', 'malicious', 'manifest.json'), 'utf8')) as {
    fixtures: MaliciousFixture[];
  };
  return m.fixtures;
}

export interface BombFixture {
  file: string;
  attack: string;
  expect: 'graph' | 'error' | 'graph-or-limit';
  root: string | null;
  min_nodes: number | null;
  compressed: 'gz' | 'bz2' | null;
  raw_size: number;
  python: string;
}

export function bombManifest(): BombFixture[] {
  const m = JSON.parse(readFileSync(repoPath('test', 'fixtures', 'bombs', 'manifest.json'), 'utf8')) as {
    bombs: BombFixture[];
  };
  return m.bombs;
}

// --- nothing lost -------------------------------------------------------------------------------

export interface FileState {
  kind: 'file' | 'dir' | 'symlink';
  size: number;
  mtimeMs: number;
  mode: number;
  sha256?: string;
  target?: string;
}

/** Every entry under `dir` (recursively, iteratively) with its bytes' hash, mtime and mode. */
export async function snapshotTree(dir: string): Promise<Map<string, FileState>> {
  const out = new Map<string, FileState>();
  const todo = [''];
  while (todo.length > 0) {
    const rel = todo.pop()!;
    for (const ent of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, ent.name);
      const abs = path.join(dir, r);
      const st = await fs.lstat(abs);
      if (ent.isSymbolicLink()) {
        out.set(r, { kind: 'symlink', size: st.size, mtimeMs: st.mtimeMs, mode: st.mode, target: await fs.readlink(abs) });
      } else if (ent.isDirectory()) {
        out.set(r, { kind: 'dir', size: 0, mtimeMs: st.mtimeMs, mode: st.mode });
        todo.push(r);
      } else {
        const sha256 = createHash('sha256').update(await fs.readFile(abs)).digest('hex');
        out.set(r, { kind: 'file', size: st.size, mtimeMs: st.mtimeMs, mode: st.mode, sha256 });
      }
    }
  }
  return out;
}

/** Human-readable differences between two tree snapshots (empty when identical). */
export function diffTrees(before: Map<string, FileState>, after: Map<string, FileState>): string[] {
  const diffs: string[] = [];
  for (const [p, b] of before) {
    const a = after.get(p);
    if (!a) diffs.push(`removed: ${p}`);
    else {
      for (const k of ['kind', 'size', 'mtimeMs', 'mode', 'sha256', 'target'] as const) {
        if (a[k] !== b[k]) diffs.push(`changed ${k}: ${p} (${String(b[k])} -> ${String(a[k])})`);
      }
    }
  }
  for (const p of after.keys()) if (!before.has(p)) diffs.push(`added: ${p}`);
  return diffs.sort();
}

/**
 * A command to run on a copy of a basedir in the "nothing lost" tests. To cover a new command,
 * add an entry to COMMANDS_UNDER_TEST in nothing-lost.test.ts, e.g.
 *   { name: 'check', args: (basedir) => ['check', basedir, '--target', repoPath('samples/flock/releases/v2')] }
 * `okCodes` are the exit codes that count as a normal run (the files must be intact either way).
 */
export interface CommandUnderTest {
  name: string;
  args: (basedir: string) => string[];
  okCodes: number[];
  /** The basedir to copy (default: the inspect fixtures' Buildbot-like basedir). */
  base?: string;
}

/** Copies `src` to a fresh temp dir, preserving mtimes; returns the copy's path. */
export async function copyBasedir(src: string): Promise<string> {
  const dst = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-basedir-'));
  await fs.cp(src, dst, { recursive: true, preserveTimestamps: true });
  return dst;
}
