// Loads pickles in a real Python (never our own decoder) with stub classes, and describes what
// Python built as JSON, so tests can compare it with what we meant to write.
// Stubs: find_class returns a fresh stub class for every name outside a few safe modules, so
// nothing from the pickle is ever imported or executed.
import { spawnSync } from 'node:child_process';

const SCRIPT = String.raw`
import sys, json, base64, pickle, io, struct, re
PY2 = sys.version_info[0] == 2
SAFE = ('builtins', '__builtin__', '_codecs', 'copy_reg', 'copyreg')
class Stub(object):
    def __init__(self, *args, **kwargs):
        self._args = list(args) + sorted(kwargs.items())
    def __setstate__(self, state):
        self._state = state
def stub_for(m, n):
    return type(str(n), (Stub,), {'__module__': m, '_qual': m + '.' + n})
if PY2:
    import cPickle
    def load(data):
        up = pickle.Unpickler(io.BytesIO(data))
        def fg(m, n):
            if m in SAFE and n in ('set', 'frozenset', 'getattr', 'complex', 'slice', 'object', '_reconstructor', 'encode'):
                return pickle.Unpickler.find_class(up, m, n)
            return stub_for(m, n)
        up.find_class = fg
        return up.load()
else:
    class U(pickle.Unpickler):
        def find_class(self, m, n):
            if m in SAFE and n in ('set', 'frozenset', 'getattr', 'complex', 'slice', 'object', '_reconstructor', 'encode'):
                return super().find_class(m, n)
            return stub_for(m, n)
    def load(data):
        return U(io.BytesIO(data), encoding='bytes').load()
def describe(v, seen):
    t = type(v)
    if v is None: return None
    if t is bool: return {'bool': v}
    if t in (int,) or (PY2 and t is long): return {'int': str(v)}
    if t is float: return {'float': base64.b16encode(struct.pack('>d', v)).decode('ascii').lower()}
    if (not PY2 and t is str) or (PY2 and t is unicode): return {'str': v}
    if t is bytes: return {'bytes': base64.b16encode(v).decode('ascii').lower()}
    if isinstance(v, type) and issubclass(v, Stub): return {'global': v._qual}
    if t in (list, dict, set, frozenset) or (t is tuple and len(v)) or isinstance(v, Stub):
        if id(v) in seen: return {'ref': seen[id(v)]}
        seen[id(v)] = len(seen)
    if t is list: return {'list': [describe(x, seen) for x in v]}
    if t is tuple: return {'tuple': [describe(x, seen) for x in v]}
    if t is dict: return {'dict': [[describe(k, seen), describe(x, seen)] for k, x in v.items()]}
    if t in (set, frozenset): return {'set': sorted(json.dumps(describe(x, {}), sort_keys=True) for x in v), 'frozen': t is frozenset}
    if isinstance(v, Stub):
        d = {'inst': type(v)._qual}
        if v.__dict__.get('_args'): d['args'] = describe(list(v._args), seen)
        if '_state' in v.__dict__: d['state'] = describe(v._state, seen)
        return d
    return {'other': re.sub(' at 0x[0-9a-f]+', '', repr(v))}
out = []
for b in json.loads(sys.stdin.read()):
    try:
        out.append({'ok': describe(load(base64.b64decode(b)), {})})
    except Exception as e:
        out.append({'error': '%s: %s' % (type(e).__name__, e)})
sys.stdout.write(json.dumps(out))
`;

export type PyLoadResult = { ok: unknown } | { error: string };

/** Load each pickle in `python` (python3 = pyenv 3.11; 'python2.7' runs PYENV_VERSION=2.7.18). */
export function pyLoad(pickles: Uint8Array[], python: 'python3' | 'python2.7' = 'python3'): PyLoadResult[] {
  const env = python === 'python2.7' ? { ...process.env, PYENV_VERSION: '2.7.18' } : process.env;
  const r = spawnSync(python, ['-c', SCRIPT], {
    input: JSON.stringify(pickles.map((p) => Buffer.from(p).toString('base64'))),
    encoding: 'utf8',
    env,
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`${python} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PyLoadResult[];
}

/** Run `python3 -m pickletools` on a pickle: throws if it cannot disassemble it. */
export function pickletoolsDis(p: Uint8Array): string {
  const r = spawnSync('python3', ['-c', 'import sys, pickletools; pickletools.dis(sys.stdin.buffer.read())'], { input: Buffer.from(p), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pickletools.dis failed: ${r.stderr}`);
  return r.stdout;
}
