// One measurement for bench/decode.ts, in its own process so that peak RSS is its own:
// read FILE, decode it (and, with --paths, compute every object path). Prints JSON.
import { readFileSync } from 'node:fs';
import { decodePickle } from '../src/snapshot/decoder.js';

const [file, mode] = process.argv.slice(2);
if (!file) throw new Error('usage: decode-child FILE [--paths|--read-only|--warm]');
const data = readFileSync(file);
// --warm: decode once before measuring, to show the speed once the JIT has compiled the decoder.
if (mode === '--warm') decodePickle(data, { file });
const c0 = process.cpuUsage();
const t0 = performance.now();
let nodes = 0;
let pathMs = 0;
if (mode !== '--read-only') {
  const g = decodePickle(data, { file });
  nodes = g.nodeCount;
  if (mode === '--paths') {
    const t1 = performance.now();
    g.pathOf(g.nodeCount - 1); // computes the BFS for the whole graph
    pathMs = performance.now() - t1;
  }
}
const ms = performance.now() - t0 - pathMs;
const cpu = process.cpuUsage(c0);
// CPU time counts every thread of the process (JIT compiler, GC helpers), not only the main one.
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(JSON.stringify({ ms, cpuMs, pathMs, nodes, maxRssKib: process.resourceUsage().maxRSS }));
