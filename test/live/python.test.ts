// The interpreters the harness claims: 2.7 and 3.6 (no audit hook) start it, load a plain pickle,
// and hold the sandbox with the remaining layers; findPython picks the right one.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { findPython } from '../../src/replay/live/python.js';
import { runLiveReplay } from '../../src/replay/live/run.js';
import type { LiveOptions } from '../../src/replay/live/types.js';
import { APPS, DEBIAN_PYTHON, LIVE, NEEDS_TWISTED, pyenvExe, tempDir } from './fixtures.js';

const work = await tempDir('rehearse-python-test-');
after(() => fs.rm(work, { recursive: true, force: true }));

test('findPython: first candidate that runs and imports what is needed; reasons otherwise', { skip: NEEDS_TWISTED }, async () => {
  const got = await findPython(['/nonexistent/python', DEBIAN_PYTHON], ['twisted']);
  assert.ok('exe' in got);
  assert.equal(got.exe, DEBIAN_PYTHON);
  assert.equal(got.hasTwisted, true);
  assert.match(got.version, /^3\.\d+\.\d+$/);
  const none = await findPython(['/nonexistent/python', '/nonexistent/python3'], []);
  assert.ok('reason' in none);
  assert.match(none.reason, /no usable Python \(\/nonexistent\/python: not found; \/nonexistent\/python3: not found\)/);
  const lacking = await findPython([DEBIAN_PYTHON], ['no_such_module_rehearse']);
  assert.ok('reason' in lacking);
  assert.match(lacking.reason, /cannot import no_such_module_rehearse/);
});

const OLD = [
  { version: '2.7.18', name: 'python2.7' },
  { version: '3.6.15', name: 'python3.6' },
];

for (const { version, name } of OLD) {
  const exe = pyenvExe(version, name);
  const skip = exe ? false : `PYENV_VERSION=${version} ${name} is not available`;

  test(`Python ${version}: the harness starts and loads a plain pickle; the report says the audit layer is missing`, { skip }, async () => {
    const out = await runLiveReplay({
      python: exe!,
      snapshot: path.join(LIVE, 'plain', 'plain.pickle'),
      releasePath: path.join(APPS, 'v1'),
      allowedModules: ['shop'],
    });
    assert.equal(out.skipped, undefined);
    assert.equal(out.python, version);
    assert.deepEqual(out.findings, []);
    assert.equal(out.stats.objects, 6); // __builtin__.set resolved on 2 and 3 alike
    assert.equal(out.sandbox['audit-hook'], `not available on Python ${version.split('.').slice(0, 2).join('.')} (needs 3.8+)`);
    assert.match(out.notes.join('\n'), /has no audit hook \(3\.8\+\): writes outside the sandbox's temp dir are not refused/);
    assert.equal(out.sandbox['neuter'], true);
    assert.equal(out.sandbox['allowlist'], true);
    assert.equal(out.sandbox['rlimits'], true);
    if (version.startsWith('2.')) assert.match(String(out.sandbox['isolated-mode']), /-E -s -B/);
    assert.equal(out.snapshotUnchanged, true);
  });

  test(`Python ${version}: the allowlist refuses os.system in the unpickler (find_global / find_class)`, { skip }, async () => {
    const marker = '/tmp/rehearse-unsafe-global-ran';
    const out = await runLiveReplay({
      python: exe!,
      snapshot: path.join(LIVE, 'evil', 'unsafe.pickle'),
      releasePath: path.join(APPS, 'evil'),
      allowedModules: ['evilapp'],
    });
    assert.deepEqual(
      out.findings.map((f) => [f.code, f.class]),
      [['unsafe-global', 'posix.system']],
    );
    assert.equal(existsSync(marker), false);
  });

  test(`Python ${version}: without an audit hook, neutered functions and the namespace still hold`, { skip }, async () => {
    const server = net.createServer((s) => s.on('data', () => assert.fail('a connection got through')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const dir = path.join(work, `old-${version}`);
      await fs.mkdir(dir);
      const marker = path.join(work, `marker-${version}`);
      await fs.writeFile(path.join(dir, 'port.txt'), String((server.address() as net.AddressInfo).port));
      await fs.writeFile(path.join(dir, 'marker.txt'), marker);
      for (const mode of ['socket', 'subprocess', 'system']) {
        const snapshot = path.join(dir, `load-${mode}.pickle`);
        await fs.copyFile(path.join(LIVE, 'evil', `load-${mode}.pickle`), snapshot);
        const opts: LiveOptions = { python: exe!, snapshot, releasePath: path.join(APPS, 'evil'), allowedModules: ['evilapp'], copyBasedir: 'all' };
        const out = await runLiveReplay(opts);
        const f = out.findings.find((x) => x.code === 'load-exception');
        assert.ok(f, `${mode}: ${JSON.stringify(out.findings)}`);
        assert.match(f.message, /rehearse sandbox refused (network|process)/, mode);
        // The network namespace alone (sockets not neutered) also keeps the connection in.
        if (mode === 'socket') {
          const alone = await runLiveReplay({ ...opts, disableLayers: ['neuter', 'audit'] });
          assert.match(String(alone.findings[0]?.message), /__setstate__ raised .*Network is unreachable/);
        }
      }
      assert.equal(existsSync(marker), false);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
}
