// Reading a log file as Buildbot does: try <file>.bz2, then <file>.gz, then <file> itself. A
// leftover <file>.bz2.tmp (an interrupted compression) is never read.
import { promises as fs } from 'node:fs';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { UserError } from '../errors.js';
import { bunzip2 } from '../snapshot/bzip2.js';

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

/** A step log larger than this is refused (a bomb, or not a log). */
const MAX_LOG_BYTES = 512 * 2 ** 20;

async function readBz2(file: string): Promise<Uint8Array> {
  try {
    return bunzip2(new Uint8Array(await fs.readFile(file)), MAX_LOG_BYTES);
  } catch (e) {
    throw new UserError(`${file}: not a readable bzip2 file (${e instanceof Error ? e.message : String(e)})`);
  }
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
