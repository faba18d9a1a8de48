"""jieba's prefix dictionary (word -> frequency) in one file of shards, loaded as questions need them.

>>> table = FreqTable.open(dict_path, cache_dir)   # written once per dictionary, then ~1 ms to open
>>> tk = jieba.Tokenizer(str(dict_path)); table.install(tk)
>>> table.ensure(text); list(tk.cut(text))          # the shards of text's characters, then jieba

jieba keeps its whole prefix dictionary in one Python dict (826k entries for the Traditional +
Simplified dictionary): loading its marshal cache took ~1-2 s and ~120 MB in every process that
segments a question (each ``nia-qa ask``, each serve worker). Every entry a segmentation reads
(a word and its prefixes) starts with a character of the text, so the entries are stored in
shards by first character (``ord % SHARDS``), each marshalled on its own, and a shard is read the
first time a text needs it (jieba itself reads a plain dict). The shards hold exactly
what ``jieba.Tokenizer.gen_pfdict`` builds (every word and each of its prefixes, a prefix with
frequency 0) and the same ``total``, so segmentation is the same as with the whole dict.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import struct
import tempfile
import threading
from pathlib import Path
from typing import Any

#: Bump when the file layout changes (the file name carries it, so old files are not read).
FORMAT = 1
SHARDS = 4096  # words are grouped by their first character (ord % SHARDS); a word's prefixes share it
_MAGIC = b"NIAJFRQ1"
_HEADER = struct.Struct("<8sIIq")  # magic, format, shards, total


def _db_path(dict_path: Path, cache_dir: Path) -> Path:
    import jieba

    st = dict_path.stat()
    key = f"{FORMAT}|{SHARDS}|{jieba.__version__}|{dict_path.resolve()}|{st.st_size}|{st.st_mtime_ns}"
    return cache_dir / f"jieba-freq-{hashlib.sha256(key.encode()).hexdigest()[:16]}.bin"


def _shard(word: str) -> int:
    return ord(word[0]) % SHARDS


def _write(dict_path: Path, out: Path) -> None:
    """Build the file from ``dict_path`` with jieba's own parser; written to a temp file, then renamed."""
    import jieba

    with open(dict_path, "rb") as fh:
        freq, total = jieba.Tokenizer.gen_pfdict(fh)
    shards: list[dict[str, int]] = [{} for _ in range(SHARDS)]
    for word, n in freq.items():
        shards[_shard(word)][word] = n
    blobs = [marshal.dumps(s) for s in shards]
    offsets = [0]
    for b in blobs:
        offsets.append(offsets[-1] + len(b))
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=".jieba-freq-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(_HEADER.pack(_MAGIC, FORMAT, SHARDS, total))
            fh.write(struct.pack(f"<{SHARDS + 1}q", *offsets))
            fh.writelines(blobs)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class FreqTable:
    """jieba's ``FREQ`` as a plain dict (:attr:`words`) that holds the shards of the characters seen so far.

    Every entry jieba reads while segmenting a text (``get_DAG``, ``calc``, the HMM check, the
    search-mode n-grams, ``suggest_freq``, ``add_word``) is a substring of that text, so it starts with
    one of its characters: :meth:`ensure` (called with the text first) loads their shards. A shard
    never replaces an entry already there (a word added with ``add_word``). Lookups are dict lookups,
    as fast as with the whole dictionary. Shards load under a lock; one table may serve several threads.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDONLY)
        try:
            head = os.pread(self._fd, _HEADER.size, 0)
            magic, fmt, n_shards, total = _HEADER.unpack(head)
            if magic != _MAGIC or fmt != FORMAT or n_shards != SHARDS:
                raise ValueError(f"{self.path.name}: not a jieba frequency file of format {FORMAT}")
            raw = os.pread(self._fd, 8 * (SHARDS + 1), _HEADER.size)
            self._offsets = struct.unpack(f"<{SHARDS + 1}q", raw)
            self._base = _HEADER.size + len(raw)
            size = os.fstat(self._fd).st_size
            if self._offsets[0] != 0 or self._base + self._offsets[-1] != size:
                raise ValueError(f"{self.path.name} is truncated")
        except BaseException:
            os.close(self._fd)
            raise
        self.total: int = total
        self.words: dict[str, int] = {}
        self._loaded: set[int] = set()
        self._chars: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def open(cls, dict_path: Path, cache_dir: Path) -> FreqTable:
        """The table of ``dict_path`` in ``cache_dir``, written first if missing or damaged."""
        path = _db_path(Path(dict_path), Path(cache_dir))
        for attempt in (0, 1):
            try:
                if not path.is_file():
                    _write(Path(dict_path), path)
                return cls(path)
            except (OSError, ValueError, struct.error):
                if attempt:
                    raise
                with contextlib.suppress(OSError):
                    path.unlink()  # damaged (truncated, edited): written again
        raise AssertionError("unreachable")

    def install(self, tk: Any) -> None:
        """Make ``tk`` (a ``jieba.Tokenizer``) use :attr:`words` instead of loading its dictionary.

        Call :meth:`ensure` with every text before ``tk`` segments it (or adds it as a word).
        """
        tk.FREQ = self.words
        tk.total = self.total
        tk.initialized = True

    def ensure(self, text: str) -> None:
        """Load the shards of ``text``'s characters that are not loaded yet."""
        new = set(text) - self._chars
        if not new:
            return
        with self._lock:
            for ch in new:
                i = _shard(ch)
                if i not in self._loaded:
                    self._merge(self._read(i))
                    self._loaded.add(i)
            self._chars |= new

    def _read(self, i: int) -> dict[str, int]:
        start, end = self._offsets[i], self._offsets[i + 1]
        blob = os.pread(self._fd, end - start, self._base + start)
        if len(blob) != end - start:
            raise OSError(f"{self.path.name} is truncated")
        return marshal.loads(blob)

    def _merge(self, shard: dict[str, int]) -> None:
        words = self.words
        for word in shard.keys() & words.keys():  # (none when add_word followed ensure) kept as they are
            shard[word] = words[word]
        words.update(shard)

    @property
    def loaded_shards(self) -> int:
        return len(self._loaded)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()
