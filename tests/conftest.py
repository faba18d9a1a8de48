"""Shared fixtures: the real corpus path; stage fixtures live in tests/<stage>/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.corpus import DEFAULT_CORPUS_PATH


@pytest.fixture(scope="session")
def corpus_path() -> Path:
    return DEFAULT_CORPUS_PATH
