# What a build was built from: a branch, a revision, an optional patch, the changes.
from twisted.persisted import styles


class SourceStamp(styles.Versioned):
    persistenceVersion = 2

    def __init__(self, branch=None, revision=None, patch=None, changes=()):
        self.branch = branch
        self.revision = revision
        self.patch = patch
        self.changes = tuple(changes)

    def upgradeToVersion1(self):
        # version 0 kept the changes in a list
        self.changes = tuple(self.changes)

    def upgradeToVersion2(self):
        # version 2 added try-patches; older stamps never had one
        self.patch = None

    def describe(self):
        text = "%s@%s" % (self.branch or "trunk", self.revision or "HEAD")
        if self.patch is not None:
            text += " (+patch level %d)" % self.patch[0]
        if self.changes:
            text += " [%s]" % ", ".join(str(c.number) for c in self.changes)
        return text
