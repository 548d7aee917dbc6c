# tinybot 0.7 status objects, persisted the way old Buildbot did: one pickle per builder
# (`<builddir>/builder`) and one per build (`<builddir>/<number>`), logs in their own files.
import bz2
import gzip
import os
import pickle

from twisted.persisted import styles

from tinybot.process.properties import Properties

STDOUT, STDERR, HEADER = 0, 1, 2
CHANNEL_NAMES = {STDOUT: "stdout", STDERR: "stderr", HEADER: "header"}
CHUNK_SIZE = 10000


def html_escape(text):
    # 0.7 escaping: the named entity for quotes
    return (text.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def parse_netstrings(data):
    """Yield (channel, bytes) from old Buildbot's log format: b'%d:%d%s,' repeated."""
    pos = 0
    while pos < len(data):
        colon = data.index(b":", pos)
        length = int(data[pos:colon])
        body = data[colon + 1:colon + 1 + length]
        if data[colon + 1 + length:colon + 2 + length] != b",":
            raise ValueError("bad netstring at offset %d" % pos)
        yield int(body[:1]), body[1:]
        pos = colon + 2 + length


class Event:
    """Something that happened to a builder (it went offline, a slave connected)."""

    def __init__(self, text, started, finished=None):
        self.text = text
        self.started = started
        self.finished = finished

    def getText(self):
        return self.text

    def getTimes(self):
        return (self.started, self.finished)


class LogFile(styles.Versioned):
    """A step log. The pickle keeps metadata; the text lives in `<builddir>/<filename>[.bz2|.gz]`."""
    persistenceVersion = 1
    persistenceForgets = ('step',)  # re-attached by BuildStepStatus.__setstate__

    def __init__(self, step, name, logfilename):
        self.step = step
        self.name = name
        self.filename = logfilename
        self.length = 0
        self.finished = False

    def upgradeToVersion1(self):
        # version 0 logs were always finished when saved
        self.finished = True

    def getName(self):
        return self.name

    def isFinished(self):
        return self.finished

    def getFilename(self):
        return os.path.join(self.step.build.builder.basedir, self.filename)

    def addEntry(self, channel, text):
        if not isinstance(text, bytes):
            text = text.encode("utf-8")
        with open(self.getFilename(), "ab") as f:
            for start in range(0, len(text), CHUNK_SIZE):
                chunk = text[start:start + CHUNK_SIZE]
                f.write(b"%d:%d" % (len(chunk) + 1, channel) + chunk + b",")
        self.length += len(text)

    def addStdout(self, text):
        self.addEntry(STDOUT, text)

    def addStderr(self, text):
        self.addEntry(STDERR, text)

    def addHeader(self, text):
        self.addEntry(HEADER, text)

    def finish(self):
        self.finished = True
        method = self.step.build.builder.compressionFor(self.length)
        if method is None:
            return
        plain = self.getFilename()
        with open(plain, "rb") as f:
            data = f.read()
        if method == "bz2":
            with open(plain + ".bz2", "wb") as out:
                out.write(bz2.compress(data, 9))
        else:
            with open(plain + ".gz", "wb") as raw:
                # mtime=0 keeps the bytes reproducible
                z = gzip.GzipFile(os.path.basename(plain), "wb", 9, raw, mtime=0)
                z.write(data)
                z.close()
        os.remove(plain)

    def _readAll(self):
        # readers try .bz2, then .gz, then the plain file (a .bz2.tmp is a crashed compression)
        name = self.getFilename()
        if os.path.exists(name + ".bz2"):
            with open(name + ".bz2", "rb") as f:
                return bz2.decompress(f.read())
        if os.path.exists(name + ".gz"):
            with gzip.open(name + ".gz", "rb") as f:
                return f.read()
        with open(name, "rb") as f:
            return f.read()

    def getChunks(self, channels=None):
        return [(c, t) for c, t in parse_netstrings(self._readAll())
                if channels is None or c in channels]

    def getText(self):
        return b"".join(t for c, t in self.getChunks((STDOUT, STDERR))).decode("latin-1")

    def getTextWithHeaders(self):
        return b"".join(t for c, t in self.getChunks()).decode("latin-1")

    def asHTML(self):
        spans = ['<span class="%s">%s</span>' % (CHANNEL_NAMES[c], html_escape(t.decode("latin-1")))
                 for c, t in self.getChunks()]
        return "<pre>" + "".join(spans) + "</pre>\n"


class HTMLLogFile(LogFile):
    """A log whose HTML lives in the pickle: no file on disk."""

    def __init__(self, step, name, logfilename, html):
        LogFile.__init__(self, step, name, logfilename)
        self.html = html
        self.length = len(html)
        self.finished = True

    def getChunks(self, channels=None):
        return [(HEADER, self.html.encode("utf-8"))]

    def getText(self):
        return self.html

    def getTextWithHeaders(self):
        return self.html

    def asHTML(self):
        return self.html


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
        self.urls = {}
        self.watchers = []

    def upgradeToVersion1(self):
        # version 0 steps had no urls
        self.urls = {}

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

    def addURL(self, name, url):
        self.urls[name] = url

    def stepStarted(self, when):
        self.started = when

    def stepFinished(self, when, results, text):
        self.finished = when
        self.results = results
        self.text = list(text)

    def getLogs(self):
        return list(self.logs)

    def getTimes(self):
        return (self.started, self.finished)

    def getResults(self):
        return self.results

    def describe(self):
        links = "".join(" <%s>" % u for n, u in sorted(self.urls.items()))
        return "%s: %s%s" % (self.name, " ".join(self.text), links)


class BuildStatus(styles.Versioned):
    persistenceVersion = 3

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
        self.watchers = []

    def upgradeToVersion1(self):
        self.slavename = None

    def upgradeToVersion2(self):
        self.properties = Properties()

    def upgradeToVersion3(self):
        self.text = list(self.text)

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

    def getSummary(self):
        """The waterfall's text for this build (a render method)."""
        lines = ["%s #%d (%s) on %s: %s" % (self.builder.name, self.number, self.reason,
                                             self.slavename, " ".join(self.text)),
                 "  source: %s" % self.source.describe(),
                 "  started %s, finished %s, results %s" % (self.started, self.finished,
                                                            self.results)]
        for name, value, source in self.properties.asList():
            lines.append("  property %s=%r (%s)" % (name, value, source))
        for step in self.steps:
            lines.append("  " + step.describe())
        return "\n".join(lines) + "\n"

    def saveYourself(self):
        filename = os.path.join(self.builder.basedir, "%d" % self.number)
        with open(filename, "wb") as f:
            pickle.dump(self, f, 2)


class BuilderStatus(styles.Versioned):
    persistenceVersion = 1

    def __init__(self, name, category=None):
        self.name = name
        self.category = category
        self.events = []
        self.basedir = None
        self.nextBuildNumber = 0
        self.logCompressionLimit = False
        self.logCompressionMethod = "bz2"
        self.buildCache = {}
        self.currentBuilds = []

    def upgradeToVersion1(self):
        self.category = None

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
        e = Event(text, started, finished)
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
        return ["%s %s" % (e.started, e.getText()) for e in self.events]

    def describe(self):
        return "%s (%s): next build %d" % (self.name, self.category, self.nextBuildNumber)

    def saveYourself(self):
        filename = os.path.join(self.basedir, "builder")
        with open(filename, "wb") as f:
            pickle.dump(self, f, 2)
