"""Human-readable run report: ``report.md`` with tables, the failures, and a PNG chart (matplotlib, Agg).

A blind set's report has the aggregates only (by language, type, answer path, calibration, latency):
no failures, no citation misses, no item text.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from eval.gates import GateResult
from eval.metrics import RECALL_KS
from eval.results import ItemResult

CHART_NAME = "accuracy.png"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} ms"


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(text: str) -> str:
    return _one_line(text, 120).replace("|", "\\|")


def write_chart(metrics: dict[str, Any], path: Path | IO[bytes]) -> None:
    """Bar chart of accuracy by item type and by language (written with the Agg canvas, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    by_type = metrics.get("by_type", {})
    by_lang = metrics.get("by_lang", {})
    fig = Figure(figsize=(10, 4.2), dpi=100)
    FigureCanvasAgg(fig)
    ax_t, ax_l = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    panels = ((ax_t, by_type, "Accuracy by type", 30), (ax_l, by_lang, "Accuracy by language", 0))
    for ax, block, title, rotation in panels:
        names = list(block)
        values = [100 * (block[n]["accuracy"] or 0.0) for n in names]
        bars = ax.bar(range(len(names)), values, color="#4C72B0")
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(
            [f"{n}\n(n={block[n]['n']})" for n in names],
            rotation=rotation,
            ha="right" if rotation else "center",
            fontsize=8,
        )
        ax.set_ylim(0, 105)
        ax.set_ylabel("accuracy (%)")
        ax.set_title(title)
        ax.grid(axis="y", alpha=0.3)
        for bar, v in zip(bars, values, strict=True):
            ax.text(bar.get_x() + bar.get_width() / 2, v + 1, f"{v:.0f}", ha="center", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png")


def _block_table(title: str, key: str, blocks: dict[str, dict[str, Any]], latency: bool = False) -> list[str]:
    """Accuracy per language / type / answer path (``latency``: with each block's p50 latency)."""
    extra = " latency p50 |" if latency else ""
    lines = [
        f"## {title}",
        "",
        f"| {key} | n | correct | accuracy | answerable accuracy | citation accuracy |{extra}",
        "|---|---:|---:|---:|---:|---:|" + ("---:|" if latency else ""),
    ]
    for name, b in blocks.items():
        lines.append(
            f"| {name} | {b['n']} | {b['correct']} | {_pct(b['accuracy'])} | "
            f"{_pct(b['answerable_accuracy'])} | {_pct(b['citation_accuracy'])} |"
            + (f" {_ms(b['latency_p50_ms'])} |" if latency else "")
        )
    return [*lines, ""]


def _calibration_table(cal: dict[str, Any]) -> list[str]:
    lines = ["## Calibration", ""]
    if not cal["n"]:
        return [*lines, "No answer carries a confidence.", ""]
    lines += [
        f"{cal['n']} answers with a confidence: expected calibration error {_num(cal['ece'])}, "
        f"Brier score {_num(cal['brier'])}.",
        "",
        "| confidence | n | mean confidence | accuracy |",
        "|---|---:|---:|---:|",
    ]
    for b in cal["bins"]:
        lines.append(
            f"| {b['lo']:.1f}–{b['hi']:.1f} | {b['n']} | {_pct(b['mean_confidence'])} | {_pct(b['accuracy'])} |"
        )
    return [*lines, ""]


def _why(r: ItemResult) -> str:
    if r.error:
        return f"pipeline error: {_one_line(r.error, 200)}"
    if not r.answerable:
        return "answered instead of abstaining"
    if r.abstained:
        reason = "abstained on an answerable item"
    elif r.too_long:
        reason = f"answer longer than 400 characters ({len(r.answer)})"
    else:
        reason = "no must_include string in the answer"
    where = f"gold evidence at search rank {r.gold_rank}" if r.gold_rank else "gold evidence not in top 10"
    used = "in the answer's evidence" if r.evidence_rank else "not in the answer's evidence"
    return f"{reason}; {where}, {used}"


def _cited(r: ItemResult) -> str:
    if not r.citations:
        return "(none)"
    return "; ".join(_one_line(c.get("path_zh") or c.get("path_en") or "", 120) for c in r.citations[:3])


def _shape_rows(shape: dict[str, Any]) -> list[str]:
    """Answer length (median characters per language) and Chinese passages in English answers."""
    rows = [
        f"| median answer length, {lang} (answered) | {b['median_chars']:.0f} chars |"
        for lang, b in shape.items()
        if b.get("n")
    ]
    en = shape.get("en", {})
    if en.get("n"):
        rows.append(f"| English answers with a Chinese passage | {_pct(en.get('with_chinese_passage'))} |")
    return rows


def render_report(
    summary: dict[str, Any],
    results: Sequence[ItemResult],
    gate_results: Sequence[GateResult],
    blind: bool = False,
) -> str:
    """The markdown of ``report.md`` (the chart is linked as ``accuracy.png`` next to it)."""
    m = summary["metrics"]
    run = summary.get("run", {})
    ab, ret, lat = m["abstention"], m["retrieval"], m["latency_ms"]
    passed = all(g.passed for g in gate_results)
    lines = [
        "# nia-qa eval report" + (" (blind set: aggregates only)" if blind else ""),
        "",
        f"- Questions: `{run.get('questions_file')}` ({m['n']} items: {m['n_answerable']} answerable, "
        f"{m['n_unanswerable']} unanswerable){'; pipeline errors: ' + str(m['errors']) if m['errors'] else ''}",
        f"- Answerer: {run.get('answerer')}; embedding model: {run.get('embedding_model')}",
        f"- Corpus sha256: `{run.get('corpus_sha256')}`; git commit: `{run.get('git_commit')}`"
        f"{' (uncommitted changes)' if run.get('git_dirty') else ''}",
        f"- Started {run.get('started_at')}, took {run.get('duration_s')} s",
        "",
        f"## Gates: {'PASSED' if passed else 'FAILED'}",
        "",
    ]
    if gate_results:
        lines += ["| gate | metric | value | required | status |", "|---|---|---:|---:|---|"]
        for g in gate_results:
            lines.append(
                f"| {g.name} | {g.metric} | {_pct(g.value)} | {g.op} {_pct(g.threshold)} | {g.status} |"
            )
        missed = [g for g in gate_results if not g.passed]
        if missed:
            lines += ["", "Missed: " + "; ".join(g.describe() for g in missed)]
    else:
        lines.append("No gates configured.")
    lines += [
        "",
        "## Summary",
        "",
        "| metric | value |",
        "|---|---:|",
        f"| accuracy (all items) | {_pct(m['accuracy'])} |",
        f"| answerable accuracy | {_pct(m['answerable_accuracy'])} |",
        f"| citation accuracy (answerable) | {_pct(m['citation_accuracy'])} |",
        f"| abstention recall (unanswerable abstained) | {_pct(ab['recall'])} |",
        f"| abstention precision | {_pct(ab['precision'])} |",
        f"| false abstentions (answerable) | {_pct(ab['false_abstention_rate'])} |",
        f"| retrieval recall@1 / @4 / @10 (gold) | {_pct(ret['gold']['recall@1'])} / "
        f"{_pct(ret['gold']['recall@4'])} / {_pct(ret['gold']['recall@10'])} |",
        f"| retrieval MRR (gold) | {_num(ret['gold']['mrr'])} |",
        f"| latency p50 / p95 | {_ms(lat['p50'])} / {_ms(lat['p95'])} |",
        *_shape_rows(m.get("answer_shape", {})),
        "",
        f"![Accuracy by type and language]({CHART_NAME})",
        "",
    ]
    lines += _block_table("By language", "lang", m["by_lang"])
    lines += _block_table("By type", "type", m["by_type"])
    lines += _block_table("By answer path", "path", m["by_path"], latency=True)
    lines += _calibration_table(m["calibration"])
    lines += [
        "## Retrieval (answerable items, `search(q, k=10)`)",
        "",
        "| gold evidence | " + " | ".join(f"recall@{k}" for k in RECALL_KS) + " | MRR |",
        "|---|" + "---:|" * (len(RECALL_KS) + 1),
    ]
    for name, label in (("gold", "section or string"), ("section", "section"), ("must_include", "string")):
        b = ret[name]
        recalls = " | ".join(_pct(b[f"recall@{k}"]) for k in RECALL_KS)
        lines.append(f"| {label} | {recalls} | {_num(b['mrr'])} |")
    lines.append("")
    if not blind:
        lines += _item_sections(results)
    return "\n".join(lines)


def _item_sections(results: Sequence[ItemResult]) -> list[str]:
    """Failures and citation misses, item by item (never for a blind set)."""
    lines: list[str] = []
    failures = [r for r in results if not r.correct]
    lines += [f"## Failures ({len(failures)})", ""]
    for r in failures:
        given = "(abstained) " if r.abstained else ""
        lines += [
            f"### {r.id} ({r.lang}, {r.type})",
            "",
            f"- Question: {_one_line(r.question)}",
            f"- Expected: {_one_line(r.expected)}"
            + (f" (must include one of: {', '.join(r.must_include)})" if r.must_include else ""),
            f"- Given: {given}{_one_line(r.answer)}",
            f"- Why: {_why(r)}",
            "",
        ]
    if not failures:
        lines += ["None.", ""]

    cit = [r for r in results if r.answerable and r.citation_correct is False]
    lines += [f"## Citation misses ({len(cit)})", ""]
    if cit:
        lines += ["| id | answer correct | gold section | cited |", "|---|---|---|---|"]
        for r in cit:
            gold = r.section_zh or r.section_en
            lines.append(f"| {r.id} | {'yes' if r.correct else 'no'} | {_cell(gold)} | {_cell(_cited(r))} |")
    else:
        lines.append("None.")
    lines.append("")
    return lines
