"""Where the report lives and how we recognise it."""

from __future__ import annotations

import hashlib
from pathlib import Path

#: sha256 of data/corpus/nia-2023-annual-report.md as shipped; a different file is
#: still ingested, but manifests record its own hash so stale artefacts rebuild.
EXPECTED_CORPUS_SHA256 = "213f7175ba73f36c0a92fb4811131264a38ca11106851c79db16cd520e7e1470"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS_PATH = PROJECT_ROOT / "data" / "corpus" / "nia-2023-annual-report.md"
DEFAULT_BUILD_DIR = PROJECT_ROOT / "data" / "build"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
