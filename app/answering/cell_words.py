"""The words of table labels and of questions about them: total and month labels, English
stop-words, report synonyms and phrase rewrites, and the bilingual glossary of the tables' labels."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from app.answering.matching import fold
from app.answering.question import months_in
from ingest.records import Table

TOTAL_LABEL = re.compile(r"總計|合計|^計$|total|sub-total", re.I)
ASKS_TOTAL = re.compile(
    r"總|合計|共|全國|全年|整年|total|overall|altogether|in all|all\b|whole year|entire", re.I
)
RATE = re.compile(r"比率|rate|%", re.I)
MONTH_LABEL = re.compile(r"^\s*(1[0-2]|[1-9])\s*月")
_EN_STOP = frozenset(
    "the a an of in on at for to and or by with from is are was were what which who how many much does do did "
    "there their its it this that 2023 year number total people persons taiwan nia's nia".split()
)
# Report vocabulary a question may phrase differently (general, not per question).
_EN_SYNONYMS = {
    "registered": "applicants",
    "register": "applicants",
    "registrations": "applicants",
    "registration": "applicants",
    "applications": "applicants",
    "application": "applicants",
    "applied": "applicants",
    "used": "users",
    "use": "users",
    "approved": "approval",
    "approvals": "approval",
    "entered": "entries",
    "entry": "entries",
    "arrivals": "entries",
    "exit": "exits",
    "left": "exits",
    "departures": "exits",
    "men": "male",
    "males": "male",
    "women": "female",
    "females": "female",
    "refused": "refused",
    "rejected": "refused",
    "engineers": "engineer",
    "teachers": "teacher",
    "traders": "trader",
    "missionaries": "missionary",
    "technicians": "technician",
    "vietnamese": "vietnam",
    "chinese": "china",
    "indonesian": "indonesia",
    "thai": "thailand",
    "filipino": "philippines",
    "filipinos": "philippines",
    "philippine": "philippines",
    "cambodian": "cambodia",
    "japanese": "japan",
    "korean": "korea",
    "airports": "airport",
    "ports": "port",
    "seaport": "port",
    "harbour": "harbor",
}
# Expansions applied to the question before matching headers.
_EN_PHRASES = [
    (re.compile(r"\bterminals\s*(\d)\s*(?:and|&)\s*(\d)\b", re.I), r"t\1 t\2"),
    (re.compile(r"\bterminal\s*(\d)\b", re.I), r"t\1"),
    (re.compile(r"\bnia\b", re.I), "national immigration agency"),
    (re.compile(r"\bsea\s*port\b", re.I), "port"),
]
ZH_PHRASES = [(re.compile("第一航廈"), "T1"), (re.compile("第二航廈"), "T2")]


def label_synonym(word: str) -> str:
    """A lower-case English word as the tables' labels say it ("women" -> "female", "vietnamese" -> "vietnam")."""
    return _EN_SYNONYMS.get(word, word)


def label_shorthand(text: str) -> str:
    """``text`` with the words the tables' labels abbreviate written as the labels print them
    ("第一航廈" -> "T1", "terminal 2" -> "t2", "sea port" -> "port"): for matching text against labels."""
    for pattern, repl in (*ZH_PHRASES, *_EN_PHRASES):
        text = pattern.sub(repl, text)
    return text


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=20000)
def _stem(word: str) -> str:
    """Snowball stem: "interpreters" and "interpretation" are one word of a label, as are "users" and "user"."""
    return _stemmer().stemWord(word)


def content_words(text: str) -> set[str]:
    """The English words of a label or question that match it: no stop-words, the synonyms' shared
    form, stemmed."""
    text = unicodedata.normalize("NFKC", text).lower()
    for pattern, repl in _EN_PHRASES:
        text = pattern.sub(repl, text)
    words = re.findall(r"[a-z0-9]+", text.replace("-", " "))
    out = set()
    for w in words:
        if w in _EN_STOP:
            continue
        out.add(month_word(w) or _stem(_EN_SYNONYMS.get(w, w)))
    return out


@lru_cache(maxsize=20000)
def month_word(word: str) -> str:
    """One form for a month's name and abbreviation ("december" and "dec" -> "month12"), so a question's
    "as of December 2023" meets the "Dec" of a title's date range; "" for any other word (and for a
    lower-case "may", a verb as often as a month)."""
    months = months_in(word, "en")
    return f"month{min(months)}" if len(months) == 1 else ""


def zh_part(part: str) -> str:
    """Chinese characters of a header part, without notes in parentheses ("高雄港 (自112.9.1起)" -> "高雄港")."""
    part = re.sub(r"[(（][^)）]*[)）]", "", part)
    return "".join(re.findall(r"[\u3400-\u9fff]", part))


def build_glossary(tables: list[Table]) -> dict[str, set[str]]:
    """Chinese label -> English words, from every bilingual header part and row label in the tables."""
    glossary: dict[str, set[str]] = {}
    for t in tables:
        parts = [p for c in t.columns for p in c.split(" / ")] + [
            f"{r.label_zh} {r.label_en}" for r in t.rows
        ]
        for part in parts:
            zh = fold(zh_part(part))
            en = content_words(re.sub(r"[\u3400-\u9fff]", " ", part))
            if zh and en:
                glossary.setdefault(zh, set()).update(en)
    return glossary
