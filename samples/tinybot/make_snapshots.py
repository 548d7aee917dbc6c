#!/usr/bin/python3
"""Write tinybot's sample basedirs by running a release's own code, then "shutting down".

    /usr/bin/python3 make_snapshots.py            # release 0.7 -> basedir/
    /usr/bin/python3 make_snapshots.py 0.9        # release 0.9 -> basedir-0.9/
    /usr/bin/python3 make_snapshots.py 0.9 --out=/tmp/x   # somewhere else

Needs Twisted (Debian's /usr/bin/python3 has 22.4). The release goes first on sys.path, so the
pickles name the classes exactly as that release defines them. Output is deterministic: fixed
timestamps, no randomness, gzip mtime 0, pickles protocol 2 (as old Buildbot wrote them) -- a
re-run reproduces the same bytes.
"""
from __future__ import print_function

import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--out=")]
RELEASE = ARGS[0] if ARGS else "0.7"
OUT = os.path.join(HERE, "basedir" if RELEASE == "0.7" else "basedir-" + RELEASE)
for a in sys.argv[1:]:
    if a.startswith("--out="):  # used by verify.py to check that a re-run gives the same bytes
        OUT = os.path.abspath(a[len("--out="):])
sys.path.insert(0, os.path.join(HERE, "releases", RELEASE))

import tinybot  # noqa: E402
from tinybot.master import TinyMaster  # noqa: E402
from tinybot.changes.changes import Change  # noqa: E402
from tinybot.sourcestamp import SourceStamp  # noqa: E402

assert tinybot.version == RELEASE, (tinybot.__file__, RELEASE)

T0 = 1262304000  # 2010-01-01T00:00:00Z: every timestamp is T0 + something


def run_step(build, name, t, logs=(), html=None, url=None, results=0, text=None):
    """One step; logs are (logname, [(channel, text), ...])."""
    step = build.addStep(name)
    step.stepStarted(t)
    for logname, entries in logs:
        loog = step.addLog(logname)
        for channel, data in entries:
            loog.addEntry(channel, data)
        loog.finish()
    if html is not None:
        step.addHTMLLog(html[0], html[1])
    if url is not None and hasattr(step, "addURL"):  # 0.8 dropped step urls
        step.addURL(url[0], url[1])
    step.stepFinished(t + 30, results, text or [name, "ok" if results == 0 else "failed"])
    return t + 30


def build(builder, t, source, reason, steps, results=0):
    b = builder.newBuild()
    b.buildStarted(t, source, reason, "slave1")
    b.properties.setProperty("buildername", builder.name, "Builder")
    b.properties.setProperty("buildnumber", b.number, "Build")
    for step in steps:
        t = run_step(b, t=t, **step)
    b.buildFinished(t + 1, results, ["build", "successful" if results == 0 else "failed"])
    builder.buildFinished(b)
    return b


def header(cmd):
    return (2, "command: %s\nenvironment: LANG=C.UTF-8\n" % cmd)


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    master = TinyMaster(OUT, "tinybot demo")
    cm = master.changeMaster
    c1 = cm.addChange(Change(u"alice", ["src/app.py"], u"fix the parser", "100", T0 + 10, "trunk"))
    c2 = cm.addChange(Change(u"Jos\u00e9 M\u00fcller", ["src/caf\u00e9.py", "README"],
                             u"caf\u00e9 support", "101", T0 + 20, "trunk"))
    c3 = cm.addChange(Change(u"bob", ["docs/index.rst"], u"document \"quoted\" options", "102",
                             T0 + 30, "trunk"))

    rt = master.addBuilder("runtests", category="tests", compression="bz2")
    docs = master.addBuilder("docs", category="docs", compression="gz")
    rt.addEvent("connected to slave1", T0 + 5)
    rt.addEvent("builder idle", T0 + 6, T0 + 7)
    docs.addEvent("connected to slave1", T0 + 5)

    compile_out = "".join("gcc -c src/mod%02d.c -o build/mod%02d.o\n" % (i, i) for i in range(40))
    # runtests #0: ASCII text with " ' < & -- renders differ only in HTML escaping
    build(rt, T0 + 100, SourceStamp("trunk", "100", changes=[c1]), "change by alice", [
        dict(name="checkout", logs=[("stdio", [header("svn up -r 100"), (0, "At revision 100.\n")])]),
        dict(name="compile", logs=[("stdio", [header("make"), (0, compile_out)])]),
        dict(name="test", logs=[("stdio", [header("make test"),
                                           (0, "test_quotes ... expected \"a\" & 'b' <ok>\n"),
                                           (1, "warning: x < y && y > z\n"),
                                           (0, "Ran 12 tests: OK\n")])]),
    ])
    # runtests #1: a non-ASCII (UTF-8) log -- its plain text differs between releases; a long
    # log (over 10,000 bytes: several chunks, bz2); an HTML log kept inside the pickle
    long_out = "".join("test_case_%04d ... ok\n" % i for i in range(700))
    build(rt, T0 + 200, SourceStamp("trunk", "101", changes=[c2]), "change by Jos\u00e9", [
        dict(name="checkout", logs=[("stdio", [header("svn up -r 101"), (0, "At revision 101.\n")])]),
        dict(name="compile", logs=[("stdio", [header("make"),
                                              (0, u"compiling src/caf\u00e9.py \u2014 d\u00e9j\u00e0 vu\n")])]),
        dict(name="test", logs=[("stdio", [header("make test"), (0, long_out), (0, "Ran 700 tests: OK\n")])],
             html=("results.html", u'<table class="results"><tr><td>700 "passed"</td></tr></table>')),
    ])
    # runtests #2: a try build with a patch; fails
    build(rt, T0 + 300, SourceStamp("trunk", "101", patch=(1, "--- a/src/app.py\n+++ b/src/app.py\n")),
          "try build", [
              dict(name="checkout", logs=[("stdio", [header("svn up -r 101 && patch -p1"),
                                                     (0, "patching file src/app.py\n")])]),
              dict(name="test", logs=[("stdio", [header("make test"), (0, "Ran 12 tests\n"),
                                                 (1, "FAILED (failures=1)\n")])],
                   results=2),
          ], results=2)

    sphinx_out = "".join("reading sources... [%3d%%] page%02d\n" % (i * 100 // 39, i) for i in range(40))
    build(docs, T0 + 400, SourceStamp("trunk", "102", changes=[c3]), "change by bob", [
        dict(name="sphinx", logs=[("stdio", [header("make html"), (0, sphinx_out)])]),
        dict(name="upload", logs=[("stdio", [header("rsync"), (0, "sent 1234 bytes\n")])],
             url=("docs", "http://docs.example.org/tinybot/")),
    ])
    build(docs, T0 + 500, SourceStamp("trunk", "102"), "nightly", [
        dict(name="sphinx", logs=[("stdio", [header("make html"), (0, "build succeeded.\n")])]),
    ])
    # a crashed compression leaves a .bz2.tmp next to the plain log: readers must ignore it
    with open(os.path.join(OUT, "docs", "1-log-sphinx-stdio.bz2.tmp"), "wb") as f:
        f.write(b"BZh91AY&SY")

    master.shutdown()
    for dirpath, dirnames, filenames in sorted(os.walk(OUT)):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            print("%7d %s" % (os.path.getsize(path), os.path.relpath(path, os.path.dirname(OUT))))


if __name__ == "__main__":
    main()
