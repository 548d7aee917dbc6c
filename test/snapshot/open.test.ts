import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { openSnapshot, identifySnapshot, looksLikePickle } from '../../src/snapshot/open.js';
import { SnapshotError, UserError } from '../../src/errors.js';
import { repoPath } from '../helpers/run.js';

const misc = (f: string): string => repoPath('test/fixtures/snapshots/misc', f);
const plain = readFileSync(misc('py3-proto4.pickle'));

test('gzip is found by content (the file is named .txt) and gives the same pickle bytes', async () => {
  const r = await openSnapshot(misc('named-like-text.txt'));
  assert.equal(r.kind, 'snapshot');
  if (r.kind !== 'snapshot') return;
  assert.equal(r.compression, 'gzip');
  assert.equal(r.label, 'pickle+gzip');
  assert.deepEqual(Buffer.from(r.pickle), plain);
  assert.equal(r.size, statSync(misc('named-like-text.txt')).size);
  assert.equal(r.sha256, createHash('sha256').update(readFileSync(misc('named-like-text.txt'))).digest('hex'));
});

test('multi-stream bzip2 (two streams back to back) decompresses to the whole pickle', async () => {
  const r = await openSnapshot(misc('multistream.bz2'));
  assert.ok(r.kind === 'snapshot' && r.compression === 'bzip2');
  assert.deepEqual(Buffer.from(r.pickle), plain);
});

test('protocol 0 and 1 pickles (no PROTO header) are recognised, whatever their name', async () => {
  for (const f of ['py3-proto0.data', 'py3-proto1.data']) {
    const r = await openSnapshot(misc(f));
    assert.equal(r.kind, 'snapshot', f);
  }
  const changes = await openSnapshot(repoPath('test/fixtures/snapshots/basedir/changes.pck'));
  assert.equal(changes.kind, 'snapshot');
});

test('text, step logs, empty files and compressed logs are not snapshots (a note, not an error)', async () => {
  const cases: Array<[string, RegExp]> = [
    [misc('notes.txt'), /text starting "This directory/],
    [misc('empty'), /empty/],
    [misc('marmalade.tax'), /marmalade XML snapshot \(\.tax\)/],
    [repoPath('test/fixtures/snapshots/basedir/full/1-log-git-stdio'), /Buildbot step log/],
    [repoPath('test/fixtures/snapshots/basedir/full/0-log-shell-stdio.bz2'), /bzip2-decompressed content .*Buildbot step log/],
  ];
  for (const [f, re] of cases) {
    const r = await openSnapshot(f);
    assert.equal(r.kind, 'not-a-snapshot', f);
    if (r.kind === 'not-a-snapshot') assert.match(r.reason, re);
  }
});

test('truncated and corrupt bzip2 give one clear UserError naming the file and where', async () => {
  await assert.rejects(openSnapshot(misc('truncated.bz2')), (e: unknown) => {
    assert.ok(e instanceof SnapshotError);
    assert.match(e.message, /truncated\.bz2: truncated bzip2 data \(the stream ends inside a block\) at byte \d+$/);
    assert.ok(e.offset > 0 && e.offset <= 244);
    return true;
  });
  await assert.rejects(openSnapshot(misc('corrupt.bz2')), /corrupt\.bz2: corrupt bzip2 data \(.*\), noticed reading the compressed input at byte \d+$/);
});

test('a decompression bomb stops at the limit with a clear error', async () => {
  await assert.rejects(openSnapshot(misc('bomb.gz'), { maxBytes: 1 << 20 }), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /bomb\.gz: gzip data decompresses to more than 1048576 bytes/);
    return true;
  });
  await assert.rejects(openSnapshot(misc('bomb.bz2'), { maxBytes: 1 << 20 }), /bomb\.bz2: bzip2 data decompresses to more than 1048576 bytes/);
  const ok = await openSnapshot(misc('bomb.gz'), { maxBytes: 16 << 20 });
  assert.equal(ok.kind, 'not-a-snapshot'); // 8 MiB of zeros: within the limit, and no pickle
});

test('an encrypted .etap (AES, md5 of the passphrase) is recognised and the user told how to decrypt it', async () => {
  await assert.rejects(openSnapshot(misc('service.etap')), (e: unknown) => {
    assert.ok(e instanceof UserError);
    assert.match(e.message, /service\.etap: looks like an encrypted Twisted snapshot/);
    assert.match(e.message, /passphrase/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
});

test('AOT source is converted to a pickle; its Python string flavour is reported', async () => {
  const r = await openSnapshot(repoPath('test/fixtures/snapshots/aot/builder.tas'));
  assert.ok(r.kind === 'snapshot');
  assert.equal(r.format, 'aot');
  assert.equal(r.aot?.python, 3);
  assert.ok(looksLikePickle(r.pickle));
});

test('a missing file and a directory are UserErrors', async () => {
  await assert.rejects(openSnapshot(misc('nope')), /nope: no such file/);
  await assert.rejects(openSnapshot(repoPath('test/fixtures/snapshots/misc')), /is a directory/);
});

test('pickle sniffing: real openings pass, look-alike text does not', () => {
  const yes = ['(lp0\nI1\na.', '(dp0\nS\'a\'\np1\nI1\ns.', ']q\x00(K\x01K\x02e.', 'cbuildbot.status.builder\nBuildStatus\nq\x00)', 'N.', 'I42\n.'];
  const no = ['(a) note', 'It was fine.', 'cat\ndog\n!', 'S no quote\n', '] list', '12:0hello,', 'N'];
  for (const s of yes) assert.ok(looksLikePickle(Buffer.from(s, 'latin1')), JSON.stringify(s));
  for (const s of no) assert.ok(!looksLikePickle(Buffer.from(s, 'latin1')), JSON.stringify(s));
});

test('identifySnapshot never reads names: the same bytes give the same answer under any name', () => {
  const a = identifySnapshot('builder.tas', plain);
  const b = identifySnapshot('x.etap', plain);
  assert.equal(a.kind, 'snapshot');
  assert.equal(b.kind, 'snapshot');
});

test('fuzz: arbitrary bytes are a snapshot, not a snapshot, or a UserError; never a crash', async () => {
  const fc = (await import('fast-check')).default;
  const seeds = [plain, readFileSync(misc('multistream.bz2')), readFileSync(misc('named-like-text.txt')), Buffer.from("app=Instance('a.B', x=1)")];
  fc.assert(
    fc.property(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(), (which, flips, cut) => {
      const b = Buffer.from(seeds[which]!);
      for (const [at, v] of flips) if (b.length) b[at % b.length] = v;
      const data = b.subarray(0, b.length ? (cut % b.length) + 1 : 0);
      try {
        identifySnapshot('fuzz', data);
      } catch (e) {
        if (!(e instanceof UserError)) throw e;
      }
    }),
    { numRuns: 2000, seed: 7 },
  );
});
