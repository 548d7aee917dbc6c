#!/usr/bin/python3
"""Check expected.json (the ground truth rehearse's tests use) against the real thing.

    /usr/bin/python3 -B verify.py

For every scenario it runs replay.py (real Python, real Twisted) and checks that each expected
finding really happens (the `live` text, per pickle and per object where Twisted reports per
object), that nothing else goes wrong, that evidence lines match the release's source, that
unused attributes are in the snapshot and nowhere in the target's source, that log renders
differ exactly where expected, that make_snapshots.py reproduces the committed bytes, and that
packages/ (make_dists.py) is reproducible, holds the release trees, and replays like them.
Exit status 0 when everything holds; one line per failed check otherwise.
"""
from __future__ import print_function

import filecmp
import html
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def run_replay(release, basedir, renders):
    out = subprocess.run([PY, "-B", os.path.join(HERE, "replay.py"), release, basedir, "--renders", renders],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    return out.stdout.splitlines()


def lines_of(output, fileprefix):
    return [l for l in output if l.startswith("[%s] " % fileprefix)]


def saved_states(basedir, relpath):
    """(class qualname, state dict) for every instance in a pickle, without any release."""
    found = []

    class Sym(pickle.Unpickler):
        def find_class(self, module, name):
            qual = module + "." + name

            def setstate(obj, state):
                found.append((qual, state))
            return type(name, (object,), {"__setstate__": setstate})
    with open(os.path.join(HERE, basedir, relpath), "rb") as f:
        Sym(f).load()
    return found


def release_words(release):
    words = set()
    for dirpath, _, files in os.walk(os.path.join(HERE, release)):
        for name in files:
            if name.endswith(".py"):
                with io.open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    words.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", f.read()))
    return words


def check_evidence(release, ev, label):
    path = os.path.join(HERE, release, ev["file"])
    with io.open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    got = lines[ev["line"] - 1].strip() if ev["line"] <= len(lines) else None
    check(got == ev["text"], "%s: %s:%d is %r, expected %r" % (label, ev["file"], ev["line"], got, ev["text"]))


PROBLEM = re.compile(r"load: |upgrade-exception|orphaned version keys|Warning: cannot upgrade|render \w+: |source.patch")


def normalise_html(text):
    pres = re.findall(r"<pre\b[^>]*>(.*?)</pre>", text, re.S | re.I)
    body = "".join(pres) if pres else text
    return html.unescape(re.sub(r"</?span\b[^>]*>", "", body, flags=re.I))


def check_scenario(sc, pickles):
    label = sc["name"]
    release = sc["target"]
    rel = release.split("/", 1)[1]
    tmp = tempfile.mkdtemp()
    try:
        output = run_replay(rel, sc["snapshotDir"], os.path.join(tmp, "target"))
        check(output and output[-1].startswith("done: "), "%s: replay did not finish: %s" % (label, output[-3:]))
        explained = set()
        words = release_words(release)
        for f in sc["findings"]:
            what = "%s: %s %s %s" % (label, f["code"], f["class"], f.get("attribute", ""))
            check(sum(f["files"].values()) == f["count"], what + ": files do not add up to count")
            name = f["class"].rsplit(".", 1)[1]
            # the objects are really in the snapshot, as many as said
            for pk, n in f["files"].items():
                states = [s for q, s in saved_states(sc["snapshotDir"], pk) if q == f["class"]]
                check(len(states) == n, "%s: %d objects in %s, expected %d" % (what, len(states), pk, n))
                if f["code"] == "missing-attribute":
                    check(all(f["attribute"] not in s for s in states), what + ": attribute is in the snapshot")
                if f["code"] == "unused-attribute":
                    check(all(f["attribute"] in s for s in states), what + ": attribute not in the snapshot")
            for ev in f.get("evidence", []) + f.get("mustNotCite", []):
                check_evidence(release, ev, what)
            if f["code"] == "unused-attribute":
                check(f["attribute"] not in words, what + ": the target's source mentions it")
                continue
            # what really happens
            for pk, n in f["files"].items():
                ls = lines_of(output, pk)
                if f["code"] in ("missing-module", "missing-class"):
                    hits = [l for l in ls if "load: %s does not resolve" % f["class"] in l]
                    live = f["live"].replace("<release>", os.path.join(HERE, release))
                    live = live.replace(os.path.join(HERE, release) + os.sep, "")
                    check(len(hits) == 1 and hits[0].endswith(live), "%s: %s: %r" % (what, pk, hits))
                elif f["code"] == "missing-attribute":
                    hits = [l for l in ls if l.endswith("render summary: " + f["live"])]
                    check(len(hits) == 1, "%s: %s: render did not fail: %r" % (what, pk, ls))
                elif f["code"] in ("upgrade-exception", "version-downgrade"):
                    hits = [l for l in ls if l.endswith("upgrade-exception in %s: %s" % (name, f["live"]))]
                    check(len(hits) == n, "%s: %s: %d exceptions, expected %d" % (what, pk, len(hits), n))
                elif f["code"] == "upgrade-gap":
                    hits = [l for l in ls if l.endswith("twisted: " + f["live"])]
                    check(len(hits) == n, "%s: %s: %d gap warnings, expected %d" % (what, pk, len(hits), n))
                elif f["code"] == "version-key-orphaned":
                    hits = [l for l in ls if l.endswith("orphaned version keys on %s: %s" % (name, f["savedKey"]))]
                    check(len(hits) == n, "%s: %s: %d orphaned, expected %d" % (what, pk, len(hits), n))
                    for m in f["reruns"]:
                        v = m[len("upgradeToVersion"):]
                        reruns = [l for l in ls if l.endswith("Upgrading %s (of %s) to version %s" % (f["nowQualified"], f["nowQualified"], v))]
                        check(len(reruns) == n, "%s: %s: %s ran %d times" % (what, pk, m, len(reruns)))
                for l in hits:
                    explained.add(l)
            if f["code"] == "version-key-orphaned" and "runtests/2" in f["files"]:
                explained.update(l for l in lines_of(output, "runtests/2") if "source.patch is None" in l)
            if f["code"] == "missing-module" or f["code"] == "upgrade-exception":
                explained.update(l for l in output if "version keys left on the object" in l)
            if f["code"] == "version-downgrade":
                explained.update(l for l in output if "version keys left on the object" in l)
        for l in output:
            if PROBLEM.search(l) and l not in explained:
                failures.append("%s: unexpected: %s" % (label, l))
        for r in sc.get("reattached", []):
            check_evidence(release, r["reattach"], "%s: reattached %s.%s" % (label, r["class"], r["attribute"]))
            for pk in pickles:
                for q, s in saved_states(sc["snapshotDir"], pk):
                    if q == r["class"]:
                        check(r["attribute"] not in s, "%s: %s.%s is in %s" % (label, q, r["attribute"], pk))
        if "logRenderDiff" in sc:
            base = sc["baseline"].split("/", 1)[1]
            run_replay(base, sc["snapshotDir"], os.path.join(tmp, "base"))
            exp = sc["logRenderDiff"]
            for kind, render in (("getText", "getText"), ("getTextWithHeaders", "getTextWithHeaders"),
                                 ("asHTML-raw", "asHTML")):
                differ = []
                for name in sorted(os.listdir(os.path.join(tmp, "base"))):
                    if name.endswith("." + render):
                        other = os.path.join(tmp, "target", name)
                        if not os.path.exists(other) or not filecmp.cmp(os.path.join(tmp, "base", name), other, shallow=False):
                            differ.append(name[:-len(render) - 1].replace("_", "/", 1))
                check(differ == sorted(exp[kind]), "%s: %s differs for %s, expected %s" % (label, kind, differ, exp[kind]))
            # HTML normalised: only what is inside <pre>, <span> boundaries ignored, entities unescaped
            differ = []
            for name in sorted(os.listdir(os.path.join(tmp, "base"))):
                if name.endswith(".asHTML"):
                    texts = []
                    for side in ("base", "target"):
                        with io.open(os.path.join(tmp, side, name), encoding="utf-8") as fh:
                            texts.append(normalise_html(fh.read()))
                    if texts[0] != texts[1]:
                        differ.append(name[:-len(".asHTML")].replace("_", "/", 1))
            check(differ == sorted(exp["asHTML-normalised"]),
                  "%s: normalised HTML differs for %s, expected %s" % (label, differ, exp["asHTML-normalised"]))
            for name in exp["identical"]:
                for render in ("getText", "getTextWithHeaders", "asHTML"):
                    fn = name.replace("/", "_", 1) + "." + render
                    a, b = os.path.join(tmp, "base", fn), os.path.join(tmp, "target", fn)
                    check(os.path.exists(a) and os.path.exists(b) and filecmp.cmp(a, b, shallow=False),
                          "%s: %s %s differs (or did not render)" % (label, name, render))
    finally:
        shutil.rmtree(tmp)


def check_reproducible():
    tmp = tempfile.mkdtemp()
    try:
        for release, basedir in (("0.7", "basedir"), ("0.9", "basedir-0.9")):
            out = os.path.join(tmp, basedir)
            subprocess.run([PY, "-B", os.path.join(HERE, "make_snapshots.py"), release, "--out=" + out],
                           stdout=subprocess.DEVNULL, check=True)
            cmp = filecmp.dircmp(out, os.path.join(HERE, basedir))
            stack = [cmp]
            while stack:
                c = stack.pop()
                _, mismatch, errors = filecmp.cmpfiles(c.left, c.right, c.common_files, shallow=False)
                check(not (mismatch or errors or c.left_only or c.right_only),
                      "make_snapshots.py %s does not reproduce %s: %s" % (release, basedir, mismatch + errors + c.left_only + c.right_only))
                stack.extend(c.subdirs.values())
    finally:
        shutil.rmtree(tmp)


def check_dists():
    """packages/ is reproducible, holds exactly the release trees, and the wheels replay like the trees."""
    import tarfile
    import zipfile
    tmp = tempfile.mkdtemp()
    try:
        subprocess.run([PY, "-B", os.path.join(HERE, "make_dists.py"), "--out=" + tmp], stdout=subprocess.DEVNULL, check=True)
        names = sorted(os.listdir(os.path.join(HERE, "packages")))
        check(sorted(os.listdir(tmp)) == names, "make_dists.py writes other files than packages/ holds")
        _, mismatch, errors = filecmp.cmpfiles(tmp, os.path.join(HERE, "packages"), names, shallow=False)
        check(not (mismatch or errors), "make_dists.py does not reproduce %s" % (mismatch + errors))
        for v in ("0.7", "0.8"):
            root = os.path.join(HERE, "releases", v)
            tree = {}
            for dirpath, dirnames, files in os.walk(root):
                dirnames[:] = [d for d in dirnames if d != "__pycache__"]
                for n in files:
                    if n.endswith(".py"):
                        with open(os.path.join(dirpath, n), "rb") as f:
                            tree[os.path.relpath(os.path.join(dirpath, n), root).replace(os.sep, "/")] = f.read()
            with tarfile.open(os.path.join(HERE, "packages", "tinybot-%s.tar.gz" % v)) as t:
                sd = {m.name.split("/", 1)[1]: t.extractfile(m).read() for m in t.getmembers()
                      if m.isfile() and m.name.endswith(".py") and not m.name.endswith("/setup.py")}
            check(sd == tree, "packages/tinybot-%s.tar.gz does not hold releases/%s" % (v, v))
            whl = os.path.join(HERE, "packages", "tinybot-%s-py2.py3-none-any.whl" % v)
            with zipfile.ZipFile(whl) as z:
                wh = {n: z.read(n) for n in z.namelist() if n.endswith(".py")}
            check(wh == tree, "%s does not hold releases/%s" % (os.path.basename(whl), v))
            a = run_replay(v, "basedir", os.path.join(tmp, "r1"))
            b = subprocess.run([PY, "-B", os.path.join(HERE, "replay.py"), v, "basedir", "--release-path=" + whl],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True).stdout.splitlines()
            check(a == b, "replay from the %s wheel differs from the tree" % v)
    finally:
        shutil.rmtree(tmp)


COMPILE = r"""
import sys
bad = []
for path in sys.argv[1:]:
    try:
        compile(open(path, "rb").read(), path, "exec")
    except SyntaxError as e:
        bad.append("%s:%s" % (path, e.lineno))
sys.stdout.write(" ".join(bad))
"""


def check_source_compat():
    """Every release compiles on Python 2.7 and 3.6 (the sources claim 2.7 and 3.6+)."""
    files = []
    for v in sorted(os.listdir(os.path.join(HERE, "releases"))):
        for dirpath, dirnames, names in os.walk(os.path.join(HERE, "releases", v)):
            dirnames[:] = [d for d in dirnames if d != "__pycache__"]
            files.extend(os.path.join(dirpath, n) for n in names if n.endswith(".py"))
    for exe, ver in (("python2.7", "2.7.18"), ("python3.6", "3.6.15")):
        try:
            out = subprocess.run([exe, "-B", "-c", COMPILE] + sorted(files), stdout=subprocess.PIPE,
                                 env=dict(os.environ, PYENV_VERSION=ver), universal_newlines=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            failures.append("cannot run %s: %s" % (exe, e))
            continue
        check(out == "", "does not compile on %s: %s" % (exe, out))


def main():
    with io.open(os.path.join(HERE, "expected.json"), encoding="utf-8") as f:
        doc = json.load(f)
    for sc in doc["scenarios"]:
        check_scenario(sc, doc["pickles"])
    check_reproducible()
    check_dists()
    check_source_compat()
    for f in failures:
        print("FAIL " + f)
    print("%d scenarios, %d failures" % (len(doc["scenarios"]), len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
