"""HTML for one answer in the chat: the answer first (bold), then numbered sources with the verbatim
quote (the answer's figure highlighted), section path and printed page, and the other language's
text one click away (for a table: its bilingual row, column and unit).

Everything that comes from a user or from the report is passed through :func:`esc`, so no markup (or
script, or markdown) in a question or in the report's text reaches the page as markup. The output has
no blank lines: the chat's markdown renderer then treats it as one HTML block and leaves it alone.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

from app.answering.figures import figure_values
from app.formatting import answer_sentence, citation_path, page_label
from app.records import Answer, Citation
from app.twins import Twin, TwinLookup

__all__ = [
    "Twin",
    "TwinLookup",
    "answer_html",
    "citation_html",
    "esc",
    "highlight",
    "notice_html",
    "partial_html",
    "question_text",
]

_LABELS = {
    "zh": {
        "sources": "來源",
        "nearest": "最相關章節",
        "other": "English",
        "warning": "中英文版本差異",
        "abstained": "年報未提及",
        "resolved": "解讀為：",
        "cell": "表格儲存格",
    },
    "en": {
        "sources": "Sources",
        "nearest": "Nearest sections",
        "other": "中文",
        "warning": "Chinese/English discrepancy",
        "abstained": "Not in the report",
        "resolved": "Understood as: ",
        "cell": "Table cell",
    },
}
# Characters the chat's markdown renderer would act on: written as entities they show as typed.
_MARKDOWN = {c: f"&#{ord(c)};" for c in "*_`#[]()~|>!-+=\\{}:./@<&\"'"}
# A figure as printed: "59 萬 2,561", "37,958", "NT$ 4,218,817", "02-23885185", "3.83%".
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?(?:\s*[萬億]\s*\d[\d,]*)*(?:\s*[萬億])?(?:-\d+)?")


def esc(text: str) -> str:
    """Escape for HTML text and attributes; newlines become <br> so no blank line ends the block."""
    return html.escape(text or "", quote=True).replace("\r", "").replace("\n", "<br>")


def _esc_plain(text: str) -> str:
    """Escaped, with markdown characters as entities: user text is shown exactly as typed."""
    return "".join(_MARKDOWN.get(ch) or esc(ch) for ch in (text or "").replace("\r", ""))


def _is_date_part(text: str, start: int, end: int) -> bool:
    """A year, month or day ("112 年", "8月", "2023"): the date a figure refers to, not the figure."""
    after = text[end : end + 2].lstrip()
    digits = text[start:end].replace(",", "")
    return after[:1] in ("年", "月", "日") or (
        len(digits) == 4 and digits.isdigit() and 1900 <= int(digits) <= 2100
    )


def highlight(quote: str, answer: str) -> str:
    """``quote`` escaped, with the figures the answer states wrapped in <mark> (years are not marked)."""
    wanted = {v for v in figure_values(answer) if v}
    # A one-digit figure ("7 種語言") is marked only when the answer states no larger one.
    if any(len(v.split(".")[0]) >= 2 for v in wanted):
        wanted = {v for v in wanted if len(v.split(".")[0]) >= 2 or "." in v}
    out, last = [], 0
    for m in _FIGURE.finditer(quote):
        value = figure_values(m.group(0))
        if not value or not value & wanted or _is_date_part(quote, m.start(), m.end()):
            continue
        out.append(esc(quote[last : m.start()]))
        out.append(f'<mark class="nia-figure">{esc(m.group(0))}</mark>')
        last = m.end()
    out.append(esc(quote[last:]))
    return "".join(out)


def _page(lang: str, c: Citation) -> str:
    text = page_label(c, lang)
    if not text:
        return ""
    return (
        f'<span class="nia-page">（{text}）</span>'
        if lang == "zh"
        else f' <span class="nia-page">({text})</span>'
    )


def _twin_html(twin: Twin, lang: str, c: Citation) -> str:
    other = "en" if lang == "zh" else "zh"
    if not (twin.path or twin.text or twin.cell or twin.sentence):
        return ""
    tag = "en" if other == "en" else "zh-Hant"
    page = ""
    if twin.page is not None:
        label = page_label(replace(c, page=twin.page), other)
        page = f" ({label})" if other == "en" else f"（{label}）"
    parts = [f'<details class="nia-twin" lang="{tag}">']
    parts.append(f"<summary>{_LABELS[lang]['other']}: {esc(twin.path)}{esc(page)}</summary>")
    if twin.cell is not None:
        cell = twin.cell
        parts.append(
            '<table class="nia-cell"><tbody>'
            f"<tr><th></th><th>中文</th><th>English</th></tr>"
            f"<tr><th>表 / Table</th><td>{esc(cell.title_zh)}</td><td>{esc(cell.title_en)}</td></tr>"
            f"<tr><th>列 / Row</th><td>{esc(cell.row_zh)}</td><td>{esc(cell.row_en)}</td></tr>"
            f"<tr><th>欄 / Column</th><td>{esc(cell.column_zh)}</td><td>{esc(cell.column_en)}</td></tr>"
            f"<tr><th>單位 / Unit</th><td>{esc(cell.unit_zh)}</td><td>{esc(cell.unit_en)}</td></tr>"
            f'<tr><th>值 / Value</th><td colspan="2"><mark class="nia-figure">{esc(cell.value)}</mark></td></tr>'
            "</tbody></table>"
        )
    elif twin.sentence:
        parts.append(f'<blockquote class="nia-twin-text">{esc(twin.sentence)}</blockquote>')
    elif twin.text:
        parts.append(f'<blockquote class="nia-twin-text">{esc(twin.text)}</blockquote>')
    parts.append("</details>")
    return "".join(parts)


def citation_html(i: int, c: Citation, a: Answer, twins: TwinLookup, show_quote: bool = True) -> str:
    """One numbered source: path + page, the verbatim quote with the figure marked, the twin one click on."""
    lang = a.lang if a.lang in _LABELS else "en"
    parts = [
        f'<li class="nia-cite" data-section="{esc(c.section_id)}">',
        f'<div class="nia-cite-head"><b>[{i}]</b> {esc(citation_path(c, lang))}{_page(lang, c)}</div>',
    ]
    if show_quote and c.quote:
        parts.append(f'<blockquote class="nia-quote">{highlight(c.quote, a.answer)}</blockquote>')
    parts.append(_twin_html(twins.twin(c, lang, a.answer), lang, c))
    parts.append("</li>")
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
            f'<p class="nia-text"><span class="nia-badge">ⓘ {labels["abstained"]}</span> '
            f"<strong>{esc(a.answer)}</strong></p>"
        )
    else:
        out.append(f'<p class="nia-text"><strong>{esc(answer_sentence(a))}</strong></p>')
    if a.resolved_question and a.resolved_question != a.question:
        out.append(f'<p class="nia-resolved">{labels["resolved"]}{_esc_plain(a.resolved_question)}</p>')
    for w in a.warnings:
        out.append(f'<div class="nia-warning" role="note">⚠ {labels["warning"]}: {esc(w)}</div>')
    if a.citations:
        head = labels["nearest"] if a.abstained else labels["sources"]
        out.append(
            f'<div class="nia-sources"><div class="nia-sources-head">{head}</div><ol class="nia-cites">'
        )
        for i, c in enumerate(a.citations, 1):
            out.append(citation_html(i, c, a, twins, show_quote=not a.abstained))
        out.append("</ol></div>")
    out.append("</div>")
    return "".join(out)


def partial_html(text: str) -> str:
    """What the chat shows while an answer streams in."""
    return f'<div class="nia-answer nia-streaming"><p class="nia-text"><strong>{esc(text)}</strong></p></div>'


def notice_html(text: str, kind: str = "notice") -> str:
    """A short system message in the chat (refusal, busy, loading)."""
    return f'<div class="nia-{esc(kind)}" role="status">{esc(text)}</div>'


def welcome_html(text: str) -> str:
    return f'<div class="nia-welcome">{esc(text)}</div>'


def question_text(question: str) -> str:
    """The user's bubble: escaped (markup and markdown) so the question shows exactly as typed."""
    return f'<span class="nia-question">{_esc_plain(question)}</span>'
