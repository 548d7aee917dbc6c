# Changes heard from the version-control system, saved in changes.pck (pickle protocol 0).
import time

from twisted.persisted import styles


class Change:
    """One commit (an old-style class: pickles as INST / OBJ)."""

    def __init__(self, who, files, comments, when):
        self.number = None
        self.who = who
        self.files = files
        self.comments = comments
        self.when = when

    def asText(self):
        return "change #%s by %s: %s" % (`self.number`, self.who, self.comments)

    def dump(self):
        print "%d %s %s" % (self.number, self.who, time.ctime(self.when))


class ChangeMaster(styles.Versioned):
    persistenceVersion = 2

    def __init__(self):
        self.changes = []
        self.nextNumber = 1
        self.totalBytes = 0L

    def upgradeToVersion1(self):
        self.nextNumber = len(self.changes) + 1

    def upgradeToVersion2(self):
        self.totalBytes = 0L

    def addChange(self, change):
        change.number = self.nextNumber
        self.nextNumber += 1
        self.totalBytes += len(change.comments)
        self.changes.append(change)

    def saveTo(self, filename):
        import pickle
        f = open(filename, "wb")
        try:
            pickle.dump(self, f, 0)
        finally:
            f.close()
