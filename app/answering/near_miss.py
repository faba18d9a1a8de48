"""Synthetic near-miss questions: a dev question moved to a year or a place its evidence does not have.

Real users ask the right topic for another year or another city; the report then has no answer, and
the neighbouring figure must not be given. Such questions are made here from the labelled dev questions
(never from a blind set): the asked year is moved five years back, or a place the question names is
swapped for another place of the report, and the variant is kept only when the gold section (its text,
its table's labels, its offices) never mentions the new year or place. Every variant is labelled
unanswerable and stays in its original's fold group.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from app.answering.question import ROC_OFFSET
from app.records import LabeledQuestion

YEAR_SHIFT = 5
_ZH_YEAR = re.compile(r"(?<!\d)(1[01]\d)(\s*年)")
_EN_YEAR = re.compile(r"(?<!\d)(20[0-4]\d)(?!\d)")


def _last(path: str) -> str:
    return path.split(" > ")[-1].strip()


def _gold_text(example: LabeledQuestion, texts_by_heading: dict[str, str]) -> str:
    return " ".join(texts_by_heading.get(_last(p), "") for p in (example.section_zh, example.section_en) if p)


def _year_variant(example: LabeledQuestion, gold: str) -> str | None:
    pattern = _ZH_YEAR if example.lang == "zh" else _EN_YEAR
    m = pattern.search(example.question)
    if m is None:
        return None
    year = int(m.group(1)) + (ROC_OFFSET if example.lang == "zh" else 0)
    moved = year - YEAR_SHIFT
    if str(moved) in gold or f"{moved - ROC_OFFSET}年" in gold.replace(" ", ""):
        return None
    new = str(moved - ROC_OFFSET) if example.lang == "zh" else str(moved)
    return example.question[: m.start(1)] + new + example.question[m.end(1) :]


def _place_variant(example: LabeledQuestion, gold: str, places: Sequence[str]) -> str | None:
    text = example.question.replace("台", "臺")
    named = sorted((p for p in places if len(p) >= 2 and p in text), key=len, reverse=True)
    if not named:
        return None
    old = named[0]
    folded_gold = gold.replace("台", "臺").lower()
    latin = old.isascii()
    others = [p for p in places if p.isascii() == latin and p != old and p.lower() not in folded_gold]
    others = [p for p in others if old not in p and p not in old]
    if not others:
        return None
    pick = int(hashlib.sha256(example.id.encode()).hexdigest(), 16) % len(others)
    return text.replace(old, others[pick], 1)


def near_misses(
    examples: Iterable[LabeledQuestion], texts_by_heading: dict[str, str], places: Iterable[str]
) -> list[LabeledQuestion]:
    """One year variant and one place variant per answerable example, where the evidence lacks them."""
    place_list = sorted(set(places))
    out: list[LabeledQuestion] = []
    for e in examples:
        if not e.answerable or e.history:
            continue
        gold = _gold_text(e, texts_by_heading)
        if not gold:
            continue
        for kind, question in (
            ("year", _year_variant(e, gold)),
            ("place", _place_variant(e, gold, place_list)),
        ):
            if question and question != e.question:
                out.append(
                    replace(e, id=f"{e.id}~{kind}", question=question, must_include=(), answerable=False)
                )
    return out
