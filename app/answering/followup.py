"""Resolve a follow-up question ("那<另一地點>呢？", "and the year before?") against the previous turn."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.answering.question import months_in, years_in

_ZH_CUES = re.compile(r"^(?:那|那麼|還有|另外|至於)|(?:的呢|呢|的情況呢|如何呢)[？?]?$")
_EN_CUES = re.compile(r"^(?:and|what about|how about|and what about|what of)\b|\?$", re.I)
_YEAR_SPAN = re.compile(r"(?:民國)?\s*\d{2,3}\s*年|(?<!\d)(?:19|20)\d{2}(?!\d)")
_MONTH_SPAN = re.compile(
    r"(?<!\d)(?:1[0-2]|[1-9])\s*月|\b(?:January|February|March|April|May|June|July|August|September|"
    r"October|November|December)\b",
    re.I,
)


def is_follow_up(question: str, lang: str) -> bool:
    q = question.strip()
    if lang == "zh":
        return bool(_ZH_CUES.search(q)) and len(q) <= 20
    return (
        bool(re.match(r"^(?:and|what about|how about|and what about|what of)\b", q, re.I))
        and len(q.split()) <= 8
    )


def _subject(question: str, lang: str) -> str:
    if lang == "zh":
        s = re.sub(r"^(?:那|那麼|還有|另外|至於)", "", question.strip())
        return re.sub(r"(?:的呢|呢|的情況呢|如何呢)?[？?。]*$", "", s).strip()
    s = re.sub(r"^(?:and what about|what about|how about|what of|and)\s*", "", question.strip(), flags=re.I)
    return re.sub(r"^(?:in|for|at|the)\s+", "", s.rstrip("?. "), flags=re.I).strip()


_PLACE_SUFFIX = re.compile(
    r"(?:國際機場|機場|港|市|縣|服務站|專勤隊|收容所|國境事務隊|地區)$|"
    r"\s+(?:International Airport|Airport|Sea Port|Port|City|County|Service Center|Brigade)$",
    re.I,
)


_KINDS = ("國際機場", "機場", "港", "市", "縣", "服務站", "專勤隊", "收容所", "國境事務隊")


def place_stems(names: Iterable[str]) -> set[str]:
    """Place stems ("臺中", "Kaohsiung") from report labels such as "臺中機場", "Kaohsiung City"."""
    out: set[str] = set()
    for name in names:
        stem = _PLACE_SUFFIX.sub("", name.strip()).strip()
        if 2 <= len(stem) <= 12:
            out.add(stem)
    return out


_KIND_AT_START = re.compile(
    r"\s*(?:International Airport|Airport|Sea Port|Port|City|County|Service Center|Brigade)\b|"
    r"(?:國際機場|機場|港|市|縣|服務站|專勤隊|收容所|國境事務隊)",
    re.I,
)


def _swap_place(previous: str, subject: str, places: set[str]) -> str | None:
    """Replace the previous question's place with the new one, keeping the kind of place:
    after "<A>機場", "那<B>呢" means <B>機場; "那<B>市呢" stays <B>市; after "<A> Airport",
    "What about <B> Port?" replaces place and kind. English places match in any case."""
    subject = subject.replace("台", "臺")
    stem = _PLACE_SUFFIX.sub("", subject).strip() or subject
    folded_places = {p.lower() for p in places}
    if stem.lower() not in folded_places and not _PLACE_SUFFIX.search(subject):
        return None  # "第一航廈" is not a place: nothing to swap
    low = previous.replace("台", "臺").lower()
    found = sorted(
        (p for p in places if p.lower() in low and p.lower() not in stem.lower()), key=len, reverse=True
    )
    if not found:
        return None
    at = low.index(found[0].lower())
    end = at + len(found[0])
    if _PLACE_SUFFIX.search(subject):  # the follow-up names the kind too: it replaces the old kind
        kind = _KIND_AT_START.match(previous, end)
        end = kind.end() if kind else end
    else:
        subject = stem
    # 台/臺 folding and lower-casing keep lengths: the rest stays as the user typed it.
    return previous[:at] + subject + previous[end:]


_PLAIN_ZH = re.compile(r"[\u3400-\u9fff]+")
_EN_PLACE_PHRASE = re.compile(r"\b(?:in|at|through|from|to)\s+((?:the\s+)?[A-Z][\w\-]*(?:\s+[A-Z][\w\-]*)*)")


def _swap_place_phrase(previous: str, subject: str, places: set[str]) -> str | None:
    """English: a place named in the report ("And in <B>?") replaces the place phrase of a previous
    question that names no place of the report ("... in <A>?", <A> a country or region the tables do
    not list): the last "in/at/through <Capitalised words>" of it."""
    stem = _PLACE_SUFFIX.sub("", subject).strip() or subject
    if stem.lower() not in {p.lower() for p in places}:
        return None
    found = list(_EN_PLACE_PHRASE.finditer(previous))
    if not found:
        return None
    m = found[-1]
    return previous[: m.start(1)] + subject + previous[m.end(1) :]


def _swap_sibling(previous: str, subject: str) -> str | None:
    """Replace the previous question's term of the same kind: "那女性呢？" after "...男性有多少人？",
    "決算數" after "歲入預算數", "第一航廈" after "第二航廈" — a span of about the same length sharing
    its first or last characters with the new term (at least half of it), but not the whole of it."""
    new = subject.replace("台", "臺")
    if not 2 <= len(new) <= 8 or not _PLAIN_ZH.fullmatch(new):
        return None
    prev = previous.replace("台", "臺")
    if new in prev:
        return None
    # Best shared share; of equal shares the span as long as the new term ("高雄市服務站" replaces all of
    # "高雄市專勤隊", not "高雄市專勤").
    best: tuple[tuple[float, int], str] | None = None
    for run in _PLAIN_ZH.findall(prev):
        for size in sorted({len(new) - 1, len(new), len(new) + 1} - {0, 1}):
            for i in range(len(run) - size + 1):
                old = run[i : i + size]
                head = next((k for k in range(min(size, len(new))) if old[k] != new[k]), min(size, len(new)))
                tail = next(
                    (k for k in range(min(size, len(new))) if old[-1 - k] != new[-1 - k]), min(size, len(new))
                )
                shared = head + tail
                if shared >= min(size, len(new)):
                    continue  # one contains the other: not a sibling
                score = (shared / max(size, len(new)), -abs(size - len(new)))
                if score[0] >= 0.5 and (best is None or score > best[0]):
                    best = (score, old)
    if best is None:
        return None
    at = prev.index(best[1])  # 台/臺 folding keeps lengths: replace in the question as the user typed it
    return previous[:at] + subject + previous[at + len(best[1]) :]


_EN_FUNCTION = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its many much of on or the "
    "their to was were what when where which who with".split()
)
_EN_VERBISH = frozenset("had has have did does do was were is are received made".split())


def _swap_head(previous: str, subject: str) -> str | None:
    """English: "And the <B> <head>?" after "... had the <A> <head> for <C> received ...": the previous
    noun phrase with the same head noun (its last word), with a "for/of ..." phrase that follows it, is
    replaced by the new one."""
    new = subject.split()
    if len(new) < 2:
        return None  # a single word names no phrase to replace (a place, a year: handled above)
    words = previous.rstrip("?. ").split()
    head = new[-1].lower().rstrip("s")
    at = next((i for i in range(len(words) - 1, -1, -1) if words[i].lower().rstrip("s,") == head), None)
    if at is None:
        return None
    # The phrase opens at a "the" a few words back with only content words between ("the online ARC
    # system"), or else at the first of the content words before the head ("service procurement
    # projects", "Taoyuan Airport").
    start = at
    for back in range(at - 1, max(at - 6, -1), -1):
        low = words[back].lower()
        if low == "the":
            start = back
            break
        if low in _EN_FUNCTION or low in _EN_VERBISH or low.endswith("ed"):
            break
        start = back
    end = at + 1
    if end < len(words) and words[end].lower() in {"for", "of"}:
        end += 1
        while end < len(words) and not (
            words[end].lower() in _EN_VERBISH or words[end].lower().endswith("ed")
        ):
            end += 1
    opens = words[start].lower() == "the"
    phrase = subject if subject.lower().startswith("the ") or not opens else "the " + subject
    return " ".join([*words[:start], phrase, *words[end:]]) + "?"


def _swap_en_sibling(previous: str, subject: str) -> str | None:
    """English: "And <A> <y>?" after "... <A> <x> ...": a span of the previous question as many words
    long as the new term that opens with the same words, but not all of them ("Terminal 2" replaces
    "Terminal 1", "Region B" replaces "Region A")."""
    new = subject.split()
    if not 2 <= len(new) <= 4:
        return None
    words = previous.rstrip("?. ").split()
    for i in range(len(words) - len(new) + 1):
        old = words[i : i + len(new)]
        shared = next(
            (k for k, (a, b) in enumerate(zip(old, new, strict=True)) if a.lower() != b.lower()), len(new)
        )
        if 2 * shared >= len(new) and shared < len(new):
            return " ".join([*words[:i], *new, *words[i + len(new) :]]) + "?"
    return None


def resolve_follow_up(question: str, previous: str, lang: str, places: Iterable[str] = ()) -> str:
    """Rewrite ``question`` as a full question using ``previous``; unchanged when it is not a follow-up.

    The new subject replaces, in the previous question, a year (if it is a year), a
    month, or a place named in the report (``places``: stems from table labels and
    office names); otherwise it is prepended to the previous question.
    """
    if not previous or not is_follow_up(question, lang):
        return question
    subject = _subject(question, lang)
    if not subject:
        return previous
    if years_in(subject) and _YEAR_SPAN.search(previous):
        return _YEAR_SPAN.sub(subject, previous, count=1)
    if months_in(subject, lang) and _MONTH_SPAN.search(previous):
        return _MONTH_SPAN.sub(subject, previous, count=1)
    swapped = _swap_place(previous, subject, set(places))
    if swapped:
        return swapped
    if lang == "zh":
        sibling = _swap_sibling(previous, subject)
        if sibling:
            return sibling
        return f"{subject} {previous}"
    phrase = _swap_place_phrase(previous, subject, set(places))
    if phrase:
        return phrase
    head = _swap_head(previous, subject) or _swap_en_sibling(previous, subject)
    if head:
        return head
    return f"{previous.rstrip('?')} — {subject}?"


# Years and months said relative to the previous turn's ("那前一年呢？", "and the following month?").
_RELATIVE_YEARS = {
    "zh": ((re.compile(r"前一年度?|上一年度?"), -1), (re.compile(r"隔年|次年|明年|下一年|翌年"), 1)),
    "en": (
        (
            re.compile(
                r"\b(?:the )?(?:year before|previous year|prior year|preceding year)\b|\ba year (?:earlier|before)\b",
                re.I,
            ),
            -1,
        ),
        (re.compile(r"\b(?:the )?(?:next|following|subsequent) year\b|\ba year later\b", re.I), 1),
    ),
}
_RELATIVE_MONTHS = {
    "zh": (
        (re.compile(r"上個月|上一個月|前一個月|前一月"), -1),
        (re.compile(r"下個月|下一個月|次月|隔月|後一個月"), 1),
    ),
    "en": (
        (
            re.compile(
                r"\b(?:the )?(?:month before|previous month|prior month|preceding month)\b|\ba month (?:earlier|before)\b",
                re.I,
            ),
            -1,
        ),
        (re.compile(r"\b(?:the )?(?:next|following|subsequent) month\b|\ba month later\b", re.I), 1),
    ),
}
_MONTH_NAMES = "January February March April May June July August September October November December".split()


def relative_dates(question: str, lang: str, year: int, month: int | None = None) -> str:
    """``question`` with a year or month said relative to the previous turn's (``year`` Gregorian,
    ``month``) written out, in the report's form for ``lang`` (ROC years in Chinese)."""
    key = "zh" if lang == "zh" else "en"
    for pattern, step in _RELATIVE_YEARS[key]:
        question = pattern.sub(f"{year + step - 1911}年" if key == "zh" else str(year + step), question)
    if month is not None:
        for pattern, step in _RELATIVE_MONTHS[key]:
            m = month + step
            if 1 <= m <= 12:
                question = pattern.sub(f"{m}月" if key == "zh" else _MONTH_NAMES[m - 1], question)
    return question


# "其中<X>…" (of which X), "各<X>分別…" (each X): a part of the previous figure.
_ZH_NARROW = re.compile(r"^(?:那麼|那|還有|另外|至於)?(?:其中|各)(?=.*分別|(?<=其中))")
_ZH_ASK_TAIL = re.compile(
    r"(?:的)?(?:有|是|共有|則有|佔)?(?:多少|幾)(?:個|位|名|人|件|次|人次|張)?(?:人|件|次)?(?:呢)?[？?。]*$"
    r"|(?:的呢|呢|的情況呢|如何呢)[？?。]*$"
)
_ZH_EACH_TAIL = re.compile(r"(?:的)?(?:人數|件數|數字|數量)?分別(?:是|為|有)?(?:多少|幾)?.*$")
_EN_NARROW = re.compile(r"\bof (?:those|them|these)\b", re.I)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")


def follow_up_term(question: str, previous: str, lang: str, narrowing_only: bool = False) -> tuple[str, ...]:
    """What a short follow-up names as a part of the previous question's figure: <X> of "其中<X>有多少？",
    of "各<X>分別是多少？" or of "那<X>呢？"; in English the names (capitalised words) of "How many of those
    ... <Name>?".
    Forms to look the term up by: as written, and a Chinese term without its suffix ("越南籍" -> "越南").
    Empty when the follow-up names nothing new, or (``narrowing_only``) when it does not narrow
    ("其中…", "… of those …")."""
    q = question.strip()
    if lang == "zh":
        if narrowing_only and not _ZH_NARROW.search(q):
            return ()
        body = _ZH_NARROW.sub("", q)
        body = re.sub(r"^(?:那麼|那|還有|另外|至於)?各?", "", body)
        body = _ZH_EACH_TAIL.sub("", body)
        body = _ZH_ASK_TAIL.sub("", body).strip()
        # A pronoun of the previous subject ("它的", "他們的") is not part of the term.
        body = re.sub(r"^(?:它們|他們|她們|它|其|該)(?:的)?", "", body)
        body = re.sub(r"^的|的$", "", body)
        # A term the previous question also used may still narrow it ("出境" of "入出境").
        if not 2 <= len(body) <= 8 or not _PLAIN_ZH.fullmatch(body) or body == previous:
            return ()
        forms = [body]
        if len(body) >= 3 and body[-1] in "籍人者":
            forms.append(body[:-1])
        return tuple(forms)
    if narrowing_only and not _EN_NARROW.search(q):
        return ()
    low = previous.lower()
    names = []
    for m in _NAME.finditer(q):
        # The question's first word is capitalised as a sentence start, not as a name ("And Hualien").
        name = m.group(0) if m.start() > 0 else m.group(0).partition(" ")[2]
        if name and name.lower() not in low:
            names.append(name)
    return tuple(names)


# A follow-up asking the total of a dimension: the whole year (of a monthly table) or all of the places,
# agencies or kinds ("那全年呢？", "And in total?").
_TOTAL_CUES = {
    "zh": (
        re.compile(r"全年|整年|一整年|整個年度"),
        re.compile(r"所有|全部|合計|總計|總共|總數|全國|整體|全體"),
    ),
    "en": (
        re.compile(r"\b(?:whole|full|entire) year\b|\ball (?:of )?(?:the )?year\b|\bfor the year\b", re.I),
        re.compile(
            r"\bin total\b|\baltogether\b|\boverall\b|\bcombined\b|\btotal\b|\ball (?:the )?\w+s\b", re.I
        ),
    ),
}


def asks_total(question: str, lang: str) -> str:
    """ "year" when a follow-up asks the whole year, "all" when it asks the total of everything, else ""."""
    year, every = _TOTAL_CUES["zh" if lang == "zh" else "en"]
    if year.search(question):
        return "year"
    return "all" if every.search(question) else ""
