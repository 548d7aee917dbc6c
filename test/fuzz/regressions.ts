// Saving crashing inputs as regression fixtures, and reading them back.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Verdict } from './verdict.js';

/** Which pipeline the input crashed: replay it through the same one. */
export interface FuzzMode {
  tolerant: boolean;
  consumers: boolean;
  open: boolean;
}

export interface CrashMeta {
  mode: FuzzMode;
  seed: number;
  index: number;
  base: string;
  mutations: string[];
}

function slug(s: string, max = 40): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '');
}

/**
 * Writes `<kind>-<what>-<sha8>.pickle` and a `.json` sidecar (how it was made, what happened).
 * The name says what broke; the hash keeps distinct inputs apart. Returns the file name.
 */
export function saveCrash(dir: string, data: Uint8Array, v: Extract<Verdict, { outcome: 'crash' }>, meta: CrashMeta): string {
  mkdirSync(dir, { recursive: true });
  const sha = createHash('sha256').update(data).digest('hex').slice(0, 8);
  const name = `${slug(v.kind, 24)}-${slug(v.message) || 'no-message'}-${sha}.pickle`;
  writeFileSync(path.join(dir, name), data);
  const sidecar = { kind: v.kind, message: v.message, where: v.where, ms: Math.round(v.ms), ...meta, size: data.length };
  writeFileSync(path.join(dir, name.replace(/\.pickle$/, '.json')), JSON.stringify(sidecar, null, 1) + '\n');
  return name;
}

/** Every saved regression input in `dir`, sorted by name, with the mode its sidecar records. */
export function listRegressions(dir: string): Array<{ name: string; data: Uint8Array; mode: FuzzMode; kind: string }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pickle')).sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    let meta: Partial<CrashMeta & { kind: string }> = {};
    try {
      meta = JSON.parse(readFileSync(path.join(dir, name.replace(/\.pickle$/, '.json')), 'utf8')) as typeof meta;
    } catch {
      // A hand-added input without a sidecar: replay it through the decoder alone.
    }
    const mode = { tolerant: false, consumers: false, open: false, ...meta.mode };
    return { name, data: new Uint8Array(readFileSync(path.join(dir, name))), mode, kind: meta.kind ?? 'unknown' };
  });
}
