// The seed corpus: every committed pickle under test/fixtures/ (decoder fixtures, malicious
// pickles, small bombs, saved fuzz regressions, snapshots), found by content, not by name.
import fg from 'fast-glob';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { opcodeAt } from './opcodes.js';
import type { CorpusEntry } from './mutate.js';

/** Inputs bigger than this are left out: each mutated input is decoded in full, many times
 * (the big bombs, e.g. 20,000 nested unsafe calls, have their own tests in test/hardening/). */
export const MAX_SEED_BYTES = 64 * 1024;

const NOT_DATA = ['**/*.py', '**/*.json', '**/*.md', '**/*.txt', '**/*.ts', '**/*.js', '**/*.sh'];

function looksLikePickle(d: Uint8Array): boolean {
  // Every pickle starts with an opcode; PROTO (0x80) or a protocol 0/1 opcode.
  return d.length > 0 && opcodeAt(d[0]!) !== undefined;
}

function fitsGunzipped(d: Uint8Array): boolean {
  try {
    gunzipSync(d, { maxOutputLength: MAX_SEED_BYTES });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the corpus from `fixturesDir`, sorted by path so that a seed means the same inputs.
 * `containers`: keep gzip/bzip2 files compressed and add Twisted AOT sources (*.tas), to fuzz
 * the opener (format sniffing, decompression, the AOT parser) rather than the decoder alone.
 * Decompression bombs are left out: each mutant of one would cost a second and a gigabyte.
 */
export function loadCorpus(fixturesDir: string, containers = false): CorpusEntry[] {
  const files = fg.sync('**/*', { cwd: fixturesDir, onlyFiles: true, ignore: NOT_DATA, dot: false }).sort();
  const out: CorpusEntry[] = [];
  for (const rel of files) {
    const abs = path.join(fixturesDir, rel);
    if (statSync(abs).size > 64 * MAX_SEED_BYTES) continue;
    let data: Uint8Array = readFileSync(abs);
    if (containers) {
      if (path.basename(rel).startsWith('zip-bomb') || data.length > MAX_SEED_BYTES) continue;
      const gz = data[0] === 0x1f && data[1] === 0x8b;
      const bz = data[0] === 0x42 && data[1] === 0x5a && data[2] === 0x68;
      // Seeds that are slow to open are left out (the big bombs have their own tests).
      if (gz && !fitsGunzipped(data)) continue;
      // bzip2 bombs: each mutant costs ~1 s and ~1 GB to refuse (a known, reported limit of
      // the bzip2 decoder), which would drown the run in identical "hangs".
      // (Saved regressions include such a bzip2 mutant.)
      if (bz && (rel.startsWith('bombs/') || rel.startsWith('fuzz-regressions/') || /bomb/i.test(path.basename(rel)))) continue;
      if (gz || bz || rel.endsWith('.tas') || looksLikePickle(data)) {
        out.push({ name: rel, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
      }
      continue;
    }
    if (data[0] === 0x1f && data[1] === 0x8b) {
      try {
        // Bounded: a gzip bomb in the fixtures must not blow up the fuzzer's own start.
        data = gunzipSync(data, { maxOutputLength: MAX_SEED_BYTES });
      } catch {
        continue;
      }
    }
    if (data.length > MAX_SEED_BYTES || !looksLikePickle(data)) continue;
    out.push({ name: rel, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }
  return out;
}
