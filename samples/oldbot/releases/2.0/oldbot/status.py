# Builders and their results, saved in the master's shutdown snapshot.
import os

from twisted.persisted import styles


class BuildResult(styles.Versioned):
    persistenceVersion = 1

    def __init__(self, number, who, text, when):
        self.number = number
        self.who = who
        self.text = text
        self.when = when

    def upgradeToVersion1(self):
        self.text = list(self.text)

    def describe(self):
        return "#%d by %s at %d: %s" % (self.number, self.who, self.when, " ".join(self.text))


class Builder(styles.Versioned):
    persistenceVersion = 2
    persistenceForgets = ('basedir',)

    def __init__(self, name, basedir):
        self.name = name
        self.basedir = basedir
        self.builds = []
        self.logMode = 0o644
        self.dirMode = 0o777

    def upgradeToVersion1(self):
        self.logMode = 0o644

    def upgradeToVersion2(self):
        # the Python 3 port: a name saved by Python 2 may arrive as bytes
        if isinstance(self.name, bytes):
            self.name = self.name.decode("latin-1")

    def makeDirs(self):
        try:
            os.makedirs(self.basedir, self.dirMode)
        except OSError as e:
            print("cannot create %s: %s" % (self.basedir, e))

    def addResult(self, who, text, when):
        result = BuildResult(len(self.builds), who, text, when)
        self.builds.append(result)
        return result

    def describe(self):
        lines = ["%s (logs %o)" % (self.name, self.logMode)]
        for b in self.builds:
            lines.append("  " + b.describe())
        return "\n".join(lines)
