"""Office resolver: phone, fax, address and service area from the appendix office records."""

from __future__ import annotations

from dataclasses import dataclass

from app.answering.matching import en_words, fold, overlap
from app.answering.question import QuestionAnalysis
from ingest.records import Office

CONTACT_TYPES = frozenset({"phone", "fax", "address"})
_OFFICE_KINDS = [
    ("收容所", "detention"),
    ("服務站", "service center"),
    ("專勤隊", "brigade"),
    ("事務大隊", "corps"),
    ("國境事務隊", "border affairs"),
    ("代表處", "representative"),
    ("辦事處", "office in"),
]


@dataclass(frozen=True)
class OfficeMatch:
    office: Office
    score: float


def find_office(q: QuestionAnalysis, offices: list[Office]) -> OfficeMatch | None:
    """The office the question names, by containment of its name (longest wins) or word/bigram overlap."""
    text = fold(q.search_text)
    best: OfficeMatch | None = None
    for office in offices:
        names = [n for n in (office.name_zh, office.name_en) if n]
        score = 0.0
        for name in names:
            folded = fold(name)
            if folded and folded in text:
                score = max(score, 1.0 + len(folded) / 100)  # longest contained name wins
            else:
                score = max(score, overlap(q.search_text, name))
        if office.group_zh or office.region_zh:
            # "北區事務大隊" etc. in the question slightly prefers that region's offices
            score += 0.05 * overlap(q.search_text, f"{office.region_zh} {office.region_en}")
        if best is None or score > best.score:
            best = OfficeMatch(office, score)
    if best is None or best.score < 0.75:
        return None
    # The kind of office asked about must be the kind found: a "detention center" question is not
    # answered with a service center that shares the place name.
    for zh_kind, en_kind in _OFFICE_KINDS:
        asked = zh_kind in q.search_text or en_kind in q.search_text.lower()
        found = zh_kind in best.office.name_zh or en_kind in best.office.name_en.lower()
        if asked and not found:
            return None
    # An English question must share its distinctive words with the English name.
    if q.lang == "en" and best.score < 1.0:
        missing = en_words(q.search_text) & {"brigade", "center", "centre", "corps", "squad", "office"}
        if missing and not missing <= en_words(best.office.name_en):
            return None
    return best


# Per language: how each contact field is phrased, and how the parts are joined.
_PHRASES = {
    "zh": ({"phone": "電話為 {}", "fax": "傳真為 {}", "address": "地址為{}"}, "{name}{parts}。", "，"),
    "en": ({"phone": "phone {}", "fax": "fax {}", "address": "address {}"}, "{name}: {parts}.", "; "),
}


def answer_office(q: QuestionAnalysis, match: OfficeMatch) -> str:
    """One sentence with the asked contact field(s), in the question's language."""
    o = match.office
    zh = q.lang == "zh"
    values = {
        "phone": o.phone,
        "fax": o.fax,
        "address": (o.address_zh or o.address_en) if zh else (o.address_en or o.address_zh),
    }
    field_phrases, sentence, joiner = _PHRASES["zh" if zh else "en"]
    parts = {k: field_phrases[k].format(v) for k, v in values.items() if v}
    want = q.answer_type if q.answer_type in CONTACT_TYPES else "all"
    chosen = [parts[want]] if want in parts else list(parts.values())
    name = (o.name_zh or o.name_en) if zh else (o.name_en or o.name_zh)
    return sentence.format(name=name, parts=joiner.join(chosen))
