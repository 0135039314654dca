"""Find the files of an inbox: which dataset each belongs to, in load order.

The inbox is walked without following any symbolic link: a link (to a file or a folder,
dangling or looping) is never opened, and is recorded as a stray with its reason, like a
file outside the dataset folders. So is anything that is not a regular file (a fifo, a
device, a socket) and a folder that cannot be listed. Only regular files inside the inbox
are ever read, and `read_inbox_file` opens them without following links either.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.errors import RejectedFile
from ingestion.masking import mask
from ingestion.schemas import DATASETS

ACCEPTED_SUFFIXES = (".csv", ".xlsx")

# The largest file read into memory. The biggest submission of a province (a year of
# insurance of a large bureau) is a few tens of MB; reading a file means holding its bytes
# and then its cells as text, several times its size.
MAX_FILE_BYTES = 512 * 1024 * 1024

SYMLINK_REASON = "符号链接，未读取 (symbolic link; links are never followed)"
SPECIAL_REASON = "不是普通文件，未读取 (not a regular file: {kind})"
UNLISTABLE_REASON = "文件夹无法读取 (cannot list folder: {error})"
OUTSIDE_REASON = "文件不在任何数据集文件夹中 (file outside a dataset folder)"
SUBFOLDER_REASON = "文件位于数据集文件夹的子文件夹中 (file in a sub-folder of a dataset folder)"


def _ignored_name(name: str) -> bool:
    """Hidden files and folders (`.*`) and Excel lock files (`~$*`) are not submissions."""
    return name.startswith(".") or name.startswith("~$")


@dataclass(frozen=True)
class Stray:
    """An inbox entry that is not a dataset's file: recorded in the ledger, never loaded."""

    path: Path
    dataset: str | None  # the dataset folder it lies in, if any
    reason: str
    # What identifies the entry without reading it (the link's target, the kind of special
    # file), for entries that are not regular files; None: a regular file, hash its bytes.
    token: bytes | None = None


@dataclass
class Inbox:
    # dataset -> files in name order
    files: dict[str, list[Path]] = field(default_factory=dict)
    # entries that cannot belong to any dataset, each with its reason
    strays: list[Stray] = field(default_factory=list)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "unknown"


def _entries(folder: Path) -> Iterator[tuple[Path, os.stat_result | None, OSError | None]]:
    """(path, lstat, None) of each entry of `folder` in name order, links not followed; one
    (folder, None, error) when the folder cannot be listed."""
    try:
        with os.scandir(folder) as it:
            found = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield folder, None, exc
        return
    for entry in found:
        try:
            yield Path(entry.path), entry.stat(follow_symlinks=False), None
        except OSError as exc:  # vanished since listed
            if exc.errno != errno.ENOENT:
                yield Path(entry.path), None, exc


def _stray_of(path: Path, st: os.stat_result, dataset: str | None) -> Stray | None:
    """The stray record of an entry that is not a regular file or a folder, else None."""
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.fsencode(os.readlink(path))
        except OSError:
            target = b""
        return Stray(path, dataset, SYMLINK_REASON, b"symlink\0" + target)
    if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
        kind = _kind(st.st_mode)
        return Stray(path, dataset, SPECIAL_REASON.format(kind=kind), b"special\0" + kind.encode())
    return None


def _unlistable(path: Path, dataset: str | None, exc: OSError) -> Stray:
    error = exc.strerror or type(exc).__name__
    return Stray(path, dataset, UNLISTABLE_REASON.format(error=error), b"unlistable\0")


def _walk_dataset(folder: Path, dataset: str, files: list[Path], strays: list[Stray]) -> None:
    """A dataset folder: its regular files are the dataset's; everything deeper is a stray."""
    _walk(folder, dataset, SUBFOLDER_REASON, strays, files)


def _walk_nested(folder: Path, dataset: str | None, reason: str, strays: list[Stray]) -> None:
    """A folder whose files can belong to no dataset: every entry is a stray, at any depth."""
    _walk(folder, dataset, reason, strays, None)


def _walk(
    top: Path, dataset: str | None, reason: str, strays: list[Stray], files: list[Path] | None
) -> None:
    """Walk `top` with a stack (nesting is bounded by the file system, not by Python's
    recursion). Regular files directly in `top` go to `files` when given; every other
    file, at any depth, is a stray with `reason`; links and special entries are strays of
    their own kind; hidden and lock files are passed over."""
    stack = [top]
    while stack:
        folder = stack.pop()
        for path, st, exc in _entries(folder):
            if exc is not None or st is None:
                strays.append(_unlistable(path, dataset, exc or OSError()))
                continue
            if _ignored_name(path.name):
                continue
            special = _stray_of(path, st, dataset)
            if special is not None:
                strays.append(special)
            elif stat.S_ISDIR(st.st_mode):
                stack.append(path)
            elif files is not None and folder == top:
                files.append(path)
            else:
                strays.append(Stray(path, dataset, reason))


def scan(inbox: Path) -> Inbox:
    """Every entry of the inbox: each dataset's files, and every other entry as a stray."""
    result = Inbox(files={name: [] for name in DATASETS})
    if not inbox.is_dir():
        return result
    for path, st, exc in _entries(inbox):
        if exc is not None or st is None:
            result.strays.append(_unlistable(path, None, exc or OSError()))
            continue
        if _ignored_name(path.name):
            continue
        name = path.name
        dataset = name if name in DATASETS else None
        special = _stray_of(path, st, dataset)
        if special is not None:
            result.strays.append(special)
        elif stat.S_ISREG(st.st_mode):
            result.strays.append(Stray(path, None, OUTSIDE_REASON))
        elif dataset is not None:
            _walk_dataset(path, dataset, result.files[dataset], result.strays)
        else:
            reason = f"未知的数据集文件夹 {mask(display_name(name))} (not a known dataset folder)"
            _walk_nested(path, None, reason, result.strays)
    return result


def dataset_files(inbox: Path, dataset: str) -> list[Path]:
    """`scan(inbox).files[dataset]` without walking the other folders.

    Each dataset's step lists only its own folder: a province inbox holds thousands of
    files, and twelve walks of all of them cost a second of every run.
    """
    folder = inbox / dataset
    try:
        st = folder.lstat()
    except OSError:
        return []
    if not stat.S_ISDIR(st.st_mode):  # a link to a folder is a stray, never followed
        return []
    files: list[Path] = []
    for path, entry, exc in _entries(folder):
        if exc is None and entry is not None and stat.S_ISREG(entry.st_mode):
            if not _ignored_name(path.name):
                files.append(path)
    return files


def display_name(text: str) -> str:
    """A path or name as people can read it, and as every text sink can store it.

    Names that are not valid UTF-8 (an archive made on Windows, unpacked on Linux, keeps its
    GBK bytes) reach Python with surrogate escapes, which neither DuckDB nor a log can
    encode. Their bytes are read as GB18030 (a superset of GBK) when that decodes them;
    otherwise the undecodable bytes are shown as \\xNN escapes.
    """
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    raw = os.fsencode(text)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", errors="backslashreplace")


def relative_name(path: Path, inbox: Path) -> str:
    """The name of an inbox entry as the ledger records it: relative, readable, storable."""
    return display_name(path.relative_to(inbox).as_posix())


def _open_fd(path: Path, inbox: Path) -> int:
    """A descriptor of the regular file `path`, after checking it lies inside the inbox; the
    last component is opened with O_NOFOLLOW (a folder swapped for a link since the scan
    fails the containment check). Any failure is the file's rejection."""
    root = inbox.resolve()
    try:
        parent = path.parent.resolve(strict=True)
    except OSError as exc:
        raise RejectedFile(f"无法读取文件 (cannot read file: {exc.strerror})") from exc
    if parent != root and root not in parent.parents:
        raise RejectedFile("文件位于收件箱之外，未读取 (file lies outside the inbox; not read)")
    # O_NONBLOCK: a fifo put in place of the file must not block the run.
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(parent / path.name, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise RejectedFile(SYMLINK_REASON) from exc
        raise RejectedFile(f"无法读取文件 (cannot read file: {exc.strerror})") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise RejectedFile(SPECIAL_REASON.format(kind=_kind(st.st_mode)))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _too_large(size: int, limit: int) -> RejectedFile:
    mb = 1024 * 1024
    return RejectedFile(
        f"文件过大：{size // mb} MB，上限 {limit // mb} MB "
        f"(file too large: {size} bytes, limit {limit})"
    )


def read_inbox_file(path: Path, inbox: Path, *, limit: int | None = None) -> bytes:
    """The bytes of a regular file inside the inbox, no larger than `limit` (MAX_FILE_BYTES),
    never following a link. Anything else, and any error reading it, is that file's rejection."""
    limit = MAX_FILE_BYTES if limit is None else limit
    fd = _open_fd(path, inbox)
    try:
        with os.fdopen(fd, "rb") as fh:
            if os.fstat(fh.fileno()).st_size > limit:
                raise _too_large(os.fstat(fh.fileno()).st_size, limit)
            data = fh.read(limit + 1)
    except OSError as exc:
        raise RejectedFile(f"无法读取文件 (cannot read file: {exc.strerror})") from exc
    if len(data) > limit:  # grew since checked
        raise _too_large(len(data), limit)
    return data


def hash_inbox_file(path: Path, inbox: Path) -> str:
    """sha256 of a regular file inside the inbox, streamed, with `read_inbox_file`'s checks."""
    fd = _open_fd(path, inbox)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise RejectedFile(f"无法读取文件 (cannot read file: {exc.strerror})") from exc
    return digest.hexdigest()
