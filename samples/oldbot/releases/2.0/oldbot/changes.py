# Changes heard from the version-control system, saved in changes.pck.
import pickle
import time

from twisted.persisted import styles


class Change:
    """One commit."""

    def __init__(self, who, files, comments, when):
        self.number = None
        self.who = who
        self.files = files
        self.comments = comments
        self.when = when

    def asText(self):
        return f"change #{self.number!r} by {self.who}: {self.comments} ({', '.join(self.files)})"

    def dump(self, out):
        print("%d %s %s" % (self.number, self.who, time.ctime(self.when)), file=out)


class ChangeMaster(styles.Versioned):
    persistenceVersion = 2

    def __init__(self):
        self.changes = []
        self.nextNumber = 1
        self.totalBytes = 0

    def upgradeToVersion1(self):
        self.nextNumber = len(self.changes) + 1

    def upgradeToVersion2(self):
        self.totalBytes = 0

    def addChange(self, change):
        change.number = self.nextNumber
        self.nextNumber += 1
        self.totalBytes += len(change.comments)
        self.changes.append(change)

    def saveTo(self, filename):
        with open(filename, "wb") as f:
            pickle.dump(self, f, 0)
