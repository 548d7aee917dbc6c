// Finding a Python to run the harness with, and what it can do.
import { execFile } from 'node:child_process';

export interface PythonFound {
  /** The interpreter's real executable (`sys.executable`), usable with a clean environment. */
  exe: string;
  /** `3.11.2` */
  version: string;
  /** [major, minor, micro] */
  versionInfo: [number, number, number];
  hasTwisted: boolean;
  /** Every module of `needs` imports. */
  hasNeeds: boolean;
}

export const DEFAULT_PYTHON_CANDIDATES = ['python3', 'python', '/usr/bin/python3'];

// Python 2 and 3 alike; prints one JSON line.
const PROBE = [
  'import sys, json',
  'def ok(m):',
  '    try:',
  '        __import__(m)',
  '        return True',
  '    except Exception:',
  '        return False',
  'print(json.dumps({"exe": sys.executable, "v": list(sys.version_info[:3]), "twisted": ok("twisted.persisted.styles"),',
  '  "needs": [ok(m) for m in sys.argv[1:]]}))',
].join('\n');

/** Ask one interpreter about itself; undefined when it does not run. */
export function probePython(
  candidate: string,
  needs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<PythonFound | { reason: string }> {
  return new Promise((resolve) => {
    execFile(candidate, ['-c', PROBE, ...needs], { env, timeout: 20_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const msg = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : String(stderr || err.message).trim().split('\n').pop();
        resolve({ reason: `${candidate}: ${msg}` });
        return;
      }
      try {
        const j = JSON.parse(String(stdout).trim().split('\n').pop() ?? '') as {
          exe: string;
          v: [number, number, number];
          twisted: boolean;
          needs: boolean[];
        };
        resolve({
          exe: j.exe || candidate,
          version: j.v.join('.'),
          versionInfo: j.v,
          hasTwisted: j.twisted,
          hasNeeds: j.needs.every(Boolean),
        });
      } catch {
        resolve({ reason: `${candidate}: unexpected answer to the version probe` });
      }
    });
  });
}

function supported(v: [number, number, number]): boolean {
  return (v[0] === 2 && v[1] === 7) || (v[0] === 3 && v[1] >= 6);
}

/**
 * The first candidate that runs, is a supported version (2.7 or 3.6+), and imports every module
 * of `needs` (e.g. ['twisted']); or the reasons each one was passed over.
 */
export async function findPython(
  candidates: string[] = DEFAULT_PYTHON_CANDIDATES,
  needs: string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ exe: string; version: string; hasTwisted: boolean } | { reason: string }> {
  const reasons: string[] = [];
  for (const c of candidates) {
    const p = await probePython(c, needs, env);
    if ('reason' in p) {
      reasons.push(p.reason);
      continue;
    }
    if (!supported(p.versionInfo)) {
      reasons.push(`${c}: Python ${p.version} is not supported (2.7 or 3.6+)`);
      continue;
    }
    if (!p.hasNeeds) {
      reasons.push(`${c}: Python ${p.version} cannot import ${needs.join(', ')}`);
      continue;
    }
    return { exe: p.exe, version: p.version, hasTwisted: p.hasTwisted };
  }
  return { reason: `no usable Python (${reasons.join('; ') || 'no candidates'})` };
}
