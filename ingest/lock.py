"""One builder at a time: an exclusive ``flock`` on a file beside the artefacts.

>>> with build_lock(build_dir / ".lock-ingest"):
...     if is_stale(...):          # check again inside the lock: another builder may have just built it
...         run_ingest(...)

Two workers starting on an empty build directory, or `nia-qa build` while a server starts, no
longer build the same directory at once: the second waits, then finds the output fresh. The lock
is released when the holder exits, however it exits (the kernel drops it with the file descriptor).
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def build_lock(path: Path, *, announce: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing); blocks while another builder holds it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if announce:
                print(f"nia-qa: another build holds {path.name}; waiting for it", file=sys.stderr, flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
