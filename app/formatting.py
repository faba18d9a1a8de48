"""How answers are printed for people: plain text with numbered sources, and the media reply.

A media reply is built from the Answer's fields (the answer, its citations and their quotes), never
by parsing printed text: the answer sentence, the source line staff paste under it
("資料來源：內政部移民署《112年年報》，第貳章 …，第69頁" / "Source: NIA 2023 Annual Report, Chapter II …,
p. 69"), and — only when asked — the other language's original. An abstention says the report does not
give it and names the nearest sections it does list.
"""

from __future__ import annotations

import re

from app.records import Answer, Citation
from app.twins import TwinLookup

REPORT_ZH = "內政部移民署《112年年報》"
REPORT_EN = "NIA 2023 Annual Report"

# The note an answerer may append with the other language's text: a media reply carries the other
# language only on request, and then whole (the note may be cut to fit the answer's length).
_ORIGINAL_NOTE = re.compile(r"\s*(?:（英文版：.*）|\(Chinese original: .*\))\s*$", re.S)


def citation_path(c: Citation, lang: str) -> str:
    if lang == "zh":
        return c.path_zh or c.path_en
    return c.path_en or c.path_zh


def page_is_part_start(c: Citation) -> bool:
    """Appendix entries carry their part's first page (the TOC prints no page per table or region)."""
    return c.section_id.startswith("appendix/") and c.section_id.count("/") >= 2


def page_label(c: Citation, lang: str) -> str:
    """ "第69頁" / "p. 69"; "第143頁起" / "p. 143 ff." where only the part's first page is known; "" if none."""
    if c.page is None:
        return ""
    ff = page_is_part_start(c)
    if lang == "zh":
        return f"第{c.page}頁" + ("起" if ff else "")
    return f"p. {c.page}" + (" ff." if ff else "")


def source_line(c: Citation, lang: str) -> str:
    """The paste-ready source line staff put under a media reply."""
    page = page_label(c, lang)
    if lang == "zh":
        return f"資料來源：{REPORT_ZH}，{citation_path(c, lang)}" + (f"，{page}" if page else "")
    return f"Source: {REPORT_EN}, {citation_path(c, lang)}" + (f", {page}" if page else "")


def answer_sentence(a: Answer) -> str:
    """The answer without an appended other-language note."""
    return _ORIGINAL_NOTE.sub("", a.answer).strip() or a.answer.strip()


def _nearest(a: Answer) -> str:
    items = []
    for c in a.citations:
        page = page_label(c, a.lang)
        if a.lang == "zh":
            items.append(citation_path(c, a.lang) + (f"（{page}）" if page else ""))
        else:
            items.append(citation_path(c, a.lang) + (f" ({page})" if page else ""))
    return ("；" if a.lang == "zh" else "; ").join(items)


def media_reply(a: Answer, with_original: bool = False, twins: TwinLookup | None = None) -> str:
    """Answer + source line (the web chat's "copy as media reply" gives the same text).

    ``with_original`` adds the other language's original of the first source (the twin sentence
    stating the same figures, or a table cell's labels and unit, or the office record), looked up
    in ``twins``; without it the reply is in the asker's language only.
    """
    zh = a.lang == "zh"
    if a.abstained:
        lines = [
            "內政部移民署《112年年報》未提供這項資料。"
            if zh
            else "The NIA 2023 Annual Report does not give this."
        ]
        if a.citations:
            lines.append(("年報中最相關的章節：" if zh else "The nearest sections it covers: ") + _nearest(a))
        return "\n".join(lines)
    lines = [answer_sentence(a)]
    if a.citations:
        lines.append(source_line(a.citations[0], a.lang))
    if with_original:
        if a.citations and twins is not None:
            twin = twins.twin(a.citations[0], a.lang, a.answer)
            if twin.sentence:
                lines.append(("英文版原文：" if zh else "Chinese original: ") + twin.sentence)
        lines.extend(("※ " if zh else "Note: ") + w for w in a.warnings)
    return "\n".join(lines)


def answerer_name(a: Answer) -> str:
    """The answerer's short name ("extractive"); the detail in parentheses is for ``--verbose``."""
    return a.answerer.split(" (", 1)[0].strip()


def human(a: Answer, verbose: bool = False) -> str:
    """The terminal form: the answer, the resolved follow-up, numbered sources with their quotes."""
    zh = a.lang == "zh"
    colon = "：" if zh else ": "
    out = [a.answer]
    if a.resolved_question and a.resolved_question != a.question:
        out.append(("解讀為" if zh else "Understood as") + colon + a.resolved_question)
    out.append("")
    if a.citations:
        head = (
            ("最相關章節" if a.abstained else "來源")
            if zh
            else ("Nearest sections" if a.abstained else "Sources")
        )
        out.append(head + colon.rstrip())
        for i, c in enumerate(a.citations, 1):
            page = page_label(c, a.lang)
            page = (f"（{page}）" if zh else f" ({page})") if page else ""
            out.append(f"  [{i}] {citation_path(c, a.lang)}{page}")
            if not a.abstained and c.quote:
                out.append(f"      「{c.quote}」" if zh else f"      “{c.quote}”")
    for w in a.warnings:
        out.append(("※ " if zh else "Note: ") + w)
    if verbose:
        out.append(("回答方式" if zh else "Answerer") + colon + a.answerer)
    return "\n".join(out).rstrip()
