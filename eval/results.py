"""One graded item of an eval run: a line of ``results.jsonl`` (read back by ``--compare``).

A blind set's line keeps only ids, flags and numbers (``BLIND_FIELDS``): never the question, the
answer, the gold or the citations (DESIGN.md: blind sets are read as numbers only).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from ingest.errors import UserError


@dataclass(frozen=True)
class ItemResult:
    id: str
    lang: str
    type: str
    question: str
    expected: str  # the item's reference answer
    must_include: tuple[str, ...]
    section_zh: str
    section_en: str
    answer: str
    abstained: bool
    citations: tuple[dict[str, Any], ...]  # Citation as in `ask --json`
    correct: bool
    citation_correct: bool | None  # None for unanswerable items
    latency_ms: float  # wall-clock of pipeline.ask
    answerer: str = ""  # as the Answer names it (may carry per-item details: not in a blind line)
    matched: tuple[str, ...] = ()  # must_include strings found in the answer
    too_long: bool = False
    search_latency_ms: float | None = None
    section_rank: int | None = None  # pipeline.search(q, k=10): first chunk of the gold section
    string_rank: int | None = None  # ... first chunk containing a must_include string
    gold_rank: int | None = None  # ... either (recall@k, MRR)
    evidence_rank: int | None = None  # same rule on the hits the answer chain itself used
    warnings: tuple[str, ...] = ()
    error: str | None = None  # the pipeline raised; the item counts as wrong
    route: str = ""  # the answer path: the Answer's optional `route`, else the answerer name
    confidence: float | None = None  # the Answer's optional calibrated probability of being right
    history: tuple[str, ...] = ()  # a follow-up's earlier questions
    answer_chars: int | None = None  # length of the answer text (a number: kept in blind lines)
    han_run: int | None = None  # longest run of Chinese characters in the answer (ditto)

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    def to_json_dict(self, blind: bool = False) -> dict[str, Any]:
        """The ``results.jsonl`` line; ``blind`` keeps ids, flags and numbers only."""
        out = asdict(self)
        for key in _TUPLE_FIELDS:
            out[key] = list(out[key])
        out["latency_ms"] = round(self.latency_ms, 1)
        if self.search_latency_ms is not None:
            out["search_latency_ms"] = round(self.search_latency_ms, 1)
        if not blind:
            return out
        blind_out = {key: out[key] for key in BLIND_FIELDS}
        blind_out["error"] = self.error is not None  # an exception text may quote the question
        return blind_out

    @classmethod
    def from_json_dict(cls, obj: dict[str, Any]) -> ItemResult:
        """Read a line back; the text fields a blind line leaves out are empty."""
        known = {f.name for f in fields(cls)}
        data: dict[str, Any] = {**_BLIND_DEFAULTS, **{k: v for k, v in obj.items() if k in known}}
        for key in _TUPLE_FIELDS:
            if key in data:
                data[key] = tuple(data[key])
        if isinstance(data.get("error"), bool):
            data["error"] = "error" if data["error"] else None
        return cls(**data)


_TUPLE_FIELDS = ("must_include", "citations", "matched", "warnings", "history")
#: what a blind set's results.jsonl keeps of an item (no question, answer, gold or citation text)
BLIND_FIELDS: tuple[str, ...] = (
    "id", "lang", "type", "correct", "citation_correct", "abstained", "too_long", "latency_ms",
    "search_latency_ms", "section_rank", "string_rank", "gold_rank", "evidence_rank", "route",
    "confidence", "error", "answer_chars", "han_run",
)  # fmt: skip
_BLIND_DEFAULTS: dict[str, Any] = {
    "question": "", "expected": "", "must_include": (), "section_zh": "", "section_en": "",
    "answer": "", "citations": (),
}  # fmt: skip


_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")


def longest_han_run(text: str) -> int:
    """The longest run of Chinese characters in ``text`` (a name is 2-4; a passage is longer)."""
    return max((len(m.group(0)) for m in _HAN_RUN.finditer(text)), default=0)


def read_results(run_dir: Path) -> list[ItemResult]:
    """The items of an earlier run (``DIR/results.jsonl``)."""
    path = Path(run_dir) / "results.jsonl"
    if not path.is_file():
        raise UserError(f"{path}: no such file (is {run_dir} an eval output directory?)")
    out: list[ItemResult] = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(ItemResult.from_json_dict(json.loads(line)))
        except (json.JSONDecodeError, TypeError) as exc:
            raise UserError(f"{path}:{lineno}: not a results line ({exc})") from exc
    return out
