// A Python 2 snapshot loaded by a Python 3 target. pickle.load decodes every Python 2 `str` with
// its `encoding=` (default 'ASCII'): a non-ASCII byte makes the whole load fail. 'latin1' decodes
// any byte; 'utf-8' fails on bytes that are not UTF-8; 'bytes' loads, but keeps every Python 2
// `str` as bytes — attribute names and Twisted's version keys included (handled by the replay).
import type { NodeId } from '../../snapshot/graph.js';
import type { FindingAccumulator } from './accumulate.js';
import type { Py2Encoding, SimulatedSnapshot } from './replay.js';

function decodes(bytes: Uint8Array, encoding: Py2Encoding): boolean {
  if (encoding === 'latin1' || encoding === 'bytes') return true;
  if (encoding === 'ASCII') return bytes.every((b) => b < 0x80);
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Report a file that will not load under `encoding`. Returns true when the file fails to load
 * (its objects are then not replayed further: the real load stops at the first bad string).
 */
export function checkPython2Strings(acc: FindingAccumulator, snap: SimulatedSnapshot, encoding: Py2Encoding, done: string[]): boolean {
  const { graph } = snap;
  const failing: NodeId[] = [];
  let py2strings = 0;
  for (const id of graph.nodesOfKind('bytes')) {
    const n = graph.node(id);
    if (n.kind !== 'bytes' || !n.py2str) continue;
    py2strings++;
    if (!decodes(n.bytes, encoding)) failing.push(id);
  }
  if (py2strings === 0) return false;
  if (failing.length === 0) {
    done.push(`${snap.name}: Python 2 strings load under Python 3 with encoding='${encoding}'`);
    return false;
  }
  const first = failing[0]!;
  const firstBytes = graph.node(first);
  const hex = firstBytes.kind === 'bytes' ? Buffer.from(firstBytes.bytes).toString('hex') : '';
  acc.add(
    {
      code: 'load-exception',
      scope: snap.name,
      message:
        `${snap.name} does not load: it holds ${failing.length} Python 2 string(s) that encoding='${encoding}' cannot decode, ` +
        `and pickle.load raises UnicodeDecodeError at the first one (byte ${graph.offset(first)})`,
      evidence: [
        { file: snap.name, role: 'snapshot', text: `${JSON.stringify(graph.text(first))} (bytes ${hex}) at byte ${graph.offset(first)}` },
      ],
      suggestion:
        `Load with pickle.load(f, encoding='latin1'): every Python 2 str becomes text and Twisted's version keys keep working. ` +
        `encoding='bytes' also loads, but keeps attribute names and version keys as bytes: every upgrade chain re-runs from 1.`,
      details: { encoding, encodingThatLoads: 'latin1', firstOffset: graph.offset(first) },
    },
    snap.name,
    graph,
    failing,
  );
  return true;
}
