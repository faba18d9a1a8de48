"""Office resolver: phone, fax, address and service area from the appendix office records."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from app.answering.matching import en_words, fold, overlap, units
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


# An address word counts less than a name word: "the office in London" names the place the office
# is in, which its address gives, but an address also names streets and districts.
ADDRESS_WEIGHT = 0.8


@dataclass(frozen=True)
class _OfficeUnits:
    """Each office's distinctive units (Chinese bigrams, English words) of its names and addresses,
    weighted by how few offices share them (IDF over the office records)."""

    names: tuple[frozenset[str], ...]
    addresses: tuple[frozenset[str], ...]
    idf: dict[str, float]


@lru_cache(maxsize=4)
def _office_units(offices: tuple[Office, ...]) -> _OfficeUnits:
    names = tuple(units(f"{o.name_zh} {o.name_en}") for o in offices)
    addresses = tuple(units(f"{o.address_zh} {o.address_en}") for o in offices)
    df: dict[str, int] = {}
    for n, a in zip(names, addresses, strict=True):
        for u in n | a:
            df[u] = df.get(u, 0) + 1
    idf = {u: math.log(1 + len(offices) / d) for u, d in df.items()}
    return _OfficeUnits(names, addresses, idf)


_NAME_WORD = re.compile(r"(?<=\w[\s,'’(])([A-Z][\w\-]+)")


def _weighted_cover(q: QuestionAnalysis, offices: tuple[Office, ...]) -> list[float]:
    """Per office, the IDF-weighted share of the English question's office words (those any office
    record uses, and any other name it gives) that the office's name, or less surely its address,
    holds. A name no office record has ("Police") counts against every office; Chinese questions
    name offices by their Chinese names, which the name overlap matches."""
    if q.lang != "en":
        return [0.0] * len(offices)
    directory = _office_units(offices)
    asked = units(q.search_text) & directory.idf.keys()
    other_names = en_words(" ".join(_NAME_WORD.findall(q.search_text))) - directory.idf.keys()
    total = sum(directory.idf[u] for u in asked) + len(other_names) * math.log(1 + len(offices))
    if not asked or not total:
        return [0.0] * len(offices)
    out = []
    for name, address in zip(directory.names, directory.addresses, strict=True):
        got = sum(directory.idf[u] * (1.0 if u in name else ADDRESS_WEIGHT) for u in asked & (name | address))
        out.append(got / total)
    top = max(out)
    if sum(1 for c in out if c >= top - 1e-9) > 1:
        # Words several offices share equally ("service center", "headquarters") name no office.
        return [0.0] * len(offices)
    return out


def find_office(q: QuestionAnalysis, offices: list[Office]) -> OfficeMatch | None:
    """The office the question names: by containment of its name (longest wins), else the better of
    the share of its name's words the question has and the IDF-weighted share of the question's
    office words its name and address hold."""
    text = fold(q.search_text)
    best: OfficeMatch | None = None
    covers = _weighted_cover(q, tuple(offices))
    for office, cover in zip(offices, covers, strict=True):
        names = [n for n in (office.name_zh, office.name_en) if n]
        score = cover
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


def office_field(office: Office, kind: str, lang: str) -> str:
    """The office's phone, fax or address (in ``lang`` where the directory has both); "" when not listed."""
    if kind == "address":
        first, second = (
            (office.address_zh, office.address_en) if lang == "zh" else (office.address_en, office.address_zh)
        )
        return (first or second).strip()
    return {"phone": office.phone, "fax": office.fax}.get(kind, "").strip()


def answer_office(q: QuestionAnalysis, match: OfficeMatch) -> str:
    """One sentence with the asked contact field(s), in the question's language."""
    o = match.office
    zh = q.lang == "zh"
    values = {kind: office_field(o, kind, q.lang) for kind in ("phone", "fax", "address")}
    field_phrases, sentence, joiner = _PHRASES["zh" if zh else "en"]
    parts = {k: field_phrases[k].format(v) for k, v in values.items() if v}
    want = q.answer_type if q.answer_type in CONTACT_TYPES else "all"
    chosen = [parts[want]] if want in parts else list(parts.values())
    name = (o.name_zh or o.name_en) if zh else (o.name_en or o.name_zh)
    return sentence.format(name=name, parts=joiner.join(chosen))
