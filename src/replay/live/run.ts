// runLiveReplay: one sandboxed Python process loads a copy of one snapshot with a release's
// classes, runs the Versioned upgrade, probes and renders; this side turns its events into
// findings. One fresh process per call: a failed doUpgrade() leaves Twisted's module-level
// state filled, so processes are never reused.
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, constants as fsc } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../errors.js';
import type { Finding } from '../../report/finding.js';
import { FINDING_CODES } from '../../report/finding.js';
import { findingsFromEvents } from './findings.js';
import { probePython } from './python.js';
import { netnsAvailable, runSandboxed } from './sandbox.js';
import type { HarnessEvent, LiveOptions, LiveOutcome } from './types.js';
import { trackTempDir, untrackTempDir } from '../../cleanup.js';

/** The harness ships in the package at src/replay/live/harness (see package.json "files"). */
export function harnessPath(): string {
  // From dist/src/replay/live/run.js or src/replay/live/run.ts alike: walk up to the package root.
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'src', 'replay', 'live', 'harness', 'rehearse_harness.py');
    if (path.basename(dir) !== 'dist' && existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('rehearse_harness.py not found in the package');
}


async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await fs.open(file, fsc.O_RDONLY);
  try {
    for await (const chunk of fh.createReadStream()) h.update(chunk as Buffer);
  } finally {
    await fh.close().catch(() => undefined);
  }
  return h.digest('hex');
}

/**
 * Whether `name` occurs in the pickle bytes (as UTF-8, which covers ASCII and the Python 3
 * spellings; a Python 2 latin-1 name is checked as latin-1 too). A log object stores its file's
 * name as a string (`LogFile.filename`), so this finds the basedir files a snapshot points to.
 */
export function pickleNames(bytes: Uint8Array, name: string): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.indexOf(Buffer.from(name, 'utf8')) >= 0 || buf.indexOf(Buffer.from(name, 'latin1')) >= 0;
}

/**
 * Copies basedir files into the sandbox: the top-level regular files the pickle names (with their
 * `.bz2`/`.gz` variants), or all of them with mode 'all', up to a size cap. Copying only what is
 * named keeps a builder folder with thousands of logs from being copied once per build pickle.
 */
async function copyBasedir(
  from: string,
  to: string,
  capBytes: number,
  skip: string,
  mode: 'referenced' | 'all',
  pickle: Uint8Array,
): Promise<{ notes: string[]; copied: number; notNamed: number }> {
  const notes: string[] = [];
  let copied = 0;
  await fs.mkdir(to, { recursive: true });
  const wanted = (name: string): boolean => mode === 'all' || pickleNames(pickle, name.replace(/\.(bz2|gz)$/, ''));
  let total = 0;
  let skipped = 0;
  let unnamed = 0;
  const entries = (await fs.readdir(from, { withFileTypes: true }).catch(() => [])).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    if (!e.isFile() || path.join(from, e.name) === skip) continue;
    if (!wanted(e.name)) {
      unnamed++;
      continue;
    }
    const src = path.join(from, e.name);
    const st = await fs.stat(src);
    if (total + st.size > capBytes) {
      skipped++;
      continue;
    }
    total += st.size;
    await fs.copyFile(src, path.join(to, e.name), fsc.COPYFILE_FICLONE);
    copied++;
  }
  // Files the pickle does not name are not a gap by themselves (a render that needed one fails
  // visibly): counted in stats, not noted. Files over the cap are a gap.
  if (skipped) notes.push(`live replay: ${skipped} basedir file(s) not copied into the sandbox (over the ${Math.round(capBytes / 2 ** 20)} MB copy limit)`);
  return { notes, copied, notNamed: unnamed };
}

// One probe per interpreter per process: a check replays hundreds of files with the same Python.
const probes = new Map<string, ReturnType<typeof probePython>>();
function probeCached(exe: string): ReturnType<typeof probePython> {
  let p = probes.get(exe);
  if (!p) {
    p = probePython(exe);
    probes.set(exe, p);
    // A failed probe (not found, …) is not cached: the caller may install it and retry.
    void p.then((r) => {
      if ('reason' in r) probes.delete(exe);
    });
  }
  return p;
}

function isCompressed(b: Uint8Array): string | undefined {
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return 'bzip2';
  return undefined;
}

export async function runLiveReplay(opts: LiveOptions, onEvent?: (e: HarnessEvent) => void): Promise<LiveOutcome> {
  const started = Date.now();
  const label = opts.snapshotLabel ?? opts.snapshot;
  const out: LiveOutcome = {
    findings: [],
    sandbox: {},
    renders: {},
    refusals: [],
    notes: [],
    stats: { objects: 0, versioned: 0, upgraded: 0, durationMs: 0 },
  };
  const done = (skipped?: string): LiveOutcome => {
    if (skipped) out.skipped = skipped;
    out.stats.durationMs = Date.now() - started;
    return out;
  };

  let original: Uint8Array;
  try {
    original = await fs.readFile(opts.snapshot, { flag: 'r' });
  } catch (e) {
    throw new UserError(`${opts.snapshot}: cannot read the snapshot (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  out.snapshotSha256 = createHash('sha256').update(original).digest('hex');
  const checkUnchanged = async (): Promise<void> => {
    out.snapshotUnchanged = (await sha256File(opts.snapshot)) === out.snapshotSha256;
  };

  if (!opts.snapshotBytes && /\.tas$/i.test(opts.snapshot)) {
    await checkUnchanged();
    return done(`live replay skipped: ${label} is a .tas source snapshot, never loaded live (pass the converted pickle bytes)`);
  }
  if (opts.flaggedUnsafe && !opts.trusted) {
    await checkUnchanged();
    return done(`live replay skipped: the safety scan flagged ${label} (unsafe-global); pass --trusted to replay it in the sandbox`);
  }
  const bytes = opts.snapshotBytes ?? original;
  const compressed = isCompressed(bytes);
  if (compressed) {
    await checkUnchanged();
    return done(`live replay skipped: ${label} is ${compressed}-compressed; the caller must pass the decompressed pickle bytes`);
  }

  const py = await probeCached(opts.python);
  if ('reason' in py) return (await checkUnchanged(), done(`live replay skipped: ${py.reason}`));
  out.python = py.version;
  const [major, minor] = py.versionInfo;
  if (!((major === 2 && minor === 7) || (major === 3 && minor >= 6))) {
    await checkUnchanged();
    return done(`live replay skipped: Python ${py.version} is not supported (2.7 or 3.6+)`);
  }
  if (opts.needsTwisted && !py.hasTwisted) {
    await checkUnchanged();
    return done(`live replay skipped: ${py.exe} (Python ${py.version}) cannot import Twisted, which the snapshot needs`);
  }

  const disabled = new Set(opts.disableLayers ?? []);
  const releaseRoots = (Array.isArray(opts.releasePath) ? opts.releasePath : [opts.releasePath]).map((p) => path.resolve(p));
  const libs = (opts.libs ?? []).map((p) => path.resolve(p));
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-live-')));
  trackTempDir(tmp);
  try {
    const basedirCopy = path.join(tmp, 'basedir');
    const basedir = path.resolve(opts.basedir ?? path.dirname(opts.snapshot));
    const copy = await copyBasedir(basedir, basedirCopy, (opts.maxCopyMB ?? 512) * 2 ** 20, path.resolve(opts.snapshot), opts.copyBasedir ?? 'referenced', bytes);
    out.notes.push(...copy.notes);
    out.stats.basedirFilesCopied = copy.copied;
    out.stats.basedirFilesNotNamed = copy.notNamed;
    const snapCopy = path.join(tmp, 'snapshot.pickle');
    await fs.writeFile(snapCopy, bytes);
    const config = {
      tempdir: tmp,
      snapshot: snapCopy,
      basedir: basedirCopy,
      // The original folder's name (Buildbot names a builder's folder after the builder).
      basedirName: path.basename(basedir),
      releasePaths: releaseRoots,
      libs,
      allowedModules: opts.allowedModules,
      trusted: Boolean(opts.trusted),
      needsTwisted: Boolean(opts.needsTwisted),
      encoding: opts.encoding ?? 'ASCII',
      expectations: opts.expectations ?? {},
      probes: opts.probes ?? [],
      logProfile: opts.logProfile ?? null,
      layers: { rlimits: !disabled.has('rlimits'), audit: !disabled.has('audit'), neuter: !disabled.has('neuter') },
      limits: {
        cpuSeconds: opts.cpuSeconds ?? Math.ceil(timeoutMs / 1000),
        addressSpaceBytes: (opts.memoryMB ?? 2048) * 2 ** 20,
        fileSizeBytes: (opts.fileSizeMB ?? 64) * 2 ** 20,
      },
    };
    const configFile = path.join(tmp, 'config.json');
    await fs.writeFile(configFile, JSON.stringify(config));

    const netns = disabled.has('netns') ? 'disabled' : await netnsAvailable();
    out.sandbox['netns'] = netns;
    out.sandbox['clean-env'] = true;
    out.sandbox['temp-cwd-home'] = true;
    // -I (3.4+): no env vars, no user site, no script dir on sys.path; 2.7 has only -E -s.
    const flags = major >= 3 ? ['-I', '-B'] : ['-E', '-s', '-B'];
    out.sandbox['isolated-mode'] = major >= 3 ? true : 'Python 2.7 has no -I: ran with -E -s -B';
    out.sandbox['timeout'] = true;

    const events: HarnessEvent[] = [];
    let lastStart: HarnessEvent | undefined;
    let finished = false;
    let started = false;
    let stage = 'start';
    const exit = await runSandboxed({
      exe: py.exe,
      args: [...flags, harnessPath(), configFile],
      cwd: basedirCopy,
      env: { HOME: tmp, TMPDIR: tmp, PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' },
      timeoutMs,
      netns: netns === true,
      onLine: (line) => {
        let e: HarnessEvent;
        try {
          e = JSON.parse(line) as HarnessEvent;
        } catch {
          return; // the release wrote to fd 1 itself: not an event
        }
        if (!e || typeof e.event !== 'string') return;
        // Kept for the findings: not the successes, which are most of a big snapshot's events.
        if (!(e.ok === true || e.event === 'render' || e.event === 'upgrade-start')) events.push(e);
        onEvent?.(e);
        absorb(e);
      },
    });

    function absorb(e: HarnessEvent): void {
      switch (e.event) {
        case 'hello':
          started = true;
          if (!e.audit) {
            out.sandbox['audit-hook'] = `not available on Python ${out.python ?? '?'} (needs 3.8+)`;
            out.notes.push(
              `live replay: Python ${out.python ?? '?'} has no audit hook (3.8+): writes outside the sandbox's temp dir are not refused; ` +
                'processes and sockets are still refused by replaced functions and the network namespace',
            );
          }
          break;
        case 'twisted':
          out.twisted = (e.version as string | null) ?? null;
          break;
        case 'layer':
          out.sandbox[String(e.name)] = e.active ? true : String(e.detail ?? 'inactive');
          break;
        case 'loaded':
          stage = 'upgrade';
          out.stats.objects = Number(e.objects);
          out.stats.versioned = Number(e.versioned);
          break;
        case 'upgrade-start':
          lastStart = e;
          break;
        case 'upgrade':
          lastStart = undefined;
          out.stats.upgraded++;
          break;
        case 'upgraded':
          stage = 'probe';
          break;
        case 'refused':
          out.refusals.push({ what: String(e.what), detail: String(e.detail ?? '') });
          break;
        case 'render': {
          stage = 'render';
          const err = e.error as { type?: string; message?: string; traceback?: string } | undefined;
          out.renders[String(e.path)] = {
            class: String(e.class),
            name: typeof e.name === 'string' ? e.name : undefined,
            method: String(e.method),
            ...(e.ok
              ? { text: String(e.text ?? ''), truncated: Boolean(e.truncated) }
              : { error: `${err?.type ?? 'Error'}: ${err?.message ?? ''}`, traceback: err?.traceback ?? '' }),
          };
          break;
        }
        case 'stopped':
          out.skipped = `live replay stopped: ${String(e.reason)}`;
          break;
        case 'crash': {
          const err = e.error as { type?: string; message?: string } | undefined;
          out.killed = `the harness failed: ${err?.type ?? '?'}: ${err?.message ?? ''}`;
          break;
        }
        case 'done':
          finished = true;
          break;
        default:
          break;
      }
    }

    const findings: Finding[] = findingsFromEvents(events, { releaseRoots, snapshot: label });
    if (exit.spawnError) {
      out.skipped = `live replay skipped: could not start ${py.exe}: ${exit.spawnError}`;
    } else if (!started) {
      out.skipped = `live replay skipped: the harness did not start under ${py.exe} (${exit.stderrTail.trim().split('\n').pop() ?? 'no output'})`;
    } else if (!finished) {
      const why = exit.timedOut
        ? `killed after the wall-clock limit of ${timeoutMs} ms`
        : exit.signal === 'SIGXCPU'
          ? `killed by the CPU-time limit (${config.limits.cpuSeconds} s)`
          : exit.signal
            ? `killed by ${exit.signal}${exit.signal === 'SIGKILL' ? ' (out of memory?)' : ''}`
            : `exited with code ${exit.code}: ${exit.stderrTail.trim().split('\n').pop() ?? ''}`;
      out.killed ??= `the sandboxed Python was ${why}`;
      if (lastStart) {
        findings.push({
          code: 'upgrade-exception',
          severity: FINDING_CODES['upgrade-exception'],
          class: String(lastStart.class),
          message: `the upgrade of this object did not finish: the sandboxed Python was ${why}`,
          count: 1,
          paths: [String(lastStart.path)],
          snapshots: [label],
          evidence: [],
          engines: ['live'],
          details: { killed: why },
        });
      } else if (stage === 'start') {
        findings.push({
          code: 'load-exception',
          severity: FINDING_CODES['load-exception'],
          message: `loading the snapshot did not finish: the sandboxed Python was ${why}`,
          count: 1,
          paths: [],
          snapshots: [label],
          evidence: [],
          engines: ['live'],
          details: { killed: why },
        });
      }
      out.notes.push(`live replay incomplete: the sandboxed Python was ${why} (stage: ${stage})`);
    }
    out.findings = findings;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    untrackTempDir(tmp);
  }
  await checkUnchanged();
  return done();
}
