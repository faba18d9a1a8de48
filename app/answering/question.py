"""Question analysis: language, expected answer type, years, months and the asked unit."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from app.input_guard import detect_lang

# The report covers ROC year 112 (2023); earlier years appear only as comparisons.
REPORT_YEAR = 2023
ROC_OFFSET = 1911

_ANSWER_TYPES_ZH: list[tuple[str, tuple[str, ...]]] = [
    ("fax", ("傳真",)),
    ("phone", ("電話", "聯絡方式", "專線號碼", "撥打")),
    ("address", ("地址", "在哪裡", "在哪", "位於", "位在", "哪裡")),
    ("percent", ("比率", "百分比", "比例", "幾成", "百分之", "%", "率")),
    ("amount", ("多少錢", "金額", "經費", "預算", "費用", "決算", "元", "價格", "定價", "補助多少")),
    ("date", ("何時", "什麼時候", "哪一天", "日期", "哪天", "幾月幾日", "何日", "哪一年", "哪年", "幾月")),
    (
        "count",
        ("多少", "幾", "人數", "件數", "人次", "數量", "總數", "名額", "次數"),
    ),
    ("yesno", ("是否", "有沒有", "有無", "嗎")),
    ("name", ("誰", "哪個", "哪些", "哪一", "什麼", "名稱", "何種", "哪國", "哪位")),
]
_ANSWER_TYPES_EN: list[tuple[str, tuple[str, ...]]] = [
    ("fax", ("fax",)),
    ("phone", ("phone", "telephone", "call ", "contact number", "hotline number")),
    ("address", ("address", "where is", "located", "where's", "location of")),
    ("percent", ("percent", "percentage", "rate", "share", "proportion", "%")),
    (
        "amount",
        (
            "how much money",
            "amount",
            "budget",
            "cost",
            "price",
            "nt$",
            "spent",
            "expenditure",
            "revenue",
            "fund",
        ),
    ),
    (
        "date",
        (
            "when ",
            "what date",
            "which date",
            "which day",
            "what day",
            "which year",
            "what year",
            "which month",
        ),
    ),
    ("count", ("how many", "number of", "how much", "total", "count")),
    ("yesno", ("is there", "are there", "did ", "does ", "do ", "is it", "was ", "were ", "has ", "have ")),
    ("name", ("who", "which", "what", "name")),
]
_OPINION = re.compile(
    r"(你認為|你覺得|您認為|應不應該|應該如何|好不好|值得|最好的|評價|預測|預估未來|將來會|未來會|會不會|看法|"
    r"明年|還會|會再|是否會|將會|將有多少|會有多少|比較好|更好|較佳|"
    r"\bhow many\b.*\bwill\b|\bwill\b.*\bhow many\b|\bbetter than\b|\bworse than\b|"
    r"\bshould\b|\bopinion\b|\bthink\b|\bbelieve\b|\bpredict|\bforecast|\bbest\b|\bworst\b|"
    r"\bwill\b.*\b(?:next|future|again|keep|continue|still|2025|2026)\b|\bnext year\b|\bwill there be\b)",
    re.I,
)
_ROC_YEAR = re.compile(r"(?:民國|中華民國)?\s*(1[0-2]\d|[6-9]\d)\s*年(?!代)")
_GREG_YEAR = re.compile(r"(?<!\d)(20[0-4]\d)(?!\d)")
# "12月底" in "截至112年12月底" is an as-of date, not a month asked about.
_MONTH_ZH = re.compile(r"(?<!\d)(1[0-2]|[1-9])\s*月(?!底)")
# "八月", "十二月": a month in Chinese numerals (not "一個月"; "十二月" is one month, not 二月).
_MONTH_ZH_NUMERAL = re.compile(r"(?<![一二三四五六七八九十\d])(十[一二]?|[一二三四五六七八九])月(?!底)")
ZH_DIGITS = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}
_MONTHS_EN = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_ZH_UNIT = re.compile(
    r"(?:多少|幾)\s*([座件人次名家場個所處國項條位艘架台臺份篇則案隊站年天小時通張班筆本組種起趟支套棟間]+)"
)
_EN_UNIT = re.compile(r"how many ([a-z\-]+)", re.I)


@lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2twp")


@dataclass(frozen=True)
class QuestionAnalysis:
    question: str  # as typed (cleaned)
    lang: str  # "zh" | "en"
    search_text: str  # Traditional, NFKC: what retrieval and matching use
    answer_type: str  # count|amount|percent|date|duration|phone|fax|address|yesno|name|other
    years: frozenset[int] = frozenset()  # Gregorian years mentioned
    months: frozenset[int] = frozenset()
    unit: str = ""  # the asked unit, e.g. "座", "人次", "e-gates"
    opinion: bool = False
    simplified_input: bool = False
    flags: tuple[str, ...] = field(default=())

    @property
    def other_years(self) -> frozenset[int]:
        """Years asked about that are not the report's year."""
        return frozenset(y for y in self.years if y != REPORT_YEAR)


def to_traditional(text: str) -> tuple[str, bool]:
    """Convert Simplified input to Traditional for matching (the user's text is never rewritten).

    Text that already uses Traditional-only characters is left alone: the phrase conversion would
    otherwise rewrite correct Taiwanese words (核准 -> 核準) so they no longer match the report.
    """
    if _t2s().convert(text) != text:
        return text, False
    converted = _s2t().convert(text)
    return converted, converted != text


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def years_in(text: str) -> set[int]:
    """Gregorian years mentioned in ROC (112年) or Gregorian (2023) form."""
    years = {int(m) + ROC_OFFSET for m in _ROC_YEAR.findall(text)}
    years |= {int(m) for m in _GREG_YEAR.findall(text)}
    return years


_GREG_YEAR_ZH = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?=年)")
_ROC_YEAR_EN = re.compile(r"(?:民國\s*)?(?<!\d)(1[01]\d)\s*年(?:度)?")
_LAST_YEAR = {"zh": re.compile(r"去年(?:度)?"), "en": re.compile(r"\blast year\b", re.I)}


def in_report_years(text: str, lang: str) -> str:
    """Years written the way the report's own text in ``lang`` writes them: the Chinese text uses ROC
    years (112年), the English translation Gregorian ones (2023). "去年 / last year" is read as the
    report's year (the report is the 2023 one, published the year after)."""
    if lang == "zh":
        text = _LAST_YEAR["zh"].sub(f"{REPORT_YEAR - ROC_OFFSET}年", text)
        return _GREG_YEAR_ZH.sub(lambda m: str(int(m.group(1)) - ROC_OFFSET), text)
    text = _LAST_YEAR["en"].sub(f"in {REPORT_YEAR}", text)
    return _ROC_YEAR_EN.sub(lambda m: f"{int(m.group(1)) + ROC_OFFSET} ", text)


_ASIDE = re.compile(r"\s*[(（][^()（）]*[)）]")
# "Cabinet-level", "English-language": a capitalised word that modifies the next one is no name.
_MODIFIER = re.compile(r"\b[A-Z][a-z]+-(?=[a-z])")


def name_text(text: str) -> str:
    """The question's words that can name something the evidence must hold: without asides in
    parentheses (another spelling, a translation: "Hsinchu City (Xinzhu Shi)", "GPN (Government
    Publication Number)") and without capitalised modifiers ("Cabinet-level")."""
    return _MODIFIER.sub(" ", _ASIDE.sub("", text))


def is_month_word(word: str) -> bool:
    """An English month name or abbreviation ("Sept", "Oct.")."""
    return word.lower().rstrip(".") in _MONTHS_EN


def months_in(text: str, lang: str) -> set[int]:
    months = {int(m) for m in _MONTH_ZH.findall(text)}
    for m in _MONTH_ZH_NUMERAL.findall(text):
        months.add(10 + (ZH_DIGITS[m[1]] if len(m) == 2 else 0) if m.startswith("十") else ZH_DIGITS[m])
    for word in re.findall(r"[A-Za-z]+", text):
        w = word.lower().rstrip(".")
        if w in _MONTHS_EN and not (w == "may" and lang == "en" and not re.search(r"\bMay\b", text)):
            months.add(_MONTHS_EN[w])
    return months


_QUANTITY_ASKED = re.compile(r"(?:多少|幾)\s*(?:通|次|件|人|名|張|筆)|\bhow many\b", re.I)


# English wh-questions ("What fine did ... pay?", "How did ... respond?") contain "did"/"does" without
# asking yes or no; only a question that opens with the auxiliary does.
_EN_YESNO_OPENING = re.compile(
    r"^\W*(?:is|are|was|were|did|does|do|has|have|had|can|could|will|would)\b", re.I
)
_EN_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)
# "What fine / surplus / fee ...": the asked thing is money.
_EN_MONEY_NOUN = re.compile(
    r"\b(?:what|which)\W+(?:\w+\W+){0,2}?(?:fines?|surplus|deficit|fees?|subsid(?:y|ies)|salar(?:y|ies)|grants?)\b|"
    r"\bhow much\b.*\b(?:spend|spent|paid|pay|cost|charge|fund)",
    re.I,
)
# "What cumulative viewership / total number ...": the asked thing is a count.
_EN_COUNT_NOUN = re.compile(
    r"\bwhat\b[^?]{0,30}\b(?:total|count|viewership|attendance|turnout|headcount)\b", re.I
)
_DURATION = re.compile(r"\bhow long\b|多久|多長時間|期限多長|(?<!哪)幾年|(?<!哪)幾個月|(?<!哪)幾天", re.I)


_EN_PERCENT_ASKED = re.compile(r"\b(?:what|which) (?:percentage|percent|proportion|share)\b", re.I)
_ZH_WHEN = re.compile(r"哪幾?個?月|哪[一幾]?天|哪一?年|幾月幾日")


def classify(text: str, lang: str) -> str:
    if _QUANTITY_ASKED.search(text):
        return (
            "count"  # "接了多少通電話" / "how many phone calls" count calls, they do not ask a number to dial
        )
    if _DURATION.search(text):
        return "duration"
    if lang == "zh" and _ZH_WHEN.search(text):
        return "date"  # "在哪幾個月" asks when, not where
    table = _ANSWER_TYPES_ZH if lang == "zh" else _ANSWER_TYPES_EN
    low = f" {text.lower()} "
    if lang == "en":
        wh = bool(_EN_WH.search(text))
        if _EN_MONEY_NOUN.search(text) and wh and not re.search(r"\bhow many\b", text, re.I):
            return "amount"
        if _EN_PERCENT_ASKED.search(text) and not re.search(r"\bhow many\b", text, re.I):
            return "percent"  # "What percentage of the entries ...": a share, though it names what is counted
        if _EN_COUNT_NOUN.search(text) and not re.search(
            r"\b(?:budget|expenditure|revenue|income|cost|spending|funds?)\b", text, re.I
        ):
            return "count"
        if wh and not _EN_YESNO_OPENING.search(text):
            table = [(n, c) for n, c in table if n != "yesno"]
    for name, cues in table:
        if lang == "en":
            # Whole words from the start: "count" is not in "accounted", "rate" not in "separate".
            if any(
                re.search(r"(?<![a-z])" + re.escape(c) + (r"s?(?![a-z])" if c[-1].isalpha() else ""), low)
                for c in cues
            ):
                return name
        elif any(c in low for c in cues):
            return name
    return "other"


def analyze(question: str, lang: str | None = None) -> QuestionAnalysis:
    lang = lang or detect_lang(question)
    nfkc = unicodedata.normalize("NFKC", question)
    search_text, simplified = to_traditional(nfkc) if lang == "zh" else (nfkc, False)
    search_text = in_report_years(search_text, lang)
    unit = ""
    if lang == "zh":
        m = _ZH_UNIT.search(search_text)
        unit = m.group(1) if m else ""
    else:
        m = _EN_UNIT.search(search_text)
        unit = m.group(1).lower() if m else ""
    return QuestionAnalysis(
        question=question,
        lang=lang,
        search_text=search_text,
        answer_type=classify(search_text, lang),
        years=frozenset(years_in(search_text)),
        months=frozenset(months_in(search_text, lang)),
        unit=unit,
        opinion=bool(_OPINION.search(search_text)),
        simplified_input=simplified,
    )
