// Every sandbox layer, attacked from inside a release's upgrade method. Each attack runs with all
// layers on, then with only the layer under test on (proving that layer alone holds), and, for
// the attacks that are safe to let through, with every layer off: the control proving the
// attack is real and the test can fail.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { runLiveReplay } from '../../src/replay/live/run.js';
import type { LayerName, LiveOptions, LiveOutcome } from '../../src/replay/live/types.js';
import { APPS, DEBIAN_PYTHON, LIVE, NEEDS_TWISTED, tempDir } from './fixtures.js';
import { isAlive } from '../helpers/run.js';

const ALL_BUT = (...keep: LayerName[]): LayerName[] => (['netns', 'audit', 'neuter', 'rlimits'] as LayerName[]).filter((l) => !keep.includes(l));

const work = await tempDir('rehearse-sandbox-test-');
after(() => fs.rm(work, { recursive: true, force: true }));
let runs = 0;

/** A basedir holding one attack snapshot, plus the files the attack reads (port, paths). */
async function attack(mode: string, extra: Partial<LiveOptions> = {}, files: Record<string, string> = {}): Promise<{ out: LiveOutcome; dir: string }> {
  const dir = path.join(work, `run-${runs++}`);
  await fs.mkdir(dir);
  const snapshot = path.join(dir, 'snapshot.pickle');
  await fs.copyFile(path.join(LIVE, 'evil', `attack-${mode}.pickle`), snapshot);
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  const before = createHash('sha256').update(await fs.readFile(snapshot)).digest('hex');
  const out = await runLiveReplay({
    python: DEBIAN_PYTHON,
    snapshot,
    releasePath: path.join(APPS, 'evil'),
    allowedModules: ['evilapp'],
    needsTwisted: true,
    timeoutMs: 60_000,
    copyBasedir: 'all', // the attacks read port.txt etc. from the basedir
    ...extra,
  });
  assert.equal(out.snapshotSha256, before);
  assert.equal(out.snapshotUnchanged, true);
  return { out, dir };
}

function upgradeError(out: LiveOutcome): string {
  const f = out.findings.find((x) => x.code === 'upgrade-exception');
  assert.ok(f, `expected an upgrade-exception, got ${JSON.stringify(out.findings.map((x) => x.code))} ${out.killed ?? ''}`);
  assert.deepEqual(f.paths, ['root[0]']);
  return `${f.message}\n${String(f.details?.traceback ?? '')}`;
}

/** A TCP server on the host's loopback that records whatever reaches it. */
async function listener(): Promise<{ port: number; received: () => string; close: () => Promise<void> }> {
  let got = '';
  const server = net.createServer((s) => s.on('data', (d) => (got += d.toString())).on('error', () => undefined));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { port, received: () => got, close: () => new Promise((r) => server.close(() => r())) };
}

test('harmless release: no finding, all layers on', { skip: NEEDS_TWISTED }, async () => {
  const { out } = await attack('none');
  assert.deepEqual(out.findings, []);
  assert.deepEqual(out.refusals, []);
});

test('network: refused by the audit hook, and by the network namespace alone; control gets through', { skip: NEEDS_TWISTED }, async () => {
  const srv = await listener();
  try {
    const port = { 'port.txt': String(srv.port) };
    const all = await attack('socket', {}, port);
    assert.match(upgradeError(all.out), /rehearse sandbox refused network/);
    assert.equal(all.out.refusals[0]?.what, 'network');
    const netnsOnly = await attack('socket', { disableLayers: ALL_BUT('netns') }, port);
    assert.match(upgradeError(netnsOnly.out), /OSError|ConnectionRefusedError|Network is unreachable/);
    assert.deepEqual(netnsOnly.out.refusals, []);
    assert.equal(srv.received(), '');
    const control = await attack('socket', { disableLayers: ALL_BUT() }, port);
    assert.deepEqual(control.out.findings, []);
    await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 50 && srv.received() === ''; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(srv.received(), 'escaped');
  } finally {
    await srv.close();
  }
});

for (const mode of ['subprocess', 'system']) {
  test(`process (${mode}): refused by the audit hook alone and by the neutered functions alone; control runs it`, { skip: NEEDS_TWISTED }, async () => {
    const marker = path.join(work, `marker-${mode}`);
    const files = { 'marker.txt': marker };
    const auditOnly = await attack(mode, { disableLayers: ALL_BUT('audit') }, files);
    assert.match(upgradeError(auditOnly.out), /rehearse sandbox refused process (subprocess\.Popen|os\.system)/);
    const neuterOnly = await attack(mode, { disableLayers: ALL_BUT('neuter') }, files);
    assert.match(upgradeError(neuterOnly.out), /rehearse sandbox refused process (_posixsubprocess\.fork_exec|os\.system)/);
    const all = await attack(mode, {}, files);
    assert.equal(all.out.refusals[0]?.what, 'process');
    assert.equal(existsSync(marker), false);
    const control = await attack(mode, { disableLayers: ALL_BUT() }, files);
    assert.deepEqual(control.out.findings, []);
    assert.equal(existsSync(marker), true);
  });
}

test('write outside the temp dir: refused by the audit hook; control writes', { skip: NEEDS_TWISTED }, async () => {
  const outside = path.join(work, 'outside.txt');
  const files = { 'outside.txt': outside };
  const all = await attack('write', {}, files);
  assert.match(upgradeError(all.out), /rehearse sandbox refused write .*outside\.txt/);
  assert.equal(existsSync(outside), false);
  const control = await attack('write', { disableLayers: ALL_BUT() }, files);
  assert.deepEqual(control.out.findings, []);
  assert.equal(await fs.readFile(outside, 'utf8'), 'escaped');
});

test('loop forever: killed by the CPU-time limit, blamed on the object', { skip: NEEDS_TWISTED }, async () => {
  const { out } = await attack('loop', { cpuSeconds: 2, timeoutMs: 60_000 }); // start-up takes ~0.3 s of CPU
  assert.match(upgradeError(out), /CPU-time limit \(2 s\)/);
  assert.match(String(out.killed), /CPU-time limit/);
});

test('sleep forever: killed by the wall-clock timeout (whole process group)', { skip: NEEDS_TWISTED }, async () => {
  const { out } = await attack('sleep', { timeoutMs: 8_000, disableLayers: ['rlimits'] }); // past start-up even on a loaded machine
  assert.match(upgradeError(out), /wall-clock limit of 8000 ms/);
});

test('timeout kills the whole process group: a grandchild left behind dies too', { skip: NEEDS_TWISTED }, async () => {
  const pids: number[] = [];
  const dir = path.join(work, 'spawnsleep');
  await fs.mkdir(dir);
  const snapshot = path.join(dir, 'snapshot.pickle');
  await fs.copyFile(path.join(LIVE, 'evil', 'attack-spawnsleep.pickle'), snapshot);
  const pidfile = path.join(dir, 'grandchild.pid');
  await fs.writeFile(path.join(dir, 'pidfile.txt'), pidfile);
  // Layers that would stop the spawn are off: this is about the kill.
  const out = await runLiveReplay(
    {
      python: DEBIAN_PYTHON,
      snapshot,
      releasePath: path.join(APPS, 'evil'),
      allowedModules: ['evilapp'],
      timeoutMs: 10_000, // well past start-up on a loaded machine: the kill must come during the sleep
      disableLayers: ['audit', 'neuter'],
      copyBasedir: 'all',
    },
    (e) => {
      if (e.event === 'hello' && typeof e.pid === 'number') pids.push(e.pid);
    },
  );
  assert.match(upgradeError(out), /wall-clock limit of 10000 ms/);
  pids.push(Number(await fs.readFile(pidfile, 'utf8')));
  assert.equal(pids.length, 2, 'the harness and its grandchild reported their pids');
  // Killed processes are reaped by init asynchronously: wait for that, with a generous bound.
  for (let i = 0; i < 100 && pids.some(isAlive); i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(pids.filter(isAlive), []);
});

test('allocate too much: MemoryError under the address-space limit', { skip: NEEDS_TWISTED }, async () => {
  const { out } = await attack('memory', { memoryMB: 512 });
  assert.match(upgradeError(out), /MemoryError/);
});

test('write a huge file: stopped by the file-size limit', { skip: NEEDS_TWISTED }, async () => {
  const { out } = await attack('bigfile', { fileSizeMB: 1 });
  assert.match(upgradeError(out), /File too large|EFBIG|errno 27/i);
});

test('unsafe global: refused before anything runs; trusted still cannot spawn', { skip: NEEDS_TWISTED }, async () => {
  const marker = '/tmp/rehearse-unsafe-global-ran';
  await fs.rm(marker, { force: true });
  const dir = path.join(work, 'unsafe');
  await fs.mkdir(dir);
  const snapshot = path.join(dir, 'unsafe.pickle');
  await fs.copyFile(path.join(LIVE, 'evil', 'unsafe.pickle'), snapshot);
  const base: LiveOptions = { python: DEBIAN_PYTHON, snapshot, releasePath: path.join(APPS, 'evil'), allowedModules: ['evilapp'] };
  const out = await runLiveReplay(base);
  assert.deepEqual(
    out.findings.map((f) => [f.code, f.class, f.count, f.paths]),
    [['unsafe-global', 'posix.system', 1, ["root['boom']"]]],
  );
  assert.match(String(out.skipped), /outside the allowlist; not replayed \(not trusted\)/);
  assert.equal(existsSync(marker), false);
  // Trusted: the name is imported for real, but the process layers still refuse the call.
  const trusted = await runLiveReplay({ ...base, trusted: true });
  assert.ok(trusted.findings.some((f) => f.code === 'load-exception' && /refused process/.test(f.message)));
  assert.equal(existsSync(marker), false);
});
