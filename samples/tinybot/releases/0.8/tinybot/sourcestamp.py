# SourceStamp moved to tinybot.changes.sourcestamp in 0.8; this name is kept so old pickles load.
from tinybot.changes.sourcestamp import SourceStamp  # noqa: F401
