// Rename maps in zodbupdate's spelling: keys and values are "dotted.module ClassName".
// Accepted: a JSON object {"old.module OldName": "new.module NewName"}, or a text file with one
// `old.module OldName = new.module NewName` per line (blank lines and `#` comments allowed;
// quotes around either side are tolerated, as in zodbupdate's `--save-renames` output).
import { promises as fs } from 'node:fs';
import { UserError } from '../errors.js';
import { dict } from './dict.js';

const SIDE = /^([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*) ([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)$/;

function side(s: string, file: string, where: string): string {
  const t = s.trim().replace(/^(['"])(.*)\1$/, '$2').trim().replace(/\s+/g, ' ');
  if (!SIDE.test(t)) throw new UserError(`${file}:${where}: expected "module.path ClassName", got ${JSON.stringify(s.trim())}`);
  return t;
}

/** Parse a rename map's text. Keys and values are "module Name". */
export function parseRenames(text: string, file = 'renames'): Record<string, string> {
  const out: Record<string, string> = dict();
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (e) {
      throw new UserError(`${file}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new UserError(`${file}: expected a JSON object`);
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v !== 'string') throw new UserError(`${file}: value of ${JSON.stringify(k)} is not a string`);
      out[side(k, file, 'key')] = side(v, file, 'value');
    }
    return out;
  }
  text.split(/\r\n?|\n/).forEach((line, i) => {
    const l = line.replace(/(^|\s)#.*$/, '').trim();
    if (!l) return;
    const eq = l.indexOf('=');
    if (eq < 0) throw new UserError(`${file}:${i + 1}: expected "old.module OldName = new.module NewName"`);
    out[side(l.slice(0, eq), file, String(i + 1))] = side(l.slice(eq + 1), file, String(i + 1));
  });
  return out;
}

export async function readRenames(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: cannot read rename file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseRenames(text, file);
}
