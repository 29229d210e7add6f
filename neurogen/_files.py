"""Safe file writing and hashing shared by every writer in neurogen.

Every file neurogen writes (checkpoints, recordings, figures, reports, caches) goes through
:func:`atomic_path`: the content is written to a temporary ``.NAME.<pid>.<random>.part`` in the
target's folder and renamed over the target only when complete, so an interrupted write never
leaves a half file where a good one stood. On any exception (disk full, Ctrl-C, SIGTERM) the
temporary is removed; a temporary left by a process that was killed outright (``kill -9``) is
removed by the next write to the same target. OS errors name the path in one line
(``[Errno 28] No space left on device: 'out.nc'``).

:func:`atomic_dir` does the same for a folder of files (an export, a report): its whole content is
staged in a sibling temporary folder and swapped in with one rename, so a reader sees the old
folder or the new one, never a mix.

:func:`check_output_path` / :func:`check_output_dir` refuse, before any work is done, an output
that is an existing folder (or file), sits on a read-only file system, has a name too long for its
file system, cannot get its sibling temporary, or is one of the command's inputs.
:func:`open_regular` opens a file for reading only when it is a regular file (never a FIFO, a
device such as ``/dev/zero``, or a folder), without blocking.
:func:`terminate_cleanly` makes SIGTERM behave like Ctrl-C (the CLI then exits 143): the handler
raises :class:`Terminated` and also records the signal, so that one swallowed where Python cannot
raise (a ``__del__``, a weakref callback) still stops the work at the next safe point
(:func:`check_terminated`: every batch of ``run``, every write, before every rename into place).
"""

from __future__ import annotations

import contextlib
import errno
import fnmatch
import hashlib
import os
import secrets
import shutil
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "FOLDER_MARKER",
    "NotRegularFile",
    "Terminated",
    "atomic_dir",
    "atomic_path",
    "check_output_dir",
    "check_output_path",
    "check_terminated",
    "open_regular",
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


class NotRegularFile(OSError):
    """A path that is a FIFO, a device, a socket or a folder where a regular file was expected."""


#: The signal received while :func:`terminate_cleanly` is active (None: none yet).
_pending: dict[str, int | None] = {"signum": None}
#: Bytes a file name may have where ``os.pathconf`` cannot tell (POSIX NAME_MAX).
_NAME_MAX = 255
#: What a temporary's name adds to its target's: ``.`` + ``.<pid>.<8 hex>.part`` (pid up to 10 digits).
_TEMP_EXTRA = 1 + 1 + 10 + 1 + 8 + len(".part")
#: Written into every folder :func:`atomic_dir` makes: such a folder may be replaced by the next one.
FOLDER_MARKER = ".neurogen-folder"


def check_terminated() -> None:
    """Raise :class:`Terminated` if SIGTERM arrived while :func:`terminate_cleanly` is active.

    The handler raises at once too; this catches the signals whose exception Python swallowed
    (one landing in a ``__del__`` or a weakref callback). Called at the safe points of long work.
    """
    signum = _pending["signum"]
    if signum is not None:
        raise Terminated(f"terminated by signal {signum} (SIGTERM)")


def terminated() -> bool:
    """True once SIGTERM arrived while :func:`terminate_cleanly` is active (for polling loops)."""
    return _pending["signum"] is not None


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
    prefix, removed = f".{_temp_stem(target)}.", []
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
        elif p.is_dir():  # only atomic_dir's own names (with a pid) are ever removed as folders
            continue
        else:
            try:
                stale = now - p.stat().st_mtime > older_than
            except OSError:
                continue
        if stale and _remove(p):
            removed.append(p)
    return removed


def _remove(p: Path) -> bool:
    """Remove a file, link or folder tree; False if the file system refused."""
    try:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()
    except OSError:
        return False
    return True


def remove_dead_writers_temporaries(folder: str | os.PathLike) -> list[Path]:
    """Remove every ``.NAME.<pid>.<token>.part`` in ``folder`` whose writer ``pid`` is gone (not
    this process): what killed workers leave (one pass over the folder, any target)."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    for p in entries:
        parts = p.name.split(".")
        if not (p.name.startswith(".") and p.name.endswith(".part") and len(parts) >= 5):
            continue
        pid, token = parts[-3], parts[-2]
        if not (pid.isdigit() and len(token) == 8) or int(pid) == os.getpid() or _pid_alive(int(pid)):
            continue
        if _remove(p):
            removed.append(p)
    return removed


def _name_max(folder: Path) -> int:
    """Bytes a file name may have in ``folder`` (its nearest existing ancestor)."""
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return _NAME_MAX


def _temp_stem(target: Path) -> str:
    """The part of ``target``'s name its temporaries carry: the name itself, or, when the name
    leaves no room for ``.<pid>.<token>.part`` on its file system, a shortened name and a hash
    of the full one (so that a 245-character output name still gets its temporary)."""
    name = target.name
    room = _name_max(target.parent) - _TEMP_EXTRA
    if len(os.fsencode(name)) <= room:
        return name
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:12]
    keep = name
    while len(os.fsencode(keep)) > max(room - 13, 1):
        keep = keep[:-1]
    return f"{keep}~{digest}"


def _temp_path(target: Path) -> Path:
    return target.parent / f".{_temp_stem(target)}.{os.getpid()}.{secrets.token_hex(4)}.part"


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
        tmp = _temp_path(target)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
        os.close(fd)
    except OSError as err:
        raise _one_line(err, target) from err
    try:
        yield str(tmp)
        check_terminated()  # a SIGTERM whose exception was swallowed: keep the old file
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


def _check_name(out: Path) -> None:
    """Refuse a path whose own name, or a folder name still to be made, is too long for its file
    system, or whose whole length exceeds PATH_MAX (``ENAMETOOLONG`` naming the path)."""
    absolute = Path(os.path.abspath(out))
    existing = absolute

    def _exists(p: Path) -> bool:
        try:
            os.stat(p)
        except OSError:  # ENOENT, and ENAMETOOLONG for a name no file system here can hold
            return False
        return True

    while not _exists(existing) and existing != existing.parent:
        existing = existing.parent
    limit = _name_max(existing)
    for part in absolute.relative_to(existing).parts if absolute != existing else (absolute.name,):
        n = len(os.fsencode(part))
        if n > limit:
            msg = f"file name too long ({n} bytes; this file system allows {limit})"
            raise OSError(errno.ENAMETOOLONG, msg, str(out))
    try:
        path_max = int(os.pathconf(existing, "PC_PATH_MAX"))
    except (OSError, ValueError, AttributeError):
        path_max = 4096
    if len(os.fsencode(str(absolute))) + _TEMP_EXTRA >= path_max:
        msg = f"path too long ({len(os.fsencode(str(absolute)))} bytes; the limit is {path_max})"
        raise OSError(errno.ENAMETOOLONG, msg, str(out))


def _check_writable_folder(out: Path) -> Path:
    """The nearest existing folder above ``out``, refused when read-only or not writable."""
    folder = Path(os.path.abspath(out)).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, f"{folder} is a file, not a folder", str(out))
    read_only = False
    with contextlib.suppress(OSError, AttributeError):
        read_only = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    if read_only:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(out))
    if not os.access(folder, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(out))
    return folder


def _probe_temporary(out: Path, folder: bool = False) -> None:
    """Create and remove the sibling temporary a write of ``out`` will use (when its folder
    exists), so that a name or place that cannot take it is refused before the work."""
    if not out.parent.is_dir():
        return
    tmp = _temp_path(out)
    try:
        if folder:
            os.mkdir(tmp)
            os.rmdir(tmp)
        else:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.unlink(tmp)
    except OSError as err:
        raise _one_line(err, out) from err


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
        Its folder is on a read-only file system (``EROFS``) or not writable (``EACCES``); its
        name (or the path) is too long for the file system (``ENAMETOOLONG``); or its sibling
        temporary cannot be created there.
    """
    out = Path(out)
    _check_name(out)
    for inp in inputs:
        if inp is None:
            continue
        inp = Path(inp)
        same = False
        with contextlib.suppress(OSError):
            same = out.exists() and inp.exists() and os.path.samefile(out, inp)
        with contextlib.suppress(OSError):
            same = same or out.resolve() == inp.resolve()
        if same:
            msg = (f"{name} {out} is also an input of this command ({inp}); writing it would "
                   "destroy the input. Choose another output path.")
            raise ValueError(msg)
    if out.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(out))
    _check_writable_folder(out)
    _probe_temporary(out)
    return out


def _replaceable(folder: Path, replaceable: Iterable[str] | Callable[[Path], bool]) -> bool:
    """May the existing ``folder`` be replaced: empty, made by :func:`atomic_dir` (its marker),
    or holding only entries ``replaceable`` accepts (glob patterns, or a predicate on the folder)."""
    try:
        entries = [p.name for p in folder.iterdir()]
    except OSError:
        return False
    if not entries or FOLDER_MARKER in entries:
        return True
    if callable(replaceable):
        return bool(replaceable(folder))
    patterns = list(replaceable)
    return bool(patterns) and all(any(fnmatch.fnmatchcase(e, pat) for pat in patterns) for e in entries)


def check_output_dir(out: str | os.PathLike, *, replaceable: Iterable[str] | Callable[[Path], bool] = (),
                     name: str = "--out") -> Path:
    """Refuse, before any work, a folder :func:`atomic_dir` could not write; return it as a ``Path``.

    Raises
    ------
    NotADirectoryError
        ``out`` is an existing file.
    FileExistsError
        ``out`` is an existing folder that :func:`atomic_dir` may not replace (it holds files
        neurogen did not write there).
    OSError
        Read-only or unwritable place, a name too long, or no sibling temporary folder possible.
    """
    out = Path(out)
    _check_name(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "is a file; give a folder (it is created if missing)", str(out))
    if out.is_dir() and not _replaceable(out, replaceable):
        msg = (f"{name} {out} is a folder holding files neurogen did not write; its content would be "
               "replaced as a whole. Give a new or empty folder, or remove it first.")
        raise FileExistsError(errno.EEXIST, msg, str(out))
    _check_writable_folder(out)
    _probe_temporary(out, folder=True)
    return out


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).
    Returns False where the system cannot (then nothing was changed)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike, *,
               replaceable: Iterable[str] | Callable[[Path], bool] = (), marker: bool = True) -> Iterator[Path]:
    """Yield an empty staging folder beside ``target``; swap it in as ``target`` on success.

    Write the folder's whole content into the yielded ``Path`` (a hidden
    ``.NAME.<pid>.<random>.part`` in ``target``'s parent). When the block ends without an
    exception the staging folder takes ``target``'s place in one rename (on Linux an atomic swap
    with the old folder, ``renameat2(RENAME_EXCHANGE)``; elsewhere the old folder is first
    renamed aside), and the old folder is then removed. A reader therefore sees the old folder or
    the new one, complete, never a mix. On any exception (disk full, Ctrl-C, :class:`Terminated`)
    the staging folder is removed and ``target`` is left as it was; one left by ``kill -9`` is
    removed by the next :func:`atomic_dir` of the same target.

    Parameters
    ----------
    target : path-like
        The folder to write. Its parent is created if missing.
    replaceable : glob patterns, or a predicate ``f(existing_folder) -> bool``
        When ``target`` exists it is replaced only if it is empty, carries :data:`FOLDER_MARKER`
        (every folder made by ``atomic_dir`` does), or every entry matches one of these patterns
        (or the predicate accepts it): a folder of someone else's files is never deleted.
    marker : bool
        Write :data:`FOLDER_MARKER` (a small hidden JSON file) into the new folder, so that the
        next ``atomic_dir`` of it may replace it whatever it holds. ``False`` for a folder whose
        ``replaceable`` patterns already say what a previous one holds.

    Raises
    ------
    NotADirectoryError, FileExistsError, OSError
        As :func:`check_output_dir`, before the block runs; an ``OSError`` of the file system
        during the block or the swap is one line naming ``target``.

    Examples
    --------
    >>> with atomic_dir("report", replaceable=["*.html", "*.png", "*.json"]) as tmp:  # doctest: +SKIP
    ...     (tmp / "index.html").write_text(page)
    """
    target = Path(target)
    check_output_dir(target, replaceable=replaceable)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target)
        stage = _temp_path(target)
        os.mkdir(stage)
    except OSError as err:
        raise _one_line(err, target) from err
    aside: Path | None = None
    try:
        if marker:
            (stage / FOLDER_MARKER).write_text('{"written_by": "neurogen atomic_dir"}\n')
        yield stage
        check_terminated()
        for p in [*stage.rglob("*"), stage]:  # make the bytes durable before they replace the old ones
            if p.is_file():
                with open(p, "rb") as fh:
                    os.fsync(fh.fileno())
        if target.is_dir() and not _replaceable(target, replaceable):  # changed meanwhile
            msg = f"{target} is now a folder holding files neurogen did not write; not replaced"
            raise FileExistsError(errno.EEXIST, msg, str(target))
        if target.is_dir() and _exchange(stage, target):
            aside = stage  # now holds the old folder
        else:
            if target.is_dir():
                aside = _temp_path(target)
                os.rename(target, aside)
            os.rename(stage, target)
    except BaseException as err:
        if aside is not None and aside != stage and not target.exists():
            with contextlib.suppress(OSError):
                os.rename(aside, target)  # the old folder goes back where it was
        with contextlib.suppress(OSError):
            shutil.rmtree(stage)
        cause = _disk_error(err)
        if cause is not None:
            raise _one_line(cause, target) from err
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def open_regular(path: str | os.PathLike, what: str = "file") -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file (after following symlinks).

    The open never blocks (``O_NONBLOCK``: a FIFO does not wait for a writer) and the type is
    checked on the open descriptor (``fstat``), so a FIFO, a device (``/dev/zero``), a socket or
    a folder is refused, also when swapped in after a check.

    Raises
    ------
    FileNotFoundError
        No such file.
    NotRegularFile
        Not a regular file (the message names the kind).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                    or stat.S_ISBLK(st.st_mode) else "a folder" if stat.S_ISDIR(st.st_mode)
                    else "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
            raise NotRegularFile(errno.EINVAL, f"the {what} is {kind}, not a regular file", str(path))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Within this block SIGTERM raises :class:`Terminated` in the main thread, like Ctrl-C.

    Writers then remove their temporaries and ``finally`` blocks run; the CLI catches
    :class:`Terminated` and exits with status 143 (128 + SIGTERM). The signal is also recorded:
    where Python swallows the handler's exception (the signal landed in a ``__del__`` or a
    weakref callback) the next :func:`check_terminated` raises it (every batch of ``run``, every
    write, every rename into place), and at the latest the block's end does. Outside the main
    thread this does nothing. The previous handler is restored on exit.
    """
    def _raise(signum: int, frame: object) -> None:
        _pending["signum"] = signum
        raise Terminated(f"terminated by signal {signum} (SIGTERM)")

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    try:
        previous = signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not the main thread of the main interpreter
        yield
        return
    _pending["signum"] = None
    hook = sys.unraisablehook

    def _quiet(unraisable: object) -> None:
        # the swallowed Terminated is handled by the flag; once terminating, so is the noise of
        # callbacks it interrupted (their half-done state raises in the next call)
        if _pending["signum"] is None and not isinstance(getattr(unraisable, "exc_value", None), Terminated):
            hook(unraisable)

    sys.unraisablehook = _quiet
    try:
        yield
        check_terminated()  # the work ended although a SIGTERM came: still exit 143
    finally:
        signal.signal(signal.SIGTERM, previous)
        sys.unraisablehook = hook
        _pending["signum"] = None


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open_regular(path) as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(*parts: bytes | memoryview) -> str:
    """Return the hex sha256 of the concatenated ``parts``."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.hexdigest()
