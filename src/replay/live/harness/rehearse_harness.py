# -*- coding: utf-8 -*-
# rehearse live-replay harness: loads ONE pickle snapshot (a copy, in a temp dir) with a release's
# classes, runs Twisted's Versioned upgrade per object, probes the result, renders logs, and
# reports everything as JSON lines on the original stdout.
#
# Runs on Python 2.7 and 3.6+, stdlib only, one file. It is spawned by rehearse's TypeScript side
# (src/replay/live/run.ts) with a clean environment, cwd/HOME in the temp dir, -I (or -E -s) -B,
# inside `unshare -rn` where available. This file adds the in-process layers: rlimits, neutered
# process-spawning functions, an audit hook (3.8+), and an allowlist in the unpickler's class lookup.
#
# Usage: python rehearse_harness.py CONFIG.json
from __future__ import print_function

import sys
import os

# The event stream is the real stdout; anything the release prints goes to stderr instead, so it
# can never corrupt the stream.
_EVENT_OUT = os.fdopen(os.dup(1), 'w')
os.dup2(2, 1)  # a print, or a C library writing to fd 1, lands on stderr
sys.stdout = sys.stderr

import json
import traceback
import fnmatch
import re

PY2 = sys.version_info[0] == 2
if PY2:
    text_type = unicode  # noqa: F821 (Python 2 only)
    bytes_type = str
    string_types = (str, unicode)  # noqa: F821
    integer_types = (int, long)  # noqa: F821
else:
    text_type = str
    bytes_type = bytes
    string_types = (str,)
    integer_types = (int,)


def to_text(value):
    """Any value as JSON-safe text (Python 2 byte strings may hold any bytes)."""
    if isinstance(value, text_type):
        return value
    if isinstance(value, (bytes_type, bytearray)):
        try:
            return bytes(value).decode('utf-8')
        except UnicodeDecodeError:
            return bytes(value).decode('latin-1')
    try:
        return to_text(str(value)) if PY2 else str(value)
    except Exception:  # a broken __str__ in the release must not kill the report
        return '<unprintable %s>' % type(value).__name__


import threading

_emit_lock = threading.Lock()


def emit(event, **fields):
    fields['event'] = event
    line = json.dumps(fields, sort_keys=True) + '\n'
    with _emit_lock:
        _EVENT_OUT.write(line)


def flush_events():
    with _emit_lock:
        _EVENT_OUT.flush()


def _flusher():
    # Events are flushed every 0.1 s rather than one by one (50k objects: 250k events), so a
    # process killed mid-upgrade has still told which object it was working on.
    import time
    while True:
        time.sleep(0.1)
        try:
            flush_events()
        except Exception:
            return


_flush_thread = threading.Thread(target=_flusher)
_flush_thread.daemon = True
_flush_thread.start()

_tb_cache = {}


def format_exc_info(info):
    """A traceback as data. The same failure in thousands of objects is formatted once: keyed by
    the exception type and the frames' code locations."""
    etype, value, tb = info
    sig = [getattr(etype, '__name__', str(etype))]
    t = tb
    while t is not None:
        sig.append((t.tb_frame.f_code.co_filename, t.tb_lineno))
        t = t.tb_next
    sig = tuple(sig)
    cached = _tb_cache.get(sig)
    message = to_text(value)
    if cached is not None and cached['message'] == message:
        return cached
    result = _format_exc_info(info)
    if len(_tb_cache) < 10000:
        _tb_cache[sig] = result
    return result


def _format_exc_info(info):
    etype, value, tb = info
    frames = []
    for fr in traceback.extract_tb(tb):
        filename, lineno, name, line = fr[0], fr[1], fr[2], fr[3]
        frames.append({'file': to_text(filename), 'line': lineno, 'name': to_text(name), 'text': to_text(line or '')})
    return {
        'type': to_text(getattr(etype, '__name__', etype)),
        'message': to_text(value),
        'traceback': to_text(''.join(traceback.format_exception(etype, value, tb))),
        'frames': frames,
    }


class SandboxRefusal(RuntimeError):
    """Raised when the sandbox refuses an operation (socket, process, write outside the temp dir)."""


def refuse(what, detail=''):
    emit('refused', what=what, detail=to_text(detail))
    raise SandboxRefusal('rehearse sandbox refused %s %s' % (what, to_text(detail)))


# ---------------------------------------------------------------------------------------------
# Sandbox layers inside the process
# ---------------------------------------------------------------------------------------------

def set_rlimits(limits):
    try:
        import resource
    except ImportError:
        return 'no resource module'
    done = []
    for name, key in (('RLIMIT_CPU', 'cpuSeconds'), ('RLIMIT_AS', 'addressSpaceBytes'), ('RLIMIT_FSIZE', 'fileSizeBytes')):
        value = limits.get(key)
        if not value:
            continue
        res = getattr(resource, name, None)
        if res is None:
            continue
        # CPU: the soft limit sends SIGXCPU (reported as such), the hard one a second later SIGKILL.
        hard = int(value) + 1 if name == 'RLIMIT_CPU' else int(value)
        try:
            resource.setrlimit(res, (int(value), hard))
            done.append(name)
        except (ValueError, OSError) as e:
            return '%s: %s' % (name, e)
    return done


def neuter_process_spawning():
    """Replace every way of starting a process with a refusing function.

    Measured on 3.11: _posixsubprocess.fork_exec raises no audit event and really starts a
    process, so the audit hook alone is not enough.
    """
    def refuser(name):
        def refused(*args, **kwargs):
            refuse('process', name)
        return refused
    names = ['fork', 'forkpty', 'system', 'popen', 'popen2', 'popen3', 'popen4', 'execv', 'execve', 'execl',
             'execle', 'execlp', 'execlpe', 'execvp', 'execvpe', 'spawnv', 'spawnve', 'spawnvp', 'spawnvpe',
             'spawnl', 'spawnle', 'spawnlp', 'spawnlpe', 'posix_spawn', 'posix_spawnp', 'startfile', 'kill', 'killpg']
    for n in names:
        if hasattr(os, n):
            setattr(os, n, refuser('os.' + n))
    try:
        import posix
        for n in names:
            if hasattr(posix, n):
                setattr(posix, n, refuser('posix.' + n))
    except ImportError:
        pass
    try:
        import _posixsubprocess
        _posixsubprocess.fork_exec = refuser('_posixsubprocess.fork_exec')
    except ImportError:
        pass
    try:
        import pty
        pty.fork = refuser('pty.fork')
    except ImportError:
        pass


def neuter_sockets():
    """Python < 3.8 has no audit hook: refuse socket creation by replacing the socket types."""
    import socket
    import _socket

    def refused_socket(*args, **kwargs):
        refuse('network', 'socket()')
    for mod in (socket, _socket):
        for n in ('socket', 'SocketType', 'create_connection', 'socketpair', 'fromfd', '_socketobject'):
            if hasattr(mod, n):
                try:
                    setattr(mod, n, refused_socket)
                except (AttributeError, TypeError):
                    pass


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | getattr(os, 'O_CREAT', 0) | getattr(os, 'O_APPEND', 0) | getattr(os, 'O_TRUNC', 0)


def install_audit_hook(tempdir):
    if not hasattr(sys, 'addaudithook'):
        return 'not available on Python %d.%d (needs 3.8+)' % sys.version_info[:2]
    root = os.path.realpath(tempdir)

    def inside(path):
        if isinstance(path, integer_types):
            return True
        try:
            p = os.path.realpath(os.fsdecode(path))
        except Exception:
            return False
        return p == root or p.startswith(root + os.sep)

    def hook(event, args):
        if event == 'open':
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in 'wax+')) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS)
            if writing and path is not None and not inside(path):
                refuse('write', path)
        elif event in ('socket.__new__', 'socket.connect', 'socket.bind', 'socket.sendto', 'socket.getaddrinfo',
                       'socket.gethostbyname', 'socket.gethostbyaddr', 'socket.getnameinfo'):
            refuse('network', event)
        elif event in ('subprocess.Popen', 'os.system', 'os.exec', 'os.fork', 'os.forkpty', 'os.posix_spawn',
                       'os.spawn', 'os.startfile', 'pty.spawn', 'os.kill', 'os.killpg'):
            refuse('process', event)
        elif event.startswith('ctypes.'):
            refuse('ctypes', event)
        elif event in ('os.remove', 'os.rmdir', 'os.mkdir', 'os.chmod', 'os.chown', 'os.truncate', 'os.utime',
                       'os.link', 'os.symlink', 'shutil.rmtree', 'shutil.copyfile', 'shutil.move'):
            if not inside(args[0]):
                refuse('write', '%s %s' % (event, args[0]))
        elif event == 'os.rename' or event == 'os.replace':
            if not inside(args[0]) or not inside(args[1]):
                refuse('write', '%s %s' % (event, args[1]))
    sys.addaudithook(hook)
    return True


# ---------------------------------------------------------------------------------------------
# Tolerant, allowlisted loading
# ---------------------------------------------------------------------------------------------

# Harmless stdlib names a pickle may reference (Python 2 spellings too). Everything else outside
# the release's and the libs' packages is refused.
SAFE_GLOBALS = set([
    ('copy_reg', '_reconstructor'), ('copyreg', '_reconstructor'), ('copyreg', '__newobj__'),
    ('copyreg', '__newobj_ex__'), ('copy_reg', '__newobj__'),
    ('__builtin__', 'object'), ('builtins', 'object'), ('__builtin__', 'set'), ('builtins', 'set'),
    ('__builtin__', 'frozenset'), ('builtins', 'frozenset'), ('__builtin__', 'list'), ('builtins', 'list'),
    ('__builtin__', 'dict'), ('builtins', 'dict'), ('__builtin__', 'tuple'), ('builtins', 'tuple'),
    ('__builtin__', 'int'), ('builtins', 'int'), ('__builtin__', 'long'), ('__builtin__', 'float'),
    ('builtins', 'float'), ('__builtin__', 'complex'), ('builtins', 'complex'), ('__builtin__', 'str'),
    ('builtins', 'str'), ('__builtin__', 'unicode'), ('builtins', 'bytes'), ('__builtin__', 'bytearray'),
    ('builtins', 'bytearray'), ('__builtin__', 'bool'), ('builtins', 'bool'), ('__builtin__', 'slice'),
    ('builtins', 'slice'), ('builtins', 'range'), ('__builtin__', 'xrange'),
    ('_codecs', 'encode'), ('codecs', 'encode'),
    ('datetime', 'datetime'), ('datetime', 'date'), ('datetime', 'time'), ('datetime', 'timedelta'),
    ('datetime', 'timezone'), ('decimal', 'Decimal'), ('fractions', 'Fraction'),
    ('collections', 'OrderedDict'), ('collections', 'defaultdict'), ('collections', 'deque'),
    ('collections', 'Counter'), ('uuid', 'UUID'),
    ('twisted.persisted.styles', 'Ephemeral'), ('twisted.python.util', 'InsensitiveDict'),
])


class Placeholder(object):
    """Stands in for a class that does not resolve (or is refused): accepts anything, runs nothing."""
    _rehearse_placeholder = True

    def __new__(cls, *args, **kwargs):
        return object.__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        if isinstance(state, tuple) and len(state) == 2 and (state[0] is None or isinstance(state[0], dict)):
            for part in state:
                if isinstance(part, dict):
                    self.__dict__.update(part)
        elif isinstance(state, dict):
            self.__dict__.update(state)
        else:
            self.__dict__['_rehearse_state'] = state

    def append(self, item):
        self.__dict__.setdefault('_rehearse_items', []).append(item)

    def extend(self, items):
        for i in items:
            self.append(i)

    def __setitem__(self, key, value):
        self.__dict__.setdefault('_rehearse_items', []).append((key, value))


_placeholders = {}


def placeholder_for(module, name):
    key = (module, name)
    if key not in _placeholders:
        cls = type(str(name.split('.')[-1] or 'Missing'), (Placeholder,), {})
        cls.__module__ = str(module)
        cls._rehearse_key = key  # (module, name) exactly as the snapshot spells it
        _placeholders[key] = cls
    return _placeholders[key]


class Lookup(object):
    """The class lookup: allowlist, then import, with every outcome recorded once."""

    def __init__(self, allowed, trusted, scan_only):
        self.allowed = set(allowed)
        self.trusted = trusted
        self.scan_only = scan_only
        self.seen = {}  # (module, name) -> status
        self.ref_of = {}  # id(class) -> 'module.name' as the snapshot spells it
        self.refused = []
        self.failures = []
        self.patched = {}  # id(class) -> (class, had its own __setstate__, that one)
        self.setstate_errors = []  # (ref, obj, error)

    def is_allowed(self, module, name):
        if (module, name) in SAFE_GLOBALS:
            return True
        return module.split('.')[0] in self.allowed

    def __call__(self, module, name, resolve=None):
        """resolve: the Unpickler's own find_class (Python 3: applies the Python 2 name mapping,
        __builtin__ -> builtins and so on); None imports directly (Python 2)."""
        module = to_text(module)
        name = to_text(name)
        key = (module, name)
        if not self.is_allowed(module, name):
            if key not in self.seen:
                self.seen[key] = 'refused'
                self.refused.append(key)
                if self.scan_only:  # reported once, by the scan
                    emit('global', module=module, name=name, status='refused')
            if self.scan_only or not self.trusted:
                return placeholder_for(module, name)
        if self.scan_only:
            return placeholder_for(module, name)
        try:
            if resolve is None:
                __import__(module)
            else:
                obj = resolve()
        except AttributeError:
            self._record(key, 'missing-class', format_exc_info(sys.exc_info()))
            return placeholder_for(module, name)
        except Exception:
            info = format_exc_info(sys.exc_info())
            missing = info['type'] in ('ImportError', 'ModuleNotFoundError') and _names_module(info['message'], module)
            self._record(key, 'missing-module' if missing else 'import-exception', info)
            return placeholder_for(module, name)
        if resolve is None:
            obj = sys.modules[module]
            try:
                for part in name.split('.'):
                    obj = getattr(obj, part)
            except AttributeError:
                self._record(key, 'missing-class', None)
                return placeholder_for(module, name)
        if key not in self.seen:
            self.seen[key] = 'ok'
            emit('global', module=module, name=name, status='ok',
                 real=to_text('%s.%s' % (getattr(obj, '__module__', module), getattr(obj, '__name__', name))))
        self.ref_of.setdefault(id(obj), module + '.' + name)
        if module.split('.')[0] in self.allowed:
            obj = self.guarded(obj, module + '.' + name)
        return obj

    def guarded(self, cls, ref):
        """The class, with its __setstate__ isolated while loading: an exception is recorded, not
        fatal. The class itself gets a wrapping __setstate__ for the duration of the load
        (restore_classes() puts the original back), so instances keep their real class, and
        Python 2 old-style classes are covered too.
        """
        if id(cls) in self.patched or not hasattr(cls, '__dict__') or (isinstance(cls, type) and issubclass(cls, Placeholder)):
            return cls
        orig = getattr(cls, '__setstate__', None)
        if orig is None or getattr(orig, '_rehearse_wrapper', False) or getattr(getattr(orig, '__func__', None), '_rehearse_wrapper', False):
            return cls  # none, or inherited from a class already wrapped
        errors = self.setstate_errors
        ref_of = self.ref_of

        def __setstate__(inst, state):
            try:
                orig(inst, state)
            except Exception:
                errors.append((ref_of.get(id(class_of(inst)), ref), inst, format_exc_info(sys.exc_info())))
                if isinstance(state, dict) and not inst.__dict__:
                    inst.__dict__.update(state)
        __setstate__._rehearse_wrapper = True
        had_own = '__setstate__' in cls.__dict__
        own = cls.__dict__.get('__setstate__')
        try:
            setattr(cls, '__setstate__', __setstate__)
        except (TypeError, AttributeError):
            return cls  # a built-in or C type: left as it is
        self.patched[id(cls)] = (cls, had_own, own)
        return cls

    def restore_classes(self):
        for cls, had_own, own in self.patched.values():
            try:
                if had_own:
                    setattr(cls, '__setstate__', own)
                else:
                    delattr(cls, '__setstate__')
            except (TypeError, AttributeError):
                pass
        self.patched = {}

    def _record(self, key, status, info):
        if key in self.seen:
            return
        self.seen[key] = status
        self.failures.append(key)
        fields = {'module': key[0], 'name': key[1], 'status': status}
        if info:
            fields['error'] = info
        emit('global', **fields)


def _names_module(message, module):
    # "No module named x" / "No module named 'x.y'": only a missing module of the chain counts;
    # an ImportError raised by the module's own code is an import exception, not a missing module.
    parts = module.split('.')
    chain = ['.'.join(parts[:i + 1]) for i in range(len(parts))]
    m = re.search(r"No module named '?([\w.]+)'?", message)
    return bool(m) and (m.group(1) in chain or m.group(1) in parts)


def load_pickle(data, lookup, encoding):
    import io
    if PY2:
        import cPickle
        up = cPickle.Unpickler(io.BytesIO(data))
        up.find_global = lookup
        return up.load()
    import pickle

    class TolerantUnpickler(pickle.Unpickler):
        def find_class(self, module, name):
            return lookup(module, name, lambda: pickle.Unpickler.find_class(self, module, name))
    kwargs = {'encoding': encoding} if encoding else {}
    return TolerantUnpickler(io.BytesIO(data), **kwargs).load()


# ---------------------------------------------------------------------------------------------
# Object paths, in the decoder's pathOf format (shortest path by BFS, dict/list item order)
# ---------------------------------------------------------------------------------------------

def _key_literal(key):
    if isinstance(key, bool) or key is None:
        return repr(key)
    if isinstance(key, integer_types):
        return str(key)
    if isinstance(key, string_types) or isinstance(key, bytes_type):
        # A Python 2 str loaded as bytes is still the decoder's string key.
        return "'" + to_text(key).replace('\\', '\\\\').replace("'", "\\'") + "'"
    return None


def children(obj):
    """(suffix, child) pairs in the order the decoder walks edges."""
    if isinstance(obj, dict):
        for k, v in list(obj.items()):
            lit = _key_literal(k)
            if lit is not None:
                yield '[%s]' % lit, v
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield '[%d]' % i, v
    elif isinstance(obj, (set, frozenset)):
        for i, v in enumerate(obj):
            yield '[%d]' % i, v
    else:
        d = getattr(obj, '__dict__', None)
        if isinstance(d, dict):
            for k, v in list(d.items()):
                if isinstance(k, string_types) or isinstance(k, bytes_type):
                    yield '.' + to_text(k), v


_ATOMS = string_types + integer_types + (float, bool, type(None), bytes_type, bytearray, complex)


def walk(root):
    """BFS from the root: [(path, obj)] for containers and instances, each object once."""
    seen = set([id(root)])
    order = [('root', root)]
    queue = [('root', root)]
    head = 0
    while head < len(queue):
        path, obj = queue[head]
        head += 1
        for suffix, child in children(obj):
            if isinstance(child, _ATOMS) or isinstance(child, type) or id(child) in seen:
                continue
            seen.add(id(child))
            entry = (path + suffix, child)
            order.append(entry)
            queue.append(entry)
    return order


def class_name(obj, lookup):
    cls = type(obj)
    if PY2 and cls.__name__ == 'instance':
        cls = obj.__class__
    ref = lookup.ref_of.get(id(cls))
    return ref or to_text('%s.%s' % (cls.__module__, cls.__name__))


def class_of(obj):
    cls = type(obj)
    if PY2 and cls.__name__ == 'instance':
        cls = obj.__class__
    return cls


def is_instance_object(obj):
    if isinstance(obj, (dict, list, tuple, set, frozenset)) or isinstance(obj, _ATOMS):
        return False
    return hasattr(obj, '__dict__') or hasattr(obj, '__class__')


# ---------------------------------------------------------------------------------------------
# Twisted's Versioned upgrade, per object, isolated
# ---------------------------------------------------------------------------------------------

def qual(c):
    return '%s.%s' % (c.__module__, c.__name__)


def upgrade_plan(obj, styles):
    """What versionUpgrade will do, computed read-only before it runs (mirrors Twisted's code)."""
    cls = class_of(obj)
    bases = styles._aybabtu(cls)
    bases.reverse()
    bases.append(cls)
    d = obj.__dict__
    legacy = None
    if 'persistenceVersion' in d:
        highest, hb = 0, None
        for b in bases:
            if 'persistenceVersion' in b.__dict__ and b.persistenceVersion > highest:
                hb, highest = b, b.persistenceVersion
        legacy = qual(hb) if hb else None
    plan = []
    for b in bases:
        if styles.Versioned not in b.__bases__ and 'persistenceVersion' not in b.__dict__:
            continue
        key = '%s.persistenceVersion' % qual(b)
        if legacy == qual(b):
            saved = d.get('persistenceVersion') or 0
        else:
            saved = d.get(key) or 0
        steps = []
        v = saved
        while v < b.persistenceVersion:
            v += 1
            steps.append({'version': v, 'method': 'upgradeToVersion%d' % v,
                          'exists': ('upgradeToVersion%d' % v) in b.__dict__})
        plan.append({'class': qual(b), 'key': key, 'saved': saved, 'current': b.persistenceVersion,
                     'keyPresent': key in d, 'steps': steps})
    return plan


def is_version_key(k):
    t = to_text(k) if isinstance(k, (bytes_type, text_type)) else ''
    return t == 'persistenceVersion' or t.endswith('.persistenceVersion')


def key_repr(k):
    """A key as text; a bytes key (Python 3) shown as b'...' so it is told apart from a str key."""
    if not PY2 and isinstance(k, bytes):
        return to_text(repr(k))
    return to_text(k)


def version_keys(d):
    out = []
    for k in d.keys():
        t = to_text(k)
        if t == 'persistenceVersion' or t.endswith('.persistenceVersion'):
            out.append(t)
    return sorted(out)


def run_upgrades(styles, log, lookup, paths):
    objs = list(styles.versionedsToUpgrade.values())
    styles.upgraded = {}
    stack = []
    started = {}  # id -> list of (class, version)
    gaps = []
    upgrade_re = re.compile(r'^Upgrading (\S+) \(of (\S+) @ (\d+)\) to version (\d+)$')
    gap_re = re.compile(r'^Warning: cannot upgrade (.+) to version (\d+)$')

    def observer(event):
        msg = event.get('message') or ()
        text = ' '.join(to_text(m) for m in msg)
        m = upgrade_re.match(text)
        if m:
            started.setdefault(int(m.group(3)), []).append((m.group(1), int(m.group(4))))
            return
        m = gap_re.match(text)
        if m and stack:
            # Twisted formats the class itself: "<class 'a.B'>" (3) or "a.B" (2, old-style).
            base = re.sub(r"^<class '(.*)'>$", r'\1', m.group(1))
            gaps.append((stack[-1], base, int(m.group(2))))
    # styles.versionUpgrade logs through twisted.python.log; the same texts go straight to our
    # observer (Twisted's publisher costs ~0.1 ms a message, and nothing else listens here).
    class DirectLog(object):
        def msg(self, *message, **kw):
            observer({'message': message})
    original_log = styles.log
    styles.log = DirectLog()

    original_require = styles.requireUpgrade

    def require_upgrade(obj):
        # Twisted's own requireUpgrade, with the object on a stack so log lines are attributed.
        oid = id(obj)
        if oid in styles.versionedsToUpgrade and oid not in styles.upgraded:
            styles.upgraded[oid] = 1
            stack.append(obj)
            try:
                obj.versionUpgrade()
            finally:
                stack.pop()
            return obj
    styles.requireUpgrade = require_upgrade
    results = []
    try:
        for obj in objs:
            oid = id(obj)
            if oid in styles.upgraded:
                continue
            plan = upgrade_plan(obj, styles)
            before = version_keys(obj.__dict__)
            # Announced first, so that a process killed mid-upgrade (timeout, CPU limit) can be
            # blamed on the right object.
            emit('upgrade-start', path=paths.get(oid, '?'), **{'class': class_name(obj, lookup)})
            error = None
            try:
                require_upgrade(obj)
            except Exception:
                error = format_exc_info(sys.exc_info())
            results.append((obj, plan, before, error))
    finally:
        styles.requireUpgrade = original_require
        styles.log = original_log

    for obj, plan, before, error in results:
        path = paths.get(id(obj), '?')
        cname = class_name(obj, lookup)
        ran = started.get(id(obj), [])
        after = version_keys(obj.__dict__)
        fields = {'path': path, 'class': cname, 'plan': plan, 'ran': [{'class': c, 'version': v} for c, v in ran],
                  'keysBefore': before, 'keysAfter': after}
        downgrade = [p for p in plan if p['saved'] > p['current']]
        if downgrade:
            fields['downgrade'] = downgrade
        if error:
            fields['error'] = error
            ran_set = set(ran)
            failed = ran[-1] if ran else None
            not_run = []
            for p in plan:
                for s in p['steps']:
                    if (p['class'], s['version']) not in ran_set:
                        not_run.append('%s.%s' % (p['class'], s['method']))
            fields['failedStep'] = ('%s.upgradeToVersion%d' % failed) if failed else None
            fields['consumed'] = [k for k in before if k not in after]
            fields['notRun'] = not_run
        emit('upgrade', ok=error is None, **fields)
        # Orphaned: a version key no class of the MRO looks at (moved class, or a bytes key from
        # a Python 2 pickle loaded with encoding='bytes'). Keys of bases that an exception kept
        # from running are not orphans.
        plan_keys = set(p['key'] for p in plan)
        orphans = sorted(key_repr(k) for k in obj.__dict__.keys()
                         if is_version_key(k) and not (isinstance(k, string_types) and k in plan_keys))
        if orphans:
            saved = dict((key_repr(k), v) for k, v in obj.__dict__.items() if key_repr(k) in orphans)
            emit('orphan-key', path=path, keys=orphans, saved=dict((k, v if isinstance(v, integer_types) else to_text(v))
                                                                  for k, v in saved.items()),
                 now=[{'class': p['class'], 'current': p['current']} for p in plan],
                 rerun=['%s.upgradeToVersion%d' % (c, v) for c, v in ran], **{'class': cname})
    plans = dict((id(obj), plan) for obj, plan, _, _ in results)
    for obj, base, version in gaps:
        step = [p for p in plans.get(id(obj), []) if p['class'] == base]
        emit('gap', path=paths.get(id(obj), '?'), base=to_text(base), version=version,
             saved=step[0]['saved'] if step else None, current=step[0]['current'] if step else None,
             **{'class': class_name(obj, lookup)})
    return len(results)


# ---------------------------------------------------------------------------------------------
# Probes and renders
# ---------------------------------------------------------------------------------------------

def run_probes(objects, lookup, expectations, probes, paths):
    for path, obj in objects:
        if not is_instance_object(obj) or isinstance(obj, Placeholder):
            continue
        cname = class_name(obj, lookup)
        cls = class_of(obj)
        real = qual(cls)
        expected = expectations.get(cname) or expectations.get(real)
        if expected:
            d = getattr(obj, '__dict__', {})
            for attr in expected:
                if attr not in d and not hasattr(cls, attr):
                    emit('missing-attribute', path=path, attribute=attr, **{'class': cname})
        for probe in probes:
            pcls, _, meth = probe.rpartition('.')
            if pcls not in (cname, real):
                continue
            if not hasattr(cls, meth):
                emit('probe', path=path, method=meth, ok=False, absent=True, **{'class': cname})
                continue
            try:
                getattr(obj, meth)()
                emit('probe', path=path, method=meth, ok=True, **{'class': cname})
            except Exception:
                info = sys.exc_info()
                fields = {'class': cname}
                # 3.10+: the object that lacked the attribute (often not the probed one).
                lacking = getattr(info[1], 'obj', None) if isinstance(info[1], AttributeError) else None
                if isinstance(lacking, Stub):
                    fields['stub'] = True
                if lacking is not None:
                    fields['objClass'] = class_name(lacking, lookup)
                    fields['objPath'] = paths.get(id(lacking))
                emit('probe', path=path, method=meth, ok=False, error=format_exc_info(info), **fields)


_MAX_RENDER = 4 * 1024 * 1024


def _matches(patterns, names):
    for p in patterns:
        for n in names:
            if fnmatch.fnmatchcase(n, p):
                return True
    return False


def expand(value, basedir, basedir_name):
    if value == '$BASEDIR':
        return basedir
    if value == '$BASEDIR_NAME':
        return basedir_name
    return value


def run_attachments(objects, lookup, profile, basedir, original_basedir_name):
    """Re-attach what the app sets from outside after loading (e.g. Buildbot's build.builder)."""
    for spec in profile.get('attach') or []:
        for path, obj in objects:
            if not is_instance_object(obj):
                continue
            cls = class_of(obj)
            names = [class_name(obj, lookup), qual(cls), cls.__name__]
            if not _matches([spec['class']], names):
                continue
            attr = spec['attr']
            if spec.get('onlyIfMissing', True) and attr in getattr(obj, '__dict__', {}):
                continue
            value = expand(spec.get('value'), basedir, original_basedir_name)
            if isinstance(value, dict):
                value = Stub(dict((k, expand(v, basedir, original_basedir_name)) for k, v in value.items()))
            try:
                setattr(obj, attr, value)
            except Exception:
                pass


class Stub(object):
    def __init__(self, attrs):
        self.__dict__.update(attrs)


def run_renders(objects, lookup, profile):
    patterns = profile.get('classes') or []
    methods = profile.get('methods') or []
    if not patterns or not methods:
        return
    for path, obj in objects:
        if not is_instance_object(obj):
            continue
        cls = class_of(obj)
        names = [class_name(obj, lookup), qual(cls), cls.__name__]
        if not _matches(patterns, names):
            continue
        name = getattr(obj, '__dict__', {}).get(profile.get('nameAttr') or 'name')
        method = None
        for m in methods:
            if hasattr(obj, m):
                method = m
                break
        fields = {'path': path, 'class': names[0], 'name': to_text(name) if name is not None else None}
        if method is None:
            emit('render', ok=False, method=methods[0], error={'type': 'AttributeError', 'message':
                 'no render method (%s) on %s' % (', '.join(methods), names[0]), 'traceback': '', 'frames': []}, **fields)
            continue
        try:
            text = getattr(obj, method)()
            if isinstance(text, (list, tuple)):
                text = ''.join(to_text(t) for t in text)
            text = to_text(text)
            truncated = len(text) > _MAX_RENDER
            emit('render', ok=True, method=method, text=text[:_MAX_RENDER], truncated=truncated, **fields)
        except Exception:
            emit('render', ok=False, method=method, error=format_exc_info(sys.exc_info()), **fields)


def emit_placeholder_instances(objects, wanted):
    """Where the placeholders ended up: the object paths of each class that did not load."""
    placeholders = {}
    for p, o in objects:
        if isinstance(o, Placeholder):
            key = type(o)._rehearse_key
            if wanted(key):
                placeholders.setdefault(key, []).append(p)
    for (m, n), ps in sorted(placeholders.items()):
        emit('placeholder-instances', module=m, name=n, count=len(ps), paths=ps[:20])


# ---------------------------------------------------------------------------------------------

def main():
    with open(sys.argv[1]) as f:
        cfg = json.load(f)
    tempdir = cfg['tempdir']
    layers = cfg.get('layers') or {}
    twisted_version = None
    emit('hello', python=to_text(sys.version.split()[0]), implementation=to_text(sys.version), pid=os.getpid(),
         audit=hasattr(sys, 'addaudithook'))

    # sys.path: the release first, then the libs, then the interpreter's own (no cwd, no script dir).
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if p and os.path.abspath(p) != here and p != '.']
    sys.path[:] = list(cfg.get('releasePaths') or []) + list(cfg.get('libs') or []) + rest

    if layers.get('rlimits', True):
        r = set_rlimits(cfg.get('limits') or {})
        emit('layer', name='rlimits', active=isinstance(r, list), detail=to_text(r if not isinstance(r, list) else ', '.join(r)))
    else:
        emit('layer', name='rlimits', active=False, detail='disabled')

    # Imported before the hook: ctypes does dlopen() at import (an audit event), and Twisted may
    # import it; what runs later is refused.
    try:
        import ctypes  # noqa: F401
    except Exception:
        pass
    styles = log = None
    try:
        from twisted.persisted import styles
        from twisted.python import log
        import twisted
        twisted_version = to_text(getattr(twisted, '__version__', '?'))
    except Exception:
        styles = log = None
    emit('twisted', version=twisted_version)
    if styles is not None:
        import collections
        # Registration order (a plain dict on Python 2 iterates in hash order).
        styles.versionedsToUpgrade = collections.OrderedDict()

    if layers.get('neuter', True):
        neuter_process_spawning()
        if not hasattr(sys, 'addaudithook'):
            neuter_sockets()
        emit('layer', name='neuter', active=True)
    else:
        emit('layer', name='neuter', active=False, detail='disabled')
    if layers.get('audit', True):
        r = install_audit_hook(tempdir)
        emit('layer', name='audit-hook', active=r is True, detail=None if r is True else r)
    else:
        emit('layer', name='audit-hook', active=False, detail='disabled')

    with open(cfg['snapshot'], 'rb') as f:
        data = f.read()
    allowed = cfg.get('allowedModules') or []
    trusted = bool(cfg.get('trusted'))
    encoding = cfg.get('encoding') or 'ASCII'

    # Pass 1: every class reference replaced by a placeholder: finds refused globals before any
    # of the snapshot's code (or the release's) runs.
    scan = Lookup(allowed, trusted, scan_only=True)
    try:
        scanned = load_pickle(data, scan, encoding)
        refused = set(scan.refused)
        emit_placeholder_instances(walk(scanned), lambda key: key in refused)
    except Exception:
        emit('load-exception', phase='scan', error=format_exc_info(sys.exc_info()))
        emit('done', stage='scan')
        return
    emit('layer', name='allowlist', active=True, detail='%d refused' % len(scan.refused))
    if scan.refused and not trusted:
        emit('stopped', reason='the snapshot names %d global(s) outside the allowlist; not replayed (not trusted)'
             % len(scan.refused))
        emit('done', stage='scan')
        return

    # Pass 2: the real load, tolerant.
    lookup = Lookup(allowed, trusted, scan_only=False)
    try:
        root = load_pickle(data, lookup, encoding)
    except Exception:
        emit('load-exception', phase='load', error=format_exc_info(sys.exc_info()))
        emit('done', stage='load')
        return
    finally:
        lookup.restore_classes()
    objects = walk(root)
    paths = dict((id(o), p) for p, o in objects)
    emit_placeholder_instances(objects, lambda key: key not in scan.refused)
    for ref, obj, error in lookup.setstate_errors:
        emit('setstate-exception', path=paths.get(id(obj), '?'), error=error, **{'class': ref})
    emit('loaded', objects=len(objects), versioned=len(styles.versionedsToUpgrade) if styles else 0)

    if styles is not None and len(styles.versionedsToUpgrade):
        n = run_upgrades(styles, log, lookup, paths)
        emit('upgraded', objects=n)
    elif styles is None and cfg.get('needsTwisted'):
        emit('stopped', reason='the snapshot uses twisted.persisted.styles but Twisted is not importable')
    profile = cfg.get('logProfile')
    # What the app re-attaches after loading comes first: probes and renders see the objects as
    # the running app would.
    if profile:
        run_attachments(objects, lookup, profile, cfg.get('basedir') or tempdir, cfg.get('basedirName') or '')
    run_probes(objects, lookup, cfg.get('expectations') or {}, cfg.get('probes') or [], paths)
    if profile:
        run_renders(objects, lookup, profile)
    emit('done', stage='complete')


if __name__ == '__main__':
    try:
        main()
    except SystemExit:
        flush_events()
        raise
    except BaseException:
        emit('crash', error=format_exc_info(sys.exc_info()))
        flush_events()
        sys.exit(3)
    flush_events()
