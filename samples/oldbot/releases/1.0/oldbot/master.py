# The master: its shutdown snapshot (oldbot.tap) holds the builders and the change master's size.
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
        f = open(os.path.join(self.basedir, "oldbot.tap"), "wb")
        pickle.dump(self, f, 2)
        f.close()
        print >>open(os.devnull, "w"), "saved", self.title

    def describe(self):
        return "%s: %d builders" % (self.title, len(self.builders))
