// A child for the fuzz-regression replays of the opener: identifies (and decompresses) one file
// as `rehearse` does, and prints the outcome on one line.
import { readFileSync } from 'node:fs';
import { UserError } from '../../src/errors.js';
import { identifySnapshot } from '../../src/snapshot/open.js';

const file = process.argv[2] ?? '';
const maxBytes = Number(process.argv[3] ?? 8 * 1024 * 1024);
try {
  const o = identifySnapshot(file, new Uint8Array(readFileSync(file)), { maxBytes });
  process.stdout.write(`${o.kind}\n`);
} catch (e) {
  process.stdout.write(e instanceof UserError ? `user-error ${e.message}\n` : `bug ${String(e)}\n`);
  process.exitCode = e instanceof UserError ? 2 : 3;
}
