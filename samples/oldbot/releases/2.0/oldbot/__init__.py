# oldbot 2.0: the Python 3 port of oldbot 1.0 (loads the snapshots 1.0 wrote on Python 2).
version = "2.0"
