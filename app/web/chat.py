"""The Gradio chat page (mounted at ``/`` by :func:`app.web.server.create_app`).

One answer = one assistant message: the answer streams in, then shows in bold as the first line,
followed by the numbered sources (see :mod:`app.web.render`). A per-session list of answer records
(``gr.State``) backs follow-ups (their questions are passed to ``ask`` as
:class:`~app.records.Turn`, as the API and ``ask --history`` do), the "copy as media reply" box
(with or without the other language's original) and the thumbs up/down feedback.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from app.formatting import media_reply
from app.input_guard import InputError
from app.records import Answer, Turn
from app.settings import Settings
from app.twins import TwinLookup
from app.web.feedback import FeedbackRow, FeedbackStore
from app.web.render import answer_html, notice_html, partial_html, question_text
from app.web.service import AskService, Busy, NotReady

EXAMPLES: dict[str, list[str]] = {
    "zh": [
        "112年8月高雄港入出境人次是多少？",
        "1990外來人士在臺生活諮詢熱線112年接了多少通電話？",
        "臺北市服務站的地址在哪裡？",
        "截至112年底累計核發多少張就業金卡？",
        "美國國務院2023年人口販運報告把台灣評為第幾級？",
    ],
    "en": [
        "How many entries and exits went through Keelung Sea Port in July 2023?",
        "How many new immigrants lived in Taiwan at the end of 2023?",
        "What's the phone number of the Songshan Airport Border Affairs Brigade?",
        "How many human trafficking cases did district prosecutors indict in 2023?",
        "When did the US State Department release its 2023 Trafficking in Persons Report?",
    ],
}
N_EXAMPLES = 5

UI_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "## 移民署112年年報問答",
        "welcome": "您好！請以中文或英文提問內政部移民署112年年報的內容。每則回答附上年報章節與頁碼，"
        "點選來源可看英文對照；可接著追問，例如「那9月呢？」。",
        "examples": "試試看：",
        "input_label": "您的問題",
        "placeholder": "例如：112年8月高雄港入出境人次是多少？",
        "send": "送出",
        "media_label": "媒體回覆（最新回答，或點選一則回答）",
        "with_original": "附上英文原文",
        "copy": "複製媒體回覆",
        "copied": "已複製媒體回覆",
        "nothing_to_copy": "尚無可複製的回答",
        "too_long": "問題太長（{n} 字），上限為 {limit} 字，請縮短後再問。",
        "loading": "索引與模型仍在載入中，請稍候再試。",
        "busy": "目前提問人數過多，請稍候再試。",
        "error": "無法回答：{msg}",
        "thanks": "感謝您的回饋！",
        "toast": "提示",
        "ui_label": "介面語言",
    },
    "en": {
        "title": "## NIA 2023 Annual Report Q&A",
        "welcome": "Hello! Ask about the National Immigration Agency's 2023 Annual Report in English or "
        "Chinese. Every answer cites the report's section and page; open a source for the Chinese "
        "text. Follow-ups work too, e.g. “And in September?”.",
        "examples": "Try:",
        "input_label": "Your question",
        "placeholder": "e.g. How many entries and exits went through Keelung Sea Port in July 2023?",
        "send": "Ask",
        "media_label": "Media reply (latest answer, or click an answer)",
        "with_original": "Include the Chinese original",
        "copy": "Copy media reply",
        "copied": "Media reply copied",
        "nothing_to_copy": "No answer to copy yet",
        "too_long": "The question is too long ({n} characters; the limit is {limit}). Please shorten it.",
        "loading": "The index and model are still loading; please try again in a moment.",
        "busy": "Too many questions at the moment; please try again shortly.",
        "error": "Cannot answer: {msg}",
        "thanks": "Thank you for the feedback!",
        "toast": "Note",
        "ui_label": "Interface",
    },
}

# Latin fonts first: Latin text (and its curly quotes) in a Latin face, Chinese falls through to CJK.
LATIN_FONTS = ["Segoe UI", "Helvetica Neue", "Arial", "Liberation Sans", "DejaVu Sans"]
CJK_FONTS = ["Noto Sans CJK TC", "PingFang TC", "Microsoft JhengHei"]

CHAT_CSS = """
#nia-top { align-items: center; flex-wrap: nowrap; gap: .5rem; }
#nia-header h2 { margin: 0; white-space: nowrap; font-size: 1.35rem; }
#nia-ui-lang { flex: 0 0 200px !important; width: 200px !important; min-width: 0 !important; }
#nia-ui-lang .wrap { flex-wrap: nowrap; }
.nia-answer .nia-text { margin: 0 0 .4em 0; font-size: 1.05em; }
.nia-resolved { margin: 0 0 .4em 0; color: #555; font-size: .92em; }
.nia-abstained .nia-badge { font-weight: 600; color: #8a5a00; }
.nia-warning { background: #fff4d6; border-left: 4px solid #e0a100; padding: .3em .6em; margin: .4em 0; }
.nia-sources-head { font-weight: 600; margin-top: .5em; }
.nia-cites { list-style: none; padding-left: 0; margin: .2em 0; }
.nia-cite { margin: .35em 0; }
.nia-quote, .nia-twin-text { margin: .25em 0 .25em .6em; padding-left: .6em; border-left: 3px solid #bbb; color: #333; }
.nia-figure { background: #ffe58a; color: inherit; padding: 0 .1em; border-radius: 2px; font-weight: 600; }
.nia-twin { margin-left: .6em; }
.nia-twin > summary { cursor: pointer; color: #1f5fbf; }
.nia-cell { border-collapse: collapse; margin: .3em 0 .3em .6em; font-size: .92em; }
.nia-cell th, .nia-cell td { border: 1px solid #ddd; padding: .15em .4em; text-align: left; vertical-align: top; }
.nia-notice { color: #8a1f11; }
.nia-question { white-space: pre-wrap; overflow-wrap: anywhere; }
.nia-welcome { color: #444; }
#nia-examples { flex-wrap: wrap; gap: .4rem; align-items: center; }
#nia-examples button { flex: 0 1 auto !important; min-width: 0 !important; white-space: normal; text-align: left; }
#nia-examples-label { flex: 0 0 auto !important; min-width: 0 !important; }
#nia-examples-label p { margin: 0; }
/* Thumbs only under real answers: notices, refusals and the answer being streamed get none. */
#nia-chat .message-row:has(.nia-notice) + .message-buttons,
#nia-chat .message-row:has(.nia-streaming) + .message-buttons,
#nia-chat .message-row:has(.nia-notice) .message-buttons,
#nia-chat .message-row:has(.nia-streaming) .message-buttons { display: none !important; }
footer { display: none !important; }
#nia-copy[data-copied]::after { content: " ✓"; }
/* Toasts: Gradio titles them with the message type in English ("Info"); show a localised title. */
.toast-body .toast-title-row > span:first-child { font-size: 0 !important; }
.toast-body .toast-title-row > span:first-child::before { content: "Note"; font-size: var(--text-md, 14px); }
html[lang^="zh"] .toast-body .toast-title-row > span:first-child::before { content: "提示"; }
@media (max-width: 640px) {
  #nia-top { flex-wrap: wrap; row-gap: .25rem; }
  #nia-title-col { flex: 1 1 100% !important; }
  #nia-header h2 { font-size: 1.1rem; }
  #nia-ui-lang { flex-basis: 180px !important; width: 180px !important; }
  #nia-ui-lang label { padding: .3rem .45rem !important; }
  #nia-ui-lang label span { font-size: .85rem; }
  #nia-chat { height: 58vh !important; }
  #nia-ask-row { flex-wrap: nowrap; }
  #nia-send { min-width: 4.5rem !important; flex: 0 0 auto !important; }
  #nia-media-row { flex-wrap: wrap; }
}
"""

STREAM_STEPS = 12  # the answer appears in this many growing slices
STREAM_DELAY_S = 0.03

SET_LANG_JS = "(ui) => { document.documentElement.lang = ui === 'zh' ? 'zh-Hant' : 'en'; return ui; }"
COPY_JS = """(text, ui) => {
  const done = () => {
    const b = document.querySelector('#nia-copy');
    if (b) { b.dataset.copied = 'true'; setTimeout(() => { delete b.dataset.copied; }, 2500); }
  };
  if (text) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, done);
    } else {
      const ta = document.createElement('textarea');
      ta.value = text; document.body.appendChild(ta); ta.select();
      try { document.execCommand('copy'); } finally { ta.remove(); }
      done();
    }
  }
  return [text, ui];
}"""


def chat_theme() -> gr.themes.Base:
    """The default theme with local system fonts: no web-font download (machines here are offline)."""
    return gr.themes.Default(
        font=[*LATIN_FONTS, *CJK_FONTS, "system-ui", "sans-serif"],
        font_mono=["ui-monospace", "DejaVu Sans Mono", "monospace"],
    )


def _t(lang: str, key: str, **kw: Any) -> str:
    text = UI_TEXT.get(lang, UI_TEXT["en"])[key]
    return text.format(**kw) if kw else text


def _record(answer: Answer, msg_index: int, twins: TwinLookup) -> dict[str, Any]:
    data = answer.to_json_dict()
    return {
        "msg_index": msg_index,
        "question": answer.question,
        "answer": answer.answer,
        "lang": answer.lang,
        "abstained": answer.abstained,
        "citations": data["citations"],
        "media": media_reply(answer),
        "media_original": media_reply(answer, with_original=True, twins=twins),
    }


def _history(records: list[dict[str, Any]]) -> list[Turn]:
    return [Turn(question=r["question"], answer=r["answer"]) for r in records]


def _media(rec: dict[str, Any], with_original: bool) -> str:
    return rec["media_original"] if with_original else rec["media"]


def _stream_slices(text: str) -> Iterator[str]:
    if not text:
        return
    step = max(1, -(-len(text) // STREAM_STEPS))
    for end in range(step, len(text), step):
        yield text[:end]


def _twins_for(service: AskService, settings: Settings) -> TwinLookup:
    """Twins from the answering pipeline; with worker processes the parent reads the ingest output."""
    pipeline = service.pipeline
    ingest = getattr(pipeline, "ingest", None)
    if getattr(ingest, "tables", None) is None:
        from ingest.pipeline import ensure_ingest

        return TwinLookup.from_ingest(ensure_ingest(settings.corpus_path, settings.ingest_dir, progress=None))
    return TwinLookup.from_pipeline(pipeline)


def build_chat(service: AskService, feedback: FeedbackStore, settings: Settings) -> gr.Blocks:
    """The Blocks app; ``service`` answers, ``feedback`` stores votes (never on the answer path)."""
    twins_cache: dict[str, TwinLookup] = {}

    def twins() -> TwinLookup:
        if "t" not in twins_cache:
            twins_cache["t"] = _twins_for(service, settings)
        return twins_cache["t"]

    def respond(
        message: str,
        chat: list[dict[str, Any]],
        records: list[dict[str, Any]],
        ui: str,
        with_original: bool,
    ) -> Iterator[tuple[Any, Any, Any, Any]]:
        chat = list(chat or [])
        records = list(records or [])
        text = (message or "").strip()
        if not text:  # empty input is ignored
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        chat.append({"role": "user", "content": question_text(text)})
        if len(text) > settings.max_question_chars:
            msg = _t(ui, "too_long", n=len(text), limit=settings.max_question_chars)
            chat.append({"role": "assistant", "content": notice_html(msg)})
            yield chat, records, gr.skip(), gr.skip()  # the input keeps the question to shorten it
            return
        chat.append({"role": "assistant", "content": partial_html("…")})
        yield chat, records, gr.skip(), ""
        try:
            answer = service.ask_sync(text, _history(records) or None)
        except InputError as exc:
            notice = _t(ui, "error", msg=str(exc))
        except NotReady:
            notice = _t(ui, "loading")
        except Busy:
            notice = _t(ui, "busy")
        else:
            notice = ""
        if notice:
            chat[-1] = {"role": "assistant", "content": notice_html(notice)}
            yield chat, records, gr.skip(), message  # a refused question goes back into the input
            return
        for part in _stream_slices(answer.answer):
            chat[-1] = {"role": "assistant", "content": partial_html(part)}
            yield chat, records, gr.skip(), gr.skip()
            time.sleep(STREAM_DELAY_S)
        chat[-1] = {"role": "assistant", "content": answer_html(answer, twins())}
        rec = _record(answer, len(chat) - 1, twins())
        records.append(rec)
        yield chat, records, _media(rec, with_original), gr.skip()

    def respond_example(
        example: str, chat: list[dict[str, Any]], records: list[dict[str, Any]], ui: str, with_original: bool
    ) -> Iterator[tuple[Any, Any, Any, Any]]:
        for chat_out, records_out, media_out, _question in respond(example, chat, records, ui, with_original):
            yield chat_out, records_out, media_out, gr.skip()  # an example leaves the input alone

    def on_like(records: list[dict[str, Any]], ui: str, data: gr.LikeData) -> None:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        rec = next((r for r in records or [] if r["msg_index"] == index), None)
        if rec is None or data.liked not in (True, False):
            return  # a notice, or a vote withdrawn: nothing to store
        feedback.submit(
            FeedbackRow.now(
                rec["question"],
                rec["answer"],
                rec["citations"],
                vote=1 if data.liked else -1,
                lang=rec["lang"],
                abstained=rec["abstained"],
                source="chat",
            )
        )
        gr.Info(_t(ui, "thanks"), duration=2, title=_t(ui, "toast"))

    def on_select(records: list[dict[str, Any]], with_original: bool, data: gr.SelectData) -> Any:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        for r in records or []:
            if r["msg_index"] in (index, index + 1):  # the answer, or the question just above it
                return _media(r, with_original)
        return gr.skip()

    def on_original(records: list[dict[str, Any]], current: str, with_original: bool) -> Any:
        for r in reversed(records or []):
            if current in (r["media"], r["media_original"]):
                return _media(r, with_original)
        return gr.skip()

    def on_copy(text: str, ui: str) -> None:
        gr.Info(_t(ui, "copied" if text else "nothing_to_copy"), duration=2, title=_t(ui, "toast"))

    def apply_ui(ui: str) -> tuple[Any, ...]:
        return (
            gr.update(value=_t(ui, "title")),
            gr.update(label=_t(ui, "input_label"), placeholder=_t(ui, "placeholder")),
            gr.update(value=_t(ui, "send")),
            gr.update(placeholder=f'<div class="nia-welcome">{_t(ui, "welcome")}</div>'),
            gr.update(label=_t(ui, "media_label")),
            gr.update(value=_t(ui, "copy")),
            gr.update(label=_t(ui, "with_original")),
            gr.update(value=_t(ui, "examples")),
            *(gr.update(value=q) for q in EXAMPLES[ui][:N_EXAMPLES]),
        )

    with gr.Blocks(title="nia-qa · 移民署112年年報問答", analytics_enabled=False) as demo:
        with gr.Row(elem_id="nia-top"):
            with gr.Column(scale=1, min_width=0, elem_id="nia-title-col"):
                header = gr.Markdown(_t("zh", "title"), elem_id="nia-header")
            ui_lang = gr.Radio(
                choices=[("中文", "zh"), ("English", "en")],
                value="zh",
                show_label=False,
                elem_id="nia-ui-lang",
                scale=0,
                min_width=160,
                container=False,
            )
        chatbot = gr.Chatbot(
            show_label=False,
            elem_id="nia-chat",
            height=520,
            feedback_options=("Like", "Dislike"),
            sanitize_html=True,
            render_markdown=True,
            group_consecutive_messages=False,
            placeholder=f'<div class="nia-welcome">{_t("zh", "welcome")}</div>',
            buttons=[],
        )
        records = gr.State([])
        with gr.Row(elem_id="nia-examples"):
            examples_label = gr.Markdown(_t("zh", "examples"), elem_id="nia-examples-label")
            chips = [
                gr.Button(q, size="sm", variant="secondary", elem_classes=["nia-example"], scale=0)
                for q in EXAMPLES["zh"][:N_EXAMPLES]
            ]
        with gr.Row(elem_id="nia-ask-row"):
            question = gr.Textbox(
                label=_t("zh", "input_label"),
                placeholder=_t("zh", "placeholder"),
                elem_id="nia-question",
                lines=1,
                max_lines=6,
                scale=5,
                autofocus=False,  # focusing scrolls the header away on a phone
            )
            send = gr.Button(_t("zh", "send"), variant="primary", elem_id="nia-send", scale=1, min_width=72)
        with gr.Row(elem_id="nia-media-row"):
            media = gr.Textbox(
                label=_t("zh", "media_label"),
                elem_id="nia-media",
                lines=3,
                interactive=False,
                scale=5,
            )
            with gr.Column(scale=1, min_width=160):
                with_original = gr.Checkbox(
                    label=_t("zh", "with_original"), value=False, elem_id="nia-with-original"
                )
                copy = gr.Button(_t("zh", "copy"), elem_id="nia-copy")

        ask_args = {
            "inputs": [question, chatbot, records, ui_lang, with_original],
            "outputs": [chatbot, records, media, question],
            "concurrency_limit": settings.ask_workers,
            "show_progress": "hidden",
            "api_visibility": "private",
        }
        question.submit(respond, **ask_args)
        send.click(respond, **ask_args)
        for chip in chips:
            chip.click(
                respond_example, **{**ask_args, "inputs": [chip, chatbot, records, ui_lang, with_original]}
            )
        chatbot.like(on_like, [records, ui_lang], None, api_visibility="private")
        chatbot.select(on_select, [records, with_original], [media], api_visibility="private")
        with_original.change(on_original, [records, media, with_original], [media], api_visibility="private")
        copy.click(
            on_copy, [media, ui_lang], None, js=COPY_JS, api_visibility="private", show_progress="hidden"
        )
        chatbot.clear(lambda: ([], ""), None, [records, media], api_visibility="private")
        ui_outputs = [header, question, send, chatbot, media, copy, with_original, examples_label, *chips]
        ui_lang.change(apply_ui, [ui_lang], ui_outputs, js=SET_LANG_JS, api_visibility="private")
        # Interface language follows the browser until the user picks one.
        demo.load(
            lambda ui: (ui, *apply_ui(ui)),
            [ui_lang],
            [ui_lang, *ui_outputs],
            js="(x) => { const ui = (navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en';"
            " document.documentElement.lang = ui === 'zh' ? 'zh-Hant' : 'en'; return ui; }",
            api_visibility="private",
            show_progress="hidden",
        )
    demo.queue(max_size=settings.queue_limit, default_concurrency_limit=settings.ask_workers)
    return demo
