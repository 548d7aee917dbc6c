// Hand-made malicious pickles (test/fixtures/malicious/, made by gen_malicious.py and proved live
// by its --verify run with the real pickle module): `rehearse inspect` reports each code path as
// `unsafe-global` with the call and its decoded arguments, and never executes any of it. Every
// payload would create `rehearse-pwned-<name>` in the current directory; the CLI runs in a temp
// directory holding copies of the pickles, which must contain nothing new afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoPath, runCli } from '../helpers/run.js';
import { maliciousManifest, type MaliciousFixture } from './helpers.js';

interface JsonUnsafe {
  callable: string;
  kind: 'call' | 'reference';
  confidence: string;
  args: string;
  path: string;
}
interface JsonSnapshot {
  file: string;
  status: string;
  unsafe: JsonUnsafe[];
}

const fixtures = maliciousManifest();

/** Known defects, reported to their owners: the test runs and shows as TODO until fixed. */
const KNOWN: Record<string, string> = {
  // (The __setstate__ gadget and the cut marshal payload, reported earlier, are fixed on inspect.)
};

async function stage(): Promise<{ dir: string; before: string[] }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rehearse-malicious-'));
  for (const f of fixtures) await fs.copyFile(repoPath('test', 'fixtures', 'malicious', f.file), path.join(dir, f.file));
  return { dir, before: (await fs.readdir(dir)).sort() };
}

function noMarkers(dir: string): void {
  for (const f of fixtures) {
    for (const where of [dir, os.tmpdir(), repoPath(), os.homedir()]) {
      assert.equal(existsSync(path.join(where, f.marker)), false, `${f.marker} appeared in ${where}: a payload ran`);
    }
  }
}

test('the malicious corpus is live: the real pickle module runs (nearly) every payload', () => {
  // gen_malicious.py --verify loaded each file with python3/python2.7 and recorded whether its
  // marker appeared; those that cannot run here say why.
  const live = fixtures.filter((f) => f.executes === true);
  assert.ok(live.length >= 24, `${live.length} live payloads`);
  for (const f of fixtures.filter((x) => x.executes !== true)) assert.notEqual(f.note, '', `${f.file} is inert without a reason`);
  const paths = fixtures.map((f) => f.path).join(' | ');
  for (const want of ['GLOBAL+REDUCE', 'STACK_GLOBAL', 'INST', 'OBJ', 'NEWOBJ', 'NEWOBJ_EX', 'BUILD', 'EXT1', 'EXT2', 'EXT4', 'getattr', 'pickle.loads', 'marshal.loads', 'runpy', 'ctypes', 'socket', 'importlib', 'pty.spawn']) {
    assert.ok(paths.includes(want), `no fixture exercises ${want}`);
  }
});

test('inspect --json on the whole corpus: every file is read and flagged, nothing runs', async () => {
  const { dir, before } = await stage();
  try {
    const r = await runCli(['inspect', '--json', dir], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    noMarkers(dir);
    assert.deepEqual((await fs.readdir(dir)).sort(), before, 'inspect wrote nothing into the directory');
    const doc = JSON.parse(r.stdout) as { snapshots: JsonSnapshot[] };
    assert.equal(doc.snapshots.length, fixtures.length);
    for (const s of doc.snapshots) {
      assert.equal(s.status, 'ok', s.file);
      assert.ok(s.unsafe.length > 0, `${s.file}: nothing flagged`);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

function check(f: MaliciousFixture, unsafe: JsonUnsafe[]): void {
  for (const g of f.globals) {
    const ext = /^ext:(\d+)$/.exec(g);
    const hit = unsafe.find((u) => u.kind === 'call' && (ext ? u.callable.includes(ext[1]!) : u.callable === g));
    assert.ok(hit, `${g} not reported as a call; got ${JSON.stringify(unsafe.map((u) => `${u.kind} ${u.callable}`))}`);
  }
  // The arguments as decoded text: in a chain they may sit in an inner call's rendering.
  const shown = unsafe.map((u) => `${u.callable} ${u.args}`).join('\n');
  for (const a of f.args) assert.ok(shown.includes(a), `argument ${JSON.stringify(a)} not shown in:\n${shown}`);
  assert.ok(unsafe.some((u) => u.confidence === 'high' || u.confidence === 'medium'), 'flagged above low confidence');
}

for (const f of fixtures) {
  test(`inspect ${f.file}: unsafe-global ${f.globals.join(', ')} (${f.path})`, { todo: KNOWN[f.file] }, async () => {
    const { dir } = await stage();
    try {
      const file = path.join(dir, f.file);
      const json = await runCli(['inspect', '--json', file], { cwd: dir });
      assert.equal(json.code, 0, json.stderr);
      const doc = JSON.parse(json.stdout) as { snapshots: JsonSnapshot[] };
      check(f, doc.snapshots[0]!.unsafe);
      const text = await runCli(['inspect', file], { cwd: dir });
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /unsafe-global/);
      for (const a of f.args) assert.ok(text.stdout.includes(a), `text output lacks ${a}`);
      noMarkers(dir);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
}

test('the hidden payload is reported at its object path, not just as a call', async () => {
  const f = fixtures.find((x) => x.file === 'hidden-in-build-state-p2.pickle')!;
  const r = await runCli(['inspect', '--json', repoPath('test', 'fixtures', 'malicious', f.file)]);
  const doc = JSON.parse(r.stdout) as { snapshots: JsonSnapshot[] };
  const u = doc.snapshots[0]!.unsafe.find((x) => x.callable === 'os.system')!;
  assert.equal(u.path, 'root.reason');
});
