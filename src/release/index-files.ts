// Parse and extract many files, on this thread and on worker threads when the release is big
// enough to pay for a second parser's start-up. Results come back in input order, so the model
// is the same whichever way it was built.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Parser } from 'web-tree-sitter';
import { dict } from './dict.js';
import { extractModule, type ModuleFacts } from './extract.js';
import type { ClassInfo, ModuleInfo } from './model.js';
import { normaliseNewlines, parsePython, pythonParser } from './parser.js';

export interface FileInput {
  file: string;
  module: string;
  isPackage: boolean;
  text: string;
}

/** Below this many lines one thread is faster than starting a worker (~40 ms of wasm start-up). */
const PARALLEL_MIN_LINES = 20_000;

export function extractFile(parser: Parser, f: FileInput, moduleNames: ReadonlySet<string>): ModuleFacts {
  const text = normaliseNewlines(f.text);
  const tree = parsePython(parser, text);
  try {
    return extractModule(tree, text, { module: f.module, file: f.file, isPackage: f.isPackage, moduleNames });
  } finally {
    tree.delete();
  }
}

/** Structured clone gives records a prototype again: restore the null-prototype records. */
function reDict<V>(r: Record<string, V>): Record<string, V> {
  return Object.assign(dict<V>(), r);
}

function revive(f: ModuleFacts): ModuleFacts {
  const mod: ModuleInfo = f.module;
  mod.names = reDict(mod.names);
  const classes = f.classes.map((c): ClassInfo => {
    for (const m of Object.values(c.methods)) m.assigned = reDict(m.assigned);
    return { ...c, classAttrs: reDict(c.classAttrs), methods: reDict(c.methods), upgradeMethods: reDict(c.upgradeMethods) };
  });
  return { ...f, classes, findGlobals: f.findGlobals.map((g) => ({ ...g, renames: reDict(g.renames) })) };
}

function runWorker(files: FileInput[], moduleNames: string[]): Promise<ModuleFacts[]> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: { files, moduleNames } });
    w.once('message', (m: { facts?: ModuleFacts[]; error?: string }) => {
      void w.terminate();
      if (m.facts) resolve(m.facts.map(revive));
      else reject(new Error(m.error ?? 'worker failed'));
    });
    w.once('error', reject);
  });
}

/** Facts for every file, in input order. */
export async function extractAll(files: FileInput[], moduleNames: ReadonlySet<string>): Promise<ModuleFacts[]> {
  const parser = await pythonParser();
  let lines = 0;
  for (const f of files) lines += f.text.length / 40; // a cheap estimate: ~40 characters a line
  // REHEARSE_THREADS=N forces N threads whatever the size (1: this thread only).
  const forced = Number(process.env.REHEARSE_THREADS);
  const threads = forced >= 1 ? Math.min(Math.floor(forced), 8) : lines < PARALLEL_MIN_LINES ? 1 : Math.min(os.availableParallelism(), 4);
  if (threads < 2 || files.length < 2) {
    return files.map((f) => extractFile(parser, f, moduleNames));
  }
  // Deal files out by size so every thread gets a similar share; this thread takes one share.
  const order = files.map((f, i) => ({ i, size: f.text.length })).sort((a, b) => b.size - a.size || a.i - b.i);
  const shares: number[][] = Array.from({ length: threads }, () => []);
  const load = new Array<number>(threads).fill(0);
  for (const o of order) {
    const t = load.indexOf(Math.min(...load));
    shares[t]!.push(o.i);
    load[t]! += o.size;
  }
  const names = [...moduleNames];
  const pending = shares.slice(1).map((s) => runWorker(s.map((i) => files[i]!), names));
  const out = new Array<ModuleFacts>(files.length);
  for (const i of shares[0]!) out[i] = extractFile(parser, files[i]!, moduleNames);
  const done = await Promise.all(pending);
  done.forEach((facts, t) => facts.forEach((f, k) => (out[shares[t + 1]![k]!] = f)));
  return out;
}
