"""`nia-qa ask`: the DESIGN.md JSON contract, media replies, batches and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.cli import main

CONTRACT_KEYS = {"question", "lang", "answer", "abstained", "citations", "latency_ms"}
CITATION_KEYS = {"section_id", "path_zh", "path_en", "page", "quote"}


@pytest.fixture
def cli_pipeline(pipeline, monkeypatch):
    """Reuse the session pipeline instead of loading one per CLI call."""
    import app.pipeline

    monkeypatch.setattr(app.pipeline, "build_pipeline", lambda *a, **k: pipeline)
    return pipeline


@pytest.mark.integration
def test_json_contract(cli_pipeline, capsys):
    assert main(["ask", "臺北市服務站的電話是多少？", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert set(obj) >= CONTRACT_KEYS
    assert obj["lang"] == "zh" and obj["abstained"] is False
    assert "02-23885185" in obj["answer"] and len(obj["answer"]) <= 300
    assert set(obj["citations"][0]) >= CITATION_KEYS


@pytest.mark.integration
def test_human_output_lists_numbered_sources(cli_pipeline, capsys):
    assert main(["ask", "How many e-Gates has the NIA set up at airports and seaports?"]) == 0
    out = capsys.readouterr().out
    assert "111" in out and "Sources:" in out and "[1] Chapter II Border Security Maintenance" in out


@pytest.mark.integration
def test_batch_keeps_ids_and_reports_bad_lines_without_stopping(cli_pipeline, tmp_path, capsys):
    batch = tmp_path / "q.jsonl"
    lines = [
        {"id": "q1", "question": "臺北市服務站的電話？"},
        "not json",
        {"id": "q3", "question": ""},
        {"id": "q4", "question": "What is the phone number of the Taipei City Service Center?"},
    ]
    batch.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines))
    rc = main(["ask", "--batch", str(batch)])
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert rc == 1  # some lines failed
    assert [r.get("id") for r in rows] == ["q1", None, "q3", "q4"]
    assert "02-23885185" in rows[0]["answer"] and "error" in rows[1] and "error" in rows[2]
    assert "02-23885185" in rows[3]["answer"]


@pytest.mark.unit
@pytest.mark.parametrize(
    "args",
    [["ask", ""], ["ask", "問" * 1001], ["ask", "日本の移民政策について教えてください"], ["ask"]],
)
def test_unusable_questions_exit_2_with_one_line_and_no_traceback(args):
    proc = subprocess.run(
        [sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("nia-qa: error:")]
    assert len(errors) == 1 and "Traceback" not in proc.stderr


HEAVY_MODULES = (
    "torch",
    "transformers",
    "sentence_transformers",
    "gradio",
    "fastapi",
    "matplotlib",
    "sklearn",
)


@pytest.mark.integration
def test_a_cold_ask_imports_no_heavy_library():
    """A fresh `nia-qa ask` (the worktree's built index, ONNX query encoder) answers without torch,
    transformers, the web stack, plotting or scikit-learn: each would add seconds to a cold start."""
    code = (
        "import sys; from app.cli import main\n"
        "rc = main(['ask', '112年底在臺新住民人數有多少？', '--json'])\n"
        f"print(rc, [m for m in {HEAVY_MODULES!r} if m in sys.modules], file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr[-500:]
    assert "59 萬 2,561" in json.loads(out.stdout)["answer"]
    assert out.stderr.strip().splitlines()[-1] == "0 []"
