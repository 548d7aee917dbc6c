"""Write oldbot's sample basedir with release 1.0 running on a real Python 2.7.

    PYENV_VERSION=2.7.18 python2.7 make_snapshot.py [--out=DIR]

Python 2.7 here has no Twisted, so generator-standin/ (a save-only stand-in for
twisted.persisted.styles, see its README) goes on sys.path after the release. Output is
deterministic (fixed timestamps, no randomness; PYTHONHASHSEED is pinned by re-executing).
Writes basedir/changes.pck (protocol 0: INST) and basedir/oldbot.tap (protocol 2: OBJ).
"""
import os
import shutil
import sys

if os.environ.get("PYTHONHASHSEED") != "0":  # dict order must not depend on a random seed
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "basedir")
for a in sys.argv[1:]:
    if a.startswith("--out="):  # used by verify.py to check that a re-run gives the same bytes
        OUT = os.path.abspath(a[len("--out="):])
sys.path.insert(0, os.path.join(HERE, "generator-standin"))
sys.path.insert(0, os.path.join(HERE, "releases", "1.0"))

assert sys.version_info[0] == 2, "release 1.0 is Python 2 code: run with python2.7"

import oldbot  # noqa: E402
from oldbot.master import Master  # noqa: E402
from oldbot.changes import Change  # noqa: E402

T0 = 1104537600  # 2005-01-01T00:00:00Z


def main():
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    master = Master(OUT, "oldbot demo")
    cm = master.changeMaster
    # Python 2 str values with non-ASCII bytes: a latin-1 name, a UTF-8 comment
    cm.addChange(Change("Jos\xe9 Garc\xeda", ["src/caf\xe9.c"], "fix caf\xc3\xa9 handling", T0 + 10))
    cm.addChange(Change("alice", ["README"], "document the 'quick' mode", T0 + 20))
    # a Python 2 unicode value (UNICODE / BINUNICODE): loads as str whatever the encoding
    cm.addChange(Change(u"Zo\xeb", ["docs/index.txt"], u"typo \u2713", T0 + 30))
    full = master.addBuilder("full")
    full.addResult("Jos\xe9 Garc\xeda", ["build", "successful"], T0 + 100)
    full.addResult("alice", ["build", "failed"], T0 + 200)
    quick = master.addBuilder("quick")
    # over 255 bytes: a BINSTRING (not SHORT_BINSTRING) in protocol 2, with latin-1 bytes
    quick.addResult("alice", ["build", "successful", "notes: " + "d\xe9j\xe0 vu, " * 30], T0 + 300)
    master.shutdown()
    for name in sorted(os.listdir(OUT)):
        print "%6d %s" % (os.path.getsize(os.path.join(OUT, name)), os.path.join(OUT, name))


main()
