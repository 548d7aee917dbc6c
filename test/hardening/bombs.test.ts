// Resource bombs (test/fixtures/bombs/, made by gen_bombs.py): each ends in a correct graph or a
// one-line SnapshotError, in bounded memory, and never in a crash or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { SnapshotError } from '../../src/errors.js';
import { decodePickle } from '../../src/snapshot/decoder.js';
import type { SnapshotGraph } from '../../src/snapshot/graph.js';
import { repoPath } from '../helpers/run.js';
import { bombManifest, DECODE_CHILD, MiB, runBounded, type BombFixture } from './helpers.js';

const bombs = bombManifest();
const pickleBombs = bombs.filter((b) => !b.file.startsWith('zip-bomb'));

function raw(b: BombFixture): Uint8Array {
  const d = readFileSync(repoPath('test', 'fixtures', 'bombs', b.file));
  return new Uint8Array(b.compressed === 'gz' ? gunzipSync(d) : d);
}

function decodeOutcome(b: BombFixture): { graph?: SnapshotGraph; error?: SnapshotError } {
  try {
    return { graph: decodePickle(raw(b), { file: b.file }) };
  } catch (e) {
    if (e instanceof SnapshotError) return { error: e };
    throw e;
  }
}

test('the bomb manifest covers the attacks the brief names', () => {
  const names = bombs.map((b) => b.file).join(' ');
  for (const want of ['billion-laughs-memo', 'billion-laughs-dup', 'deep-list-1e6', 'binunicode8-2e60', 'binbytes8-2e60',
    'frame-2e60', 'frame-chain', 'mark-stack-1e7', 'zip-bomb-gzip', 'zip-bomb-bzip2']) {
    assert.ok(names.includes(want), `missing bomb ${want}`);
  }
});

for (const b of pickleBombs) {
  test(`in process: ${b.file} (${b.attack}) -> ${b.expect}`, () => {
    const r = decodeOutcome(b);
    if (b.expect === 'error') {
      assert.ok(r.error, `expected a SnapshotError, got a graph of ${r.graph?.nodeCount} nodes`);
    }
    if (b.expect === 'graph') assert.ok(r.graph, `expected a graph, got: ${r.error?.message}`);
    if (r.error) {
      assert.doesNotMatch(r.error.message, /\n/, 'one line');
      assert.doesNotMatch(r.error.reason, /internal decoder error/, 'a bug dressed as a SnapshotError');
      assert.ok(r.error.offset >= 0 && r.error.offset <= raw(b).length, `offset ${r.error.offset}`);
      assert.ok(r.error.message.startsWith(`${b.file}: `), 'names the file');
    }
    if (r.graph) {
      const g = r.graph;
      if (b.root) assert.equal(g.kind(g.root), b.root);
      if (b.min_nodes) assert.ok(g.nodeCount >= b.min_nodes, `${g.nodeCount} nodes < ${b.min_nodes}`);
      // Amplification must stay shared: the graph is tiny however big the logical value is.
      if (b.file.startsWith('billion-laughs')) {
        assert.equal(g.nodeCount, 41);
        const root = g.node(g.root);
        assert.equal(root.kind, 'list');
        if (root.kind === 'list') {
          assert.equal(root.items.length, 10);
          assert.equal(new Set(root.items).size, 1, 'the 10 items are one shared node');
        }
      }
      // Paths on very deep graphs: computed iteratively, correct at the bottom.
      if (b.file === 'deep-list-1e6.pickle.gz') {
        let deepest = g.root;
        for (let i = 0; i < 999_999; i++) {
          const n = g.node(deepest);
          assert.ok(n.kind === 'list' && n.items.length === 1);
          deepest = n.items[0]!;
        }
        const p = g.pathOf(deepest);
        assert.equal(p.length, 'root'.length + 3 * 999_999);
        assert.ok(p.startsWith('root[0][0]') && p.endsWith('[0][0]'));
      }
      if (b.file === 'dup-million.pickle.gz') {
        const root = g.node(g.root);
        assert.ok(root.kind === 'list' && root.items.length === 1_000_001 && new Set(root.items).size === 1);
      }
    }
  });
}

test('a node limit turns a legal but large pickle into a clear error', () => {
  const b = bombs.find((x) => x.file === 'deep-list-1e6.pickle.gz')!;
  assert.throws(() => decodePickle(raw(b), { file: b.file, maxNodes: 1000 }), (e: unknown) => {
    assert.ok(e instanceof SnapshotError);
    assert.match(e.message, /1000|limit|too many/i);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
});

test('a memo limit turns a memo bomb into a clear error', () => {
  const b = bombs.find((x) => x.file === 'memoize-million.pickle.gz')!;
  assert.throws(() => decodePickle(raw(b), { file: b.file, maxMemo: 1000 }), (e: unknown) => {
    assert.ok(e instanceof SnapshotError);
    assert.match(e.message, /memo/i);
    return true;
  });
});

// In a child: open (decompression included) + decode under a 256 MB V8 heap, with peak RSS
// measured. 400 MB is a bound, not a target: the largest bomb decompresses to 10 MB.
const RSS_BOUND = 400 * MiB;

/** Known defects, reported to their owners: the test runs and shows as TODO until fixed. */
const KNOWN: Record<string, string> = {};

for (const b of bombs) {
  const zip = b.file.startsWith('zip-bomb');
  test(`bounded child: ${b.file} -> ${b.expect}`, { todo: KNOWN[b.file] }, async () => {
    // The decompression limit is lowered for the zip bombs: the default (1 GiB) would need 1 GiB of
    // memory just to refuse the gzip bomb, which this shared machine should not spend in a test.
    const env = zip ? { REHEARSE_MAX_SNAPSHOT_BYTES: String(64 * MiB) } : {};
    const r = await runBounded([repoPath('test', 'fixtures', 'bombs', b.file)], { script: DECODE_CHILD, env, timeoutMs: 120_000 });
    assert.equal(r.timedOut, false, 'finished');
    assert.notEqual(r.code, 3, `not a bug: ${r.stderr}`);
    if (b.expect === 'error') {
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /^rehearse: [^\n]+\n$/, 'one line on stderr');
    } else if (b.expect === 'graph') {
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^graph ${b.root} \\d+\\n$`));
    } else {
      // A limit error, or open.ts declining the content as not a snapshot (its protocol-0 sniffing
      // gives up on a 1,000,000-digit INT line): both are clear, bounded outcomes.
      const clear = /^rehearse: [^\n]+\n$/.test(r.stderr) || /^not-a-snapshot [^\n]+\n$/.test(r.stdout);
      assert.ok(r.code === 0 || (r.code === 2 && clear), r.stdout + r.stderr);
    }
    if (zip) assert.match(r.stderr, /decompress|bomb|limit/i);
    assert.ok(r.maxRss !== undefined && r.maxRss < RSS_BOUND, `peak RSS ${((r.maxRss ?? 0) / MiB).toFixed(0)} MB`);
  });
}

// The same bombs through the real CLI: what `rehearse inspect` renders must be bounded too.
for (const b of bombs) {
  const zip = b.file.startsWith('zip-bomb');
  test(`bounded CLI: rehearse inspect --json ${b.file}`, { todo: KNOWN[`inspect ${b.file}`] }, async () => {
    const env = zip ? { REHEARSE_MAX_SNAPSHOT_BYTES: String(64 * MiB) } : {};
    const r = await runBounded(['inspect', '--json', repoPath('test', 'fixtures', 'bombs', b.file)], { env, timeoutMs: 120_000 });
    assert.equal(r.timedOut, false, 'finished');
    assert.notEqual(r.code, 3, `not a bug: ${r.stderr}`);
    if (b.expect === 'error') {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^rehearse: [^\n]+\n$/, 'one line on stderr');
    } else if (b.expect === 'graph-or-limit' && r.code === 2) {
      assert.match(r.stderr, /^rehearse: [^\n]+\n$/, 'a limit: one line on stderr');
    } else {
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as { snapshots: Array<{ status: string; nodes?: number }>; notes: string[] };
      const s = doc.snapshots[0];
      if (b.expect === 'graph') assert.equal(s?.status, 'ok', r.stdout.slice(0, 500));
      if (s?.status === 'ok' && b.min_nodes) assert.ok((s.nodes ?? 0) >= b.min_nodes);
    }
    assert.ok(r.stdout.length < 16 * MiB, `${r.stdout.length} bytes of output`);
    assert.ok(r.maxRss !== undefined && r.maxRss < RSS_BOUND, `peak RSS ${((r.maxRss ?? 0) / MiB).toFixed(0)} MB`);
  });
}

test('bounded CLI: rehearse inspect --tree on a 1,000,000-deep list stops at --depth', async () => {
  const r = await runBounded(['inspect', '--tree', '--depth', '50', repoPath('test', 'fixtures', 'bombs', 'deep-list-1e6.pickle.gz')]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => /\[0\]: list \(1\)/.test(l));
  assert.equal(lines.length, 50, 'one line per level down to --depth');
  assert.ok(r.maxRss !== undefined && r.maxRss < RSS_BOUND);
});
