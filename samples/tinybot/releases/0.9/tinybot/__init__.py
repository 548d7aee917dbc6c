# tinybot: a tiny Buildbot-like CI master, for rehearsing upgrades of pickled state.
version = "0.9"
