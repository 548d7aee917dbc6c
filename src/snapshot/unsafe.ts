// Which globals in a snapshot would execute code when the pickle is loaded.
//
// The table is data, built from public knowledge of pickle security scanners (picklescan's,
// fickling's and modelscan's documentation, and the published scanner bypasses: cProfile.run,
// pydoc.locate, inspect.getattr_static, multiprocessing.util.spawnv_passfds, …). A deny-list is
// never complete, so a call of anything outside a small known-safe set is also reported, at low
// confidence ("executes an unknown callable"): old application snapshots almost never need one.
import type { NodeId, SnapshotGraph } from './graph.js';
import { reprNode } from './repr.js';

export type UnsafeConfidence = 'high' | 'medium' | 'low';

export interface UnsafeRule {
  module: string;
  /** Names in the module, or '*' for every name. */
  names: readonly string[] | '*';
  /** Also match submodules (`module.x.y`). */
  submodules?: boolean;
  confidence: Exclude<UnsafeConfidence, 'low'>;
  /** What calling it does, in a few words. */
  what: string;
}

const BUILTIN_EXEC = ['eval', 'exec', 'execfile', 'compile', '__import__', 'apply', 'breakpoint', 'reload', 'input'];
const BUILTIN_INDIRECT = ['getattr', 'setattr', 'delattr', 'open', 'file', 'globals', 'locals', 'vars', 'raw_input', 'memoryview'];
const OS_EXEC = [
  'system', 'popen', 'popen2', 'popen3', 'popen4', 'execl', 'execle', 'execlp', 'execlpe', 'execv', 'execve',
  'execvp', 'execvpe', 'spawnl', 'spawnle', 'spawnlp', 'spawnlpe', 'spawnv', 'spawnve', 'spawnvp', 'spawnvpe',
  'posix_spawn', 'posix_spawnp', 'fork', 'forkpty', 'startfile', 'kill', 'killpg', '_exit', 'abort',
];

/** The deny-list. Order does not matter; the first match wins. */
export const UNSAFE_RULES: readonly UnsafeRule[] = [
  // Python's own code execution.
  { module: 'builtins', names: BUILTIN_EXEC, confidence: 'high', what: 'evaluates or imports code' },
  { module: '__builtin__', names: BUILTIN_EXEC, confidence: 'high', what: 'evaluates or imports code' },
  { module: 'builtins', names: BUILTIN_INDIRECT, confidence: 'medium', what: 'reaches attributes, namespaces or files (a gadget for chains)' },
  { module: '__builtin__', names: BUILTIN_INDIRECT, confidence: 'medium', what: 'reaches attributes, namespaces or files (a gadget for chains)' },
  { module: 'code', names: '*', confidence: 'high', what: 'runs Python source' },
  { module: 'codeop', names: '*', confidence: 'high', what: 'compiles Python source' },
  { module: 'runpy', names: '*', confidence: 'high', what: 'runs a module or script' },
  { module: 'cProfile', names: ['run', 'runctx'], confidence: 'high', what: 'runs Python source (exec)' },
  { module: 'profile', names: ['run', 'runctx'], confidence: 'high', what: 'runs Python source (exec)' },
  { module: 'timeit', names: '*', confidence: 'high', what: 'runs Python source (exec)' },
  { module: 'trace', names: '*', confidence: 'high', what: 'runs Python source' },
  { module: 'pdb', names: '*', confidence: 'high', what: 'runs Python source in the debugger' },
  { module: 'bdb', names: '*', confidence: 'high', what: 'runs Python source in the debugger' },
  { module: 'doctest', names: '*', confidence: 'high', what: 'runs Python source from docstrings' },
  { module: 'types', names: ['FunctionType', 'CodeType', 'LambdaType', 'MethodType', 'ModuleType'], confidence: 'high', what: 'builds functions or code objects' },
  { module: 'marshal', names: '*', confidence: 'high', what: 'loads code objects' },
  { module: 'pickle', names: '*', confidence: 'high', what: 'loads a nested pickle (unchecked)' },
  { module: 'cPickle', names: '*', confidence: 'high', what: 'loads a nested pickle (unchecked)' },
  { module: '_pickle', names: '*', confidence: 'high', what: 'loads a nested pickle (unchecked)' },
  { module: 'dill', names: '*', submodules: true, confidence: 'high', what: 'loads a nested pickle (unchecked)' },
  { module: 'cloudpickle', names: '*', submodules: true, confidence: 'high', what: 'loads a nested pickle (unchecked)' },
  { module: 'joblib', names: '*', submodules: true, confidence: 'high', what: 'loads a nested pickle (unchecked)' },
  { module: 'shelve', names: '*', confidence: 'high', what: 'opens a shelf (nested pickles)' },
  { module: 'yaml', names: ['load', 'load_all', 'unsafe_load', 'full_load'], confidence: 'high', what: 'loads YAML that may construct objects' },
  { module: 'twisted.persisted.aot', names: ['unjellyFromSource', 'unjellyFromAOT'], confidence: 'high', what: 'executes AOT source' },
  { module: 'twisted.persisted.sob', names: ['load', 'loadValueFromFile'], confidence: 'high', what: 'loads (executes) another snapshot' },
  { module: 'twisted.spread.jelly', names: ['unjelly'], confidence: 'medium', what: 'unjellies nested data' },
  // Processes and the operating system.
  { module: 'os', names: OS_EXEC, confidence: 'high', what: 'runs a command or replaces the process' },
  { module: 'posix', names: OS_EXEC, confidence: 'high', what: 'runs a command or replaces the process' },
  { module: 'nt', names: OS_EXEC, confidence: 'high', what: 'runs a command or replaces the process' },
  { module: 'os', names: '*', confidence: 'medium', what: 'touches the file system or process state' },
  { module: 'posix', names: '*', confidence: 'medium', what: 'touches the file system or process state' },
  { module: 'nt', names: '*', confidence: 'medium', what: 'touches the file system or process state' },
  { module: 'subprocess', names: '*', confidence: 'high', what: 'runs a command' },
  { module: '_posixsubprocess', names: '*', confidence: 'high', what: 'forks and runs a command' },
  { module: 'multiprocessing', names: '*', submodules: true, confidence: 'high', what: 'starts processes (spawnv_passfds runs a command)' },
  { module: 'commands', names: '*', confidence: 'high', what: 'runs a shell command (Python 2)' },
  { module: 'popen2', names: '*', confidence: 'high', what: 'runs a command (Python 2)' },
  { module: 'pty', names: '*', confidence: 'high', what: 'spawns a process on a terminal' },
  { module: 'pexpect', names: '*', confidence: 'high', what: 'spawns a process' },
  { module: 'asyncio', names: '*', submodules: true, confidence: 'high', what: 'can spawn subprocesses and open connections' },
  { module: 'webbrowser', names: '*', confidence: 'high', what: 'launches a browser (a command)' },
  { module: 'pydoc', names: '*', confidence: 'high', what: 'resolves arbitrary names or pipes into a pager command' },
  { module: 'ctypes', names: '*', submodules: true, confidence: 'high', what: 'loads native libraries, calls C' },
  { module: '_ctypes', names: '*', confidence: 'high', what: 'loads native libraries, calls C' },
  { module: 'shutil', names: '*', confidence: 'high', what: 'removes, moves or copies files' },
  { module: 'signal', names: '*', confidence: 'medium', what: 'changes signal handling' },
  { module: 'atexit', names: '*', confidence: 'medium', what: 'registers code to run at exit' },
  { module: 'threading', names: ['Thread', 'Timer'], confidence: 'medium', what: 'runs a callable in a thread' },
  { module: 'twisted.internet.utils', names: '*', confidence: 'high', what: 'runs a command' },
  { module: 'twisted.internet.process', names: '*', confidence: 'high', what: 'runs a command' },
  // Imports and name resolution: harmless alone, the first step of every chain.
  { module: 'importlib', names: '*', submodules: true, confidence: 'medium', what: 'imports an arbitrary module' },
  { module: 'imp', names: '*', confidence: 'medium', what: 'imports an arbitrary module' },
  { module: 'zipimport', names: '*', confidence: 'medium', what: 'imports code from an archive' },
  { module: 'pkgutil', names: '*', confidence: 'medium', what: 'resolves arbitrary names' },
  { module: 'sys', names: '*', confidence: 'medium', what: 'reaches sys.modules and interpreter state' },
  { module: 'inspect', names: ['getattr_static'], confidence: 'medium', what: 'reaches attributes (getattr substitute)' },
  { module: 'operator', names: ['attrgetter', 'itemgetter', 'methodcaller'], confidence: 'medium', what: 'reaches attributes or calls methods by name' },
  { module: '_operator', names: ['attrgetter', 'itemgetter', 'methodcaller'], confidence: 'medium', what: 'reaches attributes or calls methods by name' },
  { module: 'functools', names: ['partial', 'reduce'], confidence: 'medium', what: 'calls a callable later' },
  { module: '_functools', names: ['partial', 'reduce'], confidence: 'medium', what: 'calls a callable later' },
  { module: 'twisted.python.reflect', names: ['namedAny', 'namedObject', 'namedModule', 'namedClass', 'prefixedMethods', 'addMethodNamesToDict'], confidence: 'medium', what: 'resolves arbitrary names' },
  // The network.
  { module: 'socket', names: '*', confidence: 'medium', what: 'opens network connections' },
  { module: '_socket', names: '*', confidence: 'medium', what: 'opens network connections' },
  { module: 'ssl', names: '*', confidence: 'medium', what: 'opens network connections' },
  { module: 'socketserver', names: '*', confidence: 'medium', what: 'listens on the network' },
  { module: 'SocketServer', names: '*', confidence: 'medium', what: 'listens on the network' },
  { module: 'httplib', names: '*', confidence: 'medium', what: 'opens network connections' },
  { module: 'http.client', names: '*', confidence: 'medium', what: 'opens network connections' },
  { module: 'urllib', names: '*', submodules: true, confidence: 'medium', what: 'fetches URLs' },
  { module: 'urllib2', names: '*', confidence: 'medium', what: 'fetches URLs' },
  { module: 'smtplib', names: '*', confidence: 'medium', what: 'sends mail' },
  { module: 'ftplib', names: '*', confidence: 'medium', what: 'opens network connections' },
  { module: 'telnetlib', names: '*', confidence: 'medium', what: 'opens network connections' },
  { module: 'requests', names: '*', submodules: true, confidence: 'medium', what: 'fetches URLs' },
];

/**
 * Callables that reduce-style pickles use routinely and that run no user-supplied code. A call
 * of anything else is reported at low confidence.
 */
export const KNOWN_SAFE_CALLABLES: readonly string[] = [
  'copy_reg._reconstructor', 'copyreg._reconstructor', 'copyreg.__newobj__', 'copyreg.__newobj_ex__',
  'copy_reg.__newobj__', '_codecs.encode', 'codecs.encode',
  ...['set', 'frozenset', 'bytearray', 'bytes', 'complex', 'slice', 'object', 'list', 'dict', 'tuple', 'int', 'float', 'str', 'bool', 'range', 'long', 'unicode', 'xrange']
    .flatMap((n) => [`builtins.${n}`, `__builtin__.${n}`]),
  'collections.OrderedDict', 'collections.defaultdict', 'collections.deque', 'collections.Counter',
  'datetime.datetime', 'datetime.date', 'datetime.time', 'datetime.timedelta', 'datetime.timezone',
  'decimal.Decimal', 'fractions.Fraction', 'uuid.UUID', 'array.array', 'array._array_reconstructor',
  're._compile', 'sre_compile.compile', 'time.struct_time', 'os.stat_result', 'posix.stat_result',
  'ipaddress.IPv4Address', 'ipaddress.IPv6Address', 'pathlib.PosixPath', 'pathlib.PurePosixPath',
  'email.message.Message', 'exceptions.Exception', 'builtins.Exception', 'builtins.ValueError', 'builtins.KeyError',
];

const SAFE = new Set(KNOWN_SAFE_CALLABLES);

/** The rule matching `module.name`, if any. */
export function matchUnsafe(module: string, name: string): UnsafeRule | undefined {
  const safeName = `${module}.${name}`;
  if (SAFE.has(safeName)) return undefined;
  for (const r of UNSAFE_RULES) {
    const modOk = r.module === module || (r.submodules === true && module.startsWith(`${r.module}.`));
    if (!modOk) continue;
    if (r.names === '*' || r.names.includes(name)) return r;
  }
  return undefined;
}

export interface UnsafeCall {
  /** `module.name` of what is called or referenced, or a description of a computed callable. */
  callable: string;
  /** 'call': REDUCE/OBJ/INST/NEWOBJ would call it on load; 'reference': only imported (find_class). */
  kind: 'call' | 'reference';
  confidence: UnsafeConfidence;
  /** Why it is flagged. */
  why: string;
  /** The arguments as decoded text (empty for references). */
  args: string;
  /** Byte offset (decompressed stream) of the opcode that makes the call or reference. */
  offset: number;
  /** Object path of the call (or of the global). */
  path: string;
  node: NodeId;
  /** More calls of the same callable, not listed (see MAX_CALLS_PER_CALLABLE). */
  omitted?: number;
}

/**
 * Two deny-listed calls are also how ordinary objects are spelled (a pickled bound method is
 * getattr(obj, 'name'); an AOT Module('x') is import_module('x')): with constant arguments of
 * that shape they are reported at low confidence, with what they most likely are.
 */
function benignUse(graph: SnapshotGraph, qual: string, call: NodeId): string | undefined {
  const n = graph.node(call);
  if (n.kind !== 'call') return undefined;
  const args = graph.node(n.args);
  if (args.kind !== 'tuple') return undefined;
  const [a, b] = args.items;
  const isStr = (id: NodeId | undefined): boolean => id !== undefined && (graph.kind(id) === 'str' || graph.kind(id) === 'bytes');
  if ((qual === 'builtins.getattr' || qual === '__builtin__.getattr') && args.items.length === 2 && a !== undefined && graph.kind(a) === 'instance' && isStr(b)) {
    return 'getattr of a constant name on an object: how a bound method is pickled (gets, does not call)';
  }
  if (qual === 'importlib.import_module' && args.items.length === 1 && isStr(a)) {
    return `imports the module ${graph.text(a!) ?? '?'} by constant name (a module reference; importing runs its top-level code)`;
  }
  return undefined;
}

/**
 * The BUILD gadget: BUILD({'__setstate__': f}) on an object without __setstate__ stores f in its
 * __dict__, and a second BUILD then calls f(state). Checked only when some string in the
 * snapshot reads `__setstate__` (cheap), since it needs every instance's edges.
 */
function plantedSetstate(graph: SnapshotGraph, report: (callee: NodeId, instance: NodeId, stateArg: NodeId) => void): void {
  const marker = [...graph.nodesOfKind('str'), ...graph.nodesOfKind('bytes')].some((id) => graph.text(id) === '__setstate__');
  if (!marker) return;
  for (const id of graph.nodesOfKind('instance')) {
    const states = graph.edges(id).filter((e) => e.via === 'inner' && e.label === 'state').map((e) => e.to);
    for (let i = 0; i + 1 < states.length; i++) {
      const st = graph.node(states[i]!);
      const dicts = st.kind === 'dict' ? [st] : st.kind === 'tuple' ? st.items.map((x) => graph.node(x)).filter((n) => n.kind === 'dict') : [];
      for (const d of dicts) {
        if (d.kind !== 'dict') continue;
        for (const [k, v] of d.entries) if (graph.text(k) === '__setstate__') report(v, id, states[i + 1]!);
      }
    }
  }
}

/** Characters of each argument shown: enough for a command line or the text inside marshal bytes. */
const ARG_MAX = 1000;

const CONF_RANK: Record<UnsafeConfidence, number> = { high: 0, medium: 1, low: 2 };

/**
 * Every call and reference in `graph` that would execute code, sorted by confidence then offset.
 * Never executes or imports anything.
 */
export function scanUnsafe(graph: SnapshotGraph): UnsafeCall[] {
  const found: UnsafeCall[] = [];
  const calledGlobals = new Set<NodeId>();
  const argsText = (ids: NodeId[]): string => ids.map((a) => reprNode(graph, a, { max: ARG_MAX })).join(', ');

  // Snapshots hold millions of instances of a few classes: judge each class reference once.
  const verdicts = new Map<NodeId, { qual: string; rule: UnsafeRule | undefined; safe: boolean } | null>();
  const verdictOf = (calleeId: NodeId): { qual: string; rule: UnsafeRule | undefined; safe: boolean } | null => {
    let v = verdicts.get(calleeId);
    if (v === undefined) {
      const callee = graph.node(calleeId);
      if (callee.kind === 'global') {
        const qual = `${callee.module}.${callee.name}`;
        v = { qual, rule: matchUnsafe(callee.module, callee.name), safe: SAFE.has(qual) };
      } else v = null;
      verdicts.set(calleeId, v);
    }
    return v;
  };

  /** args is computed only for what gets reported. */
  const judge = (calleeId: NodeId, node: NodeId, args: () => string, how: string): void => {
    const v = verdictOf(calleeId);
    if (v) {
      calledGlobals.add(calleeId);
      if (!v.rule && (how !== 'REDUCE' || v.safe)) return;
      const benign = v.rule && how === 'REDUCE' ? benignUse(graph, v.qual, node) : undefined;
      const at = { offset: graph.offset(node), path: '', node };
      if (v.rule && !benign) found.push({ callable: v.qual, kind: 'call', confidence: v.rule.confidence, why: v.rule.what, args: args(), ...at });
      else if (benign) found.push({ callable: v.qual, kind: 'call', confidence: 'low', why: benign, args: args(), ...at });
      else
        found.push({
          callable: v.qual,
          kind: 'call',
          confidence: 'low',
          why: 'executes an unknown callable (not in the known-safe set; a class constructor or function runs on load)',
          args: args(),
          ...at,
        });
      return;
    }
    // A computed callable (the result of another call, an instance's __call__, …): the shape of
    // gadget chains such as methodcaller('system', …)(module).
    found.push({
      callable: reprNode(graph, calleeId, { max: 80 }),
      kind: 'call',
      confidence: 'medium',
      why: `calls a computed callable (${graph.kind(calleeId)}), the shape of a gadget chain`,
      args: args(),
      offset: graph.offset(node),
      path: '',
      node,
    });
  };

  for (const id of graph.nodesOfKind('call')) {
    const n = graph.node(id);
    if (n.kind !== 'call') continue;
    judge(n.callable, id, () => {
      const a = graph.node(n.args);
      return a.kind === 'tuple' ? argsText(a.items) : reprNode(graph, n.args, { max: ARG_MAX });
    }, 'REDUCE');
  }
  // Instances: classOf is cheap; build the node view only for the few that need a closer look.
  const byQual = new Map<string, boolean>();
  for (const id of graph.nodesOfKind('instance')) {
    const c = graph.classOf(id);
    if (c) {
      const qual = `${c.module}.${c.name}`;
      let suspicious = byQual.get(qual);
      if (suspicious === undefined) byQual.set(qual, (suspicious = matchUnsafe(c.module, c.name) !== undefined));
      // Not on the deny-list: its global is not reported as a reference either, so skip it.
      if (!suspicious) continue;
    }
    const n = graph.node(id);
    if (n.kind !== 'instance') continue;
    // A "class" that is really a function (INST os system, OBJ) is called with the args.
    judge(n.cls, id, () => argsText(n.args), n.how);
  }
  plantedSetstate(graph, (callee, instance, stateArg) => {
    const v = verdictOf(callee);
    if (v) calledGlobals.add(callee);
    found.push({
      callable: v ? v.qual : reprNode(graph, callee, { max: 80 }),
      kind: 'call',
      confidence: v?.rule?.confidence === 'high' ? 'high' : 'medium',
      why: `a BUILD plants __setstate__ in the instance and the next BUILD calls it${v?.rule ? ` (${v.rule.what})` : ''}`,
      args: reprNode(graph, stateArg, { max: ARG_MAX }),
      offset: graph.offset(stateArg),
      path: '',
      node: instance,
    });
  });
  for (const id of graph.nodesOfKind('global')) {
    if (calledGlobals.has(id)) continue;
    const g = graph.node(id);
    if (g.kind !== 'global') continue;
    const rule = matchUnsafe(g.module, g.name);
    if (!rule) continue;
    found.push({
      callable: `${g.module}.${g.name}`,
      kind: 'reference',
      confidence: rule.confidence === 'high' ? 'medium' : 'low',
      why: `imported on load and held as a value (${rule.what} if called)`,
      args: '',
      offset: graph.offset(id),
      path: '',
      node: id,
    });
  }
  found.sort((x, y) => CONF_RANK[x.confidence] - CONF_RANK[y.confidence] || x.offset - y.offset || x.node - y.node);
  return withPaths(graph, found);
}

/**
 * Paths only for the first calls of each callable: a hostile file can nest thousands of calls,
 * each path as long as its depth, and listing them all would take minutes and gigabytes. The
 * last call kept says how many more of the same callable there are.
 */
export const MAX_CALLS_PER_CALLABLE = 100;

function withPaths(graph: SnapshotGraph, found: UnsafeCall[]): UnsafeCall[] {
  const kept: UnsafeCall[] = [];
  const last = new Map<string, UnsafeCall>();
  const seen = new Map<string, number>();
  for (const call of found) {
    const k = `${call.kind} ${call.callable}`;
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    if (n <= MAX_CALLS_PER_CALLABLE) {
      call.path = graph.pathOf(call.node);
      kept.push(call);
      last.set(k, call);
    } else {
      const l = last.get(k)!;
      l.omitted = (l.omitted ?? 0) + 1;
    }
  }
  return kept;
}
