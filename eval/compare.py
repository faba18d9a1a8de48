"""`nia-qa eval --compare OLD_DIR NEW_DIR`: which items flipped between two runs.

When either run is of a blind set, only ids and flags are printed (no question or answer text).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eval.results import ItemResult, read_results


@dataclass(frozen=True)
class Comparison:
    regressed: list[tuple[ItemResult, ItemResult]]  # right -> wrong
    fixed: list[tuple[ItemResult, ItemResult]]  # wrong -> right
    only_old: list[str]
    only_new: list[str]
    n_common: int
    old_correct: int  # on the common items
    new_correct: int


def compare_results(old: list[ItemResult], new: list[ItemResult]) -> Comparison:
    old_by = {r.id: r for r in old}
    new_by = {r.id: r for r in new}
    common = [i for i in new_by if i in old_by]
    return Comparison(
        regressed=[(old_by[i], new_by[i]) for i in common if old_by[i].correct and not new_by[i].correct],
        fixed=[(old_by[i], new_by[i]) for i in common if not old_by[i].correct and new_by[i].correct],
        only_old=[i for i in old_by if i not in new_by],
        only_new=[i for i in new_by if i not in old_by],
        n_common=len(common),
        old_correct=sum(old_by[i].correct for i in common),
        new_correct=sum(new_by[i].correct for i in common),
    )


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _given(r: ItemResult) -> str:
    return ("(abstained) " if r.abstained else "") + _short(r.answer)


def _flags(r: ItemResult) -> str:
    cited = {True: "cited", False: "miscited", None: "-"}[r.citation_correct]
    return f"{'right' if r.correct else 'wrong'}, {'abstained' if r.abstained else 'answered'}, {cited}"


def _blind_lines(pairs: list[tuple[ItemResult, ItemResult]]) -> list[str]:
    return [f"  {n.id} ({n.lang}, {n.type}): old {_flags(o)} -> new {_flags(n)}" for o, n in pairs]


def _text_lines(pairs: list[tuple[ItemResult, ItemResult]], expected: bool) -> list[str]:
    lines: list[str] = []
    for o, n in pairs:
        lines.append(f"  {n.id} ({n.lang}, {n.type}): {_short(n.question, 100)}")
        if expected:
            lines.append(f"    expected: {_short(n.expected)}")
        lines += [f"    old: {_given(o)}", f"    new: {_given(n)}"]
    return lines


def format_comparison(c: Comparison, old_dir: Path, new_dir: Path, blind: bool = False) -> str:
    """The flipped items; ``blind``: ids and flags only."""

    def items(pairs: list[tuple[ItemResult, ItemResult]], expected: bool) -> list[str]:
        return _blind_lines(pairs) if blind else _text_lines(pairs, expected)

    lines = [
        f"{old_dir} -> {new_dir}: {c.n_common} common items, correct {c.old_correct} -> {c.new_correct}",
        "",
        f"right -> wrong ({len(c.regressed)}):",
        *items(c.regressed, expected=True),
        "",
        f"wrong -> right ({len(c.fixed)}):",
        *items(c.fixed, expected=False),
    ]
    if c.only_old or c.only_new:
        lines += [
            "",
            f"only in old: {', '.join(c.only_old) or '-'}",
            f"only in new: {', '.join(c.only_new) or '-'}",
        ]
    return "\n".join(lines)


def compare_dirs(old_dir: Path, new_dir: Path) -> Comparison:
    return compare_results(read_results(Path(old_dir)), read_results(Path(new_dir)))


def is_blind_run(run_dir: Path) -> bool:
    """Whether a run directory holds a blind set's run (its summary.json says so)."""
    path = Path(run_dir) / "summary.json"
    try:
        return bool(json.loads(path.read_text(encoding="utf-8")).get("blind"))
    except (OSError, ValueError, AttributeError):
        return False
