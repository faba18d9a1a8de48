"""The Gradio chat page (mounted at ``/`` by :func:`app.web.server.create_app`).

One answer = one assistant message: the answer text streams in, then the
numbered sources follow as collapsible ``<details>`` blocks (see
:mod:`app.web.render`). A per-session list of answer records (``gr.State``)
backs follow-ups (passed to ``ask`` as :class:`~app.records.Turn`), the
"copy as media reply" box and the thumbs up/down feedback.
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
from app.web.feedback import FeedbackRow, FeedbackStore
from app.web.render import TwinLookup, answer_html, notice_html, partial_html, question_text
from app.web.service import AskService, Busy, NotReady

EXAMPLES = [
    "1990外來人士生活諮詢熱線112年一共接了多少通電話？",
    "112年8月高雄港入出境人次是多少？",
    "How many entries and exits went through Keelung Sea Port in July 2023?",
    "What was the total number of entries and exits at Taoyuan Airport in 2023?",
]

UI_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "title": "## 移民署112年年報問答\n以中文或英文提問，答案附上年報章節與頁碼。"
        "點選來源可展開引文與英文對照；每則回答下方可按讚或倒讚回饋。",
        "input_label": "您的問題",
        "placeholder": "例如：112年8月高雄港入出境人次是多少？",
        "send": "送出",
        "chat_label": "對話",
        "media_label": "媒體回覆（最新回答，或點選一則回答）",
        "copy": "複製為媒體回覆",
        "copied": "已複製",
        "too_long": "問題太長（{n} 字），上限為 {limit} 字，請縮短後再問。",
        "loading": "索引與模型仍在載入中，請稍候再試。",
        "busy": "目前提問人數過多，請稍候再試。",
        "error": "無法回答：{msg}",
        "thanks": "感謝您的回饋！",
        "examples": "範例問題 / Examples",
    },
    "en": {
        "title": "## NIA 2023 Annual Report Q&A\nAsk in Chinese or English; every answer cites the report's "
        "section and page. Open a source to read the evidence and its Chinese twin; rate each answer with the thumbs below it.",
        "input_label": "Your question",
        "placeholder": "e.g. How many entries and exits went through Keelung Sea Port in July 2023?",
        "send": "Ask",
        "chat_label": "Chat",
        "media_label": "Media reply (latest answer, or click an answer)",
        "copy": "Copy as media reply",
        "copied": "Copied",
        "too_long": "The question is too long ({n} characters; the limit is {limit}). Please shorten it.",
        "loading": "The index and model are still loading; please try again in a moment.",
        "busy": "Too many questions at the moment; please try again shortly.",
        "error": "Cannot answer: {msg}",
        "thanks": "Thank you for the feedback!",
        "examples": "範例問題 / Examples",
    },
}

CHAT_CSS = """
.nia-answer .nia-text { margin: 0 0 .4em 0; }
.nia-abstained .nia-badge { font-weight: 600; color: #8a5a00; }
.nia-warning { background: #fff4d6; border-left: 4px solid #e0a100; padding: .3em .6em; margin: .4em 0; }
.nia-sources-head { font-weight: 600; margin-top: .4em; }
.nia-cite { margin: .2em 0; }
.nia-cite > summary { cursor: pointer; }
.nia-quote, .nia-twin-text { margin: .3em 0 .3em 1em; padding-left: .6em; border-left: 3px solid #bbb; color: #333; }
.nia-twin { margin-left: 1em; }
.nia-notice { color: #8a1f11; }
footer { display: none !important; }
"""

STREAM_STEPS = 12  # the answer appears in this many growing slices
STREAM_DELAY_S = 0.03


def chat_theme() -> gr.themes.Base:
    """The default theme with local system fonts: no web-font download (machines here are offline)."""
    fonts = ["Noto Sans CJK TC", "PingFang TC", "Microsoft JhengHei", "system-ui", "sans-serif"]
    return gr.themes.Default(font=fonts, font_mono=["ui-monospace", "monospace"])


def _t(lang: str, key: str, **kw: Any) -> str:
    text = UI_TEXT.get(lang, UI_TEXT["en"])[key]
    return text.format(**kw) if kw else text


def _record(answer: Answer, msg_index: int) -> dict[str, Any]:
    data = answer.to_json_dict()
    return {
        "msg_index": msg_index,
        "question": answer.question,
        "answer": answer.answer,
        "lang": answer.lang,
        "abstained": answer.abstained,
        "citations": data["citations"],
        "media": media_reply(answer),
    }


def _history(records: list[dict[str, Any]]) -> list[Turn]:
    return [Turn(question=r["question"], answer=r["answer"]) for r in records]


def _stream_slices(text: str) -> Iterator[str]:
    if not text:
        return
    step = max(1, -(-len(text) // STREAM_STEPS))
    for end in range(step, len(text), step):
        yield text[:end]


def build_chat(service: AskService, feedback: FeedbackStore, settings: Settings) -> gr.Blocks:
    """The Blocks app; ``service`` answers, ``feedback`` stores votes (never on the answer path)."""
    twins_cache: dict[str, TwinLookup] = {}

    def twins() -> TwinLookup:
        if "t" not in twins_cache:
            twins_cache["t"] = TwinLookup.from_pipeline(service.pipeline)
        return twins_cache["t"]

    def respond(
        message: str, chat: list[dict[str, Any]], records: list[dict[str, Any]], ui: str
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
            yield chat, records, gr.skip(), ""
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
            yield chat, records, gr.skip(), gr.skip()
            return
        for part in _stream_slices(answer.answer):
            chat[-1] = {"role": "assistant", "content": partial_html(part)}
            yield chat, records, gr.skip(), gr.skip()
            time.sleep(STREAM_DELAY_S)
        chat[-1] = {"role": "assistant", "content": answer_html(answer, twins())}
        rec = _record(answer, len(chat) - 1)
        records.append(rec)
        yield chat, records, rec["media"], gr.skip()

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
        gr.Info(_t(ui, "thanks"), duration=2)

    def on_select(records: list[dict[str, Any]], data: gr.SelectData) -> Any:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        for r in records or []:
            if r["msg_index"] in (index, index + 1):  # the answer, or the question just above it
                return r["media"]
        return gr.skip()

    def apply_ui(ui: str) -> tuple[Any, ...]:
        return (
            gr.update(value=_t(ui, "title")),
            gr.update(label=_t(ui, "input_label"), placeholder=_t(ui, "placeholder")),
            gr.update(value=_t(ui, "send")),
            gr.update(label=_t(ui, "chat_label")),
            gr.update(label=_t(ui, "media_label")),
            gr.update(value=_t(ui, "copy")),
        )

    with gr.Blocks(title="nia-qa · 移民署112年年報問答", analytics_enabled=False) as demo:
        with gr.Row():
            header = gr.Markdown(_t("zh", "title"), elem_id="nia-header")
            ui_lang = gr.Radio(
                choices=[("中文", "zh"), ("English", "en")],
                value="zh",
                label="介面語言 / Interface",
                elem_id="nia-ui-lang",
                scale=0,
                min_width=200,
            )
        chatbot = gr.Chatbot(
            label=_t("zh", "chat_label"),
            elem_id="nia-chat",
            height=520,
            feedback_options=("Like", "Dislike"),
            sanitize_html=True,
            render_markdown=True,
            group_consecutive_messages=False,
            buttons=[],
        )
        records = gr.State([])
        with gr.Row():
            question = gr.Textbox(
                label=_t("zh", "input_label"),
                placeholder=_t("zh", "placeholder"),
                elem_id="nia-question",
                lines=1,
                max_lines=6,
                scale=5,
                autofocus=True,
            )
            send = gr.Button(_t("zh", "send"), variant="primary", elem_id="nia-send", scale=1)
        gr.Examples(examples=[[q] for q in EXAMPLES], inputs=[question], label=_t("zh", "examples"))
        with gr.Row():
            media = gr.Textbox(
                label=_t("zh", "media_label"),
                elem_id="nia-media",
                lines=3,
                interactive=False,
                buttons=["copy"],
                scale=5,
            )
            copy = gr.Button(_t("zh", "copy"), elem_id="nia-copy", scale=1, min_width=160)

        ask_args = {
            "fn": respond,
            "inputs": [question, chatbot, records, ui_lang],
            "outputs": [chatbot, records, media, question],
            "concurrency_limit": settings.ask_workers,
            "show_progress": "hidden",
            "api_visibility": "private",
        }
        question.submit(**ask_args)
        send.click(**ask_args)
        chatbot.like(on_like, [records, ui_lang], None, api_visibility="private")
        chatbot.select(on_select, [records], [media], api_visibility="private")
        copy.click(
            None,
            [media],
            None,
            js="(t) => { if (t && navigator.clipboard) { navigator.clipboard.writeText(t); } return []; }",
        )
        chatbot.clear(lambda: ([], ""), None, [records, media], api_visibility="private")
        ui_lang.change(
            apply_ui, [ui_lang], [header, question, send, chatbot, media, copy], api_visibility="private"
        )
        # Interface language follows the browser until the user picks one.
        demo.load(
            lambda ui: (ui, *apply_ui(ui)),
            [ui_lang],
            [ui_lang, header, question, send, chatbot, media, copy],
            js="(x) => ((navigator.language || 'en').toLowerCase().startsWith('zh') ? 'zh' : 'en')",
            api_visibility="private",
            show_progress="hidden",
        )
    demo.queue(max_size=settings.queue_limit, default_concurrency_limit=settings.ask_workers)
    return demo
