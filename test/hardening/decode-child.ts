// A child process for the bomb tests: opens one snapshot (decompression included) and decodes
// it, as the CLI does, and prints one line. Exit 0 with `graph <root kind> <node count>`, exit 2
// with the user error's one line, exit 3 on anything else (a bug). Run under a heap cap with
// ./rss-probe.js preloaded, it shows that open + decode stay bounded whatever the CLI renders.
import { UserError } from '../../src/errors.js';
import { decodePickle } from '../../src/snapshot/decoder.js';
import { openSnapshot } from '../../src/snapshot/open.js';

async function main(file: string): Promise<number> {
  try {
    const opened = await openSnapshot(file);
    if (opened.kind !== 'snapshot') {
      process.stdout.write(`not-a-snapshot ${opened.reason}\n`);
      return 2;
    }
    const g = decodePickle(opened.pickle, { file });
    process.stdout.write(`graph ${g.kind(g.root)} ${g.nodeCount}\n`);
    return 0;
  } catch (e) {
    if (e instanceof UserError) {
      process.stderr.write(`rehearse: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`internal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 3;
  }
}

process.exitCode = await main(process.argv[2] ?? '');
