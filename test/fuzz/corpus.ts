// The seed corpus: every committed pickle under test/fixtures/ (decoder fixtures, malicious
// pickles, small bombs, saved fuzz regressions, snapshots), found by content, not by name.
import fg from 'fast-glob';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { opcodeAt } from './opcodes.js';
import type { CorpusEntry } from './mutate.js';

/** Inputs bigger than this are left out: each mutated input is decoded in full, many times. */
export const MAX_SEED_BYTES = 256 * 1024;

const NOT_DATA = ['**/*.py', '**/*.json', '**/*.md', '**/*.txt', '**/*.ts', '**/*.js', '**/*.sh'];

function looksLikePickle(d: Uint8Array): boolean {
  // Every pickle starts with an opcode; PROTO (0x80) or a protocol 0/1 opcode.
  return d.length > 0 && opcodeAt(d[0]!) !== undefined;
}

/** Reads the corpus from `fixturesDir`, sorted by path so that a seed means the same inputs. */
export function loadCorpus(fixturesDir: string): CorpusEntry[] {
  const files = fg.sync('**/*', { cwd: fixturesDir, onlyFiles: true, ignore: NOT_DATA, dot: false }).sort();
  const out: CorpusEntry[] = [];
  for (const rel of files) {
    const abs = path.join(fixturesDir, rel);
    if (statSync(abs).size > 64 * MAX_SEED_BYTES) continue;
    let data: Uint8Array = readFileSync(abs);
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
