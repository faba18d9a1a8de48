"""Shared, cached parse of the real report's appendix for the appendix tests (parsed once per session)."""

from __future__ import annotations

from functools import cache

from ingest.appendix import AppendixResult, parse_appendix
from ingest.corpus import DEFAULT_CORPUS_PATH


@cache
def corpus_lines() -> tuple[str, ...]:
    return tuple(DEFAULT_CORPUS_PATH.read_text(encoding="utf-8").split("\n"))


def appendix_start(lines: tuple[str, ...]) -> int:
    """The ``# 2023 ANNUAL REPORT`` line right before ``## 附錄`` (found, not hard-coded)."""
    i = next(k for k, ln in enumerate(lines) if ln.strip() == "## 附錄")
    return next(k for k in range(i - 1, i - 4, -1) if "ANNUAL REPORT" in lines[k])


@cache
def parsed_appendix() -> AppendixResult:
    lines = corpus_lines()
    return parse_appendix(list(lines), appendix_start(lines))
