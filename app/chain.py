"""The answer chain as LangChain runnables: retrieve -> answer -> cite -> verify.

Each step is a ``RunnableLambda`` over a typed ``ChainState`` so backends (the
extractive answerer, an LLM answerer) plug in behind one interface and the
whole chain can be inspected or traced like any LCEL pipeline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from app.answering.extractive import Draft
from app.answering.question import QuestionAnalysis
from index.records import Hit


class Answerer(Protocol):
    name: str

    def answer(self, q: QuestionAnalysis, hits: list[Hit]) -> Draft: ...


@dataclass(frozen=True)
class ChainState:
    q: QuestionAnalysis
    hits: tuple[Hit, ...] = ()
    draft: Draft | None = None
    answerer: str = ""


def build_chain(
    search: Callable[[str, int], list[Hit]],
    primary: Answerer,
    fallback: Answerer | None,
    verify: Callable[[Draft, list[Hit]], str | None],
    k: int,
) -> Runnable[ChainState, ChainState]:
    """``primary`` answers; if ``verify`` rejects its draft, ``fallback`` (the extractive answerer) answers."""

    def retrieve(state: ChainState) -> ChainState:
        return replace(state, hits=tuple(search(state.q.search_text, k)))

    def answer(state: ChainState) -> ChainState:
        return replace(state, draft=primary.answer(state.q, list(state.hits)), answerer=primary.name)

    def check(state: ChainState) -> ChainState:
        assert state.draft is not None
        problem = verify(state.draft, list(state.hits))
        if problem is None or fallback is None:
            return state
        draft = fallback.answer(state.q, list(state.hits))
        return replace(state, draft=draft, answerer=f"{fallback.name} (fallback: {problem})")

    return RunnableLambda(retrieve) | RunnableLambda(answer) | RunnableLambda(check)
