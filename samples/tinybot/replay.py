#!/usr/bin/python3
"""Run a tinybot release for real on a sample basedir, and say what happened.

    /usr/bin/python3 replay.py 0.8                 # basedir/ (written by 0.7) under release 0.8
    /usr/bin/python3 replay.py 0.8 basedir-0.9     # basedir-0.9/ under release 0.8
    /usr/bin/python3 replay.py 0.8 basedir --renders OUTDIR   # also write every render to OUTDIR
    /usr/bin/python3 replay.py 0.8 basedir --release-path=packages/tinybot-0.8-py2.py3-none-any.whl

This is the ground truth behind README.md. It does what tinybot's own loadMaster() does (load
each pickle, styles.doUpgrade(), re-attach), but tolerantly, so one failure does not hide the
rest: a class that does not resolve becomes a placeholder (reported), and each object's upgrade
runs on its own (Twisted's doUpgrade() would stop at the first exception). Then it calls the
render methods: BuildStatus.getSummary(), and each log's getText(), getTextWithHeaders(),
asHTML(). Output is deterministic (no ids, no absolute paths), one event per line.
"""
from __future__ import print_function

import io
import os
import pickle
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RELEASE = sys.argv[1]
BASEDIR = os.path.join(HERE, sys.argv[2] if len(sys.argv) > 2 and not sys.argv[2].startswith("--")
                       else "basedir")
RENDERS = sys.argv[sys.argv.index("--renders") + 1] if "--renders" in sys.argv else None
# --release-path=X.whl: import the release from a packaged wheel instead of its source tree
RELEASE_PATH = os.path.join(HERE, "releases", RELEASE)
for a in sys.argv:
    if a.startswith("--release-path="):
        RELEASE_PATH = os.path.abspath(a[len("--release-path="):])
sys.path.insert(0, RELEASE_PATH)

from twisted.persisted import styles  # noqa: E402
from twisted.python import log  # noqa: E402

import tinybot  # noqa: E402
from tinybot import master as mastermod  # noqa: E402

assert tinybot.version == RELEASE, (tinybot.__file__, RELEASE)

messages = []
log.addObserver(lambda ev: messages.append(" ".join(str(m) for m in ev.get("message", ()))))


def clean(text):
    text = text.replace(RELEASE_PATH + os.sep, "")
    return re.sub(r" @ \d+\)", ")", text)


def say(where, what):
    print("[%s] %s" % (where, clean(what)))


class Placeholder(object):
    """Stands in for a class that does not resolve; keeps whatever state it is given."""

    def __setstate__(self, state):
        self.__dict__.update(state if isinstance(state, dict) else {"<state>": state})


class TolerantUnpickler(pickle.Unpickler):
    def __init__(self, f, where):
        pickle.Unpickler.__init__(self, f)
        self.where = where

    def find_class(self, module, name):
        try:
            return pickle.Unpickler.find_class(self, module, name)
        except Exception as e:  # ModuleNotFoundError, AttributeError
            say(self.where, "load: %s.%s does not resolve: %s: %s" % (module, name, type(e).__name__, e))
            return type(name, (Placeholder,), {"__module__": "placeholder." + module})


def load(relpath):
    with open(os.path.join(BASEDIR, relpath), "rb") as f:
        try:
            obj = TolerantUnpickler(f, relpath).load()
        except Exception as e:
            say(relpath, "load-exception: %s: %s" % (type(e).__name__, e))
            return None
    upgrade(relpath)
    return obj


def upgrade(where):
    """styles.doUpgrade(), one object at a time, recording Twisted's log and each exception."""
    pending = list(styles.versionedsToUpgrade.values())
    for obj in pending:
        del messages[:]
        try:
            styles.requireUpgrade(obj)
        except Exception as e:
            for m in messages:
                say(where, "twisted: " + m)
            say(where, "upgrade-exception in %s: %s: %s" % (type(obj).__name__, type(e).__name__, e))
            leftover = sorted(k for k in obj.__dict__ if k.endswith(".persistenceVersion"))
            say(where, "  version keys left on the object: %s" % (leftover or "none"))
            continue
        for m in messages:
            say(where, "twisted: " + m)
        orphans = sorted(k for k in obj.__dict__ if k.endswith(".persistenceVersion"))
        if orphans:
            say(where, "orphaned version keys on %s: %s" % (type(obj).__name__, ", ".join(orphans)))
    styles.versionedsToUpgrade.clear()
    styles.upgraded.clear()


def render(where, label, fn):
    try:
        out = fn()
    except Exception as e:
        say(where, "render %s: %s: %s" % (label, type(e).__name__, e))
        return None
    if RENDERS:
        name = os.path.join(RENDERS, where.replace("/", "_") + "." + label)
        with io.open(name, "w", encoding="utf-8") as f:
            f.write(out)
    return out


def main():
    if RENDERS and not os.path.isdir(RENDERS):
        os.makedirs(RENDERS)
    master = load(mastermod.SNAPSHOT)
    if master is None:
        return
    master.basedir = BASEDIR
    master.builders = {}
    for name in master.builderNames:
        builder = load(os.path.join(name, "builder"))
        if builder is None:
            continue
        try:
            master.attachBuilder(name, builder)
        except Exception as e:
            say(name, "attach: %s: %s" % (type(e).__name__, e))
            continue
        for number in range(builder.nextBuildNumber):
            where = "%s/%d" % (name, number)
            build = load(where)
            if build is None:
                continue
            build.builder = builder  # what BuilderStatus.getBuild does
            render(where, "summary", build.getSummary)
            if hasattr(build, "source") and getattr(build.source, "patch", None) is None \
                    and build.reason == "try build":
                say(where, "source.patch is None after the upgrade (the snapshot had a patch)")
            for step in build.steps:
                for loog in step.logs:
                    w = "%s/%s" % (name, loog.filename)
                    for label in ("getText", "getTextWithHeaders", "asHTML"):
                        render(w, label, getattr(loog, label))
    print("done: %s under release %s" % (os.path.basename(BASEDIR), RELEASE))


if __name__ == "__main__":
    main()
