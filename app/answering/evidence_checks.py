"""Hard checks on narrative evidence that generalise: the asked year and month must be the evidence's own,
the evidence must hold the asked kind of answer, and the names the question asks about must be in it."""

from __future__ import annotations

import re

from app.answering.countries import MAINLAND_NAMES, countries_in
from app.answering.evidence import Candidate, satisfies
from app.answering.question import QuestionAnalysis, is_month_word, months_in, name_text, years_in


def named_entities(q: QuestionAnalysis, places: set[str] | frozenset[str]) -> set[str]:
    """Places from the report's own labels, countries (Chinese names), and capitalised English names,
    that the question names."""
    text = q.search_text.replace("台", "臺")
    names = {p for p in places if len(p) >= 2 and p in text and not p.isascii()}
    names |= {c for c in countries_in(text) if not c.isascii() and c not in MAINLAND_NAMES}
    if q.lang == "en":
        spelled = name_text(q.search_text)
        names |= {
            n for n in _CAPITALISED.findall(spelled) if n not in _GENERIC_NAMES and not is_month_word(n)
        }
    return names


_CAPITALISED = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]{3,})\b")
_GENERIC_NAMES = frozenset(
    "Taiwan Taiwanese China Chinese English Mainland Ministry Interior Agency Immigration National Executive Yuan "
    "Report Annual Program Programme Plan Act Office Center Centre Service Services System".split()
)


def year_problem(q: QuestionAnalysis, c: Candidate) -> str:
    """Why ``c`` cannot answer an asked year or month: the asked year must be the evidence's own (a
    section that mentions 113年 elsewhere does not give 113年's figure)."""
    if not q.other_years:
        return ""
    context = c.sentence + " " + " ".join(c.section.path)
    if not (q.other_years & years_in(context)):
        return f"year {sorted(q.other_years)} not in the evidence"
    if q.months and not (q.months & months_in(c.sentence, c.section.lang)):
        return "the asked month of that year is not in the evidence"
    return ""


def kind_problem(q: QuestionAnalysis, c: Candidate) -> str:
    """Why ``c`` cannot answer the asked kind at all (a count needs a number, "which country" a country,
    "how long" a span): the evidence must hold that kind of answer."""
    return "" if satisfies(q, c.sentence) else f"no evidence of the asked kind ({q.answer_type})"


def in_text(name: str, text: str) -> bool:
    return name.lower() in text.replace("台", "臺").lower()


def mentions(c: Candidate, name: str) -> bool:
    # The section as a whole: "the program had a cumulative viewership of ..." is about the
    # "We Are Family" series its section names two sentences earlier.
    haystack = f"{c.sentence} {' '.join(c.section.path)} {c.section.text}".replace("台", "臺")
    return name.lower() in haystack.lower()
