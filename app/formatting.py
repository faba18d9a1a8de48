"""How answers are printed for people: plain text with numbered sources, and the media-reply form."""

from __future__ import annotations

from app.records import Answer, Citation

REPORT_ZH = "內政部移民署112年年報"
REPORT_EN = "National Immigration Agency 2023 Annual Report"


def citation_path(c: Citation, lang: str) -> str:
    if lang == "zh":
        return c.path_zh or c.path_en
    return c.path_en or c.path_zh


def source_line(c: Citation, lang: str) -> str:
    """The paste-ready source line staff put under a media reply."""
    path = citation_path(c, lang)
    if lang == "zh":
        page = f"，第{c.page}頁" if c.page is not None else ""
        return f"資料來源：{REPORT_ZH}，{path}{page}"
    page = f", p. {c.page}" if c.page is not None else ""
    return f"Source: {REPORT_EN}, {path}{page}"


def media_reply(a: Answer) -> str:
    """Answer + source line (same text as the web chat's "copy as media reply")."""
    lines = [a.answer]
    if a.citations and not a.abstained:
        lines.append(source_line(a.citations[0], a.lang))
    for w in a.warnings:
        lines.append(("※ " if a.lang == "zh" else "Note: ") + w)
    return "\n".join(lines)


def human(a: Answer) -> str:
    head = "來源" if a.lang == "zh" else "Sources"
    nearest = "最相關章節" if a.lang == "zh" else "Nearest sections"
    out = [a.answer, ""]
    if a.citations:
        out.append(f"{nearest if a.abstained else head}:")
        for i, c in enumerate(a.citations, 1):
            page = "" if c.page is None else (f"（第{c.page}頁）" if a.lang == "zh" else f" (p. {c.page})")
            out.append(f"  [{i}] {citation_path(c, a.lang)}{page}")
            if not a.abstained and c.quote:
                out.append(f"      “{c.quote[:200]}”")
    for w in a.warnings:
        out.append(("※ " if a.lang == "zh" else "Note: ") + w)
    return "\n".join(out).rstrip()
