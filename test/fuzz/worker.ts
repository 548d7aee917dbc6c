// The fuzz loop, run in a worker thread so that the parent can kill it when one input hangs or
// exhausts the heap (a synchronous decoder cannot be interrupted from inside its own thread).
// Publishes the index it is working on in shared memory before each decode: if the worker dies
// or stops moving, the parent re-makes that input from (seed, index) and saves it.
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../../src/errors.js';
import { decodePickle, decodePickleTolerant } from '../../src/snapshot/decoder.js';
import { identifySnapshot } from '../../src/snapshot/open.js';
import { consumeAsInspect } from './consumers.js';
import { makeInput, type CorpusEntry } from './mutate.js';
import { judge, type Decode, type Limits } from './verdict.js';

export interface WorkerJob {
  /** The corpus as the parent loaded it once (saved crashes must not change it mid-run). */
  corpus: CorpusEntry[];
  seed: number;
  start: number;
  end: number;
  limits: Limits;
  tolerant: boolean;
  /** Also feed each graph through inspect's readers (./consumers.ts). */
  consumers: boolean;
  /** Fuzz the opener too: inputs are raw files (compressed, AOT text), see corpus.ts. */
  open: boolean;
  /** Int32Array view: [0] = index being decoded. */
  progress: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: 'crash'; index: number; kind: string; message: string; where: string; ms: number }
  | { type: 'stats'; done: number; graphs: number; errors: number; bytes: number }
  | { type: 'end' };

/** Opening caps decompression low: a mutated gzip must not take the fuzzer's memory. */
const OPEN_MAX_BYTES = 8 * 1024 * 1024;

export function openerFor(decode: Decode): Decode {
  return (raw) => {
    const opened = identifySnapshot('fuzz-input', raw, { maxBytes: OPEN_MAX_BYTES });
    if (opened.kind !== 'snapshot') throw new UserError(`fuzz-input: ${opened.reason}`);
    return decode(opened.pickle);
  };
}

export function decoderFor(tolerant: boolean): Decode {
  if (!tolerant) return (d) => decodePickle(d, { file: 'fuzz-input' });
  // The tolerant decoder must never throw at all: it returns what it decoded plus the error.
  return (d) => {
    const r = decodePickleTolerant(d, { file: 'fuzz-input' });
    return { graph: r.graph, partial: r.error !== undefined };
  };
}

function run(job: WorkerJob): void {
  const port = parentPort!;
  const corpus = job.corpus;
  const progress = new Int32Array(job.progress);
  const decode = job.open ? openerFor(decoderFor(job.tolerant)) : decoderFor(job.tolerant);
  const limits = job.open ? { ...job.limits, acceptUserError: true } : job.limits;
  let done = 0;
  let graphs = 0;
  let errors = 0;
  let bytes = 0;
  const flush = (): void => {
    port.postMessage({ type: 'stats', done, graphs, errors, bytes } satisfies WorkerMessage);
    done = graphs = errors = bytes = 0;
  };
  for (let i = job.start; i < job.end; i++) {
    Atomics.store(progress, 0, i);
    const input = makeInput(corpus, job.seed, i);
    const consume = job.consumers ? consumeAsInspect : undefined;
    let v = judge(decode, input.data, limits, consume);
    // Slowness on a shared machine can be someone else's load: it counts when it repeats.
    if (v.outcome === 'crash' && v.kind === 'slow') {
      const again = judge(decode, input.data, limits, consume);
      if (again.outcome !== 'crash' || again.kind !== 'slow') v = again;
    }
    done++;
    bytes += input.data.length;
    if (v.outcome === 'graph') graphs++;
    else if (v.outcome === 'snapshot-error') errors++;
    else port.postMessage({ type: 'crash', index: i, kind: v.kind, message: v.message, where: v.where, ms: v.ms } satisfies WorkerMessage);
    if (done === 500) flush();
  }
  flush();
  port.postMessage({ type: 'end' } satisfies WorkerMessage);
}

if (parentPort && workerData) run(workerData as WorkerJob);
