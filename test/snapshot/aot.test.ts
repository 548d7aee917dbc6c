import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { aotToPickle, AotSyntaxError, looksLikeAot } from '../../src/snapshot/aot.js';
import { decodePickle } from '../../src/snapshot/decoder.js';
import { repoPath } from '../helpers/run.js';
import { pyLoad } from '../helpers/pyload.js';

const tas = readFileSync(repoPath('test/fixtures/snapshots/aot/builder.tas'), 'utf8');
const expected = JSON.parse(readFileSync(repoPath('test/fixtures/snapshots/aot/builder.expected.json'), 'utf8')) as Record<string, unknown>;

test('a .tas written by real Twisted becomes a pickle that Python loads into the same objects', () => {
  const { pickle } = aotToPickle(tas);
  // Load it in Python with stub classes and compare with what make_aot.py saw before jellying.
  const script = String.raw`
import sys, pickle, io, json
class U(pickle.Unpickler):
    def find_class(self, m, n):
        if m in ('builtins', '_codecs', 'importlib', 'posixpath', 'json'):
            return super().find_class(m, n)
        return type(n, (), {'__module__': m, '__setstate__': lambda self, s: self.__dict__.update(s)})
app = U(io.BytesIO(sys.stdin.buffer.read())).load()
b0 = app.builds[0]
log = b0.logs[0]
print(json.dumps({
  'builder.name': app.name, 'builds': len(app.builds), 'reason': b0.reason, 'started': b0.started,
  'bigcount': b0.bigcount, 'props': sorted(repr(k) for k in b0.props),
  'version_key': [k for k in b0.__dict__ if k.endswith('persistenceVersion')][0],
  'cycle': b0.builder is app, 'shared_log': b0.aLog is log, 'forward_deref': log.achunks[0] is log.zchunk,
  'shared_tuple': b0.props and [k for k in b0.props if isinstance(k, tuple)][0] is [k for k in app.builds[1].props if isinstance(k, tuple)][0],
  'current': app.currentBuild is app.builds[1], 'complex': repr(b0.z), 'blob': b0.blob.hex(),
  'method': app.callback.__name__, 'method_self': app.callback.__self__ is b0,
  'module': app.osmodule.__name__, 'function': app.helper.__module__ + '.' + app.helper.__name__,
  'cls': app.factoryClass.__module__ + '.' + app.factoryClass.__name__,
}, sort_keys=True))
`;
  const r = spawnSync('python3', ['-c', script], { input: Buffer.from(pickle), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const k of Object.keys(expected)) assert.deepEqual(got[k], expected[k], k);
  assert.deepEqual(
    { cycle: got.cycle, shared_log: got.shared_log, forward_deref: got.forward_deref, shared_tuple: got.shared_tuple, current: got.current },
    { cycle: true, shared_log: true, forward_deref: true, shared_tuple: true, current: true },
  );
  assert.equal(got.complex, '(1.5+2j)');
  assert.equal(got.blob, '00ff726177');
  assert.equal(got.method, '__getstate__');
  assert.equal(got.method_self, true);
  assert.equal(got.module, 'posixpath');
  assert.equal(got.function, 'json.dumps');
  assert.equal(got.cls, 'buildbot.status.builder.LogFile');
});

test('our decoder reads the converted AOT: instances, version keys, and the Ref/Deref sharing', () => {
  const { pickle } = aotToPickle(tas);
  const g = decodePickle(pickle, { file: 'builder.tas' });
  const root = g.classOf(g.root);
  assert.deepEqual(root, { module: 'buildbot.status.builder', name: 'BuilderStatus' });
  const builds = g.nodesOfKind('instance').filter((id) => g.classOf(id)?.name === 'BuildStatus');
  assert.equal(builds.length, 2);
  const state = g.instanceState(builds[0]!)!;
  assert.ok(state.has('buildbot.status.builder.BuildStatus.persistenceVersion'));
  assert.equal(g.instanceState(state.get('builder')!) !== undefined, true);
  assert.equal(state.get('builder'), g.root); // the cycle is one node, not a copy
});

test('Python 2 flavour: u"" and 10L mark the source, plain strings become py2 str', () => {
  const src = "app=Instance('m.C', name='caf\\xe9', who=u'j\\xf6rg', n=10L)";
  const r = aotToPickle(src);
  assert.equal(r.python, 2);
  const [loaded] = pyLoad([r.pickle], 'python2.7');
  assert.ok(loaded && 'ok' in loaded, JSON.stringify(loaded));
  const ok = loaded.ok as { inst: string; state: { dict: Array<[unknown, unknown]> } };
  ok.state.dict.sort((a, b) => JSON.stringify(a[0]).localeCompare(JSON.stringify(b[0]))); // Python 2 dicts keep hash order
  assert.deepEqual(ok, {
    inst: 'm.C',
    state: { dict: [[{ bytes: '6e' }, { int: '10' }], [{ bytes: '6e616d65' }, { bytes: '636166e9' }], [{ bytes: '77686f' }, { str: 'j\u00f6rg' }]] },
  });
});

test('syntax errors name the character offset; nothing is evaluated', () => {
  const cases: Array<[string, RegExp, number]> = [
    ["app=Instance('m.C', x=__import__('os'))", /unknown name '__import__'/, 22],
    ["app=Module('os').system('id')", /unexpected character "\."/, 16],
    ["app=[1, 2", /expected '\]', found end of input/, 9],
    ["app=Deref(4)", /Deref\(4\) has no Ref\(4\)/, 4],
    ["app=Instance('nodots')", /'nodots' is not a dotted module.name/, 4],
    ["app='unterminated", /unterminated string/, 4],
    ["app=[Ref(1, []), Ref(1, [])]", /Ref\(1\) defined twice/, 17],
    ["app=1 + 2", /only complex literals/, 8],
  ];
  for (const [src, re, at] of cases) {
    assert.throws(
      () => aotToPickle(src),
      (e: unknown) => {
        assert.ok(e instanceof AotSyntaxError, `${src}: ${String(e)}`);
        assert.match(e.reason, re, src);
        assert.equal(e.offset, at, src);
        return true;
      },
    );
  }
});

test('deep nesting is refused cleanly instead of overflowing the stack', () => {
  const src = `app=${'['.repeat(5000)}${']'.repeat(5000)}`;
  assert.throws(() => aotToPickle(src), /nested too deeply/);
});

test('AOT sniffing: app= and AOT constructors, not other Python', () => {
  const yes = ["app=Ref(1,\n  Instance('a.B', {}))", "# saved\napp = {\n  'x':1,\n  }", "Instance('a.B', x=1)"];
  const no = ['app = Flask(__name__)', 'import os\napp = 1', 'print("Instance(")'];
  for (const s of yes) assert.ok(looksLikeAot(Buffer.from(s)), s);
  for (const s of no) assert.ok(!looksLikeAot(Buffer.from(s)), s);
});

test('hostile references are refused cleanly', () => {
  assert.throws(() => aotToPickle('app=Ref(1, (Deref(1),))'), (e: unknown) => e instanceof AotSyntaxError && /cannot be expressed as a pickle/.test(e.reason));
  assert.throws(() => aotToPickle('app=[Ref(1, Deref(2)), Ref(2, [])]'), (e: unknown) => e instanceof AotSyntaxError && /wraps another reference/.test(e.reason));
  // A list that holds itself is fine (Python builds it the same way).
  const { value } = aotToPickle('app=Ref(1, [Deref(1)])');
  assert.ok(value && typeof value === 'object' && value.kind === 'list' && value.items[0] === value);
});

test('fuzz: random token soup either converts or fails with AotSyntaxError, never anything else', async () => {
  const fc = (await import('fast-check')).default;
  const tokens = ['app=', 'Instance(', 'Ref(', 'Deref(', 'Class(', 'Module(', 'Copyreg(', 'InstanceMethod(', "'a.B'", "u'x'", "b'\\x00'", '1', '-2', '3L', '1.5', '2j', '(', ')', '[', ']', '{', '}', ',', ':', '=', 'x', 'None', 'True', '#c\n', '\\\n', "'''t'''"];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...tokens), { maxLength: 30 }), (parts) => {
      try {
        aotToPickle(parts.join(' '));
      } catch (e) {
        if (!(e instanceof AotSyntaxError)) throw e;
      }
    }),
    { numRuns: 3000, seed: 42 },
  );
});
