// `rehearse inspect <snapshot...>`: what a snapshot holds, without loading it in Python.
// Wiring only: discovery, opening, decoding and rendering live in src/snapshot and src/inspect.
import { InvalidArgumentError, type Command } from 'commander';
import ora, { type Ora } from 'ora';
import type { Io } from '../io.js';
import type { CommandResult } from '../cli.js';
import { SnapshotError, UserError } from '../errors.js';
import { toolVersion } from '../version.js';
import { discoverSnapshots } from '../snapshot/discover.js';
import { openSnapshot } from '../snapshot/open.js';
import { decodePickle, decodePickleTolerant } from '../snapshot/decoder.js';
import type { SnapshotGraph } from '../snapshot/graph.js';
import { gatherFacts, type PartialFact, type SnapshotFacts } from '../inspect/facts.js';
import { formatSummary, formatTotals } from '../inspect/summary.js';
import { formatTree } from '../inspect/tree.js';
import { formatJson, inspectDocument, type InspectEntry } from '../inspect/json.js';

/** Notes printed for skipped files before they are only counted. */
const MAX_SKIP_NOTES = 10;

interface InspectOptions {
  tree?: string | true;
  depth?: number;
  json?: boolean;
  partial?: boolean;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected a whole number, e.g. --depth 3');
  return n;
}

export function registerInspect(program: Command, io: Io, result: CommandResult): void {
  program
    .command('inspect')
    .description('show what snapshots hold: format, classes, saved Versioned versions, and globals that would execute code')
    .argument('<snapshot...>', 'snapshot files, directories (searched recursively) or glob patterns')
    .option('--tree [path]', 'print the object graph as an indented tree, from the object PATH (default: root; put a bare --tree after the files)')
    .option('--depth <n>', 'levels of the tree to expand (default: 4)', nonNegativeInt)
    .option('--json', 'print one JSON document instead of text (schema: docs/inspect-json.md)')
    .option('--partial', 'on a corrupt pickle, show what was decoded before the error (marked partial) instead of failing')
    .addHelpText(
      'after',
      `
Files are recognised by content: pickles (any protocol), gzip or bzip2 compressed, and Twisted AOT
source (.tas). Other files are skipped with a note on stderr. Nothing is ever loaded by Python.
Decompressed data is capped at 1 GiB (set REHEARSE_MAX_SNAPSHOT_BYTES to change it).
Exit code: 0, or 2 when an input cannot be read or decoded. Unsafe globals are reported, not an error.

Examples:
  rehearse inspect master/builder1/builder
  rehearse inspect master/ --json > inventory.json
  rehearse inspect master/builder1/12 --tree 'root.steps[3]' --depth 2
  rehearse inspect 'master/**/builder' --partial`,
    )
    .action(async (inputs: string[], opts: InspectOptions) => {
      result.exitCode = await runInspect(inputs, opts, io);
    });
}

/** The JSON entry of a file that failed: the reason without the file name, and where. */
function errorEntry(file: string, e: UserError): InspectEntry {
  if (e instanceof SnapshotError) return { file, status: 'error', error: e.reason, offset: e.offset, ...(e.opcode ? { opcode: e.opcode } : {}) };
  const prefix = `${file}: `;
  return { file, status: 'error', error: e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message };
}

async function runInspect(inputs: string[], opts: InspectOptions, io: Io): Promise<number> {
  if (opts.json && opts.tree !== undefined) throw new UserError('--tree prints text; it cannot be combined with --json');
  if (opts.depth !== undefined && opts.tree === undefined) throw new UserError('--depth only applies with --tree');
  const c = io.color;
  const { files, notes } = await discoverSnapshots(inputs);
  for (const n of notes) io.err(`rehearse: note: ${n}\n`);
  if (files.length === 0) throw new UserError('no files to inspect');

  const entries: InspectEntry[] = [];
  const spinner: Ora | undefined = io.interactive ? ora({ stream: process.stderr }) : undefined;
  let printed = 0;
  let skippedNotes = 0;
  const emit = (text: string): void => {
    spinner?.clear();
    if (printed++ > 0) io.out('\n');
    io.out(text);
  };
  for (const file of files) {
    spinner?.start(`reading ${file}`);
    let opened;
    try {
      opened = await openSnapshot(file);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      spinner?.stop();
      io.err(`rehearse: ${e.message}\n`);
      entries.push(errorEntry(file, e));
      continue;
    }
    if (opened.kind === 'not-a-snapshot') {
      spinner?.stop();
      // A basedir holds a log file per build step: name the first few, count the rest.
      if (++skippedNotes <= MAX_SKIP_NOTES) io.err(`rehearse: note: ${file}: skipped, not a snapshot: ${opened.reason}\n`);
      entries.push({ file, status: 'skipped', reason: opened.reason, size: opened.size, sha256: opened.sha256 });
      continue;
    }
    if (spinner) spinner.text = `decoding ${file}`;
    let graph: SnapshotGraph;
    let partial: PartialFact | undefined;
    try {
      if (opts.partial) {
        const r = decodePickleTolerant(opened.pickle, { file });
        graph = r.graph;
        if (r.error) partial = { reason: r.error.reason, offset: r.error.offset, ...(r.error.opcode ? { opcode: r.error.opcode } : {}) };
      } else {
        graph = decodePickle(opened.pickle, { file });
      }
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      spinner?.stop();
      io.err(`rehearse: ${e.message}\n`);
      entries.push(errorEntry(file, e));
      continue;
    }
    spinner?.stop();
    const facts: SnapshotFacts = gatherFacts(opened, graph, partial);
    entries.push(facts);
    if (opts.json) continue;
    let text = formatSummary(facts, c);
    if (opts.tree !== undefined) {
      const start = opts.tree === true ? undefined : opts.tree;
      try {
        text += `\n${formatTree(graph, c, { ...(start ? { start } : {}), ...(opts.depth !== undefined ? { depth: opts.depth } : {}) })}`;
      } catch (e) {
        throw new UserError(`${file}: ${(e as Error).message}`);
      }
    }
    emit(text);
  }
  spinner?.stop();
  if (skippedNotes > MAX_SKIP_NOTES) io.err(`rehearse: note: ${skippedNotes - MAX_SKIP_NOTES} more files skipped, not snapshots${opts.json ? '' : ' (--json lists them all)'}\n`);
  const doc = inspectDocument(toolVersion(), entries, notes);
  if (opts.json) io.out(formatJson(doc));
  else if (files.length > 1) emit(formatTotals(doc.totals, c));
  return doc.totals.failed > 0 ? 2 : 0;
}
