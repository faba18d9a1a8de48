"""The parts a multi-fact question names: "A 和 B 合計", "how many more X than Y", "三關", "what share of".

Each part is the set of match keys that are its own (the words the other parts do not share); the
figures that answer them are found in :mod:`app.answering.multihop`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from app.answering.question import QuestionAnalysis

Terms = Callable[[str], list[str]]

# -- question parts -------------------------------------------------------------------------------
_ZH_CONNECT = re.compile(r"加上|以及|還有|和|與|及|跟|、|比(?![率例重較])")
# A left part starts after the last of these; a right part ends at the first cue or question word.
_ZH_LEFT_CUT = re.compile(r"[，,。的在中之以於對為從]")
_ZH_RIGHT_CUT = re.compile(
    r"合計|加起來|加總|一共|總共|共|相差|差|多|少|幾|是|有|的|[，,。？?]|[兩二三四五六七八九十][者類關項個種]"
)
_ZH_COUNT = re.compile(r"([兩二三四五六七八九十])\s*(?:者|類|關|項|個|種|場|次|起|件|案)")
_EN_CONNECT = re.compile(r"\s(?:and|than|versus|vs\.?|plus|compared (?:with|to))\s", re.I)
_EN_LEFT_CUT = re.compile(
    r".*\b(?:did|does|do|had|has|have|was|were|is|are|of|in|by|from|for|at|the|counting)\s", re.I | re.S
)
_EN_RIGHT_CUT = re.compile(
    r"\b(?:did|do|does|had|has|have|was|were|in|during|by|combined|together|altogether|handle|receive)\b"
    r"|[,?]",
    re.I,
)
EN_EXCLUDE = re.compile(
    r"\b(?:apart from|other than|leaving out|excluding|not counting|except(?: for)?)\s+([^,?]+)", re.I
)
_EN_COUNT = re.compile(r"\b(both|two|three|four|five|six)\b", re.I)
_COUNT_VALUE = {"兩": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_COUNT_VALUE |= {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# Words that frame the question rather than name a part.
FRAME = frozenset(
    "more fewer less mani much other total combin togeth than differ number how what share percentag proport "
    "approxim rough about 2023 112 大約 多少 合計 一共 總共 加起來".split()
)
# "beat its target" / "超過目標": the parts are the target and the actual figure.
_TARGET_CUE = re.compile(r"\b(?:target|goal)s?\b|目標", re.I)
_TARGET_WORDS = ("target", "goal", "目標", "預定")
_ACTUAL_WORDS = ("actual", "achiev", "實際", "達成")
_SHARE_EN = re.compile(
    r"\b(?:share|percentage|proportion|fraction) of (?:the |all )?(.+?)\s+"
    r"(?:were|was|had been|have been|has been|got|being)\s+([a-z]+)",
    re.I,
)
_SHARE_ZH = re.compile(r"(.{2,12}?)中[，,]?(.{1,8}?)的?(?:比例|比率|占比|佔比|百分比)")
# "approval rate for X applications" / "X申請案的核准比率": the rate of an outcome among X. The report
# prints the two counts; the rate is their quotient.
RATE_EN = re.compile(
    r"\b([a-z]{4,})\s+rate\s+(?:for|of)\s+(?:the\s+|all\s+)?(.+?)"
    r"(?=[,?(]|\s+(?:in|by|as of|cumulative|up to|through|during|until)\b|$)",
    re.I,
)
RATE_ZH = re.compile(r"([^，,。？?]{2,12}?)的([\u3400-\u9fff]{2})(?:比率|比例)")
TOTAL_CUE = re.compile(r"一共|總共|合計|總計|加起來|in total|altogether|combined|all together", re.I)
# "Total number of ..." asks a total as well, but only with parts or a count it is a sum to compute.
_TOTAL_WORD = re.compile(r"\btotal\b", re.I)
LIST_INTRO = re.compile(r"(?:如下|分述如下|as follows|the following)\s*[:：]?\s*$", re.I)


@dataclass(frozen=True)
class Part:
    """Something the question names, as the match keys that are its own (not shared with other parts)."""

    keys: frozenset[str]
    label: str
    any_key: bool = False  # alternatives ("target" / "goal" / "目標"): one of them suffices


def _han(text: str) -> str:
    return "".join(re.findall(r"[\u3400-\u9fff]", text))


def _zh_keys(text: str) -> set[str]:
    """Han bigrams plus ROC years ("113年") of a Chinese phrase."""
    han = _han(re.sub(r"\d+\s*年", " ", text))
    keys = {han[i : i + 2] for i in range(len(han) - 1)} or ({han} if han else set())
    return keys | {f"{y}年" for y in re.findall(r"(\d{2,3})\s*年", text)}


def _YEAR_KEYS(text: str) -> set[str]:  # noqa: N802
    return {f"{y}年" for y in re.findall(r"(\d{2,3})\s*年", text)}


def _en_keys(text: str, terms: Terms) -> set[str]:
    """Stems of an English phrase; numbers stay (a hotline or a year names a part), the report year does not."""
    return {t.lower() for t in terms(text) if t.lower() not in FRAME}


def _distinct(raw: list[tuple[set[str], str]]) -> list[Part] | None:
    parts = []
    for i, (keys, label) in enumerate(raw):
        others = set().union(*(k for j, (k, _) in enumerate(raw) if j != i))
        own = frozenset(keys - others - FRAME)
        if not own:
            return None
        parts.append(Part(own, label))
    return parts


def question_parts(q: QuestionAnalysis, terms: Terms) -> list[Part] | None:
    """The things the question names separately ("勞動剝削案" / "性剝削案"), or None when it names none."""
    text = q.search_text
    if _TARGET_CUE.search(text):
        return [
            Part(frozenset(_TARGET_WORDS), "target", any_key=True),
            Part(frozenset(_ACTUAL_WORDS), "actual", any_key=True),
        ]
    if q.lang == "zh":
        pieces = _ZH_CONNECT.split(text)
        if len(pieces) < 2:
            return None
        raw: list[tuple[set[str], str]] = []
        tail = ""
        for i, piece in enumerate(pieces):
            if i == 0:
                segs = [s for s in _ZH_LEFT_CUT.split(piece) if len(_han(s)) >= 2]
                piece = segs[-1] if segs else ""
            else:
                piece = _ZH_RIGHT_CUT.split(piece)[0]
            piece = piece.strip()
            if len(_han(piece)) < 2 and not re.search(r"\d+年", piece):
                return None
            if i == len(pieces) - 1 and raw:
                # "國境線面談、二度面談不予通過": the words after the head noun the items share
                # (面談) measure every item; they are context, no item's own.
                earlier = {t for _, p in raw for t in terms(p) if len(t) >= 2}
                ends = [piece.rfind(t) + len(t) for t in earlier if t in piece]
                if ends and len(_han(piece[: max(ends)])) >= 2:
                    piece, tail = piece[: max(ends)], piece[max(ends) :]
            raw.append((_zh_keys(piece), piece))
        context = set(terms(tail)) | _zh_keys(tail) if tail else set()
        # Whole words first ("歲出" / "歲入" of "歲出決算" / "歲入決算"); character pairs when the
        # segmenter joins a part to its neighbour.
        words = [
            (({t for t in terms(p) if len(t) >= 2 or _han(t) == t} - context) | (k & _YEAR_KEYS(p)), p)
            for k, p in raw
        ]
        raw = [(k - context, p) for k, p in raw]
        return _distinct(words) or _distinct(raw)
    excluded = EN_EXCLUDE.search(text)
    if excluded:
        rest = text[: excluded.start()] + text[excluded.end() :]
        return _distinct(
            [(_en_keys(excluded.group(1), terms), excluded.group(1)), (_en_keys(rest, terms), rest)]
        )
    pieces = _EN_CONNECT.split(text)
    if len(pieces) != 2:
        return None
    left = re.split(r"[,;]", pieces[0])[-1]
    left = _EN_LEFT_CUT.sub("", left)
    # "... and by the online system": a right part that opens with a cut word starts after it.
    right = next((p for p in _EN_RIGHT_CUT.split(pieces[1]) if p and p.strip()), "")
    return _distinct([(_en_keys(left, terms), left.strip()), (_en_keys(right, terms), right.strip())])


def share_parts(q: QuestionAnalysis, terms: Terms) -> tuple[Part, Part] | None:
    """(numerator, denominator) of "what share of X were approved" / "X中核准的比例"."""
    if q.lang == "en":
        m = _SHARE_EN.search(q.search_text)
        rate = RATE_EN.search(q.search_text)
        if m:
            den, num = _en_keys(m.group(1), terms), _en_keys(m.group(2), terms)
        elif rate:
            num, den = _en_keys(rate.group(1), terms), _en_keys(rate.group(2), terms)
        else:
            return None
    else:
        m = _SHARE_ZH.search(q.search_text)
        rate = RATE_ZH.search(q.search_text)
        if m:
            den, num = _zh_keys(m.group(1)), _zh_keys(m.group(2))
        elif rate:
            num, den = _zh_keys(rate.group(2)), _zh_keys(rate.group(1))
        else:
            return None
    parts = _distinct([(num, "numerator"), (den, "denominator")])
    return (parts[0], parts[1]) if parts else None


def asks_total_of_parts(q: QuestionAnalysis, terms: Terms) -> bool:
    """A total of things the question names ("A、B和C…總共", "the two meetings ... total"): a sum.

    A count of three or more things is never one subtraction, whatever else the question says.
    """
    if not (TOTAL_CUE.search(q.search_text) or (q.lang == "en" and _TOTAL_WORD.search(q.search_text))):
        return False
    parts = question_parts(q, terms)
    return expected_count(q) >= 2 or bool(parts and len(parts) >= 2)


def expected_count(q: QuestionAnalysis) -> int:
    """How many operands the question's own words ask for ("兩者", "三類", "the two meetings"), else 0."""
    m = _ZH_COUNT.search(q.search_text) if q.lang == "zh" else _EN_COUNT.search(q.search_text)
    return _COUNT_VALUE.get(m.group(1).lower(), 0) if m else 0
