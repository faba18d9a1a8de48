"""Refuse unusable questions with a clear message before any work is done."""

from __future__ import annotations

import re
import unicodedata

from ingest.errors import UserError

_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


class InputError(UserError):
    """The question cannot be used (empty, too long, junk, unsupported language)."""


def clean_question(raw: str | bytes, max_chars: int) -> str:
    """Return the question stripped and NFC-normalised, or raise :class:`InputError`.

    Control characters are dropped; the user's characters are otherwise kept as typed
    (never converted to Simplified, never rewritten).
    """
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("the question is not valid UTF-8 text") from exc
    text = unicodedata.normalize("NFC", raw)
    if "\x00" in text:
        raise InputError("the question contains binary data (NUL bytes); please type a question in words")
    text = "".join(
        ch for ch in text if ch in "\t\n" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"}
    )
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise InputError("the question is empty; ask something about the NIA 2023 Annual Report")
    if len(text) > max_chars:
        raise InputError(f"the question is too long ({len(text)} characters; the limit is {max_chars})")
    letters = sum(1 for ch in text if unicodedata.category(ch).startswith(("L", "N")))
    if letters == 0:
        raise InputError("the question has no letters or digits; please ask in Chinese or English")
    if letters / len(text) < 0.3 and len(text) > 20:
        raise InputError("the question looks like binary or random symbols; please ask in Chinese or English")
    if _KANA.search(text) or _HANGUL.search(text):
        raise InputError(
            "nia-qa answers questions in Traditional Chinese or English only / 目前僅支援中文或英文提問"
        )
    return text


_EN_FUNCTION_WORDS = frozenset(
    "what which who whom whose when where why how is are was were the of in on did does do many much "
    "for to and or".split()
)


def detect_lang(text: str) -> str:
    """'zh' when the question is mostly Chinese characters, else 'en'."""
    han = len(_HAN.findall(text))
    latin = re.findall(r"[A-Za-z]+", text)
    # English grammar around a quoted Chinese term ("What is the English acronym of 偽變造…?") is an
    # English question; English terms inside Chinese grammar ("e-Gate註冊人數是多少？") are not.
    if len([w for w in latin if w.lower() in _EN_FUNCTION_WORDS]) >= 2:
        return "en"
    return "zh" if han and han >= len(latin) else "en"
