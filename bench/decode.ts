// `npm run bench -- decode`: decoder throughput and peak memory on generated Buildbot-like
// snapshots of ~1, 10 and 100 MB, next to CPython's C unpickler (stub classes) and
// pickletools.genops on the same files. Every figure comes from a fresh child process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const SRC = path.resolve(HERE, '../../bench'); // the python scripts live in the source tree
const SIZES_MB = [1, 10, 100];
/** genops is slow: above this size its rate is taken from the largest file measured. */
const GENOPS_MAX_MB = 10;

interface Measure {
  seconds: number;
  rssMib: number;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

function snapshot(dir: string, mb: number): string {
  const file = path.join(dir, `buildbot-${mb}mb.pickle`);
  if (!existsSync(file)) {
    run('python2.7', [path.join(SRC, 'gen_snapshot.py'), file, String(mb)], { ...process.env, PYENV_VERSION: '2.7.18' });
  }
  return file;
}

function node(file: string, mode?: string): { ms: number; pathMs: number; nodes: number; rssMib: number } {
  const out = JSON.parse(run(process.execPath, [path.join(HERE, 'decode-child.js'), file, ...(mode ? [mode] : [])])) as {
    ms: number;
    pathMs: number;
    nodes: number;
    maxRssKib: number;
  };
  return { ...out, rssMib: out.maxRssKib / 1024 };
}

function python(mode: 'unpickle' | 'genops', file: string): Measure {
  const out = JSON.parse(run('python3', [path.join(SRC, 'py_load.py'), mode, file])) as { seconds: number; maxrss_kib: number };
  return { seconds: out.seconds, rssMib: out.maxrss_kib / 1024 };
}

function best<T extends { ms: number }>(n: number, f: () => T): T {
  let b: T | undefined;
  for (let i = 0; i < n; i++) {
    const r = f();
    if (!b || r.ms < b.ms) b = r;
  }
  return b!;
}

function col(s: string | number, w: number): string {
  return String(s).padStart(w);
}

export async function benchDecode(): Promise<void> {
  const dir = path.join(os.tmpdir(), 'rehearse-bench-decode');
  mkdirSync(dir, { recursive: true });
  console.log(`snapshots in ${dir} (generated once by bench/gen_snapshot.py with Python 2.7)`);
  console.log(
    [
      col('file MB', 8),
      col('nodes', 10),
      col('decode MB/s', 12),
      col('peak RSS MB', 12),
      col('RSS/file', 9),
      col('paths s', 8),
      col('py C MB/s', 10),
      col('py RSS MB', 10),
      col('genops MB/s', 12),
      col('vs C', 6),
      col('vs genops', 10),
    ].join(' '),
  );
  let genopsRate = NaN;
  for (const mb of SIZES_MB) {
    const file = snapshot(dir, mb);
    const size = statSync(file).size / 1e6;
    const reps = mb >= 100 ? 1 : 3;
    const dec = best(reps, () => node(file));
    const paths = node(file, '--paths');
    const py = best(reps, () => {
      const m = python('unpickle', file);
      return { ...m, ms: m.seconds * 1000 };
    });
    let genopsNote = '';
    if (mb <= GENOPS_MAX_MB) genopsRate = size / python('genops', file).seconds;
    else genopsNote = '*';
    const rate = size / (dec.ms / 1000);
    const pyRate = size / py.seconds;
    console.log(
      [
        col(size.toFixed(1), 8),
        col(dec.nodes, 10),
        col(rate.toFixed(1), 12),
        col(dec.rssMib.toFixed(0), 12),
        col((dec.rssMib / size).toFixed(2), 9),
        col((paths.pathMs / 1000).toFixed(2), 8),
        col(pyRate.toFixed(1), 10),
        col(py.rssMib.toFixed(0), 10),
        col(genopsRate.toFixed(1) + genopsNote, 12),
        col((rate / pyRate).toFixed(1) + '×', 6),
        col((rate / genopsRate).toFixed(1) + '×', 10),
      ].join(' '),
    );
  }
  const base = node(snapshot(dir, 1), '--read-only');
  console.log(`node baseline (read 1 MB, no decode): ${base.rssMib.toFixed(0)} MB peak RSS`);
  console.log(`* genops rate taken from the ${GENOPS_MAX_MB} MB file (genops on 100 MB alone takes a minute or more)`);
  console.log('RSS/file counts the file buffer itself and node\'s own baseline (~40 MB).');
}
