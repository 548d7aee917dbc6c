// `npm run bench -- decode`: decoder throughput and peak memory on generated Buildbot-like
// snapshots of ~1, 10 and 100 MB, next to CPython's C unpickler (stub classes) and
// pickletools.genops on the same files. Every figure comes from a fresh child process.
// Rates are given by wall-clock time and by CPU time: on a shared, loaded machine the wall
// clock mostly measures the neighbours, CPU time is steadier.
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
  ms: number;
  cpuMs: number;
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

function node(file: string, mode?: string): Measure & { pathMs: number; nodes: number } {
  const out = JSON.parse(run(process.execPath, [path.join(HERE, 'decode-child.js'), file, ...(mode ? [mode] : [])])) as {
    ms: number;
    cpuMs: number;
    pathMs: number;
    nodes: number;
    maxRssKib: number;
  };
  return { ...out, rssMib: out.maxRssKib / 1024 };
}

function python(mode: 'unpickle' | 'genops', file: string): Measure {
  const out = JSON.parse(run('python3', [path.join(SRC, 'py_load.py'), mode, file])) as {
    seconds: number;
    cpu: number;
    maxrss_kib: number;
  };
  return { ms: out.seconds * 1000, cpuMs: out.cpu * 1000, rssMib: out.maxrss_kib / 1024 };
}

/** Best of n runs, separately for wall and CPU time; the peak RSS of the last. */
function best<T extends Measure>(n: number, f: () => T): T {
  let b: T | undefined;
  for (let i = 0; i < n; i++) {
    const r = f();
    b = b ? { ...r, ms: Math.min(b.ms, r.ms), cpuMs: Math.min(b.cpuMs, r.cpuMs) } : r;
  }
  return b!;
}

function col(s: string | number, w: number): string {
  return String(s).padStart(w);
}

function pair(size: number, m: Measure): string {
  return `${(size / (m.ms / 1000)).toFixed(1)} / ${(size / (m.cpuMs / 1000)).toFixed(1)}`;
}

export async function benchDecode(): Promise<void> {
  const dir = path.join(os.tmpdir(), 'rehearse-bench-decode');
  mkdirSync(dir, { recursive: true });
  console.log(`snapshots in ${dir} (generated once by bench/gen_snapshot.py with Python 2.7)`);
  console.log(`load average now: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
  console.log('rates in MB/s as wall / cpu; ratios by CPU time');
  const header = [
    col('file MB', 7),
    col('nodes', 9),
    col('rehearse', 13),
    col('RSS MB', 7),
    col('RSS/file', 8),
    col('paths s', 7),
    col('warm', 13),
    col('py C unpickle', 14),
    col('py RSS', 7),
    col('genops', 13),
    col('vs C', 6),
    col('vs genops', 9),
  ];
  console.log(header.join(' '));
  let genops: Measure | undefined;
  let genopsSize = 1;
  for (const mb of SIZES_MB) {
    const file = snapshot(dir, mb);
    const size = statSync(file).size / 1e6;
    const reps = mb >= 100 ? 1 : 3;
    const dec = best(reps, () => node(file));
    const paths = node(file, '--paths');
    const warm = best(reps, () => node(file, '--warm'));
    const py = best(reps, () => python('unpickle', file));
    let note = '';
    if (mb <= GENOPS_MAX_MB) {
      genops = python('genops', file);
      genopsSize = size;
    } else note = '*';
    const cpuRate = size / dec.cpuMs;
    const pyRate = size / py.cpuMs;
    const gRate = genops ? genopsSize / genops.cpuMs : NaN;
    console.log(
      [
        col(size.toFixed(1), 7),
        col(dec.nodes, 9),
        col(pair(size, dec), 13),
        col(dec.rssMib.toFixed(0), 7),
        col((dec.rssMib / size).toFixed(2), 8),
        col((paths.pathMs / 1000).toFixed(2), 7),
        col(pair(size, warm), 13),
        col(pair(size, py), 14),
        col(py.rssMib.toFixed(0), 7),
        col((genops ? pair(genopsSize, genops) : '?') + note, 13),
        col((cpuRate / pyRate).toFixed(1) + '×', 6),
        col((cpuRate / gRate).toFixed(1) + '×', 9),
      ].join(' '),
    );
  }
  const base = node(snapshot(dir, 1), '--read-only');
  console.log(`node baseline (read the 1 MB file, no decode): ${base.rssMib.toFixed(0)} MB peak RSS`);
  console.log(`* genops rate taken from the ${GENOPS_MAX_MB} MB file (genops on 100 MB alone takes a minute or more)`);
  console.log("RSS/file includes the file buffer itself and node's own baseline.");
  console.log('warm: a second decode in the same process (the JIT has compiled the decoder); ratios use the first.');
}
