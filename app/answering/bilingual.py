"""The report's two languages: a sentence's translation, answers in the asker's language, and where
the translation says less or other than the original (a Chinese original as its own proposal, a
discrepancy warning when the figures differ, the other language's name when one is asked for).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from app.answering.evidence import Candidate, EvidenceScorer, satisfies
from app.answering.figures import discrepant_figures
from app.answering.question import QuestionAnalysis, months_in
from app.answering.sentences import split_sentences
from index.normalize import number_forms
from ingest.records import Section

if TYPE_CHECKING:
    from app.answering.report_view import ReportView

MAX_ANSWER_CHARS = 300
TRANSLATION_SIMILARITY = 0.82  # e5-small cosine of a sentence and its translation: 0.82-0.87 on the report


class Bilingual:
    """Translation lookups over the aligned zh/en sections of the report."""

    def __init__(
        self,
        view: ReportView,
        scorer: EvidenceScorer,
        config: Any,
        query_vector: Callable[[str], np.ndarray] | None = None,
    ) -> None:
        self.view = view
        self.scorer = scorer
        self.config = config
        self.query_vector = query_vector

    def twin_sentence(self, sentence: str, section: Section) -> tuple[str, Section, int] | None:
        """The sentence of the aligned section that translates ``sentence``, with its count of shared numbers.

        Translations keep numbers, acronyms and the order of sentences, so those decide.
        """
        twin = self.view.twin(section)
        if twin is None:
            return None
        own = split_sentences(section.text, section.lang)
        others = split_sentences(twin.text, twin.lang)
        if not others:
            return None
        pos = own.index(sentence) / max(len(own) - 1, 1) if sentence in own else 0.5
        nums = number_forms(sentence) - {"1", "2", "3"}
        latin = set(re.findall(r"[A-Za-z][A-Za-z\-]{1,}", sentence))
        vectors = self.scorer.vectors
        own_vec = None
        if vectors is not None:
            # A two-sentence window is the mean of its sentences' vectors.
            own_vec = vectors.vector([sentence])
            if own_vec is None:
                own_vec = vectors.vector(split_sentences(sentence, section.lang))
        best: tuple[float, int, str] | None = None
        for j, other in enumerate(others):
            shared = len(nums & number_forms(other))
            score = 2.0 * shared + 0.5 * len(latin & set(re.findall(r"[A-Za-z][A-Za-z\-]{1,}", other)))
            score += 1.0 - abs(pos - j / max(len(others) - 1, 1))
            if own_vec is not None:
                # The multilingual embedding of a translation sits close to its original.
                other_vec = vectors.vector([other])  # type: ignore[union-attr]
                if other_vec is not None:
                    score += 10.0 * max(0.0, float(own_vec @ other_vec) - 0.8)
            if best is None or score > best[0]:
                best = (score, shared, other)
        assert best is not None
        return best[2], twin, best[1]

    def original_only(self, q: QuestionAnalysis, candidates: list[Candidate]) -> list[Candidate]:
        """A translation sometimes drops the very detail asked for ("102 Civil Defense Service personnel"
        without the 113年 the Chinese gives). The Chinese originals of the strongest English sentences
        become candidates with the English sentence's term coverage, answered from the Chinese, saying so;
        the policy weighs them against the English sentences (``n_original_only``)."""
        if q.lang != "en":
            return []
        out: list[Candidate] = []
        english = [c for c in candidates if c.section.lang == "en" and c.width == 1]
        for c in sorted(english, key=lambda c: -c.coverage)[: self.config.original_proposals]:
            if satisfies(q, c.sentence):
                continue  # the translation itself states the asked kind: the texts do not disagree
            found = self.twin_sentence(c.sentence, c.section)
            if found is None or not satisfies(q, found[0]) or not self.translates(c.sentence, found[0]):
                continue
            zh_sentence, zh_section, _ = found
            # The Chinese sentence may cover two English ones: the next English sentence states the figure.
            following = next_sentence(c)
            if (
                following
                and satisfies(q, following)
                and (number_forms(following) & number_forms(zh_sentence))
            ):
                text = f"{c.sentence} {following}"
                out.append(replace(c, sentence=text, score=self.scorer.rescore(q, c, text), width=2))
                continue
            if q.months and not (q.months & months_in(zh_sentence, "zh")):
                continue
            score = self.scorer.rescore(q, c, zh_sentence)
            out.append(replace(c, section=zh_section, sentence=zh_sentence, score=score, original_only=True))
        return out

    def translates(self, sentence: str, other: str) -> bool:
        """Whether ``other`` reads as the translation of ``sentence`` (multilingual embeddings agree)."""
        vectors = self.scorer.vectors
        if vectors is None:
            return False
        a, b = vectors.vector([sentence]), vectors.vector([other])
        return a is not None and b is not None and float(a @ b) >= TRANSLATION_SIMILARITY

    def in_asker_language(self, q: QuestionAnalysis, best: Candidate) -> tuple[str, Section, str]:
        """Evidence sentence in the question's language, via the aligned twin when needed."""
        sec = best.section
        if best.original_only:
            return best.sentence, sec, "(Stated in the Chinese original only.) "
        if sec.lang == q.lang or sec.section_id.startswith("appendix/"):
            return best.sentence, sec, ""
        nums = number_forms(best.sentence) - {"1", "2", "3"}
        found = self.twin_sentence(best.sentence, sec)
        if found is not None:
            sent, twin, shared = found
            if nums and shared >= max(1, len(nums) // 2):
                return sent, twin, ""
        note = "（此資訊見於英文版）" if q.lang == "zh" else "(Stated in the Chinese original only.) "
        return best.sentence, sec, note

    def english_naming(self, q: QuestionAnalysis, best: Candidate) -> str | None:
        """For "英文名稱/縮寫是什麼": the sentence of the English twin section that names the thing (an
        acronym when one is asked for), closest to both the question and the Chinese evidence."""
        twin = self.view.twin(best.section)
        vectors = self.scorer.vectors
        if twin is None or vectors is None or self.query_vector is None:
            return None
        acronym = bool(ASKS_ACRONYM.search(q.search_text))
        qvec = self.query_vector(q.search_text)
        zh_vec = vectors.vector([best.sentence])
        pick: tuple[float, str] | None = None
        for sent in split_sentences(twin.text, twin.lang):
            vec = vectors.vector([sent])
            if vec is None or not name_clauses(sent, acronym=acronym):
                continue
            score = float(vec @ qvec) + (float(vec @ zh_vec) if zh_vec is not None else 0.0)
            if pick is None or score > pick[0]:
                pick = (score, sent)
        return pick[1] if pick else None

    def with_other_language(
        self, text: str, sentence: str, section: Section, first: object = None, other: str | None = None
    ) -> str:
        """Append the other language's version of the evidence when it fits: translations add or drop
        details (an acronym, the kind of visa), and staff need both texts anyway."""
        if other is None:
            found = self.twin_sentence(sentence, section)
            if found is None:
                return text
            other = found[0]
        label = "（英文版：{}）" if section.lang == "zh" else " (Chinese original: {})"
        if first:  # "英文名稱是什麼？": the other language's text is the answer itself
            if section.lang == "zh":
                other = name_clauses(other, acronym=bool(ASKS_ACRONYM.search(str(first)))) or other
            other = other if len(other) <= 200 else other[:199] + "…"
            text = (
                text
                if len(text) <= MAX_ANSWER_CHARS - len(other) - 8
                else text[: MAX_ANSWER_CHARS - len(other) - 9] + "…"
            )
        room = MAX_ANSWER_CHARS - len(text) - len(label) + 2
        if room < 40:
            return text
        if len(other) > room:
            other = other[: room - 1] + "…"
        return text + label.format(other)

    def discrepancy(self, best: Candidate) -> tuple[str, ...]:
        """A warning when the cited passage's Chinese original and English translation state different figures."""
        twin = self.view.twin(best.section)
        if twin is None:
            return ()
        if best.section.lang == "zh":
            zh_sent, en_text, en_path = best.sentence, twin.text, twin.path_str
            missing = discrepant_figures(zh_sent, en_text)
        else:
            found = self.twin_sentence(best.sentence, best.section)
            if found is None:
                return ()
            zh_sent, en_text, en_path = found[0], best.section.text, best.section.path_str
            missing = discrepant_figures(zh_sent, en_text)
        if not missing:
            return ()
        figures = ", ".join(missing)
        return (
            f"中文原文的數字 {figures} 未見於英文譯文（{en_path}），以中文原文為準。"
            f" / The English translation does not state {figures} as the Chinese original does;"
            " the Chinese original is authoritative.",
        )


def next_sentence(c: Candidate) -> str:
    sentences = split_sentences(c.section.text, c.section.lang)
    i = c.index + c.width
    return sentences[i] if i < len(sentences) else ""


ASKS_ACRONYM = re.compile(r"縮寫|簡稱|abbreviat|acronym", re.I)
_ACRONYM = re.compile(r"\b(?!NIA\b)[A-Z][A-Z0-9&]{1,}[a-z]?\b")
_TITLE_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of|and|for|the|on|in|&)?\s*[A-Z][\w'’-]*){1,}")


def name_clauses(sentence: str, *, acronym: bool) -> str:
    """The clauses of an English sentence that carry a name (a run of capitalised words) or an acronym."""
    clauses = [c.strip() for c in re.split(r"(?<=[,;])\s+(?!\d)", sentence) if c.strip()]
    keep = []
    for c in clauses:
        body = re.sub(r"^\W*\w+", "", c)  # a sentence's first word is capitalised anyway
        if _ACRONYM.search(c) if acronym else (_TITLE_RUN.search(body) or _ACRONYM.search(c)):
            keep.append(c)
    text = " ".join(keep).rstrip(",;")
    return text if len(text) <= 220 else text[:219] + "…"
