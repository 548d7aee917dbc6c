// Asks a real Python whether pickle would find names in a tree: for each (module, name),
// does `getattr(importlib.import_module(module), name)` succeed with the tree on sys.path?
import { spawnSync } from 'node:child_process';

const SCRIPT = `
import importlib, json, sys
out = []
for m, n in json.loads(sys.argv[1]):
    try:
        obj = importlib.import_module(m)
        for part in n.split('.'):
            obj = getattr(obj, part)
        out.append(True)
    except Exception:
        out.append(False)
sys.stdout.write('\\nORACLE ' + json.dumps(out) + '\\n')
`;

export interface Interpreter {
  cmd: string;
  env?: Record<string, string>;
}

export const PY3: Interpreter = { cmd: 'python3' };
export const PY2: Interpreter = { cmd: 'python2.7', env: { PYENV_VERSION: '2.7.18' } };

/** One boolean per query; throws when the interpreter cannot be run (the test then fails loudly). */
export function pythonFinds(py: Interpreter, root: string, queries: Array<[string, string]>): boolean[] {
  const r = spawnSync(py.cmd, ['-B', '-c', SCRIPT, JSON.stringify(queries)], {
    cwd: root,
    env: { ...process.env, ...py.env, PYTHONPATH: root, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const line = r.stdout?.split('\n').find((l) => l.startsWith('ORACLE '));
  if (!line) throw new Error(`${py.cmd} did not answer: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(line.slice('ORACLE '.length)) as boolean[];
}
