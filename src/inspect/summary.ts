// The human summary of `rehearse inspect`: one block per snapshot. Pure: facts in, text out.
import type { ChalkInstance } from 'chalk';
import type { SnapshotFacts, UnsafeFact } from './facts.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Strip the module path from a version key when it names the instance's own class. */
function versionText(cls: string, key: string, version: number | string, count: number, instances: number): string {
  const n = count === instances ? '' : ` (×${count})`;
  if (key === `${cls}.persistenceVersion`) return `${version}${n}`;
  if (key === 'persistenceVersion') return `${version} (bare legacy key)${n}`;
  return `${key}=${version}${n}`;
}

function table(rows: string[][], c: ChalkInstance, rightAlign: Set<number>): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r, ri) => {
    const line = r
      .map((cell, i) => {
        if (i === r.length - 1) return cell;
        return rightAlign.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
      })
      .join('  ')
      .trimEnd();
    return ri === 0 ? c.bold(line) : line;
  });
}

/** A path deeper than a reader can follow, shortened in the middle (JSON keeps it whole). */
function shortPath(p: string, max = 300): string {
  return p.length <= max ? p : `${p.slice(0, max / 2)}…(${p.length - max} characters)…${p.slice(-max / 2)}`;
}

function unsafeLine(u: UnsafeFact, c: ChalkInstance): string {
  const what = u.kind === 'call' ? `${u.callable}(${u.args})` : `${u.callable} (referenced)`;
  const tag = u.confidence === 'high' ? c.red.bold('unsafe-global') : u.confidence === 'medium' ? c.red('unsafe-global') : c.yellow('low-confidence');
  const more = u.omitted ? `\n      (+${u.omitted} more calls of ${u.callable}, not listed)` : '';
  return `    ${tag} [${u.confidence}] ${what}\n      ${u.why}; at byte ${u.offset}, ${shortPath(u.path)}${more}`;
}

/** One snapshot's block. */
export function formatSummary(f: SnapshotFacts, c: ChalkInstance): string {
  const out: string[] = [];
  const proto = f.container === 'aot' ? `AOT source (Python ${f.aot?.python ?? '?'} strings) → protocol ${f.protocol}` : `protocol ${f.protocol}`;
  out.push(`${c.bold(f.file)}  ${f.format}, ${proto}, ${formatBytes(f.size)}${f.compression !== 'none' || f.container === 'aot' ? ` (${formatBytes(f.pickleSize)} pickle)` : ''}`);
  out.push(`  ${plural(f.nodes, 'node')}, ${plural(f.instances, 'instance')}, ${plural(f.classes.length, 'class', 'classes')}${f.python2Hints ? ', Python 2 spellings' : ''}`);
  out.push(`  sha256 ${f.sha256}`);
  if (f.aot) out.push(`  ${c.dim(f.aot.reason)}`);
  if (f.partial) {
    out.push(c.yellow(`  PARTIAL: decoding stopped at byte ${f.partial.offset}${f.partial.opcode ? ` (opcode ${f.partial.opcode})` : ''}: ${f.partial.reason}; what follows is what was decoded before it`));
  }
  const serious = f.unsafe.filter((u) => u.confidence !== 'low');
  const unknown = f.unsafe.filter((u) => u.confidence === 'low');
  if (serious.length) {
    out.push(c.red.bold(`  UNSAFE: ${plural(serious.length, 'global')} would execute code when this snapshot is loaded (never load it with pickle unless you trust it):`));
    for (const u of serious) out.push(unsafeLine(u, c));
  }
  if (f.classes.length) {
    out.push('  classes:');
    const rows = [['class', 'instances', 'saved persistenceVersion']];
    for (const k of f.classes) {
      rows.push([k.class, String(k.instances), k.versions.map((v) => versionText(k.class, v.key, v.version, v.count, k.instances)).join(', ') || '-']);
    }
    for (const line of table(rows, c, new Set([1]))) out.push(`    ${line}`);
  } else {
    out.push('  classes: none (no instances in this snapshot)');
  }
  if (unknown.length) {
    out.push(c.yellow(`  ${plural(unknown.length, 'call')} outside the known-safe set (lower confidence: unknown callables run their code on load):`));
    for (const u of unknown.slice(0, 20)) out.push(unsafeLine(u, c));
    if (unknown.length > 20) out.push(`    … ${unknown.length - 20} more (see --json)`);
  }
  if (!serious.length) out.push(`  unsafe globals: none found`);
  return out.join('\n') + '\n';
}

export interface RunTotals {
  inspected: number;
  partial: number;
  skipped: number;
  failed: number;
  unsafe: number;
}

export function formatTotals(t: RunTotals, c: ChalkInstance): string {
  const parts = [`${plural(t.inspected, 'snapshot')} inspected`];
  if (t.partial) parts.push(`${t.partial} partial`);
  if (t.skipped) parts.push(`${t.skipped} skipped (not snapshots)`);
  if (t.failed) parts.push(c.red(`${t.failed} failed`));
  if (t.unsafe) parts.push(c.red.bold(`${t.unsafe} with unsafe globals`));
  return parts.join(', ') + '\n';
}
