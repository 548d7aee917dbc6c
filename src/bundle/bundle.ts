// Bug-mail bundles: one folder with everything a maintainer needs to see and reproduce a failed
// check — the report (Markdown and JSON), the exact command, the versions, and a minimized repro
// snapshot per snapshot file with error findings. Building the bundle is pure (files in memory);
// writing it is the only I/O.
import path from 'node:path';
import { writeFileAtomic } from '../io.js';
import { simulatedOptionsFor, type CheckRun } from '../check/run.js';
import type { LoadedRelease } from '../check/release.js';
import type { LoadedSnapshot } from '../check/snapshots.js';
import { unsafeFindings } from '../check/unsafe.js';
import { findingKey, type Finding } from '../report/finding.js';
import type { Report } from '../report/report.js';
import { DEFAULT_SECRET_NAMES, redactReport } from '../report/redact.js';
import { formatMarkdown } from '../report/markdown.js';
import { formatJson } from '../report/json.js';
import { simulateReplay, type Py2Encoding } from '../replay/simulated/replay.js';
import { scanUnsafe } from '../snapshot/unsafe.js';
import type { SnapshotGraph } from '../snapshot/graph.js';
import { decodePickle } from '../snapshot/decoder.js';
import { writePickle } from '../snapshot/writer.js';
import { minimizeGraph, nodesAtPaths } from '../snapshot/minimize.js';

export interface BundleOptions {
  /** Redact secret-looking attribute values and the listed strings (default in bundles). */
  redact: boolean;
  redactValues: string[];
  /** The command line as typed, without node and the script (argv.slice(2)). */
  argv: string[];
  targetPython?: 2 | 3;
  encoding?: Py2Encoding;
}

export interface BundleFile {
  /** Relative to the bundle folder, forward slashes. */
  path: string;
  data: string | Uint8Array;
}

export interface ReproSummary {
  snapshot: string;
  file: string;
  originalBytes: number;
  reproBytes: number;
  /** `code|class|attribute` of the error findings the repro was made for. */
  findings: string[];
  /** Those the repro does not reproduce when checked again against the same target (should be none). */
  notReproduced: string[];
}

export interface Bundle {
  files: BundleFile[];
  report: Report;
  repros: ReproSummary[];
}

/** Shell quoting, so command.txt can be pasted back into a shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The findings of one snapshot on its own: simulated replay plus the safety scan. */
export function snapshotFindings(name: string, graph: SnapshotGraph, target: LoadedRelease, opts: Pick<BundleOptions, 'targetPython' | 'encoding'>): Finding[] {
  const sim = simulateReplay([{ name, graph }], target.view, simulatedOptionsFor(target, opts));
  return [...sim.findings, ...unsafeFindings(name, scanUnsafe(graph), false)];
}

const errorKeys = (findings: readonly Finding[]): string[] => [...new Set(findings.filter((f) => f.severity === 'error').map(findingKey))].sort();

/** The paths a report gives for one snapshot (unprefixed, or prefixed `name:` in multi-file reports). */
function reportPathsFor(report: Report, name: string): string[] {
  const out: string[] = [];
  for (const f of report.findings) {
    if (f.severity !== 'error' || !f.snapshots.includes(name)) continue;
    for (const p of f.paths) {
      if (p.startsWith(`${name}:root`)) out.push(p.slice(name.length + 1));
      else if (p.startsWith('root') && f.snapshots.length === 1) out.push(p);
    }
  }
  return out;
}

export function makeRepro(
  snap: Pick<LoadedSnapshot, 'name' | 'graph' | 'opened'>,
  report: Report,
  target: LoadedRelease,
  opts: BundleOptions,
): { bytes: Uint8Array; summary: Omit<ReproSummary, 'file'>; redacted: string[] } | undefined {
  const own = snapshotFindings(snap.name, snap.graph, target, opts).filter((f) => f.severity === 'error');
  const wanted = errorKeys([...own, ...report.findings.filter((f) => f.severity === 'error' && f.snapshots.includes(snap.name))]);
  if (wanted.length === 0) return undefined;
  // One object per finding is enough to reproduce it (the shortest path: findings sort them so);
  // findings only another engine reported (live) keep every path the report gives.
  const ownKeys = new Set(own.map(findingKey));
  const others = report.findings.filter((f) => !ownKeys.has(findingKey(f)));
  const paths = [...own.flatMap((f) => f.paths.slice(0, 1)), ...reportPathsFor({ ...report, findings: others }, snap.name)];
  const targets = nodesAtPaths(snap.graph, paths);
  const min = minimizeGraph(snap.graph, targets, opts.redact ? { secretNames: DEFAULT_SECRET_NAMES, values: opts.redactValues } : {});
  const bytes = writePickle(min.root, { protocol: 2, python2: min.python2 });
  // Check the repro the way the maintainer will: decode it and replay it against the same target.
  const again = errorKeys(snapshotFindings(snap.name, decodePickle(bytes, { file: `repro of ${snap.name}` }), target, opts));
  const notReproduced = errorKeys(own).filter((k) => !again.includes(k));
  return {
    bytes,
    summary: { snapshot: snap.name, originalBytes: snap.opened.size, reproBytes: bytes.length, findings: wanted, notReproduced },
    redacted: min.redacted,
  };
}

function reproFileName(name: string, used: Set<string>): string {
  const base = name.replace(/^[./\\]+/, '').replace(/[/\\]/g, '__').replace(/[^A-Za-z0-9_.-]/g, '_') || 'snapshot';
  let file = `repro/${base}.pickle`;
  for (let i = 2; used.has(file); i++) file = `repro/${base}-${i}.pickle`;
  used.add(file);
  return file;
}

export function makeBundle(run: CheckRun, opts: BundleOptions): Bundle {
  const command = ['rehearse', ...opts.argv].map(shellQuote).join(' ');
  const repros: ReproSummary[] = [];
  const files: BundleFile[] = [];
  const redacted = new Set<string>();
  const used = new Set<string>();
  for (const snap of run.inputs.snapshots) {
    const r = makeRepro(snap, run.report, run.target, opts);
    if (!r) continue;
    let file = reproFileName(snap.name, used);
    if (opts.redact) for (const v of opts.redactValues) if (v && file.includes(v)) file = file.split(v).join('REDACTED');
    files.push({ path: file, data: r.bytes });
    repros.push({ ...r.summary, file });
    for (const x of r.redacted) redacted.add(`${x} (${file})`);
  }
  let report: Report = { ...run.report, command };
  if (opts.redact) report = redactReport(report, { values: opts.redactValues });
  if (redacted.size > 0) {
    report = { ...report, checked: { ...report.checked, redacted: [...new Set([...(report.checked.redacted ?? []), ...redacted])].sort() } };
  }
  if (opts.redact) {
    // Snapshot names inside the repro summaries may carry a listed value too.
    for (const r of repros) for (const v of opts.redactValues) if (v) r.snapshot = r.snapshot.split(v).join('[REDACTED]');
  }
  const versions = {
    rehearse: report.tool.version,
    node: report.tool.node,
    python: report.checked.python ?? null,
    ...(report.checked.python ? {} : { pythonNote: 'live replay did not run: no Python was used' }),
    target: report.target ? { path: report.target.path, contentHash: report.target.contentHash } : null,
    ...(report.baseline ? { baseline: { path: report.baseline.path, contentHash: report.baseline.contentHash } } : {}),
  };
  files.unshift(
    { path: 'report.md', data: formatMarkdown(report) },
    { path: 'report.json', data: formatJson(report) },
    { path: 'command.txt', data: `${report.command}\n` },
    { path: 'versions.json', data: `${JSON.stringify(versions, null, 2)}\n` },
  );
  if (repros.length > 0) files.push({ path: 'repro/README.md', data: reproReadme(repros, report) });
  return { files, report, repros };
}

function reproReadme(repros: readonly ReproSummary[], report: Report): string {
  const lines = [
    '# Minimized repro snapshots',
    '',
    'Each pickle keeps only the objects the error findings are about, the objects on the way to them',
    'from the root, their class references, every attribute name, and the version keys; other values',
    'are placeholders of the same type. Check one against the same target:',
    '',
    '```sh',
    `rehearse check repro/<file>.pickle --target ${report.target?.path ?? '<target>'}`,
    'python3 -m pickletools repro/<file>.pickle   # shows every opcode; nothing is executed',
    '```',
    '',
    '| snapshot | repro | bytes (original → repro) | error findings | reproduced |',
    '|---|---|---|---|---|',
  ];
  for (const r of repros) {
    lines.push(
      `| ${r.snapshot} | ${r.file} | ${r.originalBytes} → ${r.reproBytes} | ${r.findings.map((k) => `\`${k.replace(/\|/g, '\\|')}\``).join(', ')} | ${r.notReproduced.length === 0 ? 'all' : `not: ${r.notReproduced.join(', ')}`} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Writes every file atomically; the folder is created, files rehearse did not write are left alone. */
export async function writeBundle(dir: string, bundle: Bundle): Promise<void> {
  for (const f of bundle.files) await writeFileAtomic(path.join(dir, ...f.path.split('/')), f.data);
}
