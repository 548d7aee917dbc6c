# tinybot 0.8 status objects, persisted the way old Buildbot did: one pickle per builder
# (`<builddir>/builder`) and one per build (`<builddir>/<number>`), logs in their own files.
import os
import pickle

from twisted.persisted import styles

from tinybot.process.properties import Properties
from tinybot.status import event
# LogFile and HTMLLogFile moved to tinybot.status.logfile in 0.8; old pickles still name them here
from tinybot.status.logfile import HTMLLogFile, LogFile  # noqa: F401


class BuildStepStatus(styles.Versioned):
    persistenceVersion = 1

    def __init__(self, build, name):
        self.build = build
        self.name = name
        self.text = []
        self.results = None
        self.started = None
        self.finished = None
        self.logs = []
        self.hidden = False  # new in 0.8 (no upgrade method, no version bump)
        self.watchers = []

    def upgradeToVersion1(self):
        # version 0 steps had no logs list
        if not hasattr(self, "logs"):
            self.logs = []

    def __getstate__(self):
        d = styles.Versioned.__getstate__(self)
        del d['build']  # filled in by BuildStatus.__setstate__
        del d['watchers']
        return d

    def __setstate__(self, d):
        styles.Versioned.__setstate__(self, d)
        for loog in self.logs:
            loog.step = self
        self.watchers = []

    def getBuild(self):
        return self.build

    def addLog(self, name):
        filename = "%d-log-%s-%s" % (self.build.number, self.name, name)
        loog = LogFile(self, name, filename.replace(" ", "_"))
        self.logs.append(loog)
        return loog

    def addHTMLLog(self, name, html):
        filename = "%d-log-%s-%s" % (self.build.number, self.name, name)
        loog = HTMLLogFile(self, name, filename.replace(" ", "_"), html)
        self.logs.append(loog)
        return loog

    def stepStarted(self, when):
        self.started = when

    def stepFinished(self, when, results, text):
        self.finished = when
        self.results = results
        self.text = list(text)

    def getLogs(self):
        return list(self.logs)

    def isHidden(self):
        return self.hidden

    def asDict(self):
        return {"name": self.name, "text": list(self.text), "results": self.results,
                "started": self.started, "finished": self.finished,
                "logs": [loog.name for loog in self.logs],
                "hidden": getattr(self, "hidden", False)}

    def describe(self):
        return "%s: %s (%s..%s)" % (self.name, " ".join(self.text), self.started, self.finished)


class BuildStatus(styles.Versioned):
    persistenceVersion = 4

    def __init__(self, builder, number):
        self.builder = builder
        self.number = number
        self.source = None
        self.reason = None
        self.slavename = None
        self.started = None
        self.finished = None
        self.results = None
        self.text = []
        self.steps = []
        self.properties = Properties()
        self.testResults = {}
        self.watchers = []

    def upgradeToVersion1(self):
        self.slavename = None

    def upgradeToVersion2(self):
        self.properties = Properties()

    def upgradeToVersion3(self):
        self.text = list(self.text)

    def upgradeToVersion4(self):
        # new in 0.8: test results per test name
        self.testResults = {}

    def __getstate__(self):
        d = styles.Versioned.__getstate__(self)
        del d['builder']  # filled in by BuilderStatus.getBuild
        del d['watchers']
        return d

    def __setstate__(self, d):
        styles.Versioned.__setstate__(self, d)
        for step in self.steps:
            step.build = self
        self.watchers = []

    def getBuilder(self):
        return self.builder

    def getNumber(self):
        return self.number

    def addStep(self, name):
        step = BuildStepStatus(self, name)
        self.steps.append(step)
        return step

    def buildStarted(self, when, source, reason, slavename):
        self.started = when
        self.source = source
        self.reason = reason
        self.slavename = slavename

    def buildFinished(self, when, results, text):
        self.finished = when
        self.results = results
        self.text = list(text)

    def addTestResult(self, name, result):
        self.testResults[name] = result

    def getTestResults(self):
        return self.testResults

    def getSummary(self):
        """The waterfall's text for this build (a render method)."""
        lines = ["%s #%d (%s) on %s: %s" % (self.builder.name, self.number, self.reason,
                                             self.slavename, " ".join(self.text)),
                 "  source: %s" % self.source.describe(),
                 "  started %s, finished %s, results %s" % (self.started, self.finished,
                                                            self.results)]
        for name, value, source in self.properties.asList():
            lines.append("  property %s=%r (%s)" % (name, value, source))
        if self.testResults:
            lines.append("  %d test results" % len(self.testResults))
        for step in self.steps:
            if step.isHidden():
                continue
            lines.append("  " + step.describe())
        return "\n".join(lines) + "\n"

    def saveYourself(self):
        filename = os.path.join(self.builder.basedir, "%d" % self.number)
        with open(filename, "wb") as f:
            pickle.dump(self, f, 2)


class BuilderStatus(styles.Versioned):
    persistenceVersion = 2

    def __init__(self, name, category=None):
        self.name = name
        self.category = category
        self.description = ""
        self.events = []
        self.basedir = None
        self.nextBuildNumber = 0
        self.logCompressionLimit = False
        self.logCompressionMethod = "bz2"
        self.buildCache = {}
        self.currentBuilds = []

    def upgradeToVersion1(self):
        self.category = None

    def upgradeToVersion2(self):
        # 0.8 shows a description on the waterfall; old builders get their name
        if not self.description:
            self.description = self.name

    def __getstate__(self):
        d = styles.Versioned.__getstate__(self)
        # transient or configured again by the master after loading
        for name in ('basedir', 'nextBuildNumber', 'logCompressionLimit',
                     'logCompressionMethod', 'buildCache', 'currentBuilds'):
            del d[name]
        return d

    def __setstate__(self, d):
        styles.Versioned.__setstate__(self, d)
        self.buildCache = {}
        self.currentBuilds = []

    def setLogCompressionLimit(self, limit):
        self.logCompressionLimit = limit

    def setLogCompressionMethod(self, method):
        assert method in ("bz2", "gz")
        self.logCompressionMethod = method

    def compressionFor(self, size):
        if self.logCompressionLimit is not False and size > self.logCompressionLimit:
            return self.logCompressionMethod
        return None

    def determineNextBuildNumber(self):
        numbers = [int(n) for n in os.listdir(self.basedir) if n.isdigit()]
        self.nextBuildNumber = max(numbers) + 1 if numbers else 0

    def addEvent(self, text, started, finished=None):
        e = event.Event(text, started, finished)
        self.events.append(e)
        return e

    def newBuild(self):
        build = BuildStatus(self, self.nextBuildNumber)
        self.nextBuildNumber += 1
        self.currentBuilds.append(build)
        return build

    def buildFinished(self, build):
        self.currentBuilds.remove(build)
        build.saveYourself()
        self.buildCache[build.number] = build

    def getBuild(self, number):
        if number in self.buildCache:
            return self.buildCache[number]
        filename = os.path.join(self.basedir, "%d" % number)
        with open(filename, "rb") as f:
            build = pickle.load(f)
        styles.doUpgrade()
        build.builder = self
        self.buildCache[number] = build
        return build

    def getEventTexts(self):
        return ["%s-%s %s" % (e.getTimes() + (e.getText(),)) for e in self.events]

    def describe(self):
        return "%s (%s): next build %d" % (self.name, self.category, self.nextBuildNumber)

    def saveYourself(self):
        filename = os.path.join(self.basedir, "builder")
        with open(filename, "wb") as f:
            pickle.dump(self, f, 2)
