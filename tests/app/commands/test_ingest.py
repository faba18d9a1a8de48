"""`nia-qa ingest` through app.cli.main: stats JSON contract and one-line errors for bad input."""

from __future__ import annotations

import json

import pytest

from app.cli import main

STATS_KEYS = [
    "sections",
    "toc_entries",
    "toc_matched",
    "aligned_pairs",
    "tables",
    "table_rows",
    "table_sum_mismatches",
    "offices",
    "chunks",
]


def _error_lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.startswith("nia-qa: error:")]


@pytest.mark.integration
def test_stats_json(tmp_path, corpus_path, capsys):
    rc = main(["ingest", "--corpus", str(corpus_path), "--out", str(tmp_path / "out"), "--stats", "--json"])
    out, err = capsys.readouterr()
    assert rc == 0
    stats = json.loads(out)
    assert list(stats) == STATS_KEYS
    assert list(stats["chunks"]) == ["zh", "en", "table", "office"]
    assert stats["toc_matched"] == stats["toc_entries"]
    assert "[ingest]" in err  # progress goes to stderr, stdout is only the JSON


@pytest.mark.integration
def test_readable_summary(tmp_path, corpus_path, capsys):
    rc = main(["ingest", "--corpus", str(corpus_path), "--out", str(tmp_path / "out"), "--stats"])
    out, _ = capsys.readouterr()
    assert rc == 0
    assert "TOC matched   zh 138/138, en 138/138" in out


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


BAD_INPUTS = {
    "missing": None,
    "empty": b"",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20,
    "non-utf8": "# 目次\n第壹章 重大法案修正\n".encode("big5"),
    "unrecognisable": b"# Some other document\n\nJust a paragraph of text.\n",
}


@pytest.mark.unit
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, capsys, case):
    src = tmp_path / "src"
    src.mkdir()
    corpus = src / "report.md"
    if BAD_INPUTS[case] is not None:
        _write(corpus, BAD_INPUTS[case])
    build = tmp_path / "build"
    build.mkdir()
    rc = main(["ingest", "--corpus", str(corpus), "--out", str(build / "ingest")])
    out, err = capsys.readouterr()
    assert rc == 2
    assert len(_error_lines(err)) == 1, err
    assert "Traceback" not in err
    assert list(build.iterdir()) == []  # no output dir, no temp leftovers
