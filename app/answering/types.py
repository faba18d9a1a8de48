"""Typed records of the answering stage: what a resolver proposes and how the policy sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from app.records import Citation


class Route(StrEnum):
    """Which resolver produced a proposal (also the answer path reported by eval)."""

    OFFICE = "office"
    TABLE = "table"
    COMPUTE = "compute"
    NARRATIVE = "narrative"
    ABSTAIN = "abstain"


@dataclass(frozen=True)
class Draft:
    """What an answerer proposes before the chain formats it."""

    answer: str
    abstained: bool
    citations: tuple[Citation, ...]
    reason: str = ""  # why it abstained / which resolver answered
    warnings: tuple[str, ...] = ()
    route: Route = Route.NARRATIVE
    confidence: float | None = None  # calibrated P(correct) when a fitted policy decided


@dataclass(frozen=True)
class Proposal:
    """One candidate answer with the generic features the policy scores it by (name -> value)."""

    draft: Draft
    features: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def route(self) -> Route:
        return self.draft.route
