// `npm run fuzz -- --runs 100000 --seed 7`: mutational fuzzing of the pickle decoder.
//
// Inputs are mutations of every committed pickle under test/fixtures/ (./corpus.ts, ./mutate.ts),
// decoded in a worker thread (./worker.ts) and judged (./verdict.ts): a graph or a SnapshotError
// is fine, anything else is a crash. This process watches the worker: when one input hangs
// (--hang-ms) or exhausts the worker's heap (--heap-mb), the worker is killed, the input is
// re-made from (seed, index) and saved, and a new worker resumes at the next index.
// Each distinct crash (kind, site, message) is saved once to test/fixtures/fuzz-regressions/,
// where `npm test` replays it. Exit status 1 when anything crashed.
//
// Modes: by default the strict decoder (decodePickle); --tolerant the decoder behind --partial
// (must always return a graph); --open raw files through the opener first (format sniffing,
// gzip/bzip2, the AOT parser); --consumers every graph also through inspect's readers (unsafe
// scan, facts, summary, tree, JSON, path resolution).
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { repoPath } from '../helpers/run.js';
import { loadCorpus } from './corpus.js';
import { makeInput, type CorpusEntry } from './mutate.js';
import { saveCrash } from './regressions.js';
import { DEFAULT_LIMITS, signature, type Limits, type Verdict } from './verdict.js';
import type { WorkerJob, WorkerMessage } from './worker.js';

interface Options {
  runs: number;
  seed: number;
  start: number;
  hangMs: number;
  heapMb: number;
  limits: Limits;
  out: string;
  save: boolean;
  tolerant: boolean;
  consumers: boolean;
  open: boolean;
}

const USAGE = `usage: npm run fuzz -- [--runs N] [--seed N] [--start N] [--slow-ms N] [--hang-ms N] [--heap-mb N]
                        [--out DIR] [--no-save] [--tolerant] [--consumers] [--open]`;

function parseArgs(argv: string[]): Options {
  const o: Options = {
    runs: 10_000, seed: 1, start: 0, hangMs: 10_000, heapMb: 1024, limits: { ...DEFAULT_LIMITS },
    out: repoPath('test', 'fixtures', 'fuzz-regressions'), save: true, tolerant: false, consumers: false, open: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isSafeInteger(v) || v < 0) throw new Error(`${a} needs a whole number\n${USAGE}`);
      return v;
    };
    if (a === '--runs') o.runs = num();
    else if (a === '--seed') o.seed = num();
    else if (a === '--start') o.start = num();
    else if (a === '--slow-ms') o.limits.slowMs = num();
    else if (a === '--hang-ms') o.hangMs = num();
    else if (a === '--heap-mb') o.heapMb = num();
    else if (a === '--out') o.out = path.resolve(argv[++i] ?? '.');
    else if (a === '--no-save') o.save = false;
    else if (a === '--tolerant') o.tolerant = true;
    else if (a === '--consumers') o.consumers = true;
    else if (a === '--open') o.open = true;
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  return o;
}

type Crash = Extract<Verdict, { outcome: 'crash' }>;

interface Tally {
  graphs: number;
  errors: number;
  bytes: number;
  crashes: number;
  done: number;
  lastReport: number;
  distinct: Map<string, { crash: Crash; count: number; file?: string; index: number }>;
}

interface SegmentEnd {
  /** First index not known to be done. */
  next: number;
  /** Set when the worker had to be killed or died on input `next`. */
  killed?: { kind: 'hang' | 'oom' | 'worker-died'; message: string };
}

function runSegment(o: Options, corpus: CorpusEntry[], start: number, end: number, onCrash: (index: number, c: Crash) => void, tally: Tally): Promise<SegmentEnd> {
  return new Promise((resolve) => {
    const progress = new SharedArrayBuffer(4);
    const view = new Int32Array(progress);
    Atomics.store(view, 0, start);
    const job: WorkerJob = { corpus, seed: o.seed, start, end, limits: o.limits, tolerant: o.tolerant, consumers: o.consumers, open: o.open, progress };
    const worker = new Worker(new URL('./worker.js', import.meta.url), {
      workerData: job,
      resourceLimits: { maxOldGenerationSizeMb: o.heapMb },
      stdout: false,
      stderr: false,
    });
    let settled = false;
    let ended = false;
    let last = start;
    let lastChange = Date.now();
    const settle = (r: SegmentEnd): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      resolve(r);
    };
    // Timing is the only way to tell a hang from slow progress; generous by default.
    const watchdog = setInterval(() => {
      const now = Atomics.load(view, 0);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > o.hangMs) {
        void worker.terminate();
        settle({ next: now, killed: { kind: 'hang', message: `no progress for ${o.hangMs} ms` } });
      }
    }, 200);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'crash') onCrash(m.index, { outcome: 'crash', kind: m.kind, message: m.message, where: m.where, ms: m.ms });
      else if (m.type === 'stats') {
        tally.graphs += m.graphs;
        tally.errors += m.errors;
        tally.bytes += m.bytes;
        tally.done += m.done;
        if (Date.now() - tally.lastReport > 15_000) {
          tally.lastReport = Date.now();
          process.stderr.write(`fuzz: ${tally.done} inputs so far, ${tally.crashes} crashes\n`);
        }
      } else ended = true;
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const oom = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      settle({ next: Atomics.load(view, 0), killed: { kind: oom ? 'oom' : 'worker-died', message: err.message } });
    });
    worker.on('exit', (code) => {
      if (ended && code === 0) settle({ next: end });
      else settle({ next: Atomics.load(view, 0), killed: { kind: 'worker-died', message: `worker exited with code ${code}` } });
    });
  });
}

async function main(): Promise<number> {
  let o: Options;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`fuzz: ${(e as Error).message}\n`);
    return 2;
  }
  const corpus: CorpusEntry[] = loadCorpus(repoPath('test', 'fixtures'), o.open);
  if (corpus.length === 0) {
    process.stderr.write('fuzz: no pickles found under test/fixtures/\n');
    return 2;
  }
  const corpusBytes = corpus.reduce((n, c) => n + c.data.length, 0);
  process.stderr.write(`fuzz: ${corpus.length} seed pickles (${corpusBytes} bytes), seed ${o.seed}, inputs ${o.start}..${o.start + o.runs - 1}` +
    `${o.tolerant ? ', tolerant decoder' : ''}${o.consumers ? ', + inspect readers' : ''}${o.open ? ', through the opener' : ''}\n`);

  const tally: Tally = { graphs: 0, errors: 0, bytes: 0, crashes: 0, done: 0, lastReport: Date.now(), distinct: new Map() };
  const onCrash = (index: number, c: Crash): void => {
    tally.crashes++;
    const sig = signature(c);
    const seen = tally.distinct.get(sig);
    if (seen) {
      seen.count++;
      return;
    }
    const entry: { crash: Crash; count: number; file?: string; index: number } = { crash: c, count: 1, index };
    if (o.save) {
      const input = makeInput(corpus, o.seed, index);
      entry.file = saveCrash(o.out, input.data, c, { mode: { tolerant: o.tolerant, consumers: o.consumers, open: o.open }, seed: o.seed, index, base: input.base, mutations: input.mutations });
    }
    tally.distinct.set(sig, entry);
    process.stderr.write(`fuzz: crash #${tally.distinct.size} at input ${index}: ${c.kind} at ${c.where}: ${c.message.slice(0, 120)}\n`);
  };

  const t0 = performance.now();
  const end = o.start + o.runs;
  let next = o.start;
  while (next < end) {
    const seg = await runSegment(o, corpus, next, end, onCrash, tally);
    if (seg.killed) {
      onCrash(seg.next, { outcome: 'crash', kind: seg.killed.kind, message: seg.killed.message, where: 'worker', ms: 0 });
      next = seg.next + 1;
    } else next = seg.next;
  }
  const secs = (performance.now() - t0) / 1000;
  const done = o.runs;
  const lines = [
    `fuzz: seed ${o.seed}: ${done} inputs in ${secs.toFixed(1)} s (${(done / secs).toFixed(0)} inputs/s, ` +
      `${(tally.bytes / 2 ** 20).toFixed(1)} MB decoded)`,
    `  outcomes: ${tally.graphs} graphs, ${tally.errors} SnapshotErrors, ${tally.crashes} crashes ` +
      `(${tally.distinct.size} distinct)`,
  ];
  for (const d of [...tally.distinct.values()].sort((a, b) => a.index - b.index)) {
    lines.push(`  - ${d.crash.kind} at ${d.crash.where} x${d.count} (first at input ${d.index}): ${d.crash.message.slice(0, 160)}` +
      (d.file ? `\n    saved ${path.relative(repoPath(), path.join(o.out, d.file))}` : ''));
  }
  process.stdout.write(lines.join('\n') + '\n');
  return tally.crashes > 0 ? 1 : 0;
}

process.exitCode = await main();
