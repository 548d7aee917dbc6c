# The master: owns the builders and the change master; saves everything on shutdown and
# loads it back on start, re-attaching what the pickles deliberately leave out.
import os
import pickle

from twisted.persisted import styles

from tinybot.changes.base import ChangeMaster
from tinybot.status.builder import BuilderStatus

SNAPSHOT = "tinybot-shutdown.tap"


class TinyMaster(styles.Versioned):
    persistenceVersion = 2
    persistenceForgets = ('basedir', 'builders')  # re-attached by loadMaster

    def __init__(self, basedir, title):
        self.basedir = basedir
        self.title = title
        self.builderNames = []
        self.changeMaster = ChangeMaster()
        self.logCompressionLimit = 1024
        self.logCompressionMethods = {}
        self.changeHorizon = 50
        self.builders = {}

    def upgradeToVersion1(self):
        self.logCompressionMethods = {}

    def upgradeToVersion2(self):
        # 0.8 prunes old changes: keep a horizon proportional to the number of builders
        self.changeHorizon = self.defaultChangeHorizon()

    def defaultChangeHorizon(self):
        return 25 * max(1, len(self.builderNames))

    def addBuilder(self, name, category=None, compression="bz2"):
        builder = BuilderStatus(name, category)
        self.builderNames.append(name)
        self.logCompressionMethods[name] = compression
        os.makedirs(os.path.join(self.basedir, name))
        self.attachBuilder(name, builder)
        return builder

    def attachBuilder(self, name, builder):
        builder.basedir = os.path.join(self.basedir, name)
        builder.setLogCompressionLimit(self.logCompressionLimit)
        builder.setLogCompressionMethod(self.logCompressionMethods[name])
        builder.determineNextBuildNumber()
        self.builders[name] = builder

    def loadBuilders(self):
        self.builders = {}
        for name in self.builderNames:
            with open(os.path.join(self.basedir, name, "builder"), "rb") as f:
                builder = pickle.load(f)
            styles.doUpgrade()
            self.attachBuilder(name, builder)

    def shutdown(self):
        for name in self.builderNames:
            self.builders[name].saveYourself()
        with open(os.path.join(self.basedir, SNAPSHOT), "wb") as f:
            pickle.dump(self, f, 2)

    def describe(self):
        return "%s: %d builders, %d changes" % (self.title, len(self.builderNames),
                                               len(self.changeMaster.changes))


def loadMaster(basedir):
    """Start a master from its shutdown snapshot, as `tinybot start` does."""
    with open(os.path.join(basedir, SNAPSHOT), "rb") as f:
        master = pickle.load(f)
    styles.doUpgrade()
    master.basedir = basedir
    master.loadBuilders()
    return master
