# The change master (0.8: this module was tinybot.changes.changes before).
from twisted.persisted import styles


class Change:
    """One commit. Plain object (not Versioned): its attributes never changed."""

    def __init__(self, who, files, comments, revision=None, when=None, branch=None):
        self.number = None
        self.who = who
        self.files = list(files)
        self.comments = comments
        self.revision = revision
        self.when = when
        self.branch = branch

    def asText(self):
        return "#%d %s by %s on %s at %s: %s (%s)" % (
            self.number, self.revision, self.who, self.branch, self.when, self.comments,
            ", ".join(self.files))


class ChangeMaster(styles.Versioned):
    persistenceVersion = 1

    def __init__(self):
        self.changes = []
        self.nextNumber = 1

    def upgradeToVersion1(self):
        # pre-0.5 masters numbered changes from 0
        self.nextNumber = len(self.changes) + 1

    def addChange(self, change):
        change.number = self.nextNumber
        self.nextNumber += 1
        self.changes.append(change)
        return change

    def getChange(self, number):
        for c in self.changes:
            if c.number == number:
                return c
        return None


# Keep the old module path: pickles and the saved version key
# ("tinybot.changes.changes.ChangeMaster.persistenceVersion") name it.
Change.__module__ = "tinybot.changes.changes"
ChangeMaster.__module__ = "tinybot.changes.changes"
