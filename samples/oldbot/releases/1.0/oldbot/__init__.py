# oldbot 1.0: a small CI master of the Python 2 days (Python 2 only: do not run it on Python 3).
version = "1.0"
