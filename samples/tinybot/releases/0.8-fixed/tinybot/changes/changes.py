# The change classes moved to tinybot.changes.base in 0.8; this module is kept so old pickles load.
from tinybot.changes.base import Change, ChangeMaster  # noqa: F401
