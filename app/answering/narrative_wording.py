"""The wording of narrative answers: the best sentence with its neighbouring figure, cut to the clauses
that carry the question's terms when it is too long."""

from __future__ import annotations

import re

from app.answering.bilingual import MAX_ANSWER_CHARS
from app.answering.evidence import Candidate, EvidenceScorer, satisfies
from app.answering.question import QuestionAnalysis

_NUMERIC_TYPES = frozenset({"count", "amount", "percent"})


# Answer kinds that a sentence either can or cannot answer, judged from its text alone.
_STRICT_TYPES = frozenset({"count", "amount", "percent", "date", "duration"})


def with_figure_neighbour(q: QuestionAnalysis, best: Candidate, candidates: list[Candidate]) -> Candidate:
    """For a figure question, the best sentence plus its neighbour when that neighbour also states a
    figure on the same topic (the report often gives the total and its breakdown, or the applications
    and the approvals, in consecutive sentences)."""
    if q.answer_type not in _NUMERIC_TYPES | {"duration"} or best.width != 1:
        return best
    joiner = "" if best.section.lang == "zh" else " "
    pick: Candidate | None = None
    for c in candidates:
        if c.section is not best.section or c.width != 1 or abs(c.index - best.index) != 1:
            continue
        if c.score < 0.6 * best.score or not satisfies(q, c.sentence):
            continue
        if len(best.sentence) + len(c.sentence) + 1 > MAX_ANSWER_CHARS:
            continue
        if pick is None or c.score > pick.score:
            pick = c
    if pick is None:
        return best
    first, second = (best, pick) if best.index < pick.index else (pick, best)
    text = first.sentence + joiner + second.sentence
    return Candidate(best.section, text, best.score, best.coverage, first.index, best.section_rank, 2)


def trim(
    sentence: str,
    weights: dict[str, float],
    scorer: EvidenceScorer,
    limit: int = MAX_ANSWER_CHARS,
    q: QuestionAnalysis | None = None,
) -> str:
    """Cut an over-long sentence to the clauses that carry the question's terms and numbers; a clause
    that holds the asked kind of answer (the date of a "when", the figure of a "how many") is kept first."""
    if len(sentence) <= limit:
        return sentence
    # Split at clause punctuation, but not inside "December 14, 2022" or "1,234".
    clauses = [c for c in re.split(r"(?<=[，；;：:])|(?<=,)(?!\s?\d)", sentence) if c]
    scored = []
    for i, c in enumerate(clauses):
        terms = set(scorer.terms(c))
        score = sum(w for t, w in weights.items() if t in terms) + (0.5 if re.search(r"\d", c) else 0)
        if q is not None and q.answer_type in _STRICT_TYPES and satisfies(q, c):
            score += sum(weights.values())
        scored.append((score, i))
    keep: set[int] = set()
    length = 0
    for _, i in sorted(scored, reverse=True):
        if length + len(clauses[i]) > limit - 3:
            continue
        keep.add(i)
        length += len(clauses[i])
    text = "".join(clauses[i] for i in sorted(keep)).strip("，,；; ")
    if not text:  # no single clause fits: cut the sentence itself
        text = sentence[: limit - 1] + "…"
    return text[: limit - 1] + "…" if len(text) >= limit else text
