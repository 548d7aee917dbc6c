# The master: its shutdown snapshot (oldbot.tap) holds the builders; changes.pck the changes.
import os
import pickle

from twisted.persisted import styles

from oldbot.changes import ChangeMaster
from oldbot.status import Builder


class Master(styles.Versioned):
    persistenceVersion = 1
    persistenceForgets = ('basedir', 'changeMaster')

    def __init__(self, basedir, title):
        self.basedir = basedir
        self.title = title
        self.builders = []
        self.changeMaster = ChangeMaster()

    def upgradeToVersion1(self):
        self.title = str(self.title)

    def addBuilder(self, name):
        b = Builder(name, os.path.join(self.basedir, name))
        self.builders.append(b)
        return b

    def shutdown(self):
        self.changeMaster.saveTo(os.path.join(self.basedir, "changes.pck"))
        with open(os.path.join(self.basedir, "oldbot.tap"), "wb") as f:
            pickle.dump(self, f, 2)

    def describe(self):
        return "%s: %d builders, %d changes" % (self.title, len(self.builders),
                                                len(self.changeMaster.changes))


def loadMaster(basedir, **loadArgs):
    """Start from the shutdown snapshot. The port forgot Python 2's str: with no `encoding=`
    pickle uses 'ASCII', and the 1.0 snapshots hold non-ASCII bytes (see README)."""
    with open(os.path.join(basedir, "oldbot.tap"), "rb") as f:
        master = pickle.load(f, **loadArgs)
    with open(os.path.join(basedir, "changes.pck"), "rb") as f:
        master.changeMaster = pickle.load(f, **loadArgs)
    styles.doUpgrade()
    master.basedir = basedir
    for b in master.builders:
        b.basedir = os.path.join(basedir, b.name)
    return master
