"""Crash-safe file writing: temp file in the same directory + fsync + rename (+ dir fsync).

* Files and staging folders get the modes the user's umask gives (``0666``/``0777`` masked), not
  the private ``0600``/``0700`` of :mod:`tempfile`.
* A full disk (``ENOSPC``/``EDQUOT``) while writing becomes :class:`~digitizer.errors.DiskFullError`
  naming the file (exit code 11); the temp file is removed and the target is untouched.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator

from .errors import DiskFullError

CHUNK = 1 << 20
FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    return 0o777 & ~current_umask()


def make_temp_dir(*, prefix: str, suffix: str, dir: str | os.PathLike) -> Path:
    """A new uniquely named folder in ``dir`` with the umask's mode (staging, scratch)."""
    with disk_full_names(dir):
        path = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=dir))
    os.chmod(path, dir_mode())
    return path


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in FULL_ERRNOS


@contextlib.contextmanager
def disk_full_names(path: str | os.PathLike) -> Iterator[None]:
    """Turn a full-disk ``OSError`` raised inside the block into :class:`DiskFullError` for ``path``."""
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFullError(printable(path)) from exc
        raise


def printable(path: object) -> str:
    """``path`` on one line: control characters (a newline in a file name) escaped as ``\\n``."""
    text = str(path)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(str(path), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temp file beside ``path``; on clean exit fsync and rename it over ``path``.

    On any exception the temp file is removed and ``path`` is untouched: a reader never
    sees a half-written file.
    """
    path = Path(path)
    with disk_full_names(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, file_mode())
        with disk_full_names(path), os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path, "wb") as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_copy(src: str | os.PathLike, dst: str | os.PathLike) -> str:
    """Copy ``src`` to ``dst`` atomically, byte-exact; returns the SHA-256 of what was written."""
    h = hashlib.sha256()
    with open(src, "rb") as fin, atomic_open(dst, "wb") as fout:
        while chunk := fin.read(CHUNK):
            h.update(chunk)
            fout.write(chunk)
    return h.hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


SAFE_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def safe_name(name: str, default: str = "file") -> str:
    """Portable file name: ASCII letters, digits, ``._-`` only; no path separators or leading dots."""
    import unicodedata

    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    s = "".join(c if c in SAFE_CHARS else "_" for c in s).strip("._") or default
    return s[:120]
