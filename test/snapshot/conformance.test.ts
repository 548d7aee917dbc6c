// Conformance: pickles written by real CPython 3.11 and 2.7 (every protocol) decode to the
// structure the generator recorded from the real objects, shared references and cycles included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES, decodeFixture, normalise } from './helpers.js';

interface Sidecar {
  python: string;
  protocol: number;
  expected: unknown;
}

const cases: Array<[string, number]> = [];
for (let p = 0; p <= 5; p++) cases.push(['py3/values', p], ['py3/pickletester', p]);
for (let p = 0; p <= 2; p++) cases.push(['py2/values', p], ['py2/pickletester', p]);

for (const [name, proto] of cases) {
  test(`${name} protocol ${proto} decodes to the recorded structure`, () => {
    const rel = `${name}.p${proto}`;
    const side = JSON.parse(readFileSync(path.join(FIXTURES, `${rel}.json`), 'utf8')) as Sidecar;
    const g = decodeFixture(`${rel}.pickle`);
    assert.deepEqual(normalise(g, g.root), side.expected);
    assert.equal(g.info.protocol, proto >= 2 ? proto : 0);
    assert.equal(g.info.stopOffset, g.info.size - 1);
    assert.equal(g.info.python2Hints, name.startsWith('py2/') || proto < 3);
  });
}
