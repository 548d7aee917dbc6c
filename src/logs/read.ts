// Reading a log file as Buildbot does: try <file>.bz2, then <file>.gz, then <file> itself. A
// leftover <file>.bz2.tmp (an interrupted compression) is never read.
import { promises as fs, createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';

// unbzip2-stream is CommonJS without types: typed here at the one place it is used.
const require = createRequire(import.meta.url);
const unbzip2 = require('unbzip2-stream') as () => NodeJS.ReadWriteStream;
const gunzipAsync = promisify(gunzip);

export interface LogFileData {
  /** The file actually read. */
  file: string;
  compression: 'bz2' | 'gz' | 'none';
  bytes: Uint8Array;
}

async function exists(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

function readBz2(file: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const input = createReadStream(file);
    const out = input.pipe(unbzip2());
    const fail = (e: unknown): void => reject(new UserError(`${file}: not a readable bzip2 file (${e instanceof Error ? e.message : String(e)})`));
    input.on('error', fail);
    out.on('error', fail);
    out.on('data', (d: Buffer) => parts.push(d));
    out.on('end', () => resolve(Buffer.concat(parts)));
  });
}

/** Reads the log whose uncompressed name is `base`; undefined when none of the three exists. */
export async function readLogFile(base: string): Promise<LogFileData | undefined> {
  if (await exists(`${base}.bz2`)) return { file: `${base}.bz2`, compression: 'bz2', bytes: await readBz2(`${base}.bz2`) };
  if (await exists(`${base}.gz`)) {
    const raw = await fs.readFile(`${base}.gz`);
    try {
      return { file: `${base}.gz`, compression: 'gz', bytes: await gunzipAsync(raw) };
    } catch (e) {
      throw new UserError(`${base}.gz: not a readable gzip file (${(e as Error).message})`);
    }
  }
  if (await exists(base)) return { file: base, compression: 'none', bytes: await fs.readFile(base) };
  return undefined;
}
