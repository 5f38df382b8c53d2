#!/usr/bin/env python3
"""Unpacks the files of .deb packages into a folder, as `dpkg-deb -x` would.

    python3 tests/gpu/unpack_debs.py DEST PACKAGE.deb...

The GPU machine may have neither dpkg-deb nor ar, but it has Python; this
needs the standard library only. A .deb is an ar archive whose data.tar.{xz,gz,
bz2,zst} member holds the files. A Python built without the lzma module (some
are) falls back on an `xz` program, and zstd needs a `zstd` program before
Python 3.14. Symbolic links are kept as they are, absolute ones included, like
dpkg-deb does; later packages overwrite earlier ones.
"""
import io
import os
import shutil
import subprocess
import sys
import tarfile


def ar_members(path):
    """Yields (name, bytes) for each member of the ar archive at path."""
    with open(path, "rb") as f:
        if f.read(8) != b"!<arch>\n":
            raise ValueError(f"{path}: not an ar archive")
        while True:
            header = f.read(60)
            if len(header) < 60:
                return
            name = header[:16].decode().strip().rstrip("/")
            size = int(header[48:58].decode().strip())
            data = f.read(size)
            if size % 2:
                f.read(1)  # members start on even offsets
            yield name, data


def has_module(name):
    try:
        __import__(name)
        return True
    except ImportError:
        return False


def data_tar(path):
    for name, data in ar_members(path):
        if name.startswith("data.tar"):
            program = {".xz": "xz", ".zst": "zstd"}.get(os.path.splitext(name)[1])
            if program == "xz" and has_module("lzma") or program == "zstd" and has_module("compression.zstd"):
                program = None
            if program:
                if not shutil.which(program):
                    raise RuntimeError(f"{path}: {name} needs Python's lzma/zstd module or a {program} program")
                data = subprocess.run([program, "-dc"], input=data, stdout=subprocess.PIPE, check=True).stdout
            return tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    raise ValueError(f"{path}: no data.tar member")


def remove(path):
    if os.path.islink(path) or (os.path.lexists(path) and not os.path.isdir(path)):
        os.unlink(path)


def extract(tar, dest):
    links = []
    for m in tar:
        rel = os.path.normpath(m.name.lstrip("/"))
        if rel == "." or rel.startswith(".."):
            continue
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if m.isdir():
            if not os.path.isdir(target):
                remove(target)
                os.makedirs(target)
            os.chmod(target, 0o755 | (m.mode & 0o777))
        elif m.issym():
            remove(target)
            os.symlink(m.linkname, target)
        elif m.islnk():
            links.append((m, target))  # its source may come later in a concatenated unpack
        elif m.isfile():
            remove(target)
            with tar.extractfile(m) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            os.chmod(target, m.mode & 0o7777 & ~0o6000)  # no setuid/setgid in a private prefix
            os.utime(target, (m.mtime, m.mtime))  # as dpkg-deb: a re-unpack does not force a rebuild
    for m, target in links:
        remove(target)
        shutil.copy2(os.path.join(dest, os.path.normpath(m.linkname.lstrip("/"))), target)


def main(dest, debs):
    os.makedirs(dest, exist_ok=True)
    for deb in debs:
        try:
            with data_tar(deb) as tar:
                extract(tar, dest)
        except (OSError, ValueError, RuntimeError, tarfile.TarError, subprocess.CalledProcessError) as e:
            sys.exit(f"unpack_debs: {deb}: {e}")
    print(f"unpack_debs: {len(debs)} packages into {dest}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
