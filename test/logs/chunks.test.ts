import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chunksText, encodeChunks, parseChunks, HEADER, STDERR, STDOUT } from '../../src/logs/chunks.js';
import { readLogFile } from '../../src/logs/read.js';
import { repoPath } from '../helpers/run.js';

const BASEDIR = repoPath('test/fixtures/live/shop/basedir');

test('reads a plain log written by Python in the chunked format', async () => {
  const got = await readLogFile(path.join(BASEDIR, 'log-1-compile'));
  assert.equal(got?.compression, 'none');
  const parsed = parseChunks(got!.bytes);
  assert.equal(parsed.error, undefined);
  assert.deepEqual(
    parsed.chunks.map((c) => [c.channel, c.text]),
    [
      [HEADER, 'header: compile\n'],
      [STDOUT, 'line one of compile\n'],
      [STDERR, 'warning: café\n'],
      [STDOUT, 'done\n'],
    ],
  );
  assert.equal(chunksText(parsed.chunks), 'line one of compile\nwarning: café\ndone\n');
  assert.equal(chunksText(parsed.chunks, [HEADER]), 'header: compile\n');
});

test('prefers .bz2 and ignores a leftover .bz2.tmp; reads .gz', async () => {
  const bz = await readLogFile(path.join(BASEDIR, 'log-1-test'));
  assert.equal(bz?.compression, 'bz2');
  assert.equal(bz?.file.endsWith('log-1-test.bz2'), true);
  assert.match(chunksText(parseChunks(bz!.bytes).chunks), /line one of test/);
  const gz = await readLogFile(path.join(BASEDIR, 'log-2-deploy'));
  assert.equal(gz?.compression, 'gz');
  assert.match(chunksText(parseChunks(gz!.bytes).chunks, [HEADER]), /header: deploy/);
  assert.equal(await readLogFile(path.join(BASEDIR, 'no-such-log')), undefined);
});

test('order of preference: .bz2 before .gz before plain', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-chunks-'));
  try {
    const base = path.join(dir, 'x');
    await fs.writeFile(base, encodeChunks([{ channel: 0, text: 'plain' }]));
    assert.equal((await readLogFile(base))?.compression, 'none');
    await fs.copyFile(path.join(BASEDIR, 'log-2-deploy.gz'), `${base}.gz`);
    assert.equal((await readLogFile(base))?.compression, 'gz');
    await fs.writeFile(`${base}.bz2`, 'not bzip2 at all');
    await assert.rejects(readLogFile(base), /not a readable bzip2 file/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a log cut short reports where, keeping the chunks before', () => {
  const full = encodeChunks([
    { channel: 0, text: 'one\n' },
    { channel: 1, text: 'two\n' },
  ]);
  const cut = full.subarray(0, full.length - 3);
  const parsed = parseChunks(cut);
  assert.equal(parsed.chunks.length, 1);
  assert.equal(parsed.error?.offset, 8); // '5:0one\n,' is 8 bytes
  assert.match(parsed.error!.reason, /past the end/);
  assert.match(parseChunks(new TextEncoder().encode('5:0abcd')).error!.reason, /missing ","/);
  assert.match(parseChunks(new TextEncoder().encode('x')).error!.reason, /expected a chunk length/);
});

test('lengths count bytes, not characters (multi-byte UTF-8)', () => {
  const data = new TextEncoder().encode('6:0café,3:1é,');
  assert.deepEqual(
    parseChunks(data).chunks.map((c) => c.text),
    ['café', 'é'],
  );
});

test('encode/parse round trip on any text and channel', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ channel: fc.integer({ min: 0, max: 2 }), text: fc.string({ unit: 'grapheme' }) })), (chunks) => {
      const parsed = parseChunks(encodeChunks(chunks));
      assert.equal(parsed.error, undefined);
      assert.deepEqual(
        parsed.chunks.map((c) => ({ channel: c.channel, text: c.text })),
        chunks.map((c) => ({ channel: c.channel, text: c.text })),
      );
    }),
  );
});
