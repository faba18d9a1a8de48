"""Multi-fact answers: one operand per thing the question names, found across the evidence sentences.

"歲出決算比歲入決算多出多少錢？" names two things (歲出決算, 歲入決算); the report states them in
two sections. Each named part gets the figure whose nearby text carries that part's own words
(the words the other parts do not share), its words close to the figure; the figures must count
the same kind of thing. Without an operand for every part there is no computation: a confidently
wrong number is worse than none. The same machinery handles a question that names no parts but
says how many ("the two meetings"), a list the report introduces with "如下：" that the question
totals, a share ("what share ... approved"), and a figure for an earlier year that the report
only gives as a change ("about 290,000 more than in 2022").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.answering.arithmetic import scan_figures
from app.answering.question import ROC_OFFSET, QuestionAnalysis
from app.answering.sentences import split_sentences

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
_EN_EXCLUDE = re.compile(
    r"\b(?:apart from|other than|leaving out|excluding|not counting|except(?: for)?)\s+([^,?]+)", re.I
)
_EN_COUNT = re.compile(r"\b(both|two|three|four|five|six)\b", re.I)
_COUNT_VALUE = {"兩": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_COUNT_VALUE |= {"both": 2, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
# Words that frame the question rather than name a part.
_FRAME = frozenset(
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
_TOTAL_CUE = re.compile(r"一共|總共|合計|總計|加起來|in total|altogether|combined|all together", re.I)
_LIST_INTRO = re.compile(r"(?:如下|分述如下|as follows|the following)\s*[:：]?\s*$", re.I)


@dataclass(frozen=True)
class Part:
    """Something the question names, as the match keys that are its own (not shared with other parts)."""

    keys: frozenset[str]
    label: str
    any_key: bool = False  # alternatives ("target" / "goal" / "目標"): one of them suffices


@dataclass(frozen=True)
class Source:
    """A sentence that may hold an operand, with its section heading and how much it is preferred."""

    text: str
    heading: str
    lang: str
    weight: float = 1.0
    section_id: str = ""


@dataclass(frozen=True)
class Figure:
    value: float
    text: str
    start: int
    unit: str  # counter (zh) or following word (en); "元"/"NT$" for money
    money: bool
    in_parens: bool
    approximate: bool
    source: Source


@dataclass(frozen=True)
class Combined:
    kind: str  # sum | difference | ratio | earlier
    value: float
    figures: tuple[Figure, ...]
    approximate: bool = False
    year: int | None = None  # for "earlier": the year the derived figure belongs to


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
    return {t.lower() for t in terms(text) if t.lower() not in _FRAME}


def _distinct(raw: list[tuple[set[str], str]]) -> list[Part] | None:
    parts = []
    for i, (keys, label) in enumerate(raw):
        others = set().union(*(k for j, (k, _) in enumerate(raw) if j != i))
        own = frozenset(keys - others - _FRAME)
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
    excluded = _EN_EXCLUDE.search(text)
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
    right = _EN_RIGHT_CUT.split(pieces[1])[0]
    return _distinct([(_en_keys(left, terms), left.strip()), (_en_keys(right, terms), right.strip())])


def share_parts(q: QuestionAnalysis, terms: Terms) -> tuple[Part, Part] | None:
    """(numerator, denominator) of "what share of X were approved" / "X中核准的比例"."""
    if q.lang == "en":
        m = _SHARE_EN.search(q.search_text)
        if not m:
            return None
        den, num = _en_keys(m.group(1), terms), _en_keys(m.group(2), terms)
    else:
        m = _SHARE_ZH.search(q.search_text)
        if not m:
            return None
        den, num = _zh_keys(m.group(1)), _zh_keys(m.group(2))
    parts = _distinct([(num, "numerator"), (den, "denominator")])
    return (parts[0], parts[1]) if parts else None


def expected_count(q: QuestionAnalysis) -> int:
    """How many operands the question's own words ask for ("兩者", "三類", "the two meetings"), else 0."""
    m = _ZH_COUNT.search(q.search_text) if q.lang == "zh" else _EN_COUNT.search(q.search_text)
    return _COUNT_VALUE.get(m.group(1).lower(), 0) if m else 0


# -- figures in the evidence ------------------------------------------------------------------------
_COMPACT = re.compile(r"(?<=[\u3400-\u9fff\d,（(])\s+(?=[\u3400-\u9fff\d（(])|(?<=[\d])\s+(?=[萬億])")
_PERSON_UNITS = "人名位員口"
_UNIT_GROUPS = [_PERSON_UNITS, "件案起", "次通趟", "艘", "座台臺", "場", "班", "張", "家所", "國"]


def compact(text: str, lang: str) -> str:
    """Chinese text without the PDF's spaces around numbers ("12 億 9,820 萬" -> "12億9,820萬")."""
    return _COMPACT.sub("", text) if lang == "zh" else re.sub(r"\s+", " ", text)


def figures_in(q: QuestionAnalysis, source: Source) -> list[Figure]:
    out = []
    for f in scan_figures(source.text, source.lang):
        if q.answer_type == "amount" and not f.money:
            continue
        out.append(Figure(f.value, f.text, f.start, f.unit, f.money, f.in_parens, f.approximate, source))
    return out


def _same_kind(a: Figure, b: Figure) -> bool:
    if a.money or b.money:
        return a.money and b.money
    if not a.unit or not b.unit:
        return True
    if a.source.lang == "zh":
        ka = {i for i, g in enumerate(_UNIT_GROUPS) if a.unit[:1] in g}
        kb = {i for i, g in enumerate(_UNIT_GROUPS) if b.unit[:1] in g}
        return a.unit[:1] == b.unit[:1] or bool(ka & kb)
    # An English figure's next word is often a verb ("84 docked", "15,777 were"): only a period or
    # a count of countries against a count of something else marks a different kind.
    ua, ub = a.unit.rstrip("s"), b.unit.rstrip("s")
    if ua in _EN_MEASURES or ub in _EN_MEASURES:
        return ua == ub
    return True


_EN_MEASURES = frozenset(
    "day week month year hour minute second time countrie country percent episode session".split()
)


def _occurrences(key: str, text: str, lang: str) -> list[tuple[int, int]]:
    if lang == "zh":
        pattern = re.escape(key).replace("年", r"\s*年")
    else:
        pattern = r"(?<![a-z0-9])" + re.escape(key.lower())
    return [(m.start(), m.end()) for m in re.finditer(pattern, text.lower() if lang == "en" else text)]


_IS_YEAR = re.compile(r"\d{2,3}年|(?:19|20)\d\d")


def _clause(fig: Figure) -> tuple[int, int]:
    text = fig.source.text
    stops = "；;。" if fig.source.lang == "zh" else ";"
    lo = max((text.rfind(s, 0, fig.start) for s in stops), default=-1) + 1
    his = [i for i in (text.find(s, fig.start) for s in stops) if i >= 0]
    return lo, min(his) if his else len(text)


def _closeness(
    keys: Sequence[str], fig: Figure, weight: Callable[[str], float], any_key: bool = False
) -> float:
    """Weighted share of ``keys`` found near the figure (before it in Chinese; on either side in English)."""
    if not keys:
        return 0.0
    lang = fig.source.lang
    lo, hi = _clause(fig)
    clause = fig.source.text[lo:hi]
    at = fig.start - lo
    scale = 8.0 if lang == "zh" else 25.0
    heading = fig.source.heading.lower() if lang == "en" else fig.source.heading
    total = got = 0.0
    top = max((weight(k) for k in keys), default=1.0)
    for key in keys:
        w = top if _IS_YEAR.fullmatch(key) else weight(key)  # "112年" / "113年" decide which figure
        total += w
        best = 0.0
        for s, e in _occurrences(key, clause, lang):
            if e <= at:
                best = max(best, 1.0 / (1.0 + (at - e) / scale))
            elif lang == "en" and s >= at:
                best = max(best, 0.8 / (1.0 + (s - at - len(fig.text)) / scale))
        if best == 0.0 and _occurrences(key, heading, lang):
            best = 0.6  # the heading names it: "(2) 擴展學生線上申辦系統" ... "已受理 30 萬件"
        if any_key and best > 0:
            return best
        got += w * best
    if any_key:
        return 0.0
    return got / total if total else 0.0


def _label_share(keys: Sequence[str], fig: Figure, weight: Callable[[str], float]) -> float:
    """Weighted share of ``keys`` in the Chinese label right before the figure ("不予通過 131 件")."""
    if not keys:
        return 0.0
    before = fig.source.text[: fig.start]
    cut = max(before.rfind(ch) for ch in "，,、；;。：:（(")
    label = before[cut + 1 :]
    label = re.split(r"\d[\d,.]*[萬億]?\d*[\u3400-\u9fff]?", label)[-1]  # after the previous figure
    total = sum(weight(k) for k in keys)
    return sum(weight(k) for k in keys if k in label) / total if total else 0.0


def _inside_parens(part: Part, fig: Figure) -> bool:
    """Whether the part is named inside the same parentheses as the figure ("(12,478 self-reported ...")."""
    text = fig.source.text
    lo = max(text.rfind("(", 0, fig.start), text.rfind("（", 0, fig.start))
    ends = [i for i in (text.find(")", fig.start), text.find("）", fig.start)) if i >= 0]
    span = text[lo : min(ends) if ends else len(text)]
    span = span.lower() if fig.source.lang == "en" else span
    return any(_occurrences(k, span, fig.source.lang) for k in part.keys)


def _score(fig: Figure, part: Part | None, shared: list[str], q: QuestionAnalysis, weight) -> float:
    if part is None:
        own = 1.0
    else:
        own = _closeness(sorted(part.keys), fig, weight, part.any_key)
        if own < 0.12:
            return 0.0
        # Present in the figure's clause is what counts; nearness breaks ties (in Chinese the label
        # right before the figure decides, below; English lists "63 cases of labor exploitation, 80 ...").
        own = 0.5 + (0.15 if fig.source.lang == "zh" else 0.5) * own
    if fig.source.lang == "zh":  # what the figure itself is: "決算數 49 億…" rather than "預算數 50 億…"
        near = _label_share(shared, fig, weight)
    else:
        near = 0.5 * _closeness(shared, fig, weight)
    score = own + near
    if fig.in_parens and not (part and _inside_parens(part, fig)):
        score *= 0.3  # "21,932 (12,478 self-reported ...)": a breakdown of the figure before it
    if q.lang == "zh" and q.unit and q.answer_type != "amount":
        kinds = {i for i, g in enumerate(_UNIT_GROUPS) if q.unit[:1] in g}
        fits = fig.unit[:1] == q.unit[:1] or any(fig.unit[:1] in _UNIT_GROUPS[i] for i in kinds)
        score *= 1.0 if fits else 0.4
    return score * fig.source.weight


def _assign(
    parts: list[Part], figures: list[Figure], shared: list[str], q: QuestionAnalysis, weight
) -> list[Figure] | None:
    """One figure per part, the assignment with the best total score, all counting the same kind of thing."""
    if all(p is not None for p in parts) and len(parts) <= 4:
        return _best_assignment(parts, figures, shared, q, weight)
    pairs = sorted(
        ((_score(f, p, shared, q, weight), i, j) for i, p in enumerate(parts) for j, f in enumerate(figures)),
        reverse=True,
    )
    chosen: dict[int, Figure] = {}
    used: set[int] = set()
    for s, i, j in pairs:
        if s <= 0 or i in chosen or j in used:
            continue
        if any(not _same_kind(figures[j], c) for c in chosen.values()):
            continue
        if any(
            c.value == figures[j].value and c.source.text == figures[j].source.text for c in chosen.values()
        ):
            continue
        chosen[i] = figures[j]
        used.add(j)
    if len(chosen) < len(parts):
        return None
    return [chosen[i] for i in range(len(parts))]


def _best_assignment(
    parts: list[Part],
    figures: list[Figure],
    shared: list[str],
    q: QuestionAnalysis,
    weight,
    valid: Callable[[list[Figure]], bool] = lambda _: True,
) -> list[Figure] | None:
    options = []
    for p in parts:
        scored = sorted(((_score(f, p, shared, q, weight), j) for j, f in enumerate(figures)), reverse=True)
        options.append([(s, j) for s, j in scored[:6] if s > 0])
        if not options[-1]:
            return None
    scored: list[tuple[float, tuple[float, ...], tuple[int, ...]]] = []
    for combo in itertools.product(*options):
        idx = tuple(j for _, j in combo)
        if len(set(idx)) < len(idx):
            continue
        picked = [figures[j] for j in idx]
        if any(not _same_kind(a, b) for a, b in itertools.combinations(picked, 2)) or not valid(picked):
            continue
        total = sum(s for s, _ in combo)
        values = tuple(figures[j].value for j in idx)
        scored.append((total, values, idx))
    if not scored:
        return None
    scored.sort(key=lambda t: -t[0])
    total, values, idx = scored[0]
    # Two readings nearly as good that give different numbers: too unsure to compute.
    if any(total - t < _MARGIN and v != values for t, v, _ in scored[1:]):
        return None
    return [figures[j] for j in idx]


_MARGIN = 0.03


def _shared_terms(q: QuestionAnalysis, terms: Terms, parts: list[Part]) -> list[str]:
    own = set().union(*(p.keys for p in parts)) if parts else set()
    out = []
    for t in terms(q.search_text):
        t = t.lower() if q.lang == "en" else t
        if t in own or t in _FRAME or t.isdigit() or (q.lang == "zh" and len(t) < 2):
            continue
        if q.lang == "zh" and any(k in t for k in own if len(k) == 2):
            continue
        out.append(t)
    return sorted(set(out))


def combine(
    q: QuestionAnalysis,
    kind: str,
    sources: list[Source],
    terms: Terms,
    weight: Callable[[str], float] = lambda _: 1.0,
) -> Combined | None:
    """Operands for a sum, difference or share across ``sources`` (best first), or None when unsure."""
    figures = [f for s in sources for f in figures_in(q, s)]
    if kind == "ratio":
        found = share_parts(q, terms)
        if not found:
            return None
        parts = list(found)
        picked = _assign_any_unit(parts, figures, q, weight)
        if not picked or picked[0].value > picked[1].value or picked[1].value == 0:
            return None
        if picked[0].source.section_id != picked[1].source.section_id:
            return None
        return Combined("ratio", 100.0 * picked[0].value / picked[1].value, tuple(picked))
    parts = question_parts(q, terms)
    if parts:
        if kind == "difference" and len(parts) != 2:
            return None
        if q.lang == "en" and _EN_EXCLUDE.search(q.search_text):
            # "Apart from X, how many other Y": Y's total includes X, so one passage states both.
            figures = [f for f in figures if f.source.section_id == sources[0].section_id]
        picked = _assign(parts, figures, _shared_terms(q, terms, parts), q, weight)
    else:
        n = expected_count(q)
        if n < 2:
            return None
        # No part names its own figure: the question's count says how many figures of one kind.
        same_section = [f for f in figures if f.source.section_id == sources[0].section_id]
        picked = _assign([None] * n, same_section, _shared_terms(q, terms, []), q, weight)  # type: ignore[list-item]
    if not picked:
        return None
    approx = any(f.approximate for f in picked)
    if kind == "difference":
        if len(picked) != 2:
            return None  # a difference of a counted number of figures is not one subtraction
        a, b = sorted(picked, key=lambda f: -f.value)
        return Combined("difference", a.value - b.value, (a, b), approx)
    return Combined("sum", sum(f.value for f in picked), tuple(picked), approx)


def _assign_any_unit(
    parts: list[Part], figures: list[Figure], q: QuestionAnalysis, weight
) -> list[Figure] | None:
    """Like _assign, but a share may divide cards by applications (張 by 件)."""
    free = [
        Figure(f.value, f.text, f.start, "", f.money, f.in_parens, f.approximate, f.source) for f in figures
    ]
    picked = _best_assignment(parts, free, [], q, weight, valid=lambda p: 0 < p[0].value <= p[1].value)
    if not picked:
        return None
    return [next(f for f in figures if f.start == p.start and f.source is p.source) for p in picked]


def list_total(
    q: QuestionAnalysis, sentences: list[str], lang: str, heading: str, section_id: str = ""
) -> Combined | None:
    """The total of a list the report introduces with "如下：" and never totals itself.

    Each item contributes its first figure counting what the question counts ("1 名", "12 名 (印尼籍
    7 名…)": the parenthesised breakdown is not added again).
    """
    if not _TOTAL_CUE.search(q.search_text) or q.answer_type not in {"count", "amount"} or not q.unit:
        return None
    for i, intro in enumerate(sentences):
        if not _LIST_INTRO.search(intro):
            continue
        if any(_fits_unit(q, f) for f in scan_figures(intro, lang)):
            return None  # the report states the total itself
        picked: list[Figure] = []
        for item in sentences[i + 1 :]:
            figs = [f for f in scan_figures(item, lang) if _fits_unit(q, f) and not f.in_parens]
            if not figs:
                break
            f = figs[0]
            picked.append(
                Figure(
                    f.value,
                    f.text,
                    f.start,
                    f.unit,
                    f.money,
                    False,
                    f.approximate,
                    Source(item, heading, lang, 1.0, section_id),
                )
            )
        if len(picked) >= 2:
            return Combined("sum", sum(f.value for f in picked), tuple(picked))
    return None


def _fits_unit(q: QuestionAnalysis, f) -> bool:
    if q.answer_type == "amount":
        return f.money
    kinds = {i for i, g in enumerate(_UNIT_GROUPS) if q.unit[:1] in g}
    return bool(f.unit) and (f.unit[:1] == q.unit[:1] or any(f.unit[:1] in _UNIT_GROUPS[i] for i in kinds))


# -- a figure for an earlier year, from "X, about Y more than in 2022" ---------------------------------
_EARLIER_EN = re.compile(
    r"(?P<dir>more|fewer|less|higher|lower|an increase of|a decrease of|up|down)\s+(?:[a-z]+\s+){0,2}?"
    r"(?:than|over|from|compared (?:with|to))?\s*(?:in\s+|that of\s+)?(?P<year>(?:19|20)\d\d)",
    re.I,
)
_EARLIER_ZH = re.compile(r"(?:較|比)\s*(?P<year>\d{2,3})\s*年(?:同期)?\s*(?P<dir>增加|減少|成長|多|少|增|減)")


def earlier_year(
    q: QuestionAnalysis,
    text: str,
    lang: str,
    terms: Terms,
    weight: Callable[[str], float] = lambda _: 1.0,
) -> Combined | None:
    """ "136 萬餘張，較 111 年增加 29 萬餘張" answers "111 年有多少張": 136萬 − 29萬, shown as such.

    Only from a sentence that carries most of the question's own words: the change must be the one
    asked about (receipts, not the refunds stated in the next sentence).
    """
    asked = q.other_years
    if len(asked) != 1:
        return None
    (year,) = asked
    wanted = {t.lower() for t in terms(q.search_text) if not t.isdigit() and t.lower() not in _FRAME}
    total = sum(weight(t) for t in wanted)
    if not total:
        return None
    ranked = []
    for sent in split_sentences(text, lang):
        have = {t.lower() for t in terms(sent)}
        ranked.append((sum(weight(t) for t in wanted if t in have) / total, sent))
    for cover, sent in sorted(ranked, reverse=True):
        if cover < 0.4:
            break
        found = _earlier_in(compact(sent, lang), lang, year)
        if found:
            return found
    return None


def _earlier_in(text: str, lang: str, year: int) -> Combined | None:
    source = Source(text, "", lang)
    figs = [
        Figure(f.value, f.text, f.start, f.unit, f.money, f.in_parens, f.approximate, source)
        for f in scan_figures(text, lang)
        if not f.in_parens
    ]
    pattern = _EARLIER_ZH if lang == "zh" else _EARLIER_EN
    for m in pattern.finditer(text):
        y = int(m.group("year"))
        y = y + ROC_OFFSET if y < 1000 else y
        if y != year:
            continue
        up = m.group("dir").lower() in {"more", "higher", "an increase of", "up", "增加", "成長", "多", "增"}
        if lang == "zh":  # "較111年增加 29萬": the change follows the year
            after = [f for f in figs if f.start >= m.end()]
            before = [f for f in figs if f.start < m.start()]
            change = after[0] if after else None
        else:  # "roughly 290,000 more than in 2022": the change precedes the comparison word
            prior = [f for f in figs if f.start < m.start()]
            change = prior[-1] if prior else None
            before = prior[:-1]
        if change is None or not before:
            continue
        base = before[-1]
        if not _same_kind(base, change) or base.money != change.money:
            continue
        value = base.value - change.value if up else base.value + change.value
        if value <= 0:
            continue
        return Combined("earlier", value, (base, change), base.approximate or change.approximate, year=y)
    return None


# -- wording ------------------------------------------------------------------------------------------
def _plain(value: float) -> str:
    return f"{int(round(value)):,}" if abs(value - round(value)) < 1e-6 else f"{value:,.2f}"


def _wan(value: float) -> str:
    """1493395013 -> "14億9,339萬5,013" (the report's own way of writing large figures)."""
    n = int(round(value))
    yi, rest = divmod(n, 10**8)
    wan, unit = divmod(rest, 10**4)
    out = f"{yi}億" if yi else ""
    if wan:
        out += f"{wan:,}萬"
    if unit or not out:
        out += f"{unit:,}"
    return out


def render(q: QuestionAnalysis, c: Combined) -> str:
    """The computed figure, then the operands as the report prints them, so a reader can check."""
    zh = q.lang == "zh"
    if c.kind == "ratio":
        num, den = c.figures
        if zh:
            return f"約 {c.value:.1f}%（{num.text} ÷ {den.text}）。"
        return f"About {c.value:.1f}% ({num.text} of {den.text})."
    op = " − " if c.kind == "difference" or (c.kind == "earlier" and c.value < c.figures[0].value) else " + "
    expr = op.join(f.text for f in c.figures)
    money = all(f.money for f in c.figures)
    unit = c.figures[0].unit if zh and not money else ("元" if zh else "")
    if zh:
        shown = _wan(c.value) if any(re.search(r"[萬億]", f.text) for f in c.figures) else _plain(c.value)
        plain = f"，即 {_plain(c.value)}{unit}" if shown != _plain(c.value) else ""
        approx = "約" if c.approximate else ""
        if c.kind == "earlier":
            return f"據此推算，{c.year - ROC_OFFSET}年{approx} {shown}{unit}（{expr}{plain}）。"
        head = "相差" if c.kind == "difference" else "合計"
        return f"{head}{approx} {shown}{unit}（{expr}{plain}）。"
    nt = "NT$" if money else ""
    approx = "about " if c.approximate else ""
    if c.kind == "earlier":
        return f"Derived from the report: {approx}{nt}{_plain(c.value)} in {c.year} ({expr})."
    head = "The difference is" if c.kind == "difference" else "In total,"
    noun = q.unit if q.unit and q.unit not in _NOT_A_NOUN and not money else c.figures[0].unit
    noun = f" {noun}" if noun and not money else ""
    return f"{head} {approx}{nt}{_plain(c.value)}{noun} ({expr})."


_NOT_A_NOUN = frozenset("more fewer less other of in did do does had have were was".split())
