// Loading a release for a check: the model, the view the simulated replay asks, and the facts
// about its source that the model does not keep (every word, how it calls pickle.load).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadRelease, mro, resolveGlobal, versionKey } from '../release/index.js';
import type { ReleaseModel } from '../release/model.js';
import type { ReleaseSummary } from '../report/report.js';
import type { ReleaseView } from '../replay/simulated/view.js';
import type { Py2Encoding } from '../replay/simulated/replay.js';

export interface LoadedRelease {
  model: ReleaseModel;
  view: ReleaseView;
  summary: ReleaseSummary;
  /** Every identifier in the release's own source; undefined for archives (not kept). */
  words?: Set<string>;
  /** The `encoding=` the release passes to pickle.load/Unpickler, when its source says. */
  pickleEncoding?: Py2Encoding;
}

export function viewOf(model: ReleaseModel): ReleaseView {
  return {
    model,
    resolve: (module, name) => resolveGlobal(model, module, name),
    mro: (key) => {
      const r = mro(model, key);
      return r.ok ? r.mro : [key];
    },
    versionKey: (key) => versionKey(model, key),
    classInfo: (key) => model.classes[key],
  };
}

export async function loadReleaseForCheck(opts: { path: string; libs?: string[]; renames?: string }): Promise<LoadedRelease> {
  const model = await loadRelease({ path: opts.path, ...(opts.libs ? { libs: opts.libs } : {}), ...(opts.renames ? { renames: opts.renames } : {}) });
  const source = await sourceFacts(model);
  return {
    model,
    view: viewOf(model),
    summary: {
      path: opts.path,
      contentHash: model.contentHash,
      ...(model.python ? { python: model.python } : {}),
      files: model.stats.files,
      classes: Object.keys(model.classes).length,
      parseErrors: model.parseErrors.length,
    },
    ...(source.words ? { words: source.words } : {}),
    ...(source.pickleEncoding ? { pickleEncoding: source.pickleEncoding } : {}),
  };
}

/**
 * The words of a directory release, read again from disk: the model keeps facts, not text, and
 * `unused-attribute` must only fire for names that appear nowhere (an attribute read as
 * `build.results` in another module is used).
 */
async function sourceFacts(model: ReleaseModel): Promise<{ words?: Set<string>; pickleEncoding?: Py2Encoding }> {
  const isDir = await fs.stat(model.source).then((s) => s.isDirectory(), () => false);
  if (!isDir) return {};
  const words = new Set<string>();
  let pickleEncoding: Py2Encoding | undefined;
  for (const m of Object.values(model.modules)) {
    const file = path.resolve(model.source, m.file);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      continue;
    }
    for (const w of text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []) words.add(w);
    pickleEncoding ??= encodingOf(text);
  }
  return { words, ...(pickleEncoding ? { pickleEncoding } : {}) };
}

/** `pickle.load(f, encoding='latin1')`, `Unpickler(f, encoding="bytes")`, … */
export function encodingOf(text: string): Py2Encoding | undefined {
  const m = /\b(?:loads?|Unpickler)\s*\([^)]*?\bencoding\s*=\s*['"]([\w-]+)['"]/.exec(text);
  return m ? normaliseEncoding(m[1]!) : undefined;
}

export function normaliseEncoding(name: string): Py2Encoding | undefined {
  const n = name.toLowerCase().replace(/[-_]/g, '');
  if (n === 'ascii') return 'ASCII';
  if (n === 'latin1' || n === 'iso88591' || n === 'l1') return 'latin1';
  if (n === 'utf8') return 'utf-8';
  if (n === 'bytes') return 'bytes';
  return undefined;
}
