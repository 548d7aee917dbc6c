// What reads a decoded graph in `rehearse inspect`: the unsafe-global scan, the facts, the text
// summary, the tree and the JSON document. With --consumers the fuzzer feeds every decoded graph
// through them too, since a hostile pickle reaches them as surely as it reaches the decoder.
import { Chalk } from 'chalk';
import { gatherFacts } from '../../src/inspect/facts.js';
import { formatJson, inspectDocument } from '../../src/inspect/json.js';
import { formatSummary } from '../../src/inspect/summary.js';
import { formatTree, resolvePath } from '../../src/inspect/tree.js';
import type { SnapshotGraph } from '../../src/snapshot/graph.js';
import type { SnapshotFile } from '../../src/snapshot/open.js';
import { scanUnsafe } from '../../src/snapshot/unsafe.js';

const chalk = new Chalk({ level: 0 });

export function consumeAsInspect(graph: SnapshotGraph, data: Uint8Array): void {
  const opened: SnapshotFile = {
    kind: 'snapshot', file: 'fuzz-input', format: 'pickle', compression: 'none', label: 'pickle',
    sha256: '0'.repeat(64), size: data.length, contentSize: data.length, pickle: data,
  };
  scanUnsafe(graph);
  const facts = gatherFacts(opened, graph);
  formatSummary(facts, chalk);
  formatJson(inspectDocument('0.0.0', [facts], []));
  formatTree(graph, chalk, { depth: 6 });
  // Every printed path must lead back to its node (users paste them into --tree PATH).
  const n = Math.min(graph.nodeCount, 200);
  for (let id = 0; id < n; id++) {
    const p = graph.pathOf(id);
    if (p.startsWith('<')) continue; // unreachable nodes have no path
    if (resolvePath(graph, p) === undefined) throw new Error(`path ${p} of node ${id} does not resolve`);
  }
}
