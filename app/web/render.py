"""HTML for one answer in the chat: text, warnings, numbered collapsible sources.

Everything that comes from a user or from the report is passed through
:func:`html.escape`, so no markup (or script) in a question or in the report's
text can reach the page as markup. The output has no blank lines: the chat's
markdown renderer then treats it as one HTML block and leaves it alone.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.records import Answer, Citation

_LABELS = {
    "zh": {
        "sources": "來源",
        "nearest": "最相關章節",
        "page": "第{page}頁",
        "other": "English",
        "warning": "中英文版本差異",
        "abstained": "年報未提及",
    },
    "en": {
        "sources": "Sources",
        "nearest": "Nearest sections",
        "page": "p. {page}",
        "other": "中文",
        "warning": "Chinese/English discrepancy",
        "abstained": "Not in the report",
    },
}

TWIN_EXCERPT_CHARS = 600


@dataclass(frozen=True)
class Twin:
    """The other language's aligned section for a citation."""

    path: str
    page: int | None
    text: str


class TwinLookup:
    """Finds a cited section's aligned twin via the ingest sections (``aligned_id``)."""

    def __init__(self, sections: Mapping[str, Any] | None = None) -> None:
        self._sections = dict(sections or {})

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> TwinLookup:
        ingest = getattr(pipeline, "ingest", None)
        sections = getattr(ingest, "sections", None) or ()
        return cls({s.section_id: s for s in sections if getattr(s, "section_id", None)})

    def twin(self, c: Citation, lang: str) -> Twin:
        other = "en" if lang == "zh" else "zh"
        path = c.path_en if other == "en" else c.path_zh
        sec = self._sections.get(c.section_id)
        twin_id = getattr(sec, "aligned_id", None) if sec is not None else None
        if twin_id is None and c.section_id.startswith(f"{lang}/"):
            twin_id = f"{other}/" + c.section_id.split("/", 1)[1]
        twin = self._sections.get(twin_id) if twin_id else None
        if twin is None:
            return Twin(path=path, page=None, text="")
        text = re.sub(r"\s+", " ", getattr(twin, "text", "") or "").strip()
        if len(text) > TWIN_EXCERPT_CHARS:
            text = text[:TWIN_EXCERPT_CHARS].rstrip() + "…"
        return Twin(path=path or getattr(twin, "path_str", ""), page=getattr(twin, "page", None), text=text)


def esc(text: str) -> str:
    """Escape for HTML text and attributes; newlines become <br> so no blank line ends the block."""
    return html.escape(text or "", quote=True).replace("\r", "").replace("\n", "<br>")


def _page(lang: str, page: int | None) -> str:
    if page is None:
        return ""
    text = _LABELS[lang]["page"].format(page=page)
    return (
        f'<span class="nia-page">（{text}）</span>'
        if lang == "zh"
        else f' <span class="nia-page">({text})</span>'
    )


def _path(c: Citation, lang: str) -> str:
    return (c.path_zh or c.path_en) if lang == "zh" else (c.path_en or c.path_zh)


def citation_html(i: int, c: Citation, lang: str, twins: TwinLookup, show_quote: bool = True) -> str:
    """One numbered source: a <details> whose summary is path + page, the quote inside, the twin one click on."""
    other = "en" if lang == "zh" else "zh"
    twin = twins.twin(c, lang)
    parts = [
        f'<details class="nia-cite" data-section="{esc(c.section_id)}">',
        f"<summary><b>[{i}]</b> {esc(_path(c, lang))}{_page(lang, c.page)}</summary>",
    ]
    if show_quote and c.quote:
        parts.append(f'<blockquote class="nia-quote">{esc(c.quote)}</blockquote>')
    if twin.path or twin.text:
        parts.append(f'<details class="nia-twin" lang="{"en" if other == "en" else "zh-Hant"}">')
        parts.append(
            f"<summary>{_LABELS[lang]['other']}: {esc(twin.path)}{_page(other, twin.page)}</summary>"
        )
        if twin.text:
            parts.append(f'<blockquote class="nia-twin-text">{esc(twin.text)}</blockquote>')
        parts.append("</details>")
    parts.append("</details>")
    return "".join(parts)


def answer_html(a: Answer, twins: TwinLookup | None = None) -> str:
    """The full chat message for an answer (after streaming finished)."""
    twins = twins or TwinLookup()
    lang = a.lang if a.lang in _LABELS else "en"
    labels = _LABELS[lang]
    cls = "nia-answer nia-abstained" if a.abstained else "nia-answer"
    out = [f'<div class="{cls}" data-lang="{lang}" data-abstained="{str(a.abstained).lower()}">']
    if a.abstained:
        out.append(
            f'<p class="nia-text"><span class="nia-badge">ⓘ {labels["abstained"]}</span> {esc(a.answer)}</p>'
        )
    else:
        out.append(f'<p class="nia-text">{esc(a.answer)}</p>')
    for w in a.warnings:
        out.append(f'<div class="nia-warning" role="note">⚠ {labels["warning"]}: {esc(w)}</div>')
    if a.citations:
        head = labels["nearest"] if a.abstained else labels["sources"]
        out.append(f'<div class="nia-sources"><div class="nia-sources-head">{head}</div>')
        for i, c in enumerate(a.citations, 1):
            out.append(citation_html(i, c, lang, twins, show_quote=True))
        out.append("</div>")
    out.append("</div>")
    return "".join(out)


def partial_html(text: str) -> str:
    """What the chat shows while an answer streams in."""
    return f'<div class="nia-answer nia-streaming"><p class="nia-text">{esc(text)}</p></div>'


def notice_html(text: str, kind: str = "notice") -> str:
    """A short system message in the chat (refusal, busy, loading)."""
    return f'<div class="nia-{esc(kind)}" role="status">{esc(text)}</div>'


def question_text(question: str) -> str:
    """The user's bubble: escaped so typed markup shows as typed."""
    return f'<span class="nia-question">{esc(question)}</span>'
