"""Conversation state: what a follow-up inherits from the previous turn, and what it replaces.

A turn's state comes from generic signals of its answer, never from phrase lists per item:
the question analysis (years, months, the asked kind), the first citation's section, and —
where the answer came from a record — the table cell (table, row, column) whose value the
answer states, or the office it names. A follow-up then

- names another label of the same table ("那<另一月份>呢？", "And <another airport>?", "其中<另一類別>有多少？"):
  the other labels of the cell are kept, the named one replaces its own dimension, and the
  question is restated from the table's own title and labels;
- asks another attribute of the office just answered ("電話呢？", "and the fax?");
- names another year, month or place: it replaces that slot of the previous question;
- refers back with a pronoun ("when was it set up?"): the pronoun becomes the previous
  question's subject, the longest span of it that the cited evidence also contains.

A narrative answer whose figure a table also prints (in the cell whose labels the question names) lets
a follow-up naming another label of that table be answered from it. An answer that only repeats the
previous one, naming nothing the follow-up adds, is replaced by "the report does not say".

>>> conv = Conversation(tables, offices, places)         # once per pipeline
>>> state = conv.state(previous_resolved_question, previous_answer)
>>> conv.resolve("那8月呢？", "zh", state)
'「112年各機場、港口入出國（境）人數統計表」中8月的高雄港是多少？'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

from app.answering.arithmetic import asks_share
from app.answering.cell_words import label_shorthand, label_synonym
from app.answering.countries import ASKS_COUNTRY, countries_in
from app.answering.figures import figure_values
from app.answering.followup import asks_total, follow_up_term, is_follow_up, relative_dates, resolve_follow_up
from app.answering.matching import units, zh_bigrams
from app.answering.offices import OfficeMatch, answer_office
from app.answering.question import REPORT_YEAR, ROC_OFFSET, QuestionAnalysis, analyze, months_in, years_in
from app.answering.table_wording import answer_cell, answer_share
from app.answering.tables import CellMatch, compatible
from app.answering.types import Draft, Route
from app.records import Answer, Citation
from ingest.records import Office, Section, Table

if TYPE_CHECKING:
    from app.answering.extractive import ReportView

# Labels that only say "all of it": a follow-up naming them is not a new category.
_TOTAL_LABELS = frozenset({"總計", "合計", "計", "小計", "total", "sub-total", "subtotal"})
# English words a follow-up uses for a table's label ("woman" for "Female"), besides those the table
# matcher knows (cell_words.label_synonym).
_EN_LABEL_WORDS = {
    "woman": "female",
    "man": "male",
    "uses": "users",
    "usage": "users",
    "exited": "exits",
}
_EN_STOP = frozenset(
    """a an and are as at be by for from how in is it its of on or the their them there these this
    those to was were what when where which who with did does do had has have many much any all total
    number nia 2023 year been being""".split()
)
_EN_OCCURRENCES = frozenset({"times", "occasions"})  # counted units that are no antecedent of "they"
_ZH_PRONOUN = re.compile(r"它們|他們|她們|它|其|該單位|該機關|該計畫|這些|那些|此|這[部個項位]|該[法案項]")
_ZH_NARROW = re.compile(r"其中|各.*分別")
# Dates and times, which are no figure a follow-up asks for ("自 112 年 2 月 20 日 9 時起", "June 14, 2023").
_DATES = re.compile(
    r"\d+\s*[年月日時]|\b(?:19|20)\d\d\b|\b(?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\s+\d{1,2}\b",
    re.I,
)
_EN_CONTINUES = re.compile(r"(?:and|but|so|or|for|since|from|in|on|at|by|with|during|until)\b", re.I)
_EN_FRAGMENT_WORDS = 8
_EN_ELLIPTICAL_WORDS = 2  # content words (not _EN_STOP) at most in a question that names no subject
_EN_NARROWING = re.compile(r"\bof (?:those|them|these)\b", re.I)
_EN_PRONOUN = re.compile(r"\b(?:it|its|they|them|their|those|these|he|his|she|her)\b", re.I)
# "of those/them" and "they" refer to what the previous question counted ("How many X ...").
_EN_PLURAL = re.compile(r"\b(?:they|them|those|these|their)\b", re.I)
_EN_COUNTED = re.compile(
    r"\bhow many\s+((?:[\w\-]+\s+){0,5}?[\w\-]+?)\s+(?=(?:did|do|does|were|was|are|is|have|has|had|in|at|"
    r"from|with|for|to|by|on|during|hold|lived?|entered|went|used|received)\b)",
    re.I,
)
# "that" standing for the previous answer: at the end, as a subject ("does that represent"), or a figure.
_EN_THAT = re.compile(
    r"\b(?:that|then)\W*$|\bthat (?:month|year|period|day|figure|number|total|amount)\b|"
    r"\b(?:does|did|is|was|would) that\b(?! \w+ (?:of|in)\b)",
    re.I,
)
_EN_OWN_ASK = re.compile(
    r"^\W*(?:and|so|also)\s+(?:how|what|which|who|when|where|why|is|are|was|were|did|does|do)\b", re.I
)
_EN_MONTHS = "January February March April May June July August September October November December".split()
# "there" as a place ("How many were there?"), not "are there" / "there are".
_EN_THERE = re.compile(
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )\bthere\b(?!\s+(?:is|are|was|were|be)\b)", re.I
)
_CONTACT_ASKS = ("phone", "fax", "address")
_CONTACT_ZH = {"phone": "電話", "fax": "傳真", "address": "地址"}
_CONTACT_EN = {"phone": "phone number", "fax": "fax number", "address": "address"}


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().replace("台", "臺")


def _longest_named(text: str, offices: list[Office], *, ignore_spaces: bool = False) -> Office | None:
    """The office whose name (either language) ``text`` contains; the longest name wins."""

    def norm(t: str) -> str:
        return _fold(t).replace(" ", "") if ignore_spaces else _fold(t)

    folded = norm(text)
    named = [(len(n), o) for o in offices for n in (o.name_zh, o.name_en) if n and norm(n) in folded]
    return max(named, key=lambda x: x[0])[1] if named else None


def _bilingual(label: str) -> tuple[str, str]:
    """("高雄機場", "Kaohsiung Airport") from "高雄機場 Kaohsiung Airport"; either may be "". The Chinese
    part runs to its last Chinese word, so "桃園機場-T2 Taoyuan Airport-T2" keeps its "-T2" in both."""
    text = label.strip()
    m = re.match(r"^(.*[\u3400-\u9fff]\S*)\s+([^\u3400-\u9fff]*)$", text)
    if m:
        return m.group(1).strip(), m.group(2).strip()
    if re.search(r"[\u3400-\u9fff]", text):
        return text, ""
    return "", text


def _en_words(text: str) -> list[str]:
    # As the labels print them ("Terminal 2" -> "t2"), hyphenated label words apart ("Airport-T2").
    words = re.findall(r"[a-z][a-z0-9]*", _fold(label_shorthand(text)))
    return [_EN_LABEL_WORDS.get(w) or _synonym(w) for w in words]


def _en_content_words(text: str) -> list[str]:
    """The words of ``text`` that name something (not _EN_STOP, longer than two letters)."""
    return [w for w in _en_words(text) if w not in _EN_STOP and len(w) > 2]


def _synonym(word: str) -> str:
    """The tables' word for ``word`` or for its singular ("indonesians" -> "indonesia")."""
    said = label_synonym(word)
    if said != word:
        return said
    single = _stem(word)
    return label_synonym(single) if label_synonym(single) != single else word


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@dataclass(frozen=True)
class Label:
    """One label of a table: a row, or one level of a column header."""

    zh: str
    en: str

    @property
    def is_total(self) -> bool:
        return _fold(self.zh) in _TOTAL_LABELS or _fold(self.en) in _TOTAL_LABELS

    def found_in(self, question: str, lang: str, weights: dict[str, float] | None = None) -> int:
        """Length of this label's match in ``question`` (0 = not named). With ``weights`` (how
        distinctive each English label word is in its table) a label is named by most of its weight:
        "referrals" names "Referral Service" when "service" is shared by most of the table's labels."""
        q = _fold(question)
        zh = _fold(self.zh)
        if zh and zh in q.replace(" ", ""):
            return len(zh) * 3
        # Chinese labels without their kind suffix: "高雄" names "高雄港" only with the suffix, so
        # only labels whose name part carries the meaning ("越南" of "越南 Vietnam") match bare.
        words = [_stem(w) for w in _en_words(self.en) if w not in _EN_STOP]
        if not words:
            return 0
        asked = {_stem(w) for w in _en_words(question)}
        if all(w in asked for w in words):
            return sum(len(w) for w in words)
        if weights and len(set(words)) >= 2:
            total = sum(weights.get(w, 1.0) for w in set(words))
            hit = [w for w in set(words) if w in asked]
            if hit and sum(weights.get(w, 1.0) for w in hit) > total / 2:
                return sum(len(w) for w in hit)
        # "the Coast Guard" names "Coast Guard Administration, Ocean Affairs Council".
        if len(words) >= 3 and words[0] in asked and words[1] in asked:
            return len(words[0]) + len(words[1])
        return 0


@dataclass(frozen=True)
class Cell:
    table: Table
    row: int
    col: int

    @property
    def row_label(self) -> Label:
        r = self.table.rows[self.row]
        return Label(r.label_zh, r.label_en)

    @property
    def col_labels(self) -> tuple[Label, ...]:
        return _col_labels(self.table.columns[self.col])


def _col_labels(column: str) -> tuple[Label, ...]:
    return tuple(Label(*_bilingual(part)) for part in column.split(" / "))


@dataclass(frozen=True)
class TurnState:
    """What one answered turn resolved."""

    question: str  # the turn's question as resolved
    lang: str
    analysis: QuestionAnalysis
    abstained: bool
    section_id: str | None = None
    cell: Cell | None = None
    office: Office | None = None
    # A narrative answer's figure that a table also prints, in the cell the question names: a follow-up
    # naming another label of that table ("那出境呢？" after the 入境 total) is answered from the table.
    figure_cell: Cell | None = None
    evidence: str = ""  # the first citation's quote: where the subject of a pronoun is looked up
    answer: str = ""  # the answer given, and its citations (a follow-up may be answered by the same evidence)
    citations: tuple[Citation, ...] = ()
    confidence: float | None = None  # the answer's calibrated confidence


class Missing(StrEnum):
    """Why the report cannot answer a follow-up that its previous turn could."""

    NONE = ""
    YEAR = (
        "year"  # another year: the previous answer's evidence (section, its twin, its table) never states it
    )
    BREAKDOWN = "breakdown"  # a part of the previous figure that its table or section does not print
    # A part of a narrative figure that the previous evidence never names: it stands unless the answer
    # found for the full question names the part next to a figure (the first turn may have cited the
    # wrong sentence; the part may be printed in another section).
    PART = "part"
    FIELD = "field"  # an office's contact detail that the directory leaves empty
    DETAIL = "detail"  # what the follow-up adds, where the answer found only repeats the previous one


@dataclass(frozen=True)
class FollowUp:
    """A follow-up as understood: the full question and, where it asks a record the previous turn
    resolved, that record (answered from it directly), or why the report cannot answer it."""

    question: str
    cell: Cell | None = None
    office: Office | None = None
    ask: str = ""  # the office field asked
    missing: Missing = Missing.NONE
    section_id: str | None = None  # where the previous answer came from (cited by an abstention)
    share: bool = False  # the cell's share of its table's total is asked, not the cell
    previous: TurnState | None = field(default=None, compare=False)  # the turn it follows up


class Conversation:
    """Builds turn states from answers and resolves follow-ups against them."""

    def __init__(
        self,
        tables: Iterable[Table],
        offices: Iterable[Office],
        places: Iterable[str] = (),
        section_texts: dict[str, str] | None = None,
        view: ReportView | None = None,
    ) -> None:
        tables = list(tables)
        english = _english_names(tables)
        self.tables = {t.section_id: _with_english(t, english) for t in tables}
        self._printed = {t.section_id: t for t in tables}  # as the answerers read them
        self.section_texts = section_texts or {}
        self.offices = list(offices)
        self.places = set(places)
        self.view = view  # sections and citations (paths, pages) for the answers given from records
        self.sections: dict[str, Section] = dict(view.sections) if view is not None else {}

    # -- state of an answered turn -------------------------------------------------------------
    def state(self, question: str, answer: Answer) -> TurnState:
        q = analyze(question, answer.lang)
        first = answer.citations[0] if answer.citations else None
        cell = office = None
        if first is not None and not answer.abstained:
            table = self.tables.get(first.section_id)
            if table is not None:
                cell = _phrased_cell(self._printed[first.section_id], table, q, answer.answer)
                cell = cell or answered_cell(table, answer.answer + " " + first.quote, question)
            elif first.section_id.startswith("appendix/offices"):
                office = self._office(answer.answer + " " + first.quote, first.section_id)
        figure_cell = None
        if first is not None and not answer.abstained and cell is None and office is None:
            figure_cell = self._figure_cell(question, answer.lang, q, answer.answer)
        return TurnState(
            question=question,
            lang=answer.lang,
            analysis=q,
            abstained=answer.abstained,
            section_id=first.section_id if first else None,
            cell=cell,
            office=office,
            figure_cell=figure_cell,
            evidence=(first.quote + "\n" + self.section_texts.get(first.section_id, "")) if first else "",
            answer=answer.answer,
            citations=tuple(answer.citations),
            confidence=answer.confidence,
        )

    def _figure_cell(self, question: str, lang: str, q: QuestionAnalysis, answer: str) -> Cell | None:
        """The one table cell that prints a figure of ``answer`` and whose every label other than a
        total the question names (at least one): the record a narrative answer's figure also has."""
        values = figure_values(_DATES.sub(" ", answer))
        found: list[Cell] = []
        for table in self.tables.values():
            title_years = years_in(table.title_zh + " " + table.title_en)
            if q.years and not q.years & title_years:
                continue
            weights = _label_weights(table)
            for r, row in enumerate(table.rows):
                for c, value in enumerate(row.cells):
                    cell_values = figure_values(value) if value.strip() else set()
                    if not cell_values or cell_values - values:
                        continue
                    cell = Cell(table, r, c)
                    labels = [lab for lab in (cell.row_label, *cell.col_labels) if not lab.is_total]
                    if labels and all(lab.found_in(question, lang, weights) for lab in labels):
                        found.append(cell)
        return found[0] if len(found) == 1 else None

    def _named_office(self, question: str) -> Office | None:
        """The office whose name (either language) ``question`` gives; the longest name wins."""
        return _longest_named(question, self.offices, ignore_spaces=True)

    def _sibling_office(self, question: str, office: Office) -> Office | None:
        """The office a follow-up names by the part of its name that differs from ``office``'s (the
        second station after a city's first one): of the offices whose names hold every name unit the
        question gives, the one sharing most of ``office``'s name; None when none or several tie."""
        names = {o.office_id: units(f"{o.name_zh} {o.name_en}") for o in self.offices}
        vocabulary = frozenset().union(*names.values()) if names else frozenset()
        asked = units(question) & vocabulary
        if not asked:
            return None
        own = names.get(office.office_id, units(f"{office.name_zh} {office.name_en}"))
        scored = [
            (len(names[o.office_id] & own), o)
            for o in self.offices
            if o.office_id != office.office_id and asked <= names[o.office_id]
        ]
        if not scored:
            return None
        top = max(score for score, _ in scored)
        best = [o for score, o in scored if score == top]
        return best[0] if len(best) == 1 and top > 0 else None

    def _office(self, text: str, section_id: str) -> Office | None:
        return _longest_named(text, [o for o in self.offices if o.section_id == section_id])

    # -- resolving a follow-up -----------------------------------------------------------------
    def resolve(self, question: str, lang: str, prev: TurnState) -> str:
        """The follow-up as a full question; unchanged when it is not a follow-up."""
        return self.follow_up(question, lang, prev).question

    def follow_up(self, question: str, lang: str, prev: TurnState) -> FollowUp:
        """The follow-up as understood against ``prev``: a full question, the record it asks (a cell of
        the previous turn's table, the office just answered) and what the report lacks for it."""
        if not self._is_follow_up(question, lang, prev):
            return FollowUp(question)
        return replace(self._follow_up(question, lang, prev), previous=prev)

    def _follow_up(self, question: str, lang: str, prev: TurnState) -> FollowUp:
        year = max(prev.analysis.years) if prev.analysis.years else REPORT_YEAR
        months = set(prev.analysis.months)
        if prev.cell is not None:
            months |= months_in(prev.cell.row_label.zh, "zh")
        question = relative_dates(question, lang, year, max(months) if len(months) == 1 else None)
        q = analyze(question, lang)
        new_years = q.years - prev.analysis.years
        where = prev.section_id if not prev.abstained else None
        if new_years and where and not new_years <= self._evidence_years(prev):
            # Another year of the same subject: its evidence (section, twin, table) never states it.
            resolved = self._resolve_text(question, lang, prev, q, new_years)
            return FollowUp(resolved, missing=Missing.YEAR, section_id=where)
        if prev.cell is not None and not new_years:
            cell, missing = self._restate_cell(question, lang, prev, prev.cell, q)
            if asks_share(q):
                # "And what share of the total is that?": the cell (or the one named instead) over the
                # table's total, not the total itself.
                target = cell if cell is not None and not _is_grand_total(cell) else prev.cell
                return FollowUp(share_question(target, lang), cell=target, section_id=where, share=True)
            if cell is not None:
                return FollowUp(restate_cell(cell, lang), cell=cell, section_id=where)
            if missing:
                resolved = self._resolve_text(question, lang, prev, q, new_years)
                return FollowUp(resolved, missing=missing, section_id=where)
        if prev.figure_cell is not None and not new_years:
            # Only a label of the table that moves the cell counts: what the table lacks may still be
            # in the narrative the previous answer came from.
            cell, _ = self._restate_cell(question, lang, prev, prev.figure_cell, q)
            if cell is not None and cell != prev.figure_cell:
                return FollowUp(restate_cell(cell, lang), cell=cell, section_id=cell.table.section_id)
        if prev.office is not None and q.answer_type not in _CONTACT_ASKS:
            # "那<另一單位>呢？" after an office's phone: the same field of the office it names.
            other = self._named_office(question) or self._sibling_office(question, prev.office)
            if other is not None and other != prev.office and prev.analysis.answer_type in _CONTACT_ASKS:
                prev = replace(prev, office=other)
                q = replace(q, answer_type=prev.analysis.answer_type)
        if prev.office is not None and q.answer_type in _CONTACT_ASKS:
            office = self._named_office(question) or prev.office  # a question naming an office asks that one
            value = {
                "phone": office.phone,
                "fax": office.fax,
                "address": office.address_zh or office.address_en,
            }
            return FollowUp(
                self._restate_office(lang, office, q.answer_type),
                office=office,
                ask=q.answer_type,
                missing=Missing.NONE if value[q.answer_type].strip() else Missing.FIELD,
                section_id=where,
            )
        resolved = self._resolve_text(question, lang, prev, q, new_years)
        if where and self._country_beyond(question, lang, prev):
            return FollowUp(resolved, missing=Missing.BREAKDOWN, section_id=where)
        if where and prev.cell is None and self._narrows_beyond(question, lang, prev):
            return FollowUp(resolved, missing=Missing.PART, section_id=where)
        return FollowUp(resolved)

    def _resolve_text(
        self, question: str, lang: str, prev: TurnState, q: QuestionAnalysis, new_years: frozenset[int]
    ) -> str:
        if lang == "zh" and _ZH_PRONOUN.search(question) or lang == "en" and refers_back(question):
            subject = self._subject(prev, question)
            if subject:
                return self._with_subject(question, lang, subject, prev)
        if lang == "en" and _EN_OWN_ASK.match(question):
            # "And how many <other measure> that month?" asks its own question: only the context is inherited.
            subject = self._subject(prev, question)
            if subject:
                return self._with_subject(question, lang, subject, prev)
        resolved = resolve_follow_up(question, prev.question, lang, self.places)
        if (
            lang == "zh"
            and prev.cell is None
            and prev.office is None
            and resolved.endswith(" " + prev.question)
        ):
            # Nothing of the previous question to replace ("那<另一總數>呢？" after a question about one total):
            # the new term is asked of the previous topic, without the previous ask.
            topic = topic_span(prev.question, prev.evidence)
            if topic:
                return self._with_subject(question, lang, topic, prev)
        if resolved != question:
            return resolved
        subject = self._subject(prev)
        return self._with_subject(question, lang, subject, prev) if subject else question

    def _evidence_texts(self, prev: TurnState) -> list[str]:
        """The previous answer's section, its aligned twin and (for a table) its title and labels."""
        sid = prev.section_id or ""
        texts = [prev.evidence, self.section_texts.get(sid, "")]
        sec = self.sections.get(sid)
        if sec is not None and sec.aligned_id:
            texts.append(self.section_texts.get(sec.aligned_id, ""))
        table = self.tables.get(sid)
        if table is not None:
            texts += [table.title_zh, table.title_en, *table.columns]
            texts += [f"{r.label_zh} {r.label_en}" for r in table.rows]
        return texts

    def _evidence_years(self, prev: TurnState) -> set[int]:
        return {y for text in self._evidence_texts(prev) for y in years_in(text)} | set(prev.analysis.years)

    def _narrows_beyond(self, question: str, lang: str, prev: TurnState) -> bool:
        """A narrowing follow-up ("其中<X>有多少？", "How many of those <X>?") after a narrative answer
        whose evidence (section and twin) never names the part <X>: the report does not break it down."""
        evidence = " ".join(self._evidence_texts(prev))
        term = follow_up_term(question, prev.question, lang, narrowing_only=True)
        if lang == "en" and _EN_NARROWING.search(question):
            # "… of those <X>?": none of the words the follow-up adds is in the evidence.
            asked = {_stem(w) for w in _en_words(prev.question)}
            words = {_stem(w) for w in _en_content_words(question)} - asked
            if words and not words & {_stem(w) for w in _en_words(evidence)}:
                return True
        if not term:
            return False
        text = _fold(evidence).replace(" ", "")
        found = [_fold(t).replace(" ", "") in text for t in term]
        # Chinese: the term or its stem; English: every name it gives.
        return not (any(found) if lang == "zh" else all(found))

    def _country_beyond(self, question: str, lang: str, prev: TurnState) -> bool:
        """ "他們來自哪些國家？" / "Which nationalities were they?" of a figure whose evidence (section and twin,
        or table labels) names no country besides those the previous question named: the report does not
        break it down by country."""
        refers = _ZH_PRONOUN.search(question) or _ZH_NARROW.search(question) if lang == "zh" else None
        refers = refers or (lang == "en" and (_EN_PRONOUN.search(question) or _EN_NARROWING.search(question)))
        if not refers or not ASKS_COUNTRY.search(question):
            return False
        named = countries_in(" ".join(self._evidence_texts(prev)))
        return not named - countries_in(prev.question + " " + question)

    # -- the previous answer's evidence ---------------------------------------------------------
    def review(self, question: str, lang: str, follow: FollowUp, draft: Draft) -> Draft:
        """``draft`` (the answer to the resolved follow-up), or the previous narrative answer where that
        states what the follow-up adds next to a figure and ``draft`` does not name it at all ("那<X>呢？"
        after a sentence that gives <X> too): the evidence already shown answers it. A year the previous
        answer's evidence lacks stands only where ``draft`` states that year next to a figure (not a date)."""
        prev = follow.previous
        if prev is None:
            return draft
        if follow.missing == Missing.YEAR:
            years = analyze(follow.question, lang).years - prev.analysis.years
            clauses = re.split(r"[，,；;。]|(?<=[.!?])\s", draft.answer)
            stated = any(years & years_in(c) and figure_values(_DATES.sub(" ", c)) for c in clauses)
            return draft if stated and not draft.abstained else self._missing_draft(follow, lang)
        if follow.missing == Missing.PART and not self._states_part(question, lang, prev, draft):
            return self._missing_draft(follow, lang)
        if self._other_table_part(question, prev, draft):
            return self._missing_draft(
                replace(follow, missing=Missing.BREAKDOWN, section_id=prev.section_id), lang
            )
        if self._repeats_previous(question, lang, prev, draft):
            return self._missing_draft(
                replace(follow, missing=Missing.DETAIL, section_id=prev.section_id), lang
            )
        if prev.abstained or prev.cell is not None or prev.office is not None or not prev.answer:
            return draft
        if _ZH_NARROW.search(question) or _EN_NARROWING.search(question):
            return draft  # a part of the previous figure: the sentence naming it need not give its figure
        terms = self._added_terms(question, lang, prev)
        if not terms or (not draft.abstained and _names_all(draft.answer, terms, lang)):
            return draft
        for clause in re.split(r"[，,；;。]|(?<=[.!?])\s", prev.answer):
            if figure_values(_DATES.sub(" ", clause)) and _names_all(clause, terms, lang):
                return Draft(
                    prev.answer,
                    False,
                    prev.citations,
                    "follow-up: stated by the previous evidence",
                    route=Route.NARRATIVE,
                )
        return draft

    def _states_part(self, question: str, lang: str, prev: TurnState, draft: Draft) -> bool:
        """Whether ``draft`` answers a part the previous evidence did not name: a narrative clause (the
        previous answer's own included) that names what the follow-up adds next to a figure (a table cell
        found instead counts what its table counts, not necessarily the previous figure's part)."""
        if draft.abstained or draft.route != Route.NARRATIVE:
            return False
        terms = self._added_terms(question, lang, prev)
        clauses = re.split(r"[，,；;。]|(?<=[.!?])\s", draft.answer)
        return bool(terms) and any(
            figure_values(_DATES.sub(" ", c)) and _names_all(c, terms, lang) for c in clauses
        )

    def _other_table_part(self, question: str, prev: TurnState, draft: Draft) -> bool:
        """A part of a table cell's figure ("其中…", "… of them …") answered from another table: that table
        counts something else, so the previous table does not break its figure down that way."""
        if prev.cell is None or draft.abstained or not draft.citations:
            return False
        if not (_ZH_NARROW.search(question) or _EN_NARROWING.search(question)):
            return False
        cited = draft.citations[0].section_id
        return cited in self.tables and cited != prev.cell.table.section_id

    def _repeats_previous(self, question: str, lang: str, prev: TurnState, draft: Draft) -> bool:
        """Whether ``draft`` is the previous answer again ("How many of them have <X>?" answered with the
        previous figure): it states the previous answer's one fact (its figures exactly, from a record or
        one figure; a sentence with several figures may hold what the follow-up asks) and names nothing
        the follow-up adds, fitting it no better than it fitted the previous question (the follow-up's words
        that made it fit better name what it states: "migrant workers" of a "Foreign Labor" cell)."""
        if prev.abstained or draft.abstained or not prev.answer:
            return False
        if (
            prev.confidence is not None
            and draft.confidence is not None
            and draft.confidence > prev.confidence
        ):
            return False
        before = figure_values(_DATES.sub(" ", prev.answer))
        if not before or figure_values(_DATES.sub(" ", draft.answer)) != before:
            return False
        if len(before) > 1 and draft.route not in (Route.TABLE, Route.OFFICE):
            return False
        terms = self._added_terms(question, lang, prev)
        if not terms:
            return False
        if lang == "zh":
            return not _names_all(draft.answer, terms, lang)
        words = {_stem(w) for w in _en_words(draft.answer)}
        return not any(_stem(t) in words for t in terms)

    @staticmethod
    def _added_terms(question: str, lang: str, prev: TurnState) -> tuple[str, ...]:
        """What the follow-up names that the previous question did not (Chinese: its term; English: its
        content words)."""
        if lang == "zh":
            return follow_up_term(question, prev.question, lang)
        asked = {_stem(w) for w in _en_words(prev.question)}
        words = [w for w in _en_content_words(question) if _stem(w) not in asked]
        return tuple(dict.fromkeys(words))

    # -- answering from the record a follow-up resolved ------------------------------------------
    def draft(self, follow: FollowUp, q: QuestionAnalysis) -> Draft | None:
        """The answer to ``follow`` when it asks a record (the table cell, the office field) or the
        report lacks what it asks; None when the answerer is to answer its question."""
        if follow.missing in (Missing.YEAR, Missing.PART):
            return None  # the answerer may still find the year or the part elsewhere (see review)
        if follow.missing:
            return self._missing_draft(follow, q.lang)
        if follow.cell is not None:
            cell = follow.cell
            row = cell.table.rows[cell.row]
            column = cell.table.columns[cell.col]
            value = row.cells[cell.col] if cell.col < len(row.cells) else ""
            if not value.strip():
                return None
            match = CellMatch(cell.table, row, column, value, 1.0, True, True)
            text = answer_share(q, match) if follow.share else answer_cell(q, match)
            if text is None:
                return None  # no total to share in: the answerer answers the question
            return Draft(
                text, False, (self._cite(cell.table.section_id, text),), "follow-up cell", route=Route.TABLE
            )
        if follow.office is not None and follow.ask:
            text = answer_office(replace(q, answer_type=follow.ask), OfficeMatch(follow.office, 1.0))
            return Draft(
                text,
                False,
                (self._cite(follow.office.section_id, text),),
                "follow-up office",
                route=Route.OFFICE,
            )
        return None

    def _missing_draft(self, follow: FollowUp, lang: str) -> Draft:
        zh = lang == "zh"
        what = {
            Missing.YEAR: ("報告沒有提供該年度的資料", "the report does not give that year"),
            Missing.BREAKDOWN: ("報告沒有列出這項細分", "the report does not break the figure down that way"),
            Missing.PART: ("報告沒有列出這項細分", "the report does not break the figure down that way"),
            Missing.FIELD: (
                "報告的服務據點表沒有列出這一項",
                "the report's office directory does not list it",
            ),
            Missing.DETAIL: (
                "報告只提供上一個回答的資料，沒有提到這一項",
                "it gives only the previous answer's figure, not what is asked",
            ),
        }[follow.missing]
        text = (
            f"報告中沒有提供這項資訊：{what[0]}。以下是上一個回答的出處，供您參考。"
            if zh
            else f"The report does not say: {what[1]}. The source of the previous answer is listed below."
        )
        cits = (self._cite(follow.section_id, ""),) if follow.section_id else ()
        return Draft(text, True, cits, f"follow-up: {follow.missing.value} not in the report")

    def _cite(self, section_id: str, quote: str) -> Citation:
        sec = self.sections.get(section_id)
        if self.view is None or sec is None:
            return Citation(section_id, "", "", None, quote)
        return self.view.citation(sec, quote or sec.text[:200])

    def _is_follow_up(self, question: str, lang: str, prev: TurnState) -> bool:
        if is_follow_up(question, lang):
            return True
        if (
            prev.office is not None
            and analyze(question, lang).answer_type in _CONTACT_ASKS
            and self._named_office(question) is None
        ):
            return True  # a fax or address asked after an office's phone, naming no office: that office's
        if lang == "zh":
            return bool(_ZH_PRONOUN.search(question) or question.startswith("其中")) or len(question) <= 12
        words = question.split()
        refers = refers_back(question) or _EN_THERE.search(question) or _EN_THAT.search(question)
        # A fragment that opens with a preposition or conjunction ("for how many years?", "and since
        # when?") continues the previous question.
        fragment = len(words) <= _EN_FRAGMENT_WORDS and _EN_CONTINUES.match(question.strip())
        # A question naming almost nothing but its ask and a verb asks about the previous subject.
        elliptical = len(_en_content_words(question)) <= _EN_ELLIPTICAL_WORDS
        return bool(refers or fragment) or len(words) <= 4 or elliptical

    def _restate_cell(
        self, question: str, lang: str, prev: TurnState, cell: Cell, q: QuestionAnalysis
    ) -> tuple[Cell | None, Missing]:
        """Another cell of the previous turn's table: the labels the follow-up names replace their own.
        (None, BREAKDOWN) when the follow-up names a part the table does not print; (None, NONE) when
        it names nothing of the table."""
        table = cell.table
        weights = _label_weights(table)
        rows = [
            (Label(r.label_zh, r.label_en).found_in(question, lang, weights), i)
            for i, r in enumerate(table.rows)
            if not Label(r.label_zh, r.label_en).is_total
        ]
        rows = [h for h in rows if h[0] > 0]
        asked = months_in(question, lang)
        if not rows and len(asked) == 1:
            # A month named in any form ("April", "4月") picks the row of that month.
            rows = [(1, i) for i, r in enumerate(table.rows) if months_in(r.label_zh, "zh") == asked]
        new_row = max(rows)[1] if rows else cell.row
        named = _named_columns(table, question, lang, weights)
        term = follow_up_term(question, prev.question, lang)
        if not named and new_row == cell.row and lang == "zh" and term:
            # "警政署" names "內政部警政署" where it is part of one label only; a word the labels abbreviate
            # ("第一航廈") is looked up as they print it ("桃園機場-T1").
            forms = term + tuple(s for s in map(label_shorthand, term) if s not in term)
            named = _labels_containing([lab for c in table.columns for lab in _col_labels(c)], forms)
            within = _labels_containing([Label(r.label_zh, r.label_en) for r in table.rows], forms)
            if len(within) == 1:
                new_row = next(i for i, r in enumerate(table.rows) if (r.label_zh or r.label_en) in within)
        if not named and new_row == cell.row:
            total = _total_cell(cell, asks_total(question, lang))
            if total is not None:
                return total, Missing.NONE
            if term and not self._table_names(table, term, lang):
                # "那其中<X>呢？", "And <another place>?" where the table has no <X>: the table does not break
                # its figure down so. Another measure asked (people, after a count of cases) may be another
                # figure of the sentence the table's figure comes from: the answerer tries, and only a clause
                # naming it stands.
                narrows = _ZH_NARROW.search(question) or _EN_NARROWING.search(question)
                return None, Missing.BREAKDOWN if narrows or self._names_place(question) else Missing.PART
            return None, Missing.NONE
        # Labels the previous question named that its answer's cell lacks (the previous turn read
        # another column of the same table) are kept where the follow-up does not replace them.
        own = {lab.zh or lab.en for lab in cell.col_labels}
        earlier = _named_columns(table, prev.question, prev.lang, weights, best_only=False) - named - own
        # A label named by the same words as the cell's own label at its level of the header is a rival
        # reading of the previous question, not one the cell lacks ("refused" names the refusals of two
        # kinds of interview; "applications ... approved" names two labels by two words).
        rivals = set()
        for column in table.columns:
            for level, lab in enumerate(_col_labels(column)):
                own_lab = cell.col_labels[level] if level < len(cell.col_labels) else None
                if own_lab is None or not own_lab.found_in(prev.question, prev.lang, weights):
                    continue
                if _label_words(lab) & _label_words(own_lab):
                    rivals.add(lab.zh or lab.en)
        earlier -= rivals
        new_col = None
        for labels in ([named | earlier] if earlier else []) + [named]:
            col = self._best_column(table, cell, labels)
            # The previous question's own ask (a rate, an amount) still holds for the new cell.
            if col is not None and (labels is named or self._fits(prev, Cell(table, new_row, col))):
                new_col = col
                break
        if new_col is None and len(named) > 1:
            # One word names labels of several groups ("passed" of each kind of interview): the one in the
            # cell's own group.
            scored = [(self._column_score(table, cell, c), c) for c in self._columns_naming_one(table, named)]
            new_col = max(scored)[1] if scored else None
        if new_col is not None and q.answer_type == "percent":
            new_col = _rate_column(table, new_col)
        if new_col is None:
            if lang == "zh":
                return (
                    None,
                    Missing.BREAKDOWN,
                )  # the follow-up names something this table does not break down by
            return None, Missing.NONE
        return Cell(table, new_row, new_col), Missing.NONE

    @staticmethod
    def _fits(prev: TurnState, cell: Cell) -> bool:
        row = cell.table.rows[cell.row]
        value = row.cells[cell.col] if cell.col < len(row.cells) else ""
        match = CellMatch(cell.table, row, cell.table.columns[cell.col], value, 1.0, True, True)
        return bool(value.strip()) and compatible(prev.analysis, match)

    @staticmethod
    def _best_column(table: Table, cell: Cell, named: set[str]) -> int | None:
        """The column whose labels include ``named`` and otherwise keep most of ``cell``'s own."""
        if not named:
            return cell.col
        best: tuple[float, int] | None = None
        for c, column in enumerate(table.columns):
            if not named <= _label_keys(column):
                continue
            score = Conversation._column_score(table, cell, c)
            if best is None or score > best[0]:
                best = (score, c)
        return best[1] if best else None

    @staticmethod
    def _columns_naming_one(table: Table, named: set[str]) -> list[int]:
        return [c for c, column in enumerate(table.columns) if named & _label_keys(column)]

    @staticmethod
    def _column_score(table: Table, cell: Cell, col: int) -> float:
        """How much of ``cell``'s own header column ``col`` keeps (a same label 2, a total for a total 1)."""
        prev = cell.col_labels
        labels = _col_labels(table.columns[col])
        score = 0.0
        for i, lab in enumerate(labels):
            old = prev[i] if i < len(prev) else None
            if old is not None and (old.zh, old.en) == (lab.zh, lab.en):
                score += 2
            elif old is not None and old.is_total and lab.is_total:
                score += 1
        return score - abs(len(labels) - len(prev)) * 0.5

    def _names_place(self, question: str) -> bool:
        text = question.replace("台", "臺").lower()
        return any(len(p) >= 2 and p.lower() in text for p in self.places)

    @staticmethod
    def _table_names(table: Table, term: tuple[str, ...], lang: str) -> bool:
        """Whether the table's title, unit or labels name one of the term's forms (Chinese), or any
        word of the names an English follow-up gives (lenient: a name half in the table is kept)."""
        text = " ".join([table.title_zh, table.title_en, table.unit_zh, table.unit_en, *table.columns])
        text += " " + " ".join(f"{r.label_zh} {r.label_en}" for r in table.rows)
        if lang == "zh":
            folded = _fold(text).replace(" ", "")
            return any(_fold(t).replace(" ", "") in folded for t in term)
        words = {_stem(w) for w in _en_words(text)}
        return any(_stem(w) in words for name in term for w in _en_words(name) if w not in _EN_STOP)

    def _restate_office(self, lang: str, office: Office, ask: str) -> str:
        if lang == "zh":
            return f"{office.name_zh}的{_CONTACT_ZH[ask]}是什麼？"
        return f"What is the {_CONTACT_EN[ask]} of the {office.name_en}?"

    def _subject(self, prev: TurnState, question: str = "") -> str:
        """What a pronoun of ``question`` refers to: the office answered, what the previous
        question counted ("they", "of those"), else the longest span of the previous question
        that its evidence also contains."""
        if prev.office is not None:
            return prev.office.name_zh if prev.lang == "zh" else prev.office.name_en
        if prev.lang == "en" and _EN_PLURAL.search(question):
            m = _EN_COUNTED.search(prev.question)
            # "How many times were <X> deployed?": "they" are the <X>, not the times.
            if m and m.group(1).lower() not in _EN_OCCURRENCES:
                return "the " + m.group(1)
        return common_span(prev.question, prev.evidence, prev.lang)

    def _with_subject(self, question: str, lang: str, subject: str, prev: TurnState) -> str:
        q = question.strip()
        years = prev.analysis.years
        if prev.cell is not None and not prev.cell.row_label.is_total:
            # The row of the cell just answered (a city, a month) still holds: "How many of them ...".
            row = prev.cell.row_label
            label = row.zh if lang == "zh" else (row.en or row.zh)
            if label and label.lower() not in subject.lower() and label.lower() not in q.lower():
                subject = f"{label}{subject}" if lang == "zh" else f"{subject} in {label}"
        if lang == "zh":
            body = re.sub(r"^(?:那麼|那|還有|另外|至於)", "", q)
            body = re.sub(r"(?:的呢|呢)([？?]?)$", r"\1", body)
            if _ZH_PRONOUN.search(body):
                out = _ZH_PRONOUN.sub(subject, body, count=1)
            elif body.startswith("其中"):
                out = f"{subject}{body}"
            else:
                out = f"{subject}{'' if body.startswith('的') else '的'}{body}"
            if years and not analyze(out, "zh").years:
                out = "".join(f"{y - ROC_OFFSET}年" for y in sorted(years)) + out
            return out if out.endswith(("？", "?")) else out + "？"
        body = re.sub(r"^(?:and|so|also)\s+", "", q, flags=re.I)
        body = body[:1].upper() + body[1:]
        when = " ".join(
            [*(_EN_MONTHS[m - 1] for m in sorted(prev.analysis.months)), *(str(y) for y in sorted(years))]
        )
        if when and re.search(r"\bthat (?:month|year|period)\b", body, re.I):
            body = re.sub(
                r"\b(?:in |during )?that (?:month|year|period)\b", f"in {when}", body, count=1, flags=re.I
            )
        if _EN_PRONOUN.search(body):

            def swap(m: re.Match[str]) -> str:
                word = m.group(0).lower()
                return f"{subject}'s" if word in ("its", "their", "his", "her") else subject

            out = _EN_PRONOUN.sub(swap, body, count=1)
        else:
            out = f"{body.rstrip('?. ')} — {subject}?"
        if years and not analyze(out, "en").years:
            out = out.rstrip("?") + " in " + " and ".join(str(y) for y in sorted(years)) + "?"
        return out


def _english_names(tables: list[Table]) -> dict[str, str]:
    """Chinese label -> its English, from every bilingual label of the report's tables."""
    out: dict[str, str] = {}
    for t in tables:
        parts = [p for c in t.columns for p in c.split(" / ")] + [
            f"{r.label_zh} {r.label_en}" for r in t.rows
        ]
        for part in parts:
            zh, en = _bilingual(part)
            if zh and en:
                out.setdefault(_zh_stem(zh), en)
    return out


def _zh_stem(zh: str) -> str:
    """A Chinese label without its parenthesised note: "基隆港 (自112.4.1起)" -> "基隆港"."""
    return _fold(re.sub(r"\s*[(（][^)）]*[)）]\s*", "", zh)).strip()


def _with_english(table: Table, english: dict[str, str]) -> Table:
    """``table`` with the English of a Chinese-only column label taken from the same label elsewhere
    in the report (the e-Gate table prints "基隆港 (自112.4.1起)" without the "Keelung Sea Port" that the
    places table gives it), so an English follow-up can name it."""

    def complete(part: str) -> str:
        zh, en = _bilingual(part)
        if zh and not en and _zh_stem(zh) in english:
            return f"{part.strip()} {english[_zh_stem(zh)]}"
        return part

    columns = tuple(" / ".join(complete(p) for p in c.split(" / ")) for c in table.columns)
    return table if columns == table.columns else replace(table, columns=columns)


def _names_all(text: str, terms: tuple[str, ...], lang: str) -> bool:
    """Chinese: ``text`` names one of the term's forms; English: every content word."""
    if lang == "zh":
        folded = _fold(text).replace(" ", "")
        return any(_fold(t).replace(" ", "") in folded for t in terms)
    words = {_stem(w) for w in _en_words(text)}
    return all(_stem(t) in words for t in terms)


def _label_keys(column: str) -> set[str]:
    """A column header's labels as the follow-up matcher names them (their Chinese, else English)."""
    return {lab.zh or lab.en for lab in _col_labels(column)}


def _is_rate(column: str) -> bool:
    return bool(re.search(r"[%％]|率|\brate\b", column, re.I))


def _rate_column(table: Table, col: int) -> int:
    """A rate asked of a count column ("…的比率"): the rate column of the same header group, where there is
    exactly one; else ``col`` itself."""
    column = table.columns[col]
    if _is_rate(column):
        return col
    group = column.split(" / ")[0] if " / " in column else ""
    rates = [c for c, name in enumerate(table.columns) if _is_rate(name) and name.split(" / ")[0] == group]
    return rates[0] if len(rates) == 1 and group else col


def _labels_containing(labels: list[Label], term: tuple[str, ...]) -> set[str]:
    """The one label (by its zh form) whose Chinese contains the term, or nothing when none or several do.
    Where none contains it, the one label sharing the largest share of its own character bigrams with
    the term (at least two of them): the term carries the follow-up's own words around the label (a verb
    after an agency's short name, a 的 inside a rate's name), and of two labels holding its words the
    one with fewer other words is named."""
    forms = [_fold(t) for t in term if len(t) >= 2]
    found = {
        lab.zh or lab.en
        for lab in labels
        if not lab.is_total and any(f in _fold(lab.zh) and f != _fold(lab.zh) for f in forms)
    }
    if found:
        return found if len(found) == 1 else set()
    asked = set().union(*(zh_bigrams(f) for f in forms)) if forms else set()
    scores: dict[str, float] = {}
    for lab in labels:
        own = zh_bigrams(lab.zh)
        shared = len(own & asked)
        if not lab.is_total and own and shared >= 2:
            key = lab.zh or lab.en
            scores[key] = max(scores.get(key, 0.0), shared / len(own))
    if not scores:
        return set()
    top = max(scores.values())
    best = {k for k, v in scores.items() if v == top}
    return best if len(best) == 1 else set()


def _total_cell(cell: Cell, kind: str) -> Cell | None:
    """The cell of ``cell``'s table that totals what a follow-up asks: the whole year ("year": the total
    row of a monthly table), or everything ("all": the total column, else the total row)."""
    table = cell.table
    total_rows = [i for i, r in enumerate(table.rows) if Label(r.label_zh, r.label_en).is_total]
    total_cols = [c for c, col in enumerate(table.columns) if all(lab.is_total for lab in _col_labels(col))]
    monthly = sum(bool(months_in(r.label_zh, "zh")) for r in table.rows) >= len(table.rows) // 2
    if kind == "year" and monthly and total_rows and cell.row not in total_rows:
        return Cell(table, total_rows[0], cell.col)
    if kind == "all":
        if total_cols and cell.col not in total_cols:
            return Cell(table, cell.row, total_cols[0])
        if total_rows and cell.row not in total_rows:
            return Cell(table, total_rows[0], cell.col)
    return None


def _label_words(label: Label) -> set[str]:
    return {_stem(w) for w in _en_words(label.en) if w not in _EN_STOP}


def _label_weights(table: Table) -> dict[str, float]:
    """English label words of ``table`` weighted by how few of its labels use them ("referral" names one
    column; "service", shared by most, hardly distinguishes any)."""
    labels = [Label(r.label_zh, r.label_en) for r in table.rows]
    labels += list({lab for column in table.columns for lab in _col_labels(column)})
    counts: dict[str, int] = {}
    for lab in labels:
        for w in {_stem(w) for w in _en_words(lab.en) if w not in _EN_STOP}:
            counts[w] = counts.get(w, 0) + 1
    return {w: 1.0 / n for w, n in counts.items()}


def _named_columns(
    table: Table, question: str, lang: str, weights: dict[str, float], *, best_only: bool = True
) -> set[str]:
    """The column labels of ``table`` (by their zh form) that ``question`` names, totals aside. Of two
    labels at one level of the header the better-matched one is named ("kaohsiung port": Kaohsiung Sea
    Port, not Kaohsiung Airport), and a label inside a longer named one ("高雄" in "高雄港") is not a
    second one."""
    best: dict[int, tuple[int, set[str]]] = {}
    for column in table.columns:
        for level, lab in enumerate(_col_labels(column)):
            score = 0 if lab.is_total else lab.found_in(question, lang, weights)
            if not score:
                continue
            top, keys = best.setdefault(level, (score, set()))
            if best_only and score > top:
                best[level] = (score, {lab.zh or lab.en})
            elif score == top or not best_only:
                keys.add(lab.zh or lab.en)
    named = {key for _, keys in best.values() for key in keys}
    return {n for n in named if not any(n != m and n in m for m in named)}


def _phrased_cell(printed: Table, table: Table, q: QuestionAnalysis, answer: str) -> Cell | None:
    """The cell whose own answer sentence (tables.answer_cell) is ``answer``: exact where the answer
    came from one cell, so equal values elsewhere in the table do not compete."""
    values = figure_values(answer)
    for r, row in enumerate(printed.rows):
        for c, value in enumerate(row.cells):
            if not value.strip() or not figure_values(value) or figure_values(value) - values:
                continue
            match = CellMatch(printed, row, printed.columns[c], value, 1.0, True, True)
            if answer_cell(q, match).strip() == answer.strip():
                return Cell(table, r, c)
    return None


def answered_cell(table: Table, text: str, question: str = "") -> Cell | None:
    """The cell of ``table`` whose value ``text`` (an answer, a quote) states; ties go to the cell
    whose row and column labels the text or the question names."""
    values = figure_values(text)
    best: tuple[float, Cell] | None = None
    for r, row in enumerate(table.rows):
        for c, value in enumerate(row.cells):
            cell_values = figure_values(value) if value else set()
            if not cell_values or cell_values - values:
                continue
            cell = Cell(table, r, c)
            named = sum(
                lab.found_in(text + " " + question, "zh") > 0 for lab in (cell.row_label, *cell.col_labels)
            )
            score = named + len(_fold(value)) / 100
            if best is None or score > best[0]:
                best = (score, cell)
    return best[1] if best else None


def restate_cell(cell: Cell, lang: str) -> str:
    """A table cell as a question in the table's own words: title, row and column labels."""
    table = cell.table
    row = cell.row_label
    cols = cell.col_labels
    if lang == "zh":
        col = " ".join(lab.zh or lab.en for lab in cols)
        return f"「{table.title_zh}」中{row.zh}的{col}是多少？"
    # Both languages' labels: an English label alone can echo the title ("Mainland Chinese Spouses"
    # in the title of a table with a "Mainland China" column).
    col = " / ".join(f"{lab.en} {lab.zh}".strip() for lab in cols)
    return f"In “{table.title_en or table.title_zh}”, what is the {col} for {row.en or row.zh}?"


def share_question(cell: Cell, lang: str) -> str:
    """A table cell's share of its table's total as a question in the table's own words."""
    asked = restate_cell(cell, lang)
    if lang == "zh":
        return asked.removesuffix("是多少？") + "占總計的比例是多少？"
    return asked.replace(", what is the ", ", what share of the total is the ", 1)


def _is_grand_total(cell: Cell) -> bool:
    return cell.row_label.is_total and all(lab.is_total for lab in cell.col_labels)


_ZH_CLASSIFIERS = frozenset("個位名件次項處所場筆棟張人")


_EN_SINGULAR = re.compile(r"\b(?:it|its|he|his|she|her)\b", re.I)
_NAME_IN_QUESTION = re.compile(r"(?<!^)(?<![?.!]\s)\b(?:[A-Z][a-z]+|[A-Z]{2,})\b")
_SUBJECT_AFTER = re.compile(r"\b(?:did|does|do|is|was|has|have|had)\s+(?:the\s+)?([A-Z][a-z]+|[A-Z]{2,})\b")
_PLURAL_NOUN = re.compile(r"\b[a-z]{3,}(?<!ss)s\b")


def refers_back(question: str) -> bool:
    """Whether an English pronoun of ``question`` stands for something of an earlier turn: one with no
    antecedent in the question itself. "its"/"it" have one where the question names something before
    them (capitalised, not its first word, not a month or weekday) or as the subject after them;
    "they"/"their" where a plural noun precedes them other than what "how many" counts ("spouses and their
    children", "the agency ... its budget" refer within; "How many of them …", "How many visitors had
    applied for them?" refer back)."""
    for m in _EN_PRONOUN.finditer(question):
        before = question[: m.start()]
        if _EN_SINGULAR.fullmatch(m.group(0)):
            # A name before it, or the subject after it ("Which of its offices did the NIA open first?").
            names = [n for n in _NAME_IN_QUESTION.findall(before) if n not in _EN_CALENDAR]
            later = _SUBJECT_AFTER.search(question, m.end())
            if not names and not (later and later.group(1) not in _EN_CALENDAR):
                return True
            continue
        counted = _EN_COUNTED_HEAD.search(before)
        own = before[: counted.start()] + before[counted.end() :] if counted else before
        if not _PLURAL_NOUN.search(own):
            return True
    return False


_EN_COUNTED_HEAD = re.compile(r"\bhow many\s+(?:[\w\-]+\s+){0,3}?[\w\-]+s\b", re.I)
_EN_CALENDAR = frozenset(
    "January February March April May June July August September October November December Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday I".split()
)


def common_span(question: str, evidence: str, lang: str) -> str:
    """The longest span of ``question`` that ``evidence`` also contains (words in English, ≥ 2
    characters in Chinese); "" when they share nothing but function words."""
    if not evidence:
        return ""
    if lang == "zh":
        q = _fold(question).replace(" ", "")
        e = _zh_evidence(evidence)
        best = ""
        for i in range(len(q)):
            for j in range(len(q), i + len(best), -1):
                if q[i:j] in e:
                    best = q[i:j]
                    break
        at = q.find(best)
        if best[:1] in _ZH_CLASSIFIERS and at > 0 and re.match(r"[\d幾少]", q[at - 1]):
            best = best[1:]  # the counter of "幾個<X>" (the evidence's "28 個<X>") is not part of <X>
        span = re.sub(r"^[\d年月日的之與及和、，,\s]+|[的之與及和、，,\s]+$", "", best)
        # Keep the user's characters: find the span back in the question as typed.
        return _original(question, span) if len(span) >= 2 else ""
    # Hyphens apart: the question's "Mini Three Links" is the evidence's "Mini-Three-Links".
    words = re.findall(r"[\w']+", question)
    ev = {w.lower() for w in re.findall(r"[\w']+", evidence)}
    best_words: list[str] = []
    run: list[str] = []
    for w in [*words, ""]:
        if w and (w.lower() in ev or _stem(w.lower()) in {_stem(x) for x in ev}):
            run.append(w)
            continue
        # A subject ends on a noun: drop trailing function words and verbs ("... Act promulgated").
        while run and (run[-1].lower() in _EN_STOP or run[-1].lower().endswith("ed")):
            run.pop()
        content = [x for x in run if x.lower() not in _EN_STOP]
        # Of two equally long spans the later: "How many <counted> did <subject> …" names its subject last.
        if content and len(content) >= len([x for x in best_words if x.lower() not in _EN_STOP]):
            best_words = run
        run = []
    while best_words and best_words[0].lower() in _EN_STOP - {"the"}:
        best_words = best_words[1:]
    content = [x for x in best_words if x.lower() not in _EN_STOP]
    if not content:
        return ""
    span = " ".join(best_words)
    if not span.lower().startswith("the ") and content[0][:1].isupper():
        span = "the " + span
    return span


# A few characters in parentheses are the report's optional wording ("獎助(勵)學金", "入出國（境）").
_OPTIONAL_CHARS = re.compile(r"[(（][\u3400-\u9fff]{1,2}[)）]")


def _zh_evidence(evidence: str) -> str:
    """Chinese evidence folded for span matching, also as read without its optional characters."""
    folded = _fold(evidence).replace(" ", "")
    plain = _OPTIONAL_CHARS.sub("", folded)
    return folded if plain == folded else f"{folded}\n{plain}"


def topic_span(question: str, evidence: str) -> str:
    """The topic of a Chinese question: its longest span without figures or dates that the evidence
    also contains; of two equally long, the later (a Chinese question names its topic last)."""
    e = _zh_evidence(evidence)
    best = ""
    for part in re.split(r"[\d０-９]+[年月日底]*|[，,。？?、\s]", _fold(question)):
        for i in range(len(part)):
            for j in range(len(part), i + max(len(best) - 1, 0), -1):
                if j - i >= max(len(best), 2) and part[i:j] in e:
                    best = part[i:j]
                    break
    span = re.sub(r"^[的之與及和]+|[的之與及和]+$", "", best)
    return _original(question, span) if len(span) >= 2 else ""


def _original(question: str, folded_span: str) -> str:
    """``folded_span`` as written in ``question`` (台 stays 台, full-width stays full-width)."""
    folded = ""
    index: list[int] = []
    for i, ch in enumerate(question):
        f = _fold(ch).replace(" ", "")
        folded += f
        index.extend([i] * len(f))
    at = folded.find(folded_span)
    if at < 0:
        return folded_span
    start, end = index[at], index[at + len(folded_span) - 1] + 1
    return question[start:end]
