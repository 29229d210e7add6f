"""Safe file writing and hashing shared by every writer in neurogen.

Every file neurogen writes (checkpoints, recordings, figures, reports, caches) goes through
:func:`atomic_path`: the content is written to a temporary ``.NAME.<pid>.<random>.part`` in the
target's folder and renamed over the target only when complete, so an interrupted write never
leaves a half file where a good one stood. On any exception (disk full, Ctrl-C, SIGTERM) the
temporary is removed; a temporary left by a process that was killed outright (``kill -9``) is
removed by the next write to the same target. OS errors name the path in one line
(``[Errno 28] No space left on device: 'out.nc'``).

:func:`check_output_path` refuses, before any work is done, an output that is an existing
folder, sits on a read-only file system or is one of the command's inputs.
:func:`terminate_cleanly` makes SIGTERM behave like Ctrl-C (the CLI then exits 143).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import signal
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = [
    "Terminated",
    "atomic_path",
    "check_output_path",
    "remove_stale_temporaries",
    "sha256_file",
    "terminate_cleanly",
]

#: A temporary whose writer cannot be identified is stale after this many seconds.
STALE_AFTER_S = 60.0


class Terminated(KeyboardInterrupt):
    """Raised in the main thread on SIGTERM while :func:`terminate_cleanly` is active.

    A subclass of ``KeyboardInterrupt``, so that everything that cleans up after Ctrl-C (every
    writer, every ``finally``) cleans up after SIGTERM too. The CLI exits with status 143.
    """


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return True
    return True


def remove_stale_temporaries(target: str | os.PathLike, *, older_than: float = STALE_AFTER_S) -> list[Path]:
    """Remove temporaries ``.NAME.*.part`` of ``target`` left behind by killed writers.

    A temporary named ``.NAME.<pid>.<token>.part`` (this version's writers) is stale when process
    ``pid`` no longer exists on this machine; another name (an older version's ``mkstemp`` name)
    is stale when it has not been modified for ``older_than`` seconds. A live concurrent writer's
    temporary is never touched. Returns the paths removed.
    """
    target = Path(target)
    prefix, removed = f".{target.name}.", []
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return removed
    now = time.time()
    for p in entries:
        name = p.name
        if not (name.startswith(prefix) and name.endswith(".part")):
            continue
        middle = name[len(prefix):-len(".part")].split(".")
        if len(middle) == 2 and middle[0].isdigit():
            stale = int(middle[0]) != os.getpid() and not _pid_alive(int(middle[0]))
        else:
            try:
                stale = now - p.stat().st_mtime > older_than
            except OSError:
                continue
        if stale:
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def _one_line(err: OSError, path: Path) -> OSError:
    """An OSError of the same kind whose message is ``[Errno N] <reason>: '<path>'``."""
    code = err.errno if err.errno is not None else errno.EIO
    new = OSError(code, os.strerror(code), str(path))  # the right subclass (PermissionError, ...)
    return new


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[str]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    On any exception (including ``KeyboardInterrupt`` and :class:`Terminated`) the temporary is
    removed and ``target`` is left as it was. An ``OSError`` (disk full, read-only file system,
    permission) is re-raised as one line naming ``target``. Stale temporaries of ``target`` from
    killed processes are removed first.

    Raises
    ------
    IsADirectoryError
        ``target`` is an existing folder.
    OSError
        From the file system, with ``target`` named.
    """
    target = Path(target)
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target)
        tmp = target.parent / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
        os.close(fd)
    except OSError as err:
        raise _one_line(err, target) from err
    try:
        yield str(tmp)
        with open(tmp, "rb") as fh:  # make the bytes durable before they replace the old file
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        cause = _disk_error(err)
        if cause is not None:
            raise _one_line(cause, target) from err
        raise


def _disk_error(err: BaseException) -> OSError | None:
    """The file-system error behind ``err`` (itself, or one it was raised from or during: torch
    turns a failed write into a RuntimeError raised while handling the OSError), else None."""
    seen = 0
    while err is not None and seen < 10:
        if isinstance(err, OSError) and err.errno in _DISK_ERRNOS:
            return err
        err = err.__cause__ or err.__context__
        seen += 1
    return None


_DISK_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EFBIG,
                errno.EIO, errno.EISDIR}


def check_output_path(out: str | os.PathLike, inputs: Iterable[str | os.PathLike | None] = (),
                      *, name: str = "--out") -> Path:
    """Refuse an output path before any work is done; return it as a ``Path``.

    Raises
    ------
    ValueError
        ``out`` is the same file as one of ``inputs`` (writing it would destroy an input).
    IsADirectoryError
        ``out`` is an existing folder.
    OSError
        Its folder is on a read-only file system (``EROFS``) or not writable (``EACCES``).
    """
    out = Path(out)
    for inp in inputs:
        if inp is None:
            continue
        inp = Path(inp)
        same = False
        with contextlib.suppress(OSError):
            same = out.exists() and inp.exists() and os.path.samefile(out, inp)
        if same or out.resolve() == inp.resolve():
            msg = (f"{name} {out} is also an input of this command ({inp}); writing it would "
                   "destroy the input. Choose another output path.")
            raise ValueError(msg)
    if out.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(out))
    folder = out.resolve().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    read_only = False
    with contextlib.suppress(OSError, AttributeError):
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    if read_only:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(out))
    if not os.access(folder, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out))
    return out


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Within this block SIGTERM raises :class:`Terminated` in the main thread, like Ctrl-C.

    Writers then remove their temporaries and ``finally`` blocks run; the CLI catches
    :class:`Terminated` and exits with status 143 (128 + SIGTERM). Outside the main thread this
    does nothing. The previous handler is restored on exit.
    """
    def _raise(signum: int, frame: object) -> None:
        raise Terminated(f"terminated by signal {signum} (SIGTERM)")

    try:
        previous = signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(*parts: bytes | memoryview) -> str:
    """Return the hex sha256 of the concatenated ``parts``."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.hexdigest()
