import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  classFacts,
  findClass,
  initDefaults,
  isVersioned,
  loadRelease,
  mro,
  upgradeChainClasses,
  versionKey,
  type ReleaseModel,
} from '../../src/release/index.js';
import { repoPath } from '../helpers/run.js';

const MRO_TREE = repoPath('test/fixtures/releases/mro');
let model: ReleaseModel;
let attrs: ReleaseModel;
before(async () => {
  model = await loadRelease({ path: MRO_TREE });
  attrs = await loadRelease({ path: repoPath('test/fixtures/releases/attrs') });
});

/** The MRO python3 computes for a class of the tree (module.qualname, without builtins.object). */
function pythonMro(module: string, name: string): string[] {
  const r = spawnSync(
    'python3',
    ['-B', '-c', `import importlib; c = getattr(importlib.import_module('${module}'), '${name}'); print(' '.join(k.__module__ + '.' + k.__qualname__ for k in c.__mro__))`],
    { env: { ...process.env, PYTHONPATH: MRO_TREE }, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split(' ');
}

test('MRO by C3 matches python3 (diamond, both base orders)', () => {
  for (const [m, n] of [
    ['shapes.diamond', 'C'],
    ['shapes.other', 'X'],
    ['shapes.other', 'Y'],
  ] as const) {
    const r = mro(model, `${m}.${n}`);
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.mro, pythonMro(m, n), `${m}.${n}`);
  }
});

test('an inconsistent hierarchy is an error result, as python3 raises TypeError', () => {
  const r = mro(model, 'shapes.bad.Z');
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /cannot create a consistent method resolution order for shapes\.bad\.Z/);
  const py = spawnSync('python3', ['-B', '-c', 'import shapes.bad'], { env: { ...process.env, PYTHONPATH: MRO_TREE }, encoding: 'utf8' });
  assert.match(py.stderr, /TypeError: Cannot create a consistent method resolution/);
});

test('isVersioned, version keys and the upgrade chain', async () => {
  const bb = await loadRelease({ path: repoPath('test/fixtures/releases/py2app') });
  assert.equal(isVersioned(bb, 'bb.status.builder.BuildStatus'), true);
  assert.equal(isVersioned(bb, 'bb.status.buildstep.BuildStepStatus'), false);
  assert.equal(versionKey(bb, 'bb.status.builder.BuildStatus'), 'bb.status.builder.BuildStatus.persistenceVersion');
  assert.deepEqual(upgradeChainClasses(bb, 'bb.status.builder.BuildStatus'), ['bb.status.builder.BuildStatus']);
  assert.deepEqual(upgradeChainClasses(model, 'shapes.diamond.C'), []);
});

test('attribute facts aggregated over the MRO, with class-level names and __init__ defaults', () => {
  const f = classFacts(model, 'shapes.diamond.C');
  assert.ok(f.mro.ok);
  const summary = (a: string) => {
    const x = f.attrs[a]!;
    return {
      sets: x.sets.map((s) => `${s.classKey.split('.').pop()}.${s.method}`),
      reads: x.reads.map((s) => `${s.classKey.split('.').pop()}.${s.method}`),
      guarded: x.guardedReads.map((s) => `${s.classKey.split('.').pop()}.${s.method}:${s.use.guard}`),
      dels: x.dels.map((s) => `${s.classKey.split('.').pop()}.${s.method}`),
    };
  };
  assert.deepEqual(summary('b'), { sets: ['B.more'], reads: ['A.use'], guarded: [], dels: [] });
  assert.deepEqual(summary('z'), { sets: [], reads: ['A.use'], guarded: ['B.more:hasattr', 'B.more:hasattr'], dels: [] });
  assert.deepEqual(summary('c'), { sets: ['C.__init__'], reads: [], guarded: [], dels: ['C.drop'] });
  assert.equal(f.attrs.flag, undefined); // never used through self
  assert.equal(f.attrs.setup?.classLevel?.classKey, 'shapes.diamond.A'); // self.setup() reads a method
  const d = initDefaults(model, 'shapes.diamond.C');
  assert.deepEqual(
    Object.fromEntries(Object.entries(d).map(([k, v]) => [k, `${v.classKey.split('.').pop()} ${v.value.python}`])),
    { c: 'C {}', a: 'A 1', from_setup: 'A []', o: "O 'o'" }, // A.__init__ → self.setup() is followed
  );
  assert.equal(f.attrs.c?.initDefault?.value.python, '{}');
});

test('classes with __getattr__ or __dict__.update are flagged as not fully visible', () => {
  const f = classFacts(attrs, 'facts.py3style.Widget');
  assert.deepEqual(f.dynamicAccess, [{ classKey: 'facts.py3style.Widget', method: '__getattr__' }]);
  assert.deepEqual(f.setsUnknownKeys, [{ classKey: 'facts.py3style.Widget', method: 'reset' }]);
});

test('findClass takes a key or module.Name as pickle spells it', () => {
  assert.equal(findClass(model, 'shapes.diamond.C')?.key, 'shapes.diamond.C');
  assert.equal(findClass(model, 'shapes.nowhere.C'), undefined);
});
