import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { decodePickle } from '../../src/snapshot/decoder.js';
import { matchUnsafe, scanUnsafe, UNSAFE_RULES, KNOWN_SAFE_CALLABLES } from '../../src/snapshot/unsafe.js';
import { repoPath } from '../helpers/run.js';

const decode = (rel: string) => decodePickle(readFileSync(repoPath(rel)), { file: rel });

test('the table knows the classic code-execution globals, in both Python spellings', () => {
  const bad: Array<[string, string]> = [
    ['os', 'system'], ['posix', 'system'], ['nt', 'system'], ['os', 'execvp'], ['os', 'spawnlp'], ['os', 'popen'],
    ['subprocess', 'Popen'], ['subprocess', 'check_output'], ['builtins', 'eval'], ['__builtin__', 'execfile'],
    ['builtins', '__import__'], ['__builtin__', 'open'], ['builtins', 'getattr'], ['pty', 'spawn'], ['socket', 'create_connection'],
    ['ctypes', 'CDLL'], ['ctypes.util', 'find_library'], ['importlib', 'import_module'], ['pickle', 'loads'], ['cPickle', 'loads'],
    ['_pickle', 'loads'], ['marshal', 'loads'], ['runpy', 'run_path'], ['shutil', 'rmtree'], ['sys', 'modules'], ['code', 'interact'],
    ['codeop', 'compile_command'], ['webbrowser', 'open'], ['commands', 'getoutput'], ['types', 'FunctionType'], ['types', 'CodeType'],
    ['operator', 'attrgetter'], ['_operator', 'methodcaller'], ['cProfile', 'run'], ['timeit', 'timeit'], ['pydoc', 'locate'],
    ['inspect', 'getattr_static'], ['multiprocessing.util', 'spawnv_passfds'], ['twisted.persisted.aot', 'unjellyFromSource'],
  ];
  for (const [m, n] of bad) assert.ok(matchUnsafe(m, n), `${m}.${n} should be unsafe`);
  const good: Array<[string, string]> = [
    ['copy_reg', '_reconstructor'], ['copyreg', '__newobj__'], ['__builtin__', 'set'], ['builtins', 'object'], ['_codecs', 'encode'],
    ['collections', 'OrderedDict'], ['datetime', 'datetime'], ['buildbot.status.builder', 'BuildStatus'], ['os.path', 'join'],
    ['operator', 'add'], ['inspect', 'signature'],
  ];
  for (const [m, n] of good) assert.equal(matchUnsafe(m, n), undefined, `${m}.${n} should not be flagged`);
  // Table sanity: no rule flags a known-safe callable, every rule says what it does.
  for (const q of KNOWN_SAFE_CALLABLES) assert.equal(matchUnsafe(q.slice(0, q.lastIndexOf('.')), q.slice(q.lastIndexOf('.') + 1)), undefined, q);
  for (const r of UNSAFE_RULES) assert.ok(r.what.length > 5 && (r.names === '*' || r.names.length > 0), r.module);
});

test('os.system via __reduce__ is found with its arguments, offset and object path', () => {
  const g = decode('test/fixtures/snapshots/misc/unsafe-system.pickle');
  const found = scanUnsafe(g);
  assert.equal(found.length, 1);
  const [u] = found;
  assert.equal(u!.callable, 'posix.system');
  assert.equal(u!.kind, 'call');
  assert.equal(u!.confidence, 'high');
  assert.equal(u!.args, "'echo pwned'");
  assert.equal(u!.path, 'root[1]');
  assert.equal(readFileSync(repoPath('test/fixtures/snapshots/misc/unsafe-system.pickle'))[u!.offset], 0x52); // REDUCE
});

test('a getattr(import_module("os"), "system")("id") chain and eval are all reported', () => {
  const found = scanUnsafe(decode('test/fixtures/snapshots/misc/unsafe-chain.pickle'));
  const summary = found.map((u) => `${u.confidence} ${u.callable}(${u.args})`);
  assert.deepEqual(summary, [
    "high __builtin__.eval('1+1')",
    "medium __builtin__.getattr(importlib.import_module('os'), 'system')",
    "medium __builtin__.getattr(importlib.import_module('os'), 'system')('id')",
    "low importlib.import_module('os')", // a constant import alone is how AOT spells Module('os')
  ]);
  assert.match(found[2]!.why, /computed callable/);
});

test('a dangerous global held as a value (never called) is still reported, as a reference', () => {
  const found = scanUnsafe(decode('test/fixtures/snapshots/misc/unsafe-reference.pickle'));
  assert.deepEqual(found.map((u) => [u.callable, u.kind, u.path]), [
    ['posix.system', 'reference', "root['handler']"],
    ['commands.Popen', 'reference', "root['popen']"],
  ]);
});

test('the BUILD gadget (BUILD plants __setstate__ = os.system, the next BUILD calls it) is a call with its argument', () => {
  const found = scanUnsafe(decode('test/fixtures/snapshots/misc/unsafe-build-setstate.pickle'));
  assert.deepEqual(found.map((u) => [u.callable, u.kind, u.confidence, u.args, u.path]), [['os.system', 'call', 'high', "'echo planted'", 'root']]);
  assert.match(found[0]!.why, /plants __setstate__/);
});

test('long arguments are shown far enough to see the payload', () => {
  const [u] = scanUnsafe(decode('test/fixtures/snapshots/misc/unsafe-long-args.pickle'));
  assert.match(u!.args, /touch marker-at-the-end'$/);
});

test('bound methods and module references in an AOT snapshot are low-confidence, not unsafe-global', async () => {
  const { aotToPickle } = await import('../../src/snapshot/aot.js');
  const { pickle } = aotToPickle(readFileSync(repoPath('test/fixtures/snapshots/aot/builder.tas'), 'utf8'));
  const found = scanUnsafe(decodePickle(pickle, { file: 'builder.tas' }));
  assert.deepEqual(found.map((u) => [u.callable, u.confidence, u.path]), [
    ['importlib.import_module', 'low', 'root.osmodule'],
    ['builtins.getattr', 'low', 'root.callback'],
  ]);
});

test('a call of an unknown function is reported at low confidence; Buildbot snapshots are clean', () => {
  const found = scanUnsafe(decode('test/fixtures/snapshots/misc/unknown-callable.pickle'));
  assert.deepEqual(found.map((u) => [u.callable, u.confidence, u.args]), [['flock.factory.make_job', 'low', '7']]);
  for (const f of ['0', '1', '2', 'builder']) assert.deepEqual(scanUnsafe(decode(`test/fixtures/snapshots/basedir/full/${f}`)), [], f);
  assert.deepEqual(scanUnsafe(decode('test/fixtures/snapshots/basedir/changes.pck')), []);
});
