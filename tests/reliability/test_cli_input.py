"""Bad input on the command line: other languages, undecodable bytes, bad batch lines, a missing file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from app.cli import main

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(300)]

RU_Q = "Сколько иммигрантов проживало на Тайване в 2023 году?"


def _cli(*args: str | bytes, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], capture_output=True, timeout=timeout, check=False
    )


def test_russian_question_exits_2_with_the_bilingual_refusal() -> None:
    proc = _cli("ask", RU_Q)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "Traceback" not in err
    (line,) = [ln for ln in err.splitlines() if ln.startswith("nia-qa: error:")]
    assert "Chinese or English" in line and "中文或英文" in line


def test_invalid_utf8_argument_is_an_error_not_silently_dropped() -> None:
    proc = _cli("ask", os.fsdecode(b"How many \xff\xfe new immigrants?").encode("utf-8", "surrogateescape"))
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "UTF-8" in err and "Traceback" not in err


def test_missing_batch_file_is_noticed_before_the_pipeline_loads(tmp_path) -> None:
    t0 = time.monotonic()
    proc = _cli("ask", "--batch", str(tmp_path / "nope.jsonl"), timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 2 and "nope.jsonl" in err and "Traceback" not in err
    assert "Loading" not in err and "[ingest]" not in err  # nothing heavy ran
    assert time.monotonic() - t0 < 30


@pytest.fixture
def cli_pipeline(pipeline, monkeypatch):
    """Reuse the session pipeline instead of loading one per CLI call."""
    import app.pipeline

    monkeypatch.setattr(app.pipeline, "build_pipeline", lambda *a, **k: pipeline)
    return pipeline


def test_batch_survives_bad_lines_with_one_error_object_each(cli_pipeline, tmp_path, capsys) -> None:
    good = json.dumps({"id": "ok", "question": "What is the phone number of the Taipei City Service Center?"})
    follow = json.dumps(
        {"id": "f", "question": "那高雄市服務站呢？", "history": ["臺北市服務站的電話是多少？"]},
        ensure_ascii=False,
    )
    lines = [
        good.encode(),
        b'{"id": "bin", "question": "\xff\xfe"}',  # not UTF-8
        json.dumps({"id": "n", "question": 5}).encode(),
        b"[1, 2, 3]",
        b"{not json",
        json.dumps({"id": "h", "question": "q", "history": "not a list"}).encode(),
        json.dumps({"id": "ru", "question": RU_Q}, ensure_ascii=False).encode(),
        follow.encode(),
        good.encode(),
    ]
    batch = tmp_path / "q.jsonl"
    batch.write_bytes(b"\n".join(lines) + b"\n")
    rc = main(["ask", "--batch", str(batch)])
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rc == 1 and len(rows) == len(lines)
    assert [r.get("id") for r in rows] == ["ok", None, "n", None, None, "h", "ru", "f", "ok"]
    for i in (1, 2, 3, 4, 5, 6):
        assert set(rows[i]) - {"id"} == {"line", "error"} and rows[i]["line"] == i + 1
    assert "string" in rows[2]["error"] and "UTF-8" in rows[1]["error"]
    assert "中文或英文" in rows[6]["error"]
    assert "02-23885185" in rows[0]["answer"] and rows[8]["answer"] == rows[0]["answer"]
    assert rows[7]["answer"] and "error" not in rows[7]
