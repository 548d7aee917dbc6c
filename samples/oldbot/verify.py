#!/usr/bin/python3
"""Check expected.json against the real thing (run with /usr/bin/python3; needs python2.7 via pyenv).

    /usr/bin/python3 -B verify.py

Runs replay.py for each encoding= scenario with real Python 3 and Twisted, checks the expected
load exceptions / orphaned version keys really happen (and nothing else), checks the opcode
facts with Python 2.7's own pickletools (Python 3's cannot read non-ASCII STRING opcodes), and
that make_snapshot.py on Python 2.7 reproduces the committed bytes.
"""
import binascii
import filecmp
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PY2 = dict(os.environ, PYENV_VERSION="2.7.18")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def replay(release, encoding):
    out = subprocess.run([sys.executable, "-B", os.path.join(HERE, "replay.py"), release, encoding],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    return out.stdout.splitlines()


PROBLEM = re.compile(r"load-exception|upgrade-exception|bytes version keys|Traceback|Error")


def check_scenario(sc):
    label = sc["name"]
    rel = sc["target"].split("/", 1)[1]
    out = replay(rel, sc["encoding"])
    explained = set()
    for f in sc["findings"]:
        if f["code"] == "load-exception":
            for pk in f["snapshots"]:
                want = "[%s] load-exception: %s" % (pk, f["live"][pk])
                check(want in out, "%s: missing %r" % (label, want))
                explained.add(want)
        elif f["code"] == "version-key-orphaned":
            name = f["class"].rsplit(".", 1)[1]
            for pk, n in f["files"].items():
                keys = [l for l in out if l == "[%s]   bytes version keys (not seen by Twisted): %s" % (pk, f["savedKey"])]
                check(len(keys) == n, "%s: %s: %d objects with bytes key, expected %d" % (label, f["class"], len(keys), n))
                for m in f["liveReached"]:
                    v = m[len("upgradeToVersion"):]
                    runs = [l for l in out if l == "[%s] %s: twisted: Upgrading %s (of %s) to version %s" % (pk, name, f["class"], f["class"], v)]
                    check(len(runs) == n, "%s: %s.%s ran %d times, expected %d" % (label, f["class"], m, len(runs), n))
                exc = [l for l in out if l == "[%s] %s: upgrade-exception: %s" % (pk, name, f["liveUpgradeException"])]
                check(len(exc) == n, "%s: %s: %d upgrade exceptions, expected %d" % (label, f["class"], len(exc), n))
                explained.update(keys + exc)
    if "aggregateAcceptable" in sc:
        total = sum(sum(f["files"].values()) for f in sc["findings"] if f["code"] == sc["aggregateAcceptable"]["code"])
        check(total == sc["aggregateAcceptable"]["count"], "%s: aggregate count %d" % (label, total))
    for l in out:
        if PROBLEM.search(l) and l not in explained:
            failures.append("%s: unexpected: %s" % (label, l))
    if sc["encoding"] == "latin1":
        check(any(l == "[render] Builder.describe:   #0 by Jos\u00e9 Garc\u00eda at 1104537700: build successful" for l in out),
              "%s: render of the latin-1 name is not as documented" % label)
        for r in sc.get("reattached", []):
            path = os.path.join(HERE, sc["target"], r["reattach"]["file"])
            with io.open(path, encoding="utf-8") as fh:
                line = fh.read().splitlines()[r["reattach"]["line"] - 1].strip()
            check(line == r["reattach"]["text"], "%s: %s:%d is %r" % (label, r["reattach"]["file"], r["reattach"]["line"], line))


def check_opcodes(doc):
    script = r'''
import pickletools, collections, json, sys, binascii
res = {}
for name in sys.argv[1:]:
    data = open(name, "rb").read()
    ops = list(pickletools.genops(data))
    res[name] = {"counts": dict(collections.Counter(op.name for op, a, p in ops)),
                 "proto": max([a for op, a, p in ops if op.name == "PROTO"] or [0]),
                 "strings": [[p, op.name, binascii.hexlify(a)] for op, a, p in ops
                             if op.name in ("STRING", "BINSTRING", "SHORT_BINSTRING") and any(ord(c) > 127 for c in a)]}
print json.dumps(res)
'''
    names = sorted(doc["pickles"])
    got = json.loads(subprocess.check_output(["python2.7", "-c", script] + [os.path.join(HERE, "basedir", n) for n in names],
                                             env=PY2, universal_newlines=True))
    for n in names:
        g = got[os.path.join(HERE, "basedir", n)]
        exp = doc["pickles"][n]
        check(g["proto"] == exp["protocol"], "%s: protocol %s" % (n, g["proto"]))
        for op, count in exp["opcodes"].items():
            check(g["counts"].get(op) == count, "%s: %s x%s, expected %d" % (n, op, g["counts"].get(op), count))
        strings = [[n, p, op, h] for p, op, h in g["strings"]]
        exp_strings = [[s["file"], s["offset"], s["opcode"], s["bytesHex"]] for s in doc["nonAsciiStrings"] if s["file"] == n]
        check(strings == exp_strings, "%s: non-ASCII strings %s" % (n, strings))


def check_reproducible():
    tmp = tempfile.mkdtemp()
    try:
        subprocess.check_call(["python2.7", "-B", os.path.join(HERE, "make_snapshot.py"), "--out=" + tmp],
                              env=PY2, stdout=subprocess.DEVNULL)
        names = sorted(os.listdir(os.path.join(HERE, "basedir")))
        check(sorted(os.listdir(tmp)) == names, "make_snapshot.py writes other files")
        _, mismatch, errors = filecmp.cmpfiles(tmp, os.path.join(HERE, "basedir"), names, shallow=False)
        check(not (mismatch or errors), "make_snapshot.py does not reproduce %s" % (mismatch + errors))
    finally:
        shutil.rmtree(tmp)


COMPILE = r"""
import sys
bad = []
for path in sys.argv[1:]:
    try:
        compile(open(path, "rb").read(), path, "exec")
    except SyntaxError as e:
        bad.append("%s:%s" % (path.split("/releases/")[1], e.lineno))
sys.stdout.write(" ".join(bad))
"""


def check_syntax():
    """1.0 is Python 2 only, 2.0 Python 3 only, as the README says (which lines fail where)."""
    def bad(exe, ver, release):
        root = os.path.join(HERE, "releases", release, "oldbot")
        files = sorted(os.path.join(root, n) for n in os.listdir(root) if n.endswith(".py"))
        return subprocess.run([exe, "-B", "-c", COMPILE] + files, stdout=subprocess.PIPE, universal_newlines=True,
                              env=dict(os.environ, PYENV_VERSION=ver), check=True).stdout
    check(bad("python2.7", "2.7.18", "1.0") == "", "1.0 does not compile on Python 2.7")
    got = bad("python3.6", "3.6.15", "1.0")
    check(got == "1.0/oldbot/changes.py:18 1.0/oldbot/status.py:31", "1.0 on Python 3.6: %r" % got)
    got = bad(sys.executable, "", "1.0")
    check(got == "1.0/oldbot/changes.py:30 1.0/oldbot/status.py:31", "1.0 on Python 3.11: %r" % got)
    check(bad("python3.6", "3.6.15", "2.0") == "", "2.0 does not compile on Python 3.6")
    got = bad("python2.7", "2.7.18", "2.0")
    check(got == "2.0/oldbot/changes.py:19", "2.0 on Python 2.7: %r" % got)


def main():
    with io.open(os.path.join(HERE, "expected.json"), encoding="utf-8") as f:
        doc = json.load(f)
    for sc in doc["scenarios"]:
        check_scenario(sc)
    check_opcodes(doc)
    check_reproducible()
    check_syntax()
    for f in failures:
        print("FAIL " + f)
    print("%d scenarios, %d failures" % (len(doc["scenarios"]), len(failures)))
    sys.exit(1 if failures else 0)


main()
