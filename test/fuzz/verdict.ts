// What counts as a crash of the decoder. Any input must end in a usable graph or a SnapshotError;
// everything else is a defect: another exception type (TypeError, RangeError, a stack overflow),
// a SnapshotError that breaks its own contract (several lines, an offset outside the input), a
// graph whose readers throw or point outside the graph, or an input that takes too long or makes
// memory grow beyond a limit (measured here; hangs and out-of-memory kills are caught one level
// up, by the process that watches the fuzz worker).
import { SnapshotError, UserError } from '../../src/errors.js';
import type { SnapshotGraph } from '../../src/snapshot/graph.js';

/** Decodes one input; `partial` is true when the graph is what a tolerant decoder salvaged. */
export type Decode = (data: Uint8Array) => SnapshotGraph | { graph: SnapshotGraph; partial: boolean };

export interface Limits {
  /** An input slower than this is a crash of kind `slow`. */
  slowMs: number;
  /** Growth of heap + array buffers while the graph is alive beyond this is a crash of kind `heap`. */
  heapBytes: number;
  /** At most this many nodes are walked through the graph's readers. */
  walkNodes: number;
  /**
   * Accept any UserError (not only SnapshotError) as a clean refusal, and do not check its
   * offset against the input: for the opener, whose input is compressed or AOT text.
   */
  acceptUserError?: boolean;
}

export const DEFAULT_LIMITS: Limits = { slowMs: 5000, heapBytes: 256 * 1024 * 1024, walkNodes: 20_000 };

export type Verdict =
  | { outcome: 'graph'; nodes: number; ms: number }
  | { outcome: 'snapshot-error'; message: string; ms: number }
  | { outcome: 'crash'; kind: string; message: string; where: string; ms: number };

function memNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** The first stack frame inside our sources, as `file:line`, to tell crash sites apart. */
export function crashSite(err: unknown): string {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  for (const line of stack.split('\n').slice(1)) {
    const m = /(?:\/|\()((?:dist\/)?(?:src|test)\/[^:()]+):(\d+)/.exec(line);
    if (m) return `${m[1]}:${m[2]}`;
  }
  return 'unknown';
}

/** SnapshotError reasons that wrap a bug of the decoder rather than describe the input. */
const MASKED: Array<[RegExp, string]> = [
  [/internal decoder error/i, 'masked-internal-error'],
  [/call stack/i, 'masked-stack-overflow'],
  [/out of memory while decoding/i, 'masked-rangeerror'],
];

/** Where the wrapped error was thrown, when the SnapshotError keeps it as `cause`. */
function causeSite(err: Error): string {
  const cause = (err as Error & { cause?: unknown }).cause;
  return cause === undefined ? crashSite(err) : crashSite(cause);
}

function crashKind(err: unknown): string {
  if (err instanceof RangeError && /call stack/i.test(err.message)) return 'stack-overflow';
  if (err instanceof Error) return err.constructor.name.toLowerCase();
  return `thrown-${typeof err}`;
}

/** Calls every reader of the graph on (up to limits.walkNodes) nodes; throws on a broken graph. */
export function walkGraph(g: SnapshotGraph, limits: Limits, partial = false): void {
  const n = g.nodeCount;
  if (!Number.isInteger(n) || n < 1) throw new Error(`graph: nodeCount ${n}`);
  if (!(g.root >= 0 && g.root < n)) throw new Error(`graph: root ${g.root} outside 0..${n - 1}`);
  const info = g.info;
  // A partial graph (tolerant decoding) never reached STOP: -1 says so.
  const stopOk = info.stopOffset >= 0 ? info.stopOffset < info.size : partial && info.stopOffset === -1;
  if (!(info.size >= 0 && stopOk)) {
    throw new Error(`graph: info size ${info.size} stopOffset ${info.stopOffset}`);
  }
  const upto = Math.min(n, limits.walkNodes);
  let pathBudget = 4_000_000;
  for (let id = 0; id < upto; id++) {
    const node = g.node(id);
    if (node.kind !== g.kind(id)) throw new Error(`graph: node(${id}).kind ${node.kind} != kind() ${g.kind(id)}`);
    const off = g.offset(id);
    if (!(off >= 0 && (off < info.size || (partial && off === info.size)))) throw new Error(`graph: offset(${id}) = ${off} outside the stream`);
    for (const e of g.edges(id)) {
      if (!(e.to >= 0 && e.to < n)) throw new Error(`graph: edge of ${id} to ${e.to} outside the graph`);
    }
    g.text(id);
    g.classOf(id);
    if (node.kind === 'instance') g.instanceState(id);
    // A path is as long as the node is deep (a 1,000,000-deep list has 3 MB paths at the
    // bottom), so path checks stop at a budget of characters rather than nodes.
    if (pathBudget > 0) {
      const p = g.pathOf(id);
      if (typeof p !== 'string') throw new Error(`graph: pathOf(${id}) is not a string`);
      pathBudget -= p.length + 1;
    }
  }
  if (g.pathOf(g.root) !== 'root') throw new Error(`graph: pathOf(root) is ${JSON.stringify(g.pathOf(g.root))}`);
  for (const k of ['instance', 'global', 'call'] as const) g.nodesOfKind(k);
}

/** Runs one input through `decode` and judges the outcome. Never throws. */
export function judge(
  decode: Decode,
  data: Uint8Array,
  limits: Limits = DEFAULT_LIMITS,
  consume?: (g: SnapshotGraph, data: Uint8Array) => void,
): Verdict {
  const before = memNow();
  const t0 = performance.now();
  let graph: SnapshotGraph;
  let partial = false;
  try {
    const r = decode(data);
    if ('graph' in r) {
      graph = r.graph;
      partial = r.partial;
    } else graph = r;
  } catch (err) {
    const ms = performance.now() - t0;
    if (limits.acceptUserError && err instanceof UserError && !(err instanceof SnapshotError)) {
      if (err.message.includes('\n')) return { outcome: 'crash', kind: 'bad-error-multiline', message: err.message, where: crashSite(err), ms };
      if (/internal|undefined|null|NaN|\[object /.test(err.message)) return { outcome: 'crash', kind: 'bad-error-text', message: err.message, where: crashSite(err), ms };
      return { outcome: 'snapshot-error', message: err.message, ms };
    }
    if (err instanceof SnapshotError) {
      const msg = err.message;
      if (msg.includes('\n')) return { outcome: 'crash', kind: 'bad-error-multiline', message: msg, where: crashSite(err), ms };
      if (!limits.acceptUserError && !(Number.isInteger(err.offset) && err.offset >= 0 && err.offset <= data.length)) {
        return { outcome: 'crash', kind: 'bad-error-offset', message: `offset ${err.offset} of ${data.length}: ${msg}`, where: crashSite(err), ms };
      }
      // The decoder turns its own bugs into SnapshotErrors so that users never see a stack
      // trace; for the fuzzer they are still bugs.
      const masked = MASKED.find(([re]) => re.test(err.reason));
      if (masked) return { outcome: 'crash', kind: masked[1], message: err.reason, where: causeSite(err), ms };
      if (ms > limits.slowMs) return { outcome: 'crash', kind: 'slow', message: `${ms.toFixed(0)} ms to fail: ${msg}`, where: crashSite(err), ms };
      return { outcome: 'snapshot-error', message: msg, ms };
    }
    return { outcome: 'crash', kind: crashKind(err), message: err instanceof Error ? err.message : String(err), where: crashSite(err), ms };
  }
  const grown = memNow() - before;
  try {
    walkGraph(graph, limits, partial);
  } catch (err) {
    return { outcome: 'crash', kind: `graph-${crashKind(err)}`, message: err instanceof Error ? err.message : String(err), where: crashSite(err), ms: performance.now() - t0 };
  }
  if (consume) {
    try {
      consume(graph, data);
    } catch (err) {
      return { outcome: 'crash', kind: `consumer-${crashKind(err)}`, message: err instanceof Error ? err.message : String(err), where: crashSite(err), ms: performance.now() - t0 };
    }
  }
  const ms = performance.now() - t0;
  if (grown > limits.heapBytes) {
    return { outcome: 'crash', kind: 'heap', message: `${(grown / 2 ** 20).toFixed(0)} MB for a ${data.length}-byte input`, where: 'decode', ms };
  }
  if (ms > limits.slowMs) return { outcome: 'crash', kind: 'slow', message: `${ms.toFixed(0)} ms for ${data.length} bytes`, where: 'decode', ms };
  return { outcome: 'graph', nodes: graph.nodeCount, ms };
}

/** A short stable signature of a crash, to save one input per distinct defect. */
export function signature(v: Extract<Verdict, { outcome: 'crash' }>): string {
  const msg = v.message.replace(/\d+/g, 'N').slice(0, 80);
  return `${v.kind}|${v.where}|${v.kind === 'slow' || v.kind === 'heap' ? '' : msg}`;
}
