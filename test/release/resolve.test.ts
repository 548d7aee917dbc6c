import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadRelease, resolveGlobal, versionKey, type ReleaseModel, type Resolution } from '../../src/release/index.js';
import { repoPath } from '../helpers/run.js';
import { PY2, PY3, pythonFinds } from './oracle.js';

const PY3APP = repoPath('test/fixtures/releases/py3app');
const PY2APP = repoPath('test/fixtures/releases/py2app');
let py3: ReleaseModel;
let py2: ReleaseModel;

before(async () => {
  py3 = await loadRelease({ path: PY3APP });
  py2 = await loadRelease({ path: PY2APP });
});

function status(r: Resolution): string {
  return r.status;
}

/** What each rule says, checked against a real Python 3 on the same tree. */
const PY3_CASES: Array<[string, string, string, string?]> = [
  // module, name, expected status, expected class key
  ['app.models', 'Model', 'found', 'app.models.Model'],
  ['app', 'ReExported', 'found', 'app.models.Model'], // from x import C as D
  ['app.models', 'OldModel', 'found', 'app.models.Model'], // module-level alias
  ['app.models', 'Model.Inner', 'found', 'app.models.Model.Inner'], // nested qualname (protocol 4)
  ['app.models', 'TailClass', 'found', 'app.tail.TailClass'], // import at the bottom of the module
  ['app.models', 'Thing', 'found', 'app.models.Base'], // optional import: fallback used
  ['app.models', 'Present', 'found', 'app.models.Model'], // optional import: first branch resolves
  ['app.legacy', 'LateBound', 'found', 'app.models.Model'], // late binding from the package __init__
  ['app.star', 'Model', 'found', 'app.models.Model'], // star import
  ['app.star', 'Shown', 'found', 'app.limited.Shown'], // star import honouring __all__
  ['app.star', 'Hidden', 'missing-class'], // not in __all__
  ['app.star', '_Private', 'missing-class'], // star imports skip _names
  ['app.models', 'helper', 'found-non-class'],
  ['app.models', 'CONSTANT', 'found-non-class'],
  ['app', 'sub', 'found-non-class'], // submodule made an attribute by `import app.sub.deep`
  ['app.sub', 'deep', 'found-non-class'],
  ['app.sub.deep', 'Deep', 'found', 'app.sub.deep.Deep'],
  ['app.models', 'Missing', 'missing-class'],
  ['app.nowhere', 'Gone', 'missing-module'],
  ['app.broken_import', 'Gone', 'missing-module'], // the module itself fails to import
  ['app.oldplace', 'Renamed', 'missing-module'], // __module__ override does not move the class
  ['app.models', 'Renamed', 'found', 'app.models.Renamed'],
  ['app.models', 'ordered', 'external'], // alias to collections.OrderedDict (stdlib table)
  ['app.rel', 'RelModel', 'found', 'app.models.Model'], // from .models import Model as RelModel
  ['app.rel', 'tail', 'found-non-class'], // from . import tail
  ['app.rel', 'Deep', 'found', 'app.sub.deep.Deep'], // from .sub.deep import Deep
  ['app.inbody', 'Moved', 'found', 'app.inbody.Moved'],
  ['app.elsewhere', 'Moved', 'missing-module'], // __module__ set in the class body
  ['app.brokenmod', 'Fine', 'missing-class'], // the module's own import fails: NoSuchName
  ['app.compat', 'Thing', 'found', 'app.models.Model'], // if/else: the branch that resolves
  ['app.compat', 'UsesCompat', 'found', 'app.compat.UsesCompat'], // a conditional import does not break the module
  ['app.compat', 'LoopVar', 'found-non-class'], // bound in a module-level loop
];

test('each resolution rule agrees with python3 importing the same tree', () => {
  const oracle = pythonFinds(PY3, PY3APP, PY3_CASES.map(([m, n]) => [m, n]));
  PY3_CASES.forEach(([m, n, want, key], i) => {
    const r = resolveGlobal(py3, m, n);
    assert.equal(status(r), want, `${m}:${n} → ${JSON.stringify(r)}`);
    if (key) assert.equal(r.status === 'found' ? r.classKey : undefined, key, `${m}:${n}`);
    const found = want === 'found' || want === 'found-non-class' || want === 'external';
    assert.equal(oracle[i], found, `python3 disagrees on ${m}:${n}`);
  });
});

test('found resolutions say which bindings were followed', () => {
  const r = resolveGlobal(py3, 'app', 'ReExported');
  assert.equal(r.status, 'found');
  if (r.status !== 'found') return;
  assert.deepEqual(
    r.via.map((v) => v.split(' ')[0]),
    ['app/__init__.py:2', 'app/models.py:8'],
  );
  const late = resolveGlobal(py3, 'app.legacy', 'LateBound');
  assert.equal(late.status, 'found');
  if (late.status === 'found') assert.match(late.via[0]!, /^app\/__init__\.py:6 legacy\.LateBound = models\.Model \(bound from app\)$/);
});

test('globals()[...] assignments make a name dynamic, never missing', () => {
  const r = resolveGlobal(py3, 'app.dyn', 'Made');
  assert.equal(r.status, 'dynamic');
  if (r.status === 'dynamic') assert.match(r.reason, /globals\(\)\[…\] assignment at app\/dyn\.py:1/);
  // Python does find it: dynamic means "not statically known", not "missing".
  assert.deepEqual(pythonFinds(PY3, PY3APP, [['app.dyn', 'Made']]), [true]);
});

test('Class.__module__ reassignment changes the Versioned key', () => {
  assert.equal(py3.classes['app.models.Renamed']!.moduleOverride?.value, 'app.oldplace');
  assert.equal(versionKey(py3, 'app.models.Renamed'), 'app.oldplace.Renamed.persistenceVersion');
  assert.equal(versionKey(py3, 'app.models.Model.Inner'), 'app.models.Inner.persistenceVersion'); // __name__, not __qualname__
});

test('builtins and stdlib of Python 2 and 3 resolve from the table', () => {
  for (const [m, n] of [
    ['__builtin__', 'set'],
    ['builtins', 'object'],
    ['copy_reg', '_reconstructor'],
    ['copyreg', '_reconstructor'],
    ['collections', 'OrderedDict'],
    ['datetime', 'datetime'],
    ['decimal', 'Decimal'],
    ['exceptions', 'ValueError'],
  ] as const) {
    const r = resolveGlobal(py3, m, n);
    assert.deepEqual(r, { status: 'external', qualified: `${m}.${n}`, known: true });
  }
});

test('a stdlib module or name outside the table is unknown, never missing', () => {
  assert.equal(resolveGlobal(py3, 'collections', 'NoSuchThing').status, 'unknown');
  assert.equal(resolveGlobal(py3, 'email.mime.text', 'MIMEText').status, 'unknown');
});

test('packages outside the release are unknown ("pass --lib"), Versioned is known', () => {
  const r = resolveGlobal(py3, 'twisted.spread.pb', 'Referenceable');
  assert.equal(r.status, 'unknown');
  if (r.status === 'unknown') {
    assert.equal(r.module, 'twisted.spread.pb');
    assert.match(r.reason, /--lib/);
  }
  assert.deepEqual(resolveGlobal(py3, 'twisted.persisted.styles', 'Versioned'), {
    status: 'external',
    qualified: 'twisted.persisted.styles.Versioned',
    known: true,
  });
});

test('--lib makes an outside package checkable: found or missing', async () => {
  const m = await loadRelease({ path: PY2APP, libs: [repoPath('test/fixtures/releases/py3app')] });
  assert.equal(resolveGlobal(m, 'app.models', 'Model').status, 'found');
  assert.equal(resolveGlobal(m, 'app.models', 'Nope').status, 'missing-class');
  assert.equal(resolveGlobal(m, 'app.gone', 'X').status, 'missing-module');
  assert.equal(m.modules['app.models']!.external, true);
  assert.equal(m.modules['bb.status.builder']!.external, undefined);
});

test('Python 2 implicit relative imports resolve inside the package (checked with python2.7)', () => {
  const cases: Array<[string, string, string]> = [
    ['bb.status.compat', 'BuildStepStatus', 'bb.status.buildstep.BuildStepStatus'],
    ['bb.status.compat', 'LogFile', 'bb.status.logfile.LogFile'],
    ['bb.status.builder', 'LogFile', 'bb.status.logfile.LogFile'],
    ['bb.status.builder', 'BuildStepStatus', 'bb.status.buildstep.BuildStepStatus'],
  ];
  for (const [m, n, key] of cases) {
    const r = resolveGlobal(py2, m, n);
    assert.equal(r.status === 'found' ? r.classKey : r.status, key, `${m}:${n}`);
  }
  // builder.py imports Twisted, which this python2.7 lacks: check the Twisted-free module only.
  assert.deepEqual(pythonFinds(PY2, PY2APP, [['bb.status.compat', 'BuildStepStatus'], ['bb.status.compat', 'LogFile'], ['bb.status.compat', 'Nope']]), [true, true, false]);
  assert.equal(resolveGlobal(py2, 'bb.status.compat', 'Nope').status, 'missing-class');
});

test('renames apply before lookup, as a custom find_class would', async () => {
  const m = await loadRelease({ path: PY3APP, renames: repoPath('test/fixtures/releases/renames.txt') });
  const r = resolveGlobal(m, 'app.oldmodels', 'OldName');
  assert.equal(r.status, 'renamed');
  if (r.status === 'renamed') {
    assert.deepEqual(r.to, { module: 'app.models', name: 'Model' });
    assert.match(r.source, /^--rename .*renames\.txt$/);
    assert.deepEqual(r.then, { status: 'found', classKey: 'app.models.Model', via: ['app/models.py:8 class Model(Base):'] });
  }
  // A rename to something that does not exist is still reported as missing, through the rename.
  const gone = resolveGlobal(m, 'app.old', 'Gone');
  assert.equal(gone.status === 'renamed' ? gone.then.status : gone.status, 'missing-class');
});

test('names bound by importlib, __import__ or getattr are dynamic (python does find them)', () => {
  for (const n of ['Loaded', 'Picked']) {
    const r = resolveGlobal(py3, 'app.rel', n);
    assert.equal(r.status, 'dynamic', n);
    if (r.status === 'dynamic') assert.match(r.reason, /^bound to a computed lookup/);
  }
  assert.deepEqual(pythonFinds(PY3, PY3APP, [['app.rel', 'Loaded'], ['app.rel', 'Picked']]), [true, true]);
});

test('a module made through sys.modules[...] is dynamic; other missing modules stay missing', () => {
  const r = resolveGlobal(py3, 'app.virtual', 'Model');
  assert.equal(r.status, 'dynamic');
  if (r.status === 'dynamic') assert.match(r.reason, /sys\.modules is assigned at app\/sysmod\.py:5/);
  assert.equal(resolveGlobal(py3, 'app.nowhere', 'Gone').status, 'missing-module');
  assert.equal(versionKey(py3, 'app.inbody.Moved'), 'app.elsewhere.Moved.persistenceVersion');
});

test('implicit relative imports on neutral syntax follow the release: Python 3 absolute, Python 2 relative', async () => {
  const tree = repoPath('test/fixtures/releases/py3implicit');
  const m3 = await loadRelease({ path: tree });
  assert.equal(m3.python, 3);
  const r3 = resolveGlobal(m3, 'pkg.user', 'H');
  assert.equal(r3.status === 'found' ? r3.classKey : r3.status, 'helper.Top');
  assert.deepEqual(pythonFinds(PY3, tree, [['pkg.user', 'H']]), [true]);
  const r2 = resolveGlobal(py2, 'bb.status.neutral', 'L');
  assert.equal(r2.status === 'found' ? r2.classKey : r2.status, 'bb.status.logfile.LogFile');
  assert.deepEqual(pythonFinds(PY2, PY2APP, [['bb.status.neutral', 'L']]), [true]);
});
