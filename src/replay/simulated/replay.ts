// The simulated replay: what the target's restart would do to every object of the snapshot,
// without running anything. Pure: graphs and a release view in, findings and notes out.
import type { NodeId, SnapshotGraph } from '../../snapshot/graph.js';
import type { Resolution } from '../../release/model.js';
import type { Evidence } from '../../report/finding.js';
import { FindingAccumulator } from './accumulate.js';
import { findRefill, indexExternalSets, initDefault, opacity, unguardedReads, usableDefault, type ReadSite, type RefillIndex } from './attributes.js';
import { LEGACY_VERSION_KEY, VERSION_KEY_SUFFIX, simulateUpgrade, type UpgradeOutcome } from './versioned.js';
import { classLevelNames, derivesFromVersioned, opaqueBases, upgradeChain, type ReleaseView } from './view.js';
import { describeFailure, suggestAttributeFix, suggestMissingClass } from './suggest.js';
import { checkPython2Strings } from './python2.js';

export interface SimulatedSnapshot {
  /** Name shown in reports (the path as given). */
  name: string;
  graph: SnapshotGraph;
}

export interface SimulatedOptions {
  /** Python major version the target runs on (inferred from the release's syntax when absent). */
  targetPython?: 2 | 3;
  /** Every word that appears in the release's source (for `unused-attribute`); absent: not checked. */
  releaseWords?: ReadonlySet<string>;
  /** How the target decodes Python 2 strings (pickle.load's encoding=); default 'ASCII', pickle's own. */
  encoding?: Py2Encoding;
}

export interface SimulatedResult {
  findings: import('../../report/finding.js').Finding[];
  done: string[];
  skipped: string[];
  stats: { objects: number; instances: number; classes: number; versioned: number };
}

interface ClassUse {
  module: string;
  name: string;
  instances: NodeId[];
  others: NodeId[]; // calls and bare references
}

export function simulateReplay(snapshots: readonly SimulatedSnapshot[], view: ReleaseView, opts: SimulatedOptions = {}): SimulatedResult {
  const acc = new FindingAccumulator(snapshots.length > 1);
  const done: string[] = [];
  const skipped: string[] = [];
  const resolutions = new Map<string, Resolution>();
  const refills = indexExternalSets(view.model.externalSets);
  const readsCache = new Map<string, Map<string, ReadSite[]>>();
  const outcomeCache = new Map<string, UpgradeOutcome>();
  const unknownModules = new Set<string>();
  const dynamic = new Set<string>();
  const opaqueReported = new Set<string>();
  let py2Unknown = false;
  let instancesChecked = 0;
  let versionedObjects = 0;
  let objects = 0;
  const classesSeen = new Set<string>();

  const resolve = (module: string, name: string): Resolution => {
    const k = `${module} ${name}`;
    let r = resolutions.get(k);
    if (!r) {
      r = view.resolve(module, name);
      resolutions.set(k, r);
    }
    return r;
  };

  for (const snap of snapshots) {
    const { graph } = snap;
    objects += graph.nodeCount;
    const uses = classUses(graph);
    const targetPython = opts.targetPython ?? view.model.python;
    const py3 = targetPython === 3;
    const encoding: Py2Encoding = opts.encoding ?? 'ASCII';
    const bytesKeys = py3 && encoding === 'bytes';
    if (py3) {
      // A file that does not load at all has no objects to check further.
      if (checkPython2Strings(acc, snap, encoding, done)) continue;
    } else if (targetPython === undefined && !py2Unknown && hasPython2Strings(graph)) {
      py2Unknown = true;
      skipped.push(
        `the snapshot was written by Python 2 and the target's Python version is not known from its source: ` +
          `pass --target-python 3 (and --encoding) to check how Python 3 would decode its strings`,
      );
    }

    for (const use of uses.values()) {
      const qual = `${use.module}.${use.name}`;
      classesSeen.add(qual);
      const r = finalResolution(resolve(use.module, use.name));
      const affected = use.instances.length > 0 ? use.instances : use.others;
      if (r.status === 'missing-module' || r.status === 'missing-class') {
        const code = r.status;
        const firstGlobal = use.instances[0] ?? use.others[0];
        acc.add(
          {
            code,
            class: qual,
            message:
              code === 'missing-module'
                ? r.module === use.module
                  ? `module ${use.module} does not exist in the target: ${qual} cannot be loaded`
                  : `module ${use.module} cannot be imported in the target: it imports ${r.module}, which does not exist`
                : r.module === use.module
                  ? `module ${use.module} exists in the target but has no name ${use.name}`
                  : `module ${use.module} cannot be imported in the target: ${r.module} has no name ${r.name}`,
            evidence: [
              {
                file: snap.name,
                role: 'snapshot',
                text: `GLOBAL '${use.module} ${use.name}'` + (firstGlobal !== undefined ? ` (object made at byte ${graph.offset(firstGlobal)})` : ''),
              },
              ...sameNameElsewhere(view, use.name),
            ],
            suggestion: suggestMissingClass(view, use.module, use.name, code),
          },
          snap.name,
          graph,
          affected,
        );
        continue;
      }
      if (r.status === 'unknown') {
        unknownModules.add(r.module);
        continue;
      }
      if (r.status === 'dynamic') {
        dynamic.add(`${qual} (${r.reason})`);
        continue;
      }
      if (r.status !== 'found') continue;
      const classKey = r.classKey;

      const groups = new Map<string, SavedState & { ids: NodeId[] }>();
      for (const id of use.instances) {
        instancesChecked++;
        const saved = savedState(graph, id, bytesKeys);
        if (!saved) {
          const reason = opacity(view, classKey);
          if (!opaqueReported.has(qual)) {
            opaqueReported.add(qual);
            acc.add(
              {
                code: 'not-checked',
                class: qual,
                message: `saved state of ${qual} is not an attribute dict${reason ? ` and ${reason}` : ''}: its attributes were not checked`,
              },
              snap.name,
              graph,
              [id],
            );
          }
          continue;
        }
        const sig =
          [...saved.attrs].sort().join(',') + '|' + [...saved.versions].sort().map(([k, v]) => `${k}=${v}`).join(',') + '|' +
          saved.bytesVersionKeys.map((b) => `${b.key}=${b.value}`).sort().join(',');
        const g = groups.get(sig);
        if (g) g.ids.push(id);
        else groups.set(sig, { ...saved, ids: [id] });
      }

      for (const g of groups.values()) {
        const versioned = derivesFromVersioned(view, classKey);
        let attrs: Set<string> = g.attrs;
        if (versioned) {
          versionedObjects += g.ids.length;
          const sig = classKey + '|' + [...g.attrs].sort().join(',') + '|' + [...g.versions].sort().join(',');
          let outcome = outcomeCache.get(sig);
          if (!outcome) {
            outcome = simulateUpgrade(view, classKey, g.attrs, g.versions);
            outcomeCache.set(sig, outcome);
          }
          reportUpgrade(acc, view, snap, qual, classKey, g.attrs, outcome, g.ids);
          reportBytesVersionKeys(acc, view, snap, qual, classKey, g.bytesVersionKeys, outcome, g.ids);
          attrs = outcome.attrs;
        }
        checkAttributes(acc, view, snap, qual, classKey, attrs, g.ids, refills, readsCache, opaqueReported);
        if (opts.releaseWords) reportUnused(acc, view, snap, qual, classKey, attrs, g.ids, opts.releaseWords);
      }
    }

  }

  if (unknownModules.size > 0) {
    skipped.push(
      `classes from packages outside the target were not checked (pass --lib to index them): ${[...unknownModules].sort().join(', ')}`,
    );
  }
  if (dynamic.size > 0) skipped.push(`not statically known, not checked: ${[...dynamic].sort().join('; ')}`);
  done.push(
    `simulated replay: ${instancesChecked} instance(s) replayed against classes of the target (of ${classesSeen.size} class reference(s) in ${snapshots.length} snapshot file(s)); ` +
      `${versionedObjects} Versioned object(s) upgraded abstractly`,
  );
  if (!opts.releaseWords) skipped.push('unused attributes: the target is an archive, its source words were not indexed');

  return {
    findings: acc.findings(),
    done,
    skipped,
    stats: { objects, instances: instancesChecked, classes: classesSeen.size, versioned: versionedObjects },
  };
}

/** A Python 2 `str` (STRING/BINSTRING) anywhere: only Python 2 writes those. */
function hasPython2Strings(graph: SnapshotGraph): boolean {
  return graph.nodesOfKind('bytes').some((id) => {
    const n = graph.node(id);
    return n.kind === 'bytes' && n.py2str;
  });
}

/** Follow renames to the resolution pickle ends with. */
function finalResolution(r: Resolution): Resolution {
  let cur = r;
  for (let i = 0; i < 10 && cur.status === 'renamed'; i++) cur = cur.then;
  return cur;
}

/** Every class reference of a graph with the objects made from it. */
function classUses(graph: SnapshotGraph): Map<string, ClassUse> {
  const uses = new Map<string, ClassUse>();
  const get = (module: string, name: string): ClassUse => {
    const k = `${module} ${name}`;
    let u = uses.get(k);
    if (!u) {
      u = { module, name, instances: [], others: [] };
      uses.set(k, u);
    }
    return u;
  };
  // Globals used as a class (instances) or a callable (REDUCE calls); the rest are bare references.
  const asInstanceClass = new Set<NodeId>();
  for (const kind of ['instance', 'call'] as const) {
    for (const id of graph.nodesOfKind(kind)) {
      const node = graph.node(id);
      const refId = node.kind === 'instance' ? node.cls : node.kind === 'call' ? node.callable : undefined;
      if (refId === undefined) continue;
      const ref = graph.node(refId);
      if (ref.kind !== 'global') continue;
      asInstanceClass.add(refId);
      const use = get(ref.module, ref.name);
      (kind === 'instance' ? use.instances : use.others).push(id);
    }
  }
  for (const id of graph.nodesOfKind('global')) {
    if (asInstanceClass.has(id)) continue;
    const g = graph.node(id);
    if (g.kind === 'global') get(g.module, g.name).others.push(id);
  }
  return new Map([...uses].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** How a Python 3 target decodes a Python 2 `str` (pickle.load's `encoding=`). */
export type Py2Encoding = 'ASCII' | 'latin1' | 'utf-8' | 'bytes';

interface SavedState {
  attrs: Set<string>;
  versions: Map<string, number>;
  /** Version keys that load as bytes (encoding='bytes'): Twisted never finds them. */
  bytesVersionKeys: Array<{ key: string; value: number }>;
}

/** The (key, value) pairs of an instance's BUILD state: a dict, or the two dicts of a `(dict, slots)` tuple. */
function stateEntries(graph: SnapshotGraph, stateId: NodeId): Array<[NodeId, NodeId]> | undefined {
  const state = graph.node(stateId);
  if (state.kind === 'dict') return state.entries;
  if (state.kind === 'tuple' && state.items.length === 2) {
    const out: Array<[NodeId, NodeId]> = [];
    for (const part of state.items) {
      const n = graph.node(part);
      if (n.kind === 'dict') out.push(...n.entries);
      else if (n.kind !== 'none') return undefined;
    }
    return out;
  }
  return undefined;
}

function intValue(graph: SnapshotGraph, id: NodeId): number | undefined {
  const v = graph.node(id);
  if (v.kind === 'int') return Number(v.value);
  if (v.kind === 'bool') return v.value ? 1 : 0;
  return undefined;
}

/**
 * The saved attribute names and version keys of an instance, as the target will see them, or
 * undefined if its state is not an attribute dict. With `bytesKeys`, Python 2 `str` keys load
 * as bytes: they are no attribute names at all.
 */
function savedState(graph: SnapshotGraph, id: NodeId, bytesKeys: boolean): SavedState | undefined {
  const node = graph.node(id);
  if (node.kind !== 'instance') return undefined;
  const out: SavedState = { attrs: new Set(), versions: new Map(), bytesVersionKeys: [] };
  if (node.state === undefined) return out;
  const entries = stateEntries(graph, node.state);
  if (!entries) return undefined;
  for (const [k, v] of entries) {
    const key = graph.node(k);
    const text = graph.text(k);
    if (text === undefined) continue;
    const isVersionKey = text === LEGACY_VERSION_KEY || text.endsWith(VERSION_KEY_SUFFIX);
    if (key.kind === 'bytes' && (bytesKeys || !key.py2str)) {
      const value = isVersionKey ? intValue(graph, v) : undefined;
      if (value !== undefined) out.bytesVersionKeys.push({ key: text, value });
      continue;
    }
    if (isVersionKey) {
      const value = intValue(graph, v);
      if (value !== undefined) {
        out.versions.set(text, value);
        continue;
      }
    }
    out.attrs.add(text);
  }
  return out;
}

function sameNameElsewhere(view: ReleaseView, name: string): Evidence[] {
  return Object.values(view.model.classes)
    .filter((c) => c.name === name)
    .slice(0, 3)
    .map((c) => ({ file: c.loc.file, line: c.loc.line, text: c.loc.text, role: 'definition' as const }));
}

function reportUpgrade(
  acc: FindingAccumulator,
  view: ReleaseView,
  snap: SimulatedSnapshot,
  qual: string,
  classKey: string,
  savedAttrs: ReadonlySet<string>,
  outcome: UpgradeOutcome,
  ids: NodeId[],
): void {
  const { graph } = snap;
  const chain = upgradeChain(view, classKey);
  const byKey = new Map(chain.map((b) => [b.key, b]));

  if (outcome.downgrade) {
    const d = outcome.downgrade;
    const base = byKey.get(d.base);
    acc.add(
      {
        code: 'version-downgrade',
        class: qual,
        message: `saved at ${base?.info.name ?? d.base} version ${d.saved}, but the target's persistenceVersion is ${d.current}: Twisted asserts "Sorry, can't go backwards in time."`,
        evidence: base ? [{ file: base.info.loc.file, line: base.info.loc.line, text: base.info.loc.text, role: 'definition' }] : [],
        suggestion:
          `The snapshot was written by a newer release than the target. Upgrade to a release whose ` +
          `${base?.info.name ?? d.base}.persistenceVersion is at least ${d.saved}, or restore the snapshot the older release wrote.`,
        details: { base: d.base, saved: d.saved, current: d.current, versionKey: d.key },
      },
      snap.name,
      graph,
      ids,
    );
  }

  for (const gap of outcome.gaps) {
    const base = byKey.get(gap.base);
    const name = base?.info.name ?? gap.base;
    acc.add(
      {
        code: 'upgrade-gap',
        class: qual,
        attribute: `upgradeToVersion${gap.version}`,
        message: `${name} has persistenceVersion ${base?.current ?? '?'} but no upgradeToVersion${gap.version}: Twisted logs "Warning: cannot upgrade" and skips that step`,
        evidence: base ? [{ file: base.info.loc.file, line: base.info.loc.line, text: base.info.loc.text, role: 'definition' }] : [],
        suggestion: `Define ${name}.upgradeToVersion${gap.version}(self) (even an empty one, to say the step needs nothing).`,
        details: { base: gap.base, version: gap.version },
      },
      snap.name,
      graph,
      ids,
    );
  }

  if (outcome.failure) {
    const f = outcome.failure;
    const base = byKey.get(f.base);
    const evidence: Evidence[] = [{ file: f.loc.file, line: f.loc.line, text: f.loc.text, role: 'upgrade' }];
    if (f.calleeLoc) evidence.push({ file: f.calleeLoc.file, line: f.calleeLoc.line, text: f.calleeLoc.text, role: 'definition' });
    acc.add(
      {
        code: 'upgrade-exception',
        class: qual,
        ...(f.attr !== undefined ? { attribute: f.attr } : {}),
        scope: `${f.base}.${f.method}`,
        message: describeFailure(f, base?.info.name ?? f.base),
        evidence,
        suggestion:
          (f.kind === 'read' ? `Guard the read (getattr(self, '${f.attr}', <default>)) or set self.${f.attr} before it in ${f.method}. ` : '') +
          (f.kind === 'arity' && f.calleeLoc ? `Make the call match the signature at ${f.calleeLoc.file}:${f.calleeLoc.line}. ` : '') +
          `Until then the object is left half-upgraded: its version keys (${outcome.consumed.join(', ') || 'none'}) are already deleted, ` +
          `so if the master runs and saves again it is stamped current and ${outcome.notRun.length > 0 ? `the steps that did not run (${outcome.notRun.map((s) => `upgradeToVersion${s.version}`).join(', ')}) never run` : 'the failed step never re-runs'}.`,
        details: {
          base: f.base,
          version: f.version,
          method: f.method,
          kind: f.kind,
          via: f.via,
          consumedKeys: outcome.consumed,
          notRun: outcome.notRun,
          ...(f.detail ? { detail: f.detail } : {}),
        },
      },
      snap.name,
      graph,
      ids,
    );
  }

  for (const orphan of outcome.orphans) {
    const classPath = orphan.key.slice(0, -VERSION_KEY_SUFFIX.length);
    const name = classPath.slice(classPath.lastIndexOf('.') + 1);
    const movedTo = chain.find((b) => b.info.name === name);
    const reran = movedTo ? outcome.ran.filter((r) => r.base === movedTo.key && (outcome.startedFrom[movedTo.key] ?? 0) === 0) : [];
    const overwritten = new Set<string>();
    for (const r of reran) {
      const m = movedTo?.info.methods[r.method];
      for (const use of m?.attrs ?? []) if (use.kind === 'set' && savedAttrs.has(use.attr)) overwritten.add(use.attr);
    }
    const evidence: Evidence[] = [{ file: snap.name, role: 'snapshot', text: `'${orphan.key}': ${orphan.value}` }];
    if (movedTo) {
      evidence.push({ file: movedTo.info.loc.file, line: movedTo.info.loc.line, text: movedTo.info.loc.text, role: 'definition' });
    }
    acc.add(
      {
        code: 'version-key-orphaned',
        class: qual,
        attribute: orphan.key,
        message: movedTo
          ? `saved version key ${orphan.key} names a path the target no longer uses: ${name} now saves as ${movedTo.versionKey}, so its saved version ${orphan.value} is ignored and its upgrade chain re-runs from 1` +
            (reran.length > 0 ? ` (${reran.map((r) => r.method).join(', ')} run again${overwritten.size > 0 ? `, overwriting saved ${[...overwritten].sort().join(', ')}` : ''})` : '')
          : `saved version key ${orphan.key} names a class path that no Versioned class of the target uses; it stays behind as a plain attribute`,
        evidence,
        suggestion: movedTo
          ? `Keep the old module path for version keys: add \`${movedTo.info.name}.__module__ = '${classPath.slice(0, classPath.lastIndexOf('.'))}'\` after the class, ` +
            `or make upgradeToVersion1..${movedTo.current} safe to re-run.`
          : undefined,
        details: { key: orphan.key, savedVersion: orphan.value, ...(movedTo ? { nowKey: movedTo.versionKey, rerun: reran.map((r) => r.method), overwrites: [...overwritten].sort() } : {}) },
      },
      snap.name,
      graph,
      ids,
    );
  }
}

function reportBytesVersionKeys(
  acc: FindingAccumulator,
  view: ReleaseView,
  snap: SimulatedSnapshot,
  qual: string,
  classKey: string,
  keys: SavedState['bytesVersionKeys'],
  outcome: UpgradeOutcome | undefined,
  ids: NodeId[],
): void {
  const chain = upgradeChain(view, classKey);
  for (const { key, value } of keys) {
    const base = chain.find((b) => b.versionKey === key) ?? chain.find((b) => key.endsWith(`.${b.info.name}${VERSION_KEY_SUFFIX}`));
    const reran = base && outcome ? outcome.ran.filter((r) => r.base === base.key).map((r) => r.method) : [];
    acc.add(
      {
        code: 'version-key-orphaned',
        class: qual,
        attribute: `b'${key}'`,
        message:
          `loaded with encoding='bytes', the saved version key b'${key}' (version ${value}) is bytes: Twisted looks for the text key, finds none, ` +
          `and re-runs ${base ? `${base.info.name}'s upgrade chain from 1` : 'the upgrade chain from 1'}` +
          (reran.length > 0 ? ` (${reran.join(', ')})` : '') +
          `; every attribute name saved as a Python 2 str is bytes too, so none of them is reachable`,
        evidence: [{ file: snap.name, role: 'snapshot', text: `b'${key}': ${value}` }],
        suggestion: `Load the snapshot with pickle.load(f, encoding='latin1'): Python 2 strings become text and the version keys match again.`,
        details: { savedKey: `b'${key}'`, savedVersion: value, reruns: reran, cause: "encoding='bytes'" },
      },
      snap.name,
      snap.graph,
      ids,
    );
  }
}

function checkAttributes(
  acc: FindingAccumulator,
  view: ReleaseView,
  snap: SimulatedSnapshot,
  qual: string,
  classKey: string,
  attrs: ReadonlySet<string>,
  ids: NodeId[],
  refills: RefillIndex,
  readsCache: Map<string, Map<string, ReadSite[]>>,
  opaqueReported: Set<string>,
): void {
  let reads = readsCache.get(classKey);
  if (!reads) {
    reads = unguardedReads(view, classKey);
    readsCache.set(classKey, reads);
  }
  const classNames = classLevelNames(view, classKey);
  const missing = [...reads.keys()].filter((a) => !attrs.has(a) && !classNames.has(a)).sort();
  if (missing.length === 0) return;

  const unknownBases = opaqueBases(view, classKey);
  const opaque =
    opacity(view, classKey) ??
    (unknownBases.length > 0 ? `it derives from ${unknownBases.join(', ')}, whose attributes are not known (pass --lib)` : undefined);
  if (opaque) {
    if (!opaqueReported.has(qual)) {
      opaqueReported.add(qual);
      acc.add(
        {
          code: 'not-checked',
          class: qual,
          message: `${missing.length} attribute(s) read by the target are absent from saved objects, but ${opaque}: not checked (${missing.join(', ')})`,
        },
        snap.name,
        snap.graph,
        ids,
      );
    }
    return;
  }

  for (const attr of missing) {
    const sites = reads.get(attr) ?? [];
    const readEvidence: Evidence[] = sites.slice(0, 3).map((s) => ({ file: s.loc.file, line: s.loc.line, text: s.loc.text, role: 'read' }));
    const refill = findRefill(view, classKey, attr, refills);
    if (refill) {
      const where =
        refill.how === 'external'
          ? refill.set.loc
          : refill.how === 'via-method'
            ? refill.set.loc
            : refill.loc;
      const how =
        refill.how === 'external'
          ? `the release sets it from outside after loading (${refill.set.receiver}.${attr} = …)`
          : refill.how === 'via-method'
            ? `the release calls ${refill.set.receiver}.${refill.method}(…), which sets it`
            : refill.how === 'setstate'
              ? `${refill.owner.slice(refill.owner.lastIndexOf('.') + 1)}.__setstate__ fills it in on load`
              : `${refill.method}() sets it at run time, which may or may not run before the read`;
      acc.add(
        {
          code: 'attribute-reattached',
          class: qual,
          attribute: attr,
          message: `saved objects lack ${attr}, read unguarded by the target, but ${how}`,
          evidence: [...readEvidence, { file: where.file, line: where.line, text: where.text, role: 'reattach' }],
          details: { how: refill.how },
        },
        snap.name,
        snap.graph,
        ids,
      );
      continue;
    }
    const init = initDefault(view, classKey, attr);
    const evidence = [...readEvidence];
    if (init) evidence.push({ file: init.loc.file, line: init.loc.line, text: init.loc.text, role: 'init' });
    acc.add(
      {
        code: 'missing-attribute',
        class: qual,
        attribute: attr,
        message: `after the upgrade, saved objects have no ${attr}, which the target reads unguarded (${sites.length} place${sites.length === 1 ? '' : 's'}): AttributeError`,
        evidence,
        suggestion: suggestAttributeFix(view, classKey, attr, usableDefault(init?.value)),
        details: { reads: sites.map((s) => `${s.loc.file}:${s.loc.line}`), ...(init ? { initSets: `${init.loc.file}:${init.loc.line}` } : {}) },
      },
      snap.name,
      snap.graph,
      ids,
    );
  }
}

function reportUnused(
  acc: FindingAccumulator,
  view: ReleaseView,
  snap: SimulatedSnapshot,
  qual: string,
  classKey: string,
  attrs: ReadonlySet<string>,
  ids: NodeId[],
  words: ReadonlySet<string>,
): void {
  const classNames = classLevelNames(view, classKey);
  for (const attr of [...attrs].sort()) {
    if (words.has(attr) || classNames.has(attr) || attr.endsWith(VERSION_KEY_SUFFIX)) continue;
    acc.add(
      {
        code: 'unused-attribute',
        class: qual,
        attribute: attr,
        message: `saved objects carry ${attr}, which no code of the target mentions: it is loaded and kept, but never used`,
      },
      snap.name,
      snap.graph,
      ids,
    );
  }
}
