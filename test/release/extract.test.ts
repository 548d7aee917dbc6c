import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRelease, type ReleaseModel } from '../../src/release/index.js';
import { repoPath } from '../helpers/run.js';

let model: ReleaseModel;
before(async () => {
  model = await loadRelease({ path: repoPath('test/fixtures/releases/attrs') });
});

/** A method's attribute uses as compact strings: `kind attr [guard] [aug] @line`. */
function uses(classKey: string, method: string): string[] {
  const m = model.classes[classKey]?.methods[method];
  assert.ok(m, `${classKey}.${method} indexed`);
  return m.attrs.map((u) => [u.kind, u.attr, u.guard, u.augmented ? 'aug' : undefined, `@${u.loc.line}`].filter(Boolean).join(' '));
}

const W = 'facts.py3style.Widget';

test('sets: plain, tuple targets, read+set, augmented, setattr, __dict__[...]', () => {
  assert.deepEqual(uses(W, '__init__'), [
    'set parent @6',
    'set name @7',
    'set items @8',
    'set left @8',
    'read count @9',
    'set count @9',
    'set total aug @10',
    'set colour @11',
    'set raw @12',
    'set helper @13',
    'read helper @14',
    'read reset @15',
  ]);
  const init = model.classes[W]!.methods.__init__!;
  assert.deepEqual(init.assigned.items, { kind: 'literal', python: '[]' });
  assert.deepEqual(init.assigned.left, { kind: 'literal', python: '1' });
  assert.deepEqual(init.assigned.raw, { kind: 'constructor', python: 'set()' });
  assert.deepEqual(init.assigned.colour, { kind: 'literal', python: "'red'" });
  assert.equal(init.assigned.parent?.kind, 'expr');
  assert.equal(init.loc.text, "def __init__(self, parent, name='w', *args, flag=False, **kw):");
});

test('deletes and keys we cannot name', () => {
  assert.deepEqual(uses(W, 'reset'), ['del items @18', 'del left @19']);
  assert.equal(model.classes[W]!.methods.reset!.setsUnknownKeys, true);
  assert.equal(model.classes[W]!.methods.__init__!.setsUnknownKeys, false);
});

test('guarded reads are told apart from unguarded ones', () => {
  assert.deepEqual(uses(W, 'guarded'), [
    'guarded-read maybe hasattr @23',
    'guarded-read maybe hasattr @24', // inside `if hasattr(self, 'maybe')`
    'read other @26', // the else branch is not guarded
    'guarded-read late hasattr @27',
    'set late @28',
    'guarded-read late hasattr @29', // after `if not hasattr(self, 'late'): self.late = 0`
    'guarded-read opt getattr-default @30',
    'read must @31', // getattr without a default raises
    'guarded-read risky try-except @33', // except (KeyError, AttributeError)
    'read fallback @35', // inside the handler: not guarded
    'guarded-read broad try-except @37', // except Exception
    'read narrow @41', // except KeyError does not catch AttributeError
    'guarded-read viaget dict-get @44',
    'guarded-read indict dict-in @45',
    'guarded-read indict dict-in @46',
    'guarded-read inline hasattr @47',
    'guarded-read inline hasattr @47', // right operand of `hasattr(...) and self.inline`
    'guarded-read cond hasattr @48',
    'guarded-read cond hasattr @48', // `self.cond if hasattr(self, 'cond') else None`
    'guarded-read viavars dict-get @49', // vars(self).get
  ]);
});

test('Python 2 syntax: bare except, except E, e, has_key, print >>, 0L', () => {
  const O = 'facts.py2style.Old';
  assert.deepEqual(uses(O, '__init__'), ['set a @3', 'read b @4']);
  assert.deepEqual(uses(O, 'legacy'), ['guarded-read c try-except @8']);
  assert.deepEqual(uses(O, 'legacy2'), ['guarded-read d try-except @14']);
  // Backticks are read as a string by the grammar (stack.md): `self.f` is not seen.
  assert.deepEqual(uses(O, 'haskey'), ['guarded-read e dict-in @19', 'guarded-read e dict-in @20']);
  assert.equal(model.modules['facts.py2style']!.syntax, 2);
  assert.equal(model.modules['facts.py3style']!.syntax, 3);
  assert.equal(model.modules['facts.py2style']!.parseErrors.length, 0);
  assert.deepEqual(model.classes[O]!.methods.__init__!.assigned.a, { kind: 'literal', python: '0L' });
});

test('methods: parameters, defaults, varargs, kwargs, static and class methods', () => {
  const c = model.classes[W]!;
  const sig = (n: string) => {
    const m = c.methods[n]!;
    return { params: m.params, defaults: m.defaults, varargs: m.varargs, kwargs: m.kwargs, isStatic: m.isStatic, isClassMethod: m.isClassMethod };
  };
  // keyword-only `flag` is not positional
  assert.deepEqual(sig('__init__'), { params: ['parent', 'name'], defaults: 1, varargs: true, kwargs: true, isStatic: false, isClassMethod: false });
  assert.deepEqual(sig('make'), { params: ['a', 'b'], defaults: 1, varargs: false, kwargs: false, isStatic: true, isClassMethod: false });
  assert.deepEqual(sig('build'), { params: ['spec'], defaults: 0, varargs: false, kwargs: false, isStatic: false, isClassMethod: true });
  assert.deepEqual(uses(W, 'build'), []); // cls.registry is not an instance attribute
  assert.deepEqual(uses(W, 'make'), []);
});

test('class body: class-level names, __slots__, special methods, self calls, attr calls', () => {
  const c = model.classes[W]!;
  assert.deepEqual(Object.keys(c.classAttrs).sort(), ['__slots__', 'size']);
  assert.deepEqual(c.classAttrs.size!.value, { kind: 'literal', python: '0' });
  assert.deepEqual(c.slots, ['a', 'b']);
  assert.equal(c.defines.getattr, true);
  assert.equal(c.defines.setstate, false);
  const init = c.methods.__init__!;
  assert.deepEqual(init.selfCalls.map((s) => [s.name, s.positional, s.hasStarArgs, s.loc.line]), [['reset', 1, false, 15]]);
  assert.deepEqual(init.attrCalls.map((a) => [a.attr, a.classRef, a.method, a.positional]), [['helper', 'facts.py3style.Helper', 'run', 2]]);
  const s = model.classes['facts.versioned.Status']!;
  assert.deepEqual(s.defines, { getattr: false, getattribute: false, setstate: true, getstate: true, reduce: true, reduceEx: false });
});

test('Versioned facts: persistenceVersion, persistenceForgets, upgradeToVersionN', () => {
  const s = model.classes['facts.versioned.Status']!;
  assert.equal(s.persistenceVersion, 4);
  assert.deepEqual(s.persistenceForgets, ['cache', 'tmp']);
  assert.deepEqual({ ...s.upgradeMethods }, { 2: 'upgradeToVersion2', 4: 'upgradeToVersion4' });
  assert.deepEqual(s.bases, [{ expr: 'styles.Versioned', resolved: 'twisted.persisted.styles.Versioned', external: true }]);
  const b = model.classes['facts.py3style.Widget']!;
  assert.equal(b.persistenceVersion, undefined);
});

test('external sets: constructor-typed locals, annotated parameters, self.x = Foo(), calls of setting methods', () => {
  const ext = model.externalSets.map((e) => [e.receiver, e.attr, e.classKey ?? '-', e.viaMethod ?? '-', e.loc.line].join(' '));
  assert.deepEqual(ext, [
    'self.helper ran facts.py3style.Helper run 14',
    'cls registry - - 58',
    'w parent facts.py3style.Widget - 71',
    'h extra facts.py3style.Helper - 73',
    'h ran facts.py3style.Helper run 74',
    'unknown attr - - 75',
  ]);
});

test('custom unpicklers: find_class renames read statically, Unpickler subclasses noted', () => {
  assert.deepEqual(
    model.findGlobalOverrides.map((f) => [f.loc.line, { ...f.renames }]),
    [
      [26, { 'old.mod Old': 'facts.versioned Status', 'old.mod2 Thing': 'facts.versioned Status' }],
      [32, {}],
    ],
  );
  assert.equal(model.renames?.['old.mod Old']?.to, 'facts.versioned Status');
  assert.match(model.renames?.['old.mod Old']?.source ?? '', /^find_class at facts\/versioned\.py:26$/);
});

test('a file with syntax errors is reported with file:line and still contributes what parsed', async () => {
  const m = await loadRelease({ path: repoPath('test/fixtures/releases/broken') });
  assert.deepEqual(
    m.parseErrors.map((e) => `${e.file}:${e.line}`),
    ['pkg/bad.py:4'],
  );
  assert.ok(m.classes['pkg.bad.Before']);
  assert.deepEqual(m.classes['pkg.bad.After']?.methods.m?.attrs.map((u) => `${u.kind} ${u.attr} @${u.loc.line}`), ['read z @9']);
  assert.ok(m.classes['pkg.good.Good']);
});

test('line endings are normalised: \\r\\n and lone \\r give the same lines as \\n', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-eol-'));
  try {
    const src = ['class A(object):', '    def m(self):', '        self.x = 1', '        return self.y', ''];
    await fs.mkdir(path.join(dir, 'crlf'));
    await fs.mkdir(path.join(dir, 'cr'));
    await fs.writeFile(path.join(dir, 'crlf', 'mod.py'), src.join('\r\n'));
    await fs.writeFile(path.join(dir, 'cr', 'mod.py'), src.join('\r'));
    for (const sub of ['crlf', 'cr']) {
      const m = await loadRelease({ path: path.join(dir, sub) });
      assert.deepEqual(
        m.classes['mod.A']!.methods.m!.attrs.map((u) => `${u.kind} ${u.attr} @${u.loc.line} ${u.loc.text}`),
        ['set x @3 self.x = 1', 'read y @4 return self.y'],
        sub,
      );
      assert.deepEqual(m.parseErrors, []);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('the model is deterministic: same tree, same JSON (apart from timing)', async () => {
  const a = await loadRelease({ path: repoPath('test/fixtures/releases/attrs') });
  const b = await loadRelease({ path: repoPath('test/fixtures/releases/attrs') });
  a.stats.millis = b.stats.millis = 0;
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.match(a.contentHash, /^[0-9a-f]{64}$/);
});

test('indexing on worker threads gives the same model as on one thread', async () => {
  const saved = process.env.REHEARSE_THREADS;
  try {
    process.env.REHEARSE_THREADS = '1';
    const one = await loadRelease({ path: repoPath('test/fixtures/releases/attrs') });
    process.env.REHEARSE_THREADS = '3';
    const three = await loadRelease({ path: repoPath('test/fixtures/releases/attrs') });
    one.stats.millis = three.stats.millis = 0;
    assert.equal(JSON.stringify(three), JSON.stringify(one));
    // Records keyed by Python names keep no prototype after the trip through a worker.
    assert.equal(Object.getPrototypeOf(three.classes['facts.py3style.Widget']!.methods), null);
    assert.equal(Object.getPrototypeOf(three.modules['facts.py3style']!.names), null);
  } finally {
    if (saved === undefined) delete process.env.REHEARSE_THREADS;
    else process.env.REHEARSE_THREADS = saved;
  }
});
