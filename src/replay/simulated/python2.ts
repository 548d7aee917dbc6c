// A Python 2 snapshot loaded by a Python 3 target. pickle.load's default encoding='ASCII' fails
// on a Python 2 `str` with non-ASCII bytes; encoding='bytes' loads, but every Python 2 `str`
// (version keys included) becomes bytes, so Twisted finds no version key and every upgrade
// chain re-runs from 0. encoding='latin1' loads every byte string as text.
import type { NodeId } from '../../snapshot/graph.js';
import type { FindingAccumulator } from './accumulate.js';
import { VERSION_KEY_SUFFIX } from './versioned.js';
import type { SimulatedSnapshot } from './replay.js';
import type { ReleaseView } from './view.js';

export function checkPython2Strings(
  acc: FindingAccumulator,
  view: ReleaseView,
  snap: SimulatedSnapshot,
  loadsWithBytes: boolean,
  done: string[],
): void {
  const { graph } = snap;
  const nonAscii: NodeId[] = [];
  let py2strings = 0;
  const versionKeys: NodeId[] = [];
  for (const id of graph.nodesOfKind('bytes')) {
    const n = graph.node(id);
    if (n.kind !== 'bytes' || !n.py2str) continue;
    py2strings++;
    if (n.bytes.some((b) => b > 0x7f)) nonAscii.push(id);
    const text = graph.text(id);
    if (text !== undefined && text.endsWith(VERSION_KEY_SUFFIX)) versionKeys.push(id);
  }
  if (py2strings === 0) return;
  if (nonAscii.length > 0) {
    const first = nonAscii[0]!;
    acc.add(
      {
        code: 'load-exception',
        message:
          `Python 2 byte strings with non-ASCII bytes: a Python 3 target's pickle.load() with the default encoding='ASCII' ` +
          `raises UnicodeDecodeError on the first one (byte ${graph.offset(first)})`,
        evidence: [{ file: snap.name, role: 'snapshot', text: `${JSON.stringify(graph.text(first))} at byte ${graph.offset(first)}` }],
        suggestion:
          `Load with pickle.load(f, encoding='latin1'): every Python 2 str becomes text and the version keys keep working. ` +
          `encoding='bytes' also loads, but turns every version key into bytes, so every upgrade chain re-runs from 0.`,
        details: { encodingThatLoads: 'latin1' },
      },
      snap.name,
      graph,
      nonAscii,
    );
  } else {
    done.push(`${snap.name}: Python 2 snapshot; its byte strings are ASCII, so Python 3's default encoding='ASCII' loads them`);
  }
  if (loadsWithBytes && versionKeys.length > 0) {
    acc.add(
      {
        code: 'version-key-orphaned',
        attribute: '(every version key)',
        message:
          `the target loads with encoding='bytes': the ${versionKeys.length} Python 2 version key(s) become bytes, ` +
          `Twisted finds none of them, and every Versioned object's upgrade chain re-runs from 0`,
        suggestion: `Load with encoding='latin1' instead of encoding='bytes'.`,
      },
      snap.name,
      graph,
      versionKeys,
    );
  }
  void view;
}
