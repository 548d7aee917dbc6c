# Step logs (0.8: moved here from tinybot.status.builder; that module still exports the names).
import bz2
import gzip
import os

from twisted.persisted import styles

STDOUT, STDERR, HEADER = 0, 1, 2
CHANNEL_NAMES = {STDOUT: "stdout", STDERR: "stderr", HEADER: "header"}
CHUNK_SIZE = 10000


def html_escape(text):
    # 0.8 escapes as the templates do: numeric entities for both quotes
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


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
        return b"".join(t for c, t in self.getChunks((STDOUT, STDERR))).decode("utf-8", "replace")

    def getTextWithHeaders(self):
        return b"".join(t for c, t in self.getChunks()).decode("utf-8", "replace")

    def asHTML(self):
        spans = ['<span class="%s">%s</span>' % (CHANNEL_NAMES[c], html_escape(t.decode("utf-8", "replace")))
                 for c, t in self.getChunks()]
        title = '<h2 class="log">%s</h2>\n' % html_escape(self.name)
        return title + "<pre>" + "".join(spans) + "</pre>\n"


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


# Pickles name these classes under their old module; keeping __module__ there keeps the saved
# persistenceVersion keys ("tinybot.status.builder.LogFile.persistenceVersion") valid.
LogFile.__module__ = "tinybot.status.builder"
HTMLLogFile.__module__ = "tinybot.status.builder"
