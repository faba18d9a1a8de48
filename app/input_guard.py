"""Refuse unusable questions with a clear message before any work is done.

The language check uses a real language identifier (py3langid, a maintained fork of langid.py,
97 languages, n-gram naive Bayes, model inside the package) rather than a script table: Russian,
Arabic, Hindi, Japanese, Korean, French ... are refused with a bilingual message. It refuses only
when the identifier is sure (see the ``lang_id_*`` settings), so short questions, names, acronyms and
Chinese questions with English terms (or English questions with Chinese names) always pass.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from ingest.errors import UserError

_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


class InputError(UserError):
    """The question cannot be used (empty, too long, junk, unsupported language)."""


UNSUPPORTED_LANGUAGE = (
    "nia-qa answers questions in Traditional Chinese or English only / 目前僅支援中文或英文提問"
)

#: Languages the identifier chooses among: Chinese, English and the languages people here may ask in.
#: A closed list keeps rare look-alikes (Cantonese/Wu for Chinese, Pidgin for English) out of the vote.
CANDIDATE_LANGUAGES = (
    "zh en ja ko ru uk ar fa ur hi bn ta te mr ne th vi id ms tl my km lo fr es pt it de nl sv da no fi "
    "pl cs sk hu ro bg sr hr el tr he ka hy kk mn"
).split()
_ACCEPTED = frozenset({"zh", "en"})


@functools.cache
def _identifier() -> Any:
    """py3langid restricted to CANDIDATE_LANGUAGES, probabilities normalised (loaded once, ~2 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(CANDIDATE_LANGUAGES)
    return ident


@functools.cache
def _lang_thresholds() -> tuple[float, float, int, float]:
    from app.settings import Settings

    s = Settings()
    return s.lang_id_min_confidence, s.lang_id_max_zh_en, s.lang_id_min_letters, s.lang_id_sure_confidence


def identify_language(text: str) -> tuple[str, float, float]:
    """(most likely language, its probability, probability of Chinese + English) for ``text``."""
    ranked = _identifier().rank(text)
    top, p = ranked[0]
    zh_en = sum(float(q) for lang, q in ranked if lang in _ACCEPTED)
    return str(top), float(p), zh_en


def is_other_language(text: str, thresholds: tuple[float, float, int, float] | None = None) -> bool:
    """True when the identifier is sure ``text`` is neither Chinese nor English.

    Text whose letters are all Chinese characters (no kana) is Chinese without asking: a short
    question such as 電話 looks as much Japanese as Chinese to any n-gram model.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters or all(_HAN.match(ch) for ch in letters):
        return False
    words = re.findall(r"[A-Za-z]+", text)
    # A short follow-up ("And in Taichung?") is too little text for the identifier; Latin-script text
    # whose words are at least half English function words is English.
    english_words = sum(w.lower() in _EN_FUNCTION_WORDS for w in words)
    if words and all(ch.isascii() for ch in letters) and english_words * 2 >= len(words):
        return False
    min_conf, max_zh_en, min_letters, sure = thresholds or _lang_thresholds()
    top, p, zh_en = identify_language(text)
    if top in _ACCEPTED or p < min_conf or zh_en > max_zh_en:
        return False
    return len(letters) >= min_letters or p >= sure


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
    if any("\udc80" <= ch <= "\udcff" for ch in raw):  # undecodable bytes of a command-line argument
        raise InputError("the question is not valid UTF-8 text")
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
    if is_other_language(text):
        raise InputError(UNSUPPORTED_LANGUAGE)
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
