"""Compute the next items of a sequence on worker threads while the caller uses the current one.

Ingestion writes one file at a time, in order, through a single DuckDB connection; reading
and typing the next files does not depend on those writes, so it can run meanwhile. Threads,
not processes: the heavy parts (polars kernels, calamine, DuckDB's own execution, sha256)
release the GIL, and the prepared frames stay in this process instead of being copied
between processes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def ordered_prefetch(
    fn: Callable[[T], R], items: Iterable[T], *, workers: int, ahead: int
) -> Iterator[tuple[T, R]]:
    """Yield (item, fn(item)) in the order of `items`.

    With workers > 1, up to `ahead` items beyond the one the caller holds are being computed
    (or wait, computed) at any time, which bounds memory to `ahead + 1` results. An exception
    raised by fn(item) is raised here when that item's turn comes, as in a plain loop; when
    the caller stops early, queued work is cancelled and running work is waited for.
    """
    if workers <= 1 or ahead <= 0:
        for item in items:
            yield item, fn(item)
        return
    pending: deque[tuple[T, Future[R]]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="auxwatch-prepare") as pool:
        try:
            for item in items:
                pending.append((item, pool.submit(fn, item)))
                if len(pending) > ahead:
                    first, future = pending.popleft()
                    yield first, future.result()
            while pending:
                first, future = pending.popleft()
                yield first, future.result()
        finally:
            for _, future in pending:
                future.cancel()
