// Indexing speed: python3's own stdlib (≈1,800 files, ≈860k lines), and a 500-file slice of it
// of about 120k lines (the size of a large application release; target ≤ 1 s).
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import fg from 'fast-glob';
import { loadRelease } from '../src/release/index.js';
import { pythonParser } from '../src/release/parser.js';

function stdlibDir(): string | undefined {
  try {
    return execFileSync('python3', ['-c', 'import os; print(os.path.dirname(os.__file__))'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

async function measure(label: string, dir: string): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const m = await loadRelease({ path: dir });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const { files, lines } = m.stats;
  console.log(
    `${label}: ${files} files, ${lines} lines, ${Object.keys(m.classes).length} classes, ${m.parseErrors.length} parse errors: ` +
      `${ms.toFixed(0)} ms wall (${Math.round(files / (ms / 1000))} files/s, ${Math.round(lines / (ms / 1000))} lines/s); ` +
      `process CPU (all threads) ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores`,
  );
}

/** Copy the first files of the stdlib (sorted) until ~120k lines / 500 files: a large release. */
async function slice(src: string, dest: string): Promise<void> {
  const rels = (await fg('**/*.py', { cwd: src, ignore: ['**/test/**', '**/tests/**', '**/site-packages/**'] })).sort();
  let lines = 0;
  let files = 0;
  for (const rel of rels) {
    if (files >= 500 || lines >= 120_000) break;
    const text = await fs.readFile(path.join(src, rel), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    await fs.mkdir(path.dirname(path.join(dest, rel)), { recursive: true });
    await fs.writeFile(path.join(dest, rel), text);
    lines += text.split('\n').length;
    files++;
  }
}

export async function benchIndexRelease(): Promise<void> {
  const dir = stdlibDir();
  if (!dir) {
    console.log('skipped: python3 not found (the benchmark indexes its stdlib)');
    return;
  }
  const t0 = performance.now();
  await pythonParser();
  console.log(`parser start-up: ${(performance.now() - t0).toFixed(0)} ms`);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-bench-'));
  try {
    await slice(dir, tmp);
    await measure('500-file slice of the stdlib', tmp);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  await measure(`stdlib ${dir}`, dir);
  console.log(`peak RSS: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}
