"""`nia-qa build`: ingests and indexes only what is stale; a second run does nothing and says so."""

from __future__ import annotations

import pytest

from app.cli import main


@pytest.mark.integration
def test_build_is_idempotent(retriever, retriever_settings, monkeypatch, capsys):
    # The session retriever's index already sits in <build_dir>/index; its ingest output does not.
    monkeypatch.setenv("NIA_QA_BUILD_DIR", str(retriever_settings.build_dir))
    monkeypatch.setenv("NIA_QA_CACHE_DIR", str(retriever_settings.cache_dir))
    assert main(["build", "-q"]) == 0
    out = capsys.readouterr().out
    assert "ingest: built" in out and "index: up to date" in out  # same chunks -> the index is reused
    assert main(["build", "-q"]) == 0
    out = capsys.readouterr().out
    assert "ingest: up to date" in out and "index: up to date" in out
    assert "nothing to do" in out


@pytest.mark.unit
def test_build_reports_bad_model_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NIA_QA_BUILD_DIR", str(tmp_path / "build"))
    rc = main(["build", "-q", "--force", "--embedding-model", str(tmp_path / "no-such-model")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("nia-qa: error:") and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "build" / "index").exists()
