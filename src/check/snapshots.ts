// Reading the snapshots a check was given: discover files, open them by content, decode them.
// Strict: a file that looks like a snapshot but cannot be decoded stops the run (exit 2), so a
// partial report is never presented as complete. Files that are not snapshots (step logs, …)
// are skipped and counted.
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { UserError } from '../errors.js';
import { discoverSnapshots } from '../snapshot/discover.js';
import { openSnapshot, type SnapshotFile } from '../snapshot/open.js';
import { decodePickle } from '../snapshot/decoder.js';
import type { SnapshotGraph } from '../snapshot/graph.js';
import type { SnapshotSummary } from '../report/report.js';

export interface LoadedSnapshot {
  /** Name in reports: relative to the directory given, or the path as given. */
  name: string;
  file: string;
  /** The folder whose files the snapshot's objects point to (step logs, …). */
  basedir: string;
  opened: SnapshotFile;
  graph: SnapshotGraph;
}

export interface LoadedInputs {
  snapshots: LoadedSnapshot[];
  summaries: SnapshotSummary[];
  notes: string[];
  /** Files that are not snapshots (step logs and the like): skipped. */
  skippedFiles: Array<{ file: string; reason: string }>;
}

/** One group per command-line input: a file, a directory (basedir) or a glob. */
export async function loadInputs(inputs: string[], progress: (text: string) => void = () => {}): Promise<LoadedInputs> {
  const out: LoadedInputs = { snapshots: [], summaries: [], notes: [], skippedFiles: [] };
  for (const input of inputs) {
    const isDir = await fs.stat(input).then((s) => s.isDirectory(), () => false);
    const { files, notes } = await discoverSnapshots([input]);
    out.notes.push(...notes);
    for (const file of files) {
      progress(`reading ${file}`);
      const opened = await openSnapshot(file);
      if (opened.kind === 'not-a-snapshot') {
        out.skippedFiles.push({ file, reason: opened.reason });
        continue;
      }
      progress(`decoding ${file}`);
      const graph = decodePickle(opened.pickle, { file: opened.file });
      const name = isDir ? path.relative(input, file) || path.basename(file) : file;
      const basedir = isDir ? input : path.dirname(file);
      out.snapshots.push({ name, file, basedir, opened, graph });
      out.summaries.push({
        file: name,
        size: opened.size,
        sha256: opened.sha256,
        format: opened.label,
        protocol: graph.info.protocol,
        nodes: graph.nodeCount,
        instances: graph.nodesOfKind('instance').length,
      });
    }
  }
  if (out.snapshots.length === 0) {
    const skipped = out.skippedFiles.length > 0 ? ` (${out.skippedFiles.length} file(s) found, none a snapshot)` : '';
    throw new UserError(`no snapshot found in ${inputs.join(', ')}${skipped}`);
  }
  return out;
}
