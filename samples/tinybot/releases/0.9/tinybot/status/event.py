# Builder events (0.8: moved here from tinybot.status.builder).


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
