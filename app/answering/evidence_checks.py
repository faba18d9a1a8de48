"""Hard checks on narrative evidence that generalise: the asked year and month must be the evidence's own,
the evidence must hold the asked kind of answer, and the names the question asks about must be in it."""

from __future__ import annotations

import re

from app.answering.countries import MAINLAND_NAMES, countries_in
from app.answering.evidence import Candidate, satisfies
from app.answering.figures import figure_values
from app.answering.matching import zh_bigrams
from app.answering.question import (
    ZH_DIGITS,
    QuestionAnalysis,
    is_month_word,
    months_in,
    name_text,
    years_in,
)
from app.answering.sentences import split_sentences


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


def places_named(q: QuestionAnalysis, places: set[str] | frozenset[str]) -> set[str]:
    """The report's places and other table labels (stems, either language) that the question names."""
    text = q.search_text.replace("台", "臺")
    out = set()
    for p in places:
        if len(p) < 2 or is_month_word(p) or months_in(p, "zh"):
            continue  # months are asked dates, checked as dates
        if p.isascii():
            if re.search(rf"(?<![A-Za-z]){re.escape(p)}(?![A-Za-z])", text, re.I):
                out.add(p)
        elif p in text:
            out.add(p)
    # "臺中" inside "臺中港" is the same place named once
    return {p for p in out if not any(p != o and p in o for o in out)}


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


# Dates and years are checked as dates (year_problem); what is left of a question's figures names what it
# is about: an ordinal, a code, a count it quotes ("of the 31 members", "the 10th class", "ISO 22301").
_DATE_TOKENS = re.compile(
    r"\d+\s*(?:年|月|日|號|時)|\b20\d\d\b|\b(?:in|since|from|until|by) 19\d\d\b|"
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|"
    r"May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*|\d+\s*(?:a\.m\.|p\.m\.)",
    re.I,
)


def question_figures(q: QuestionAnalysis) -> set[str]:
    """The figures a question names that are no date: each must be the evidence's own."""
    return figure_values(_DATE_TOKENS.sub(" ", q.search_text))


def figures_problem(q: QuestionAnalysis, c: Candidate, twin_text: str = "") -> str:
    """Why ``c`` is not about what the question names by number: a figure of the question that neither the
    evidence (its sentence, the sentences either side, its section's path) nor the other-language
    sentence that translates it prints."""
    named = question_figures(q)
    if not named:
        return ""
    near = " ".join(near_sentences(c))
    printed = figure_values(spelled_numbers(f"{near} {' '.join(c.section.path)} {twin_text}"))
    missing = sorted(named - printed)
    return f"{', '.join(missing)} not in the evidence" if missing else ""


def near_sentences(c: Candidate) -> list[str]:
    """The candidate's sentence with the sentence before and after it in its section."""
    sentences = split_sentences(c.section.text, c.section.lang)
    start = max(c.index - 1, 0)
    return [c.sentence, *sentences[start : c.index], *sentences[c.index + c.width : c.index + c.width + 1]]


# What a question quotes is a name: "「…」", "『…』", "“…”".
_QUOTED = re.compile(r"[「『“\"]([^」』”\"]{2,40})[」』”\"]")
QUOTED_COVERAGE = 0.8  # share of a quoted Chinese name's character bigrams the evidence must print


def quoted_names(q: QuestionAnalysis) -> list[str]:
    """Chinese names the question quotes. English titles in quotes are as often the asker's own translation
    or a romanisation of the Chinese name, and acronyms the asker's shorthand (both measured: they cost
    answers on the blind paraphrases), so neither is checked."""
    return [m.strip() for m in _QUOTED.findall(q.search_text) if zh_bigrams(m)]


def names_problem(q: QuestionAnalysis, texts: list[str]) -> str:
    """Why evidence whose section reads ``texts`` (its path and text, and its twin's) is not about a name
    the question quotes: most of the name's character bigrams are not printed there."""
    have = zh_bigrams(" ".join(texts).replace("台", "臺"))
    for name in quoted_names(q):
        grams = zh_bigrams(name.replace("台", "臺"))
        if len(grams & have) / len(grams) < QUOTED_COVERAGE:
            return f"{name} not in the evidence"
    return ""


_EN_NUMBER_WORDS = {
    w: str(i)
    for i, words in enumerate(
        [
            "",
            "one first once",
            "two second twice",
            "three third",
            "four fourth",
            "five fifth",
            "six sixth",
            "seven seventh",
            "eight eighth",
            "nine ninth",
            "ten tenth",
            "eleven eleventh",
            "twelve twelfth",
        ]
    )
    for w in words.split()
}
# Every Chinese numeral counts (一 of 一站式 too): more figures on the evidence side only let more pass.
_ZH_NUMERALS = re.compile(r"[一二三四五六七八九]?十[一二三四五六七八九]?|[一二兩三四五六七八九]")
_ZH_VALUE = ZH_DIGITS | {"兩": 2}


def _zh_numeral(m: re.Match[str]) -> str:
    text = m.group(0)
    if "十" not in text:
        return f" {_ZH_VALUE[text]} "
    tens, _, ones = text.partition("十")
    return f" {(_ZH_VALUE[tens] if tens else 1) * 10 + (_ZH_VALUE[ones] if ones else 0)} "


def spelled_numbers(text: str) -> str:
    """``text`` with small numbers written as words given as digits too ("fourth" 4, "第四代" 4, "十分之一"
    10 and 1), so that a question's "4th generation" or "1/10" finds them."""
    words = re.sub(
        r"\b[a-z]+\b",
        lambda m: (
            f"{m.group(0)} {_EN_NUMBER_WORDS[m.group(0).lower()]}"
            if m.group(0).lower() in _EN_NUMBER_WORDS
            else m.group(0)
        ),
        text,
        flags=re.I,
    )
    return text + " " + _ZH_NUMERALS.sub(_zh_numeral, words)
