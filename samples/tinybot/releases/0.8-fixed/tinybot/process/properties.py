# Build properties: name -> [value, source].
from twisted.persisted import styles


class Properties(styles.Versioned):
    # version 2: sources are capitalised ("build" -> "Build")
    # version 3: values are kept as [value, source] lists
    persistenceVersion = 3

    def __init__(self):
        self.properties = {}

    def upgradeToVersion1(self):
        # version 0 stored bare values
        for name in list(self.properties):
            self.properties[name] = (self.properties[name], "Unknown")

    def upgradeToVersion2(self):
        for name in list(self.properties):
            value, source = self.properties[name]
            self.properties[name] = (value, source.capitalize())

    def upgradeToVersion3(self):
        for name in list(self.properties):
            self.properties[name] = list(self.properties[name])

    def setProperty(self, name, value, source):
        self.properties[name] = [value, source.capitalize()]

    def getProperty(self, name, default=None):
        return self.properties.get(name, (default, None))[0]

    def asList(self):
        return [(k, self.properties[k][0], self.properties[k][1]) for k in sorted(self.properties)]
