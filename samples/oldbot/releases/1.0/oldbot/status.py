# Builders and their results, saved in the master's shutdown snapshot (pickle protocol 2).
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
        return "#%d by %s: %s" % (self.number, self.who, " ".join(self.text))


class Builder(styles.Versioned):
    persistenceVersion = 1
    persistenceForgets = ('basedir',)

    def __init__(self, name, basedir):
        self.name = name
        self.basedir = basedir
        self.builds = []
        self.logMode = 0644
        self.dirMode = 0777

    def upgradeToVersion1(self):
        self.logMode = 0644

    def makeDirs(self):
        try:
            os.makedirs(self.basedir, self.dirMode)
        except OSError, e:
            print "cannot create %s: %s" % (self.basedir, e)

    def addResult(self, who, text, when):
        result = BuildResult(len(self.builds), who, text, when)
        self.builds.append(result)
        return result

    def describe(self):
        lines = ["%s (logs %o)" % (self.name, self.logMode)]
        for b in self.builds:
            lines.append("  " + b.describe())
        return "\n".join(lines)
