#!/usr/bin/python3
"""Load oldbot's Python 2 snapshots with a Python 3 release for real, and say what happened.

    /usr/bin/python3 replay.py 2.0 ASCII     # pickle's default
    /usr/bin/python3 replay.py 2.0 latin1    # the one that loads cleanly
    /usr/bin/python3 replay.py 2.0 bytes

Each pickle is loaded on its own with `encoding=` as given; then each Versioned object is
upgraded on its own (Twisted's doUpgrade() would stop at the first exception), recording
Twisted's log. Output is deterministic (no ids, no absolute paths).
"""
import os
import pickle
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RELEASE, ENCODING = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(HERE, "releases", RELEASE))

from twisted.persisted import styles  # noqa: E402
from twisted.python import log  # noqa: E402

messages = []
log.addObserver(lambda ev: messages.append(" ".join(str(m) for m in ev.get("message", ()))))


def say(where, what):
    print("[%s] %s" % (where, re.sub(r" @ \d+\)", ")", what)))


def main():
    loaded = {}
    for name in ("oldbot.tap", "changes.pck"):
        with open(os.path.join(HERE, "basedir", name), "rb") as f:
            try:
                obj = pickle.load(f, encoding=ENCODING)
            except Exception as e:
                say(name, "load-exception: %s: %s" % (type(e).__name__, e))
                styles.versionedsToUpgrade.clear()
                continue
        say(name, "loaded %s" % type(obj).__name__)
        loaded[name] = obj
        for v in list(styles.versionedsToUpgrade.values()):
            keys = sorted(repr(k) for k in v.__dict__ if isinstance(k, bytes))
            del messages[:]
            try:
                styles.requireUpgrade(v)
                outcome = "upgrade done"
            except Exception as e:
                outcome = "upgrade-exception: %s: %s" % (type(e).__name__, e)
            for m in messages:
                say(name, "%s: twisted: %s" % (type(v).__name__, m))
            say(name, "%s: %s" % (type(v).__name__, outcome))
            vkeys = [k for k in keys if k.endswith(".persistenceVersion'")]
            if vkeys:
                say(name, "  bytes version keys (not seen by Twisted): %s" % ", ".join(vkeys))
            if len(keys) > len(vkeys):
                say(name, "  bytes attribute names: %d" % (len(keys) - len(vkeys)))
        styles.versionedsToUpgrade.clear()
        styles.upgraded.clear()
    if len(loaded) < 2 or ENCODING == "bytes":
        return
    # re-attach as loadMaster() does, then call the render methods
    master = loaded["oldbot.tap"]
    master.changeMaster = loaded["changes.pck"]
    master.basedir = "basedir"
    for b in master.builders:
        b.basedir = os.path.join("basedir", b.name)
    say("render", "Master.describe: " + master.describe())
    for b in master.builders:
        for line in b.describe().splitlines():
            say("render", "Builder.describe: " + line)
    for c in master.changeMaster.changes:
        say("render", "Change.asText: " + c.asText())

main()
