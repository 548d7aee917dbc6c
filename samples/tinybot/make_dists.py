#!/usr/bin/python3
"""Package tinybot releases as an sdist and a wheel, byte for byte reproducibly.

    /usr/bin/python3 make_dists.py            # packages/tinybot-0.7.tar.gz, packages/tinybot-0.8.tar.gz, and the .whl files
    /usr/bin/python3 make_dists.py --out=DIR  # somewhere else (verify.py compares)

The layouts are the standard ones (sdist: `tinybot-<v>/` with PKG-INFO and setup.py; wheel: the
package plus `tinybot-<v>.dist-info/` with METADATA, WHEEL, RECORD). They are written with the
standard library's tarfile/zipfile rather than setuptools so that the bytes do not depend on the
clock, the user, or the setuptools version: fixed mtimes, uid/gid 0, sorted entries, gzip mtime 0.
A pure-Python wheel is importable straight from sys.path (zipimport): verify.py replays with it.
"""
import base64
import gzip
import hashlib
import io
import os
import sys
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "packages")
for a in sys.argv[1:]:
    if a.startswith("--out="):
        OUT = os.path.abspath(a[len("--out="):])
VERSIONS = ("0.7", "0.8")
MTIME = 1262304000  # 2010-01-01T00:00:00Z
ZIP_TIME = (2010, 1, 1, 0, 0, 0)


def release_files(version):
    """(path relative to the release root, bytes) for every .py file, sorted."""
    root = os.path.join(HERE, "releases", version)
    out = []
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as f:
                    out.append((os.path.relpath(path, root).replace(os.sep, "/"), f.read()))
    return sorted(out)


def metadata(version):
    return ("Metadata-Version: 2.1\nName: tinybot\nVersion: %s\n"
            "Summary: A tiny Buildbot-like CI master (a rehearse sample)\n"
            "Requires-Dist: Twisted\n" % version).encode()


def setup_py(version):
    return ("from setuptools import setup, find_packages\n\n"
            "setup(name='tinybot', version='%s', packages=find_packages(),\n"
            "      install_requires=['Twisted'])\n" % version).encode()


def sdist(version):
    buf = io.BytesIO()
    top = "tinybot-%s" % version
    entries = [("PKG-INFO", metadata(version)), ("setup.py", setup_py(version))] + release_files(version)
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        dirs = sorted({top} | {top + "/" + p.rsplit("/", 1)[0] for p, _ in entries if "/" in p})
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, MTIME
            tar.addfile(info)
        for rel, data in sorted(entries):
            info = tarfile.TarInfo(top + "/" + rel)
            info.size, info.mode, info.mtime = len(data), 0o644, MTIME
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as z:
        z.write(buf.getvalue())
    return out.getvalue()


def wheel(version):
    info = "tinybot-%s.dist-info" % version
    entries = release_files(version) + [
        (info + "/METADATA", metadata(version)),
        (info + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: tinybot make_dists.py\nRoot-Is-Purelib: true\nTag: py2-none-any\nTag: py3-none-any\n"),
    ]
    record = []
    for rel, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (rel, digest, len(data)))
    record.append(info + "/RECORD,,")
    entries.append((info + "/RECORD", ("\n".join(record) + "\n").encode()))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for rel, data in entries:
            zi = zipfile.ZipInfo(rel, ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return buf.getvalue()


def main():
    if not os.path.isdir(OUT):
        os.makedirs(OUT)
    for v in VERSIONS:
        for name, data in (("tinybot-%s.tar.gz" % v, sdist(v)), ("tinybot-%s-py2.py3-none-any.whl" % v, wheel(v))):
            with open(os.path.join(OUT, name), "wb") as f:
                f.write(data)
            print("%6d %s" % (len(data), name))


if __name__ == "__main__":
    main()
