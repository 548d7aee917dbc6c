# GENERATOR-ONLY STAND-IN for twisted.persisted.styles (save semantics of Versioned only).
# See ../../README.md. Not part of any oldbot release; never used to load or upgrade.
import copy
import inspect


class Versioned:  # old-style on Python 2, like the Twisted that old masters ran
    persistenceVersion = 0
    persistenceForgets = ()

    def __setstate__(self, state):
        self.__dict__ = state

    def __getstate__(self, dict=None):
        dct = copy.copy(dict or self.__dict__)
        # the classes of the MRO that are Versioned, bases first, then the class itself
        bases = [b for b in inspect.getmro(self.__class__)
                 if b is not self.__class__ and b is not Versioned and issubclass(b, Versioned)]
        bases.reverse()
        bases.append(self.__class__)
        for base in bases:
            if "persistenceForgets" in base.__dict__:
                for slot in base.persistenceForgets:
                    if slot in dct:
                        del dct[slot]
            if "persistenceVersion" in base.__dict__:
                dct["%s.%s.persistenceVersion" % (base.__module__, base.__name__)] = \
                    base.persistenceVersion
        return dct
