"""jieba's prefix dictionary in shards: the same entries and segmentation as jieba's whole dict, loaded lazily."""

from __future__ import annotations

import shutil

import jieba
import pytest

from index.jieba_freq import FreqTable, _db_path
from index.tokenize import default_cache_dir, traditional_dictionary

pytestmark = pytest.mark.unit

TEXTS = [
    "截至112年底止，我國新住民人數共計59萬2,561人。",
    "設籍前新住民遭逢特殊境遇相關福利及扶助計畫112年度核定補助421萬8,817元。",
    "自動查驗通關系統註冊人數持續成長，國境線上查獲偽變造護照。",
    "移民署北區事務大隊臺北市服務站地址與電話",
    "The National Immigration Agency processed 9,789,034 e-Gate entries.",
]


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory):
    """The project's Traditional dictionary, copied so each test run writes its own shard file."""
    src = traditional_dictionary(default_cache_dir())
    dst = tmp_path_factory.mktemp("jieba") / src.name
    shutil.copyfile(src, dst)
    return dst


@pytest.fixture(scope="module")
def whole(dictionary):
    """jieba's own loading: the whole prefix dict in memory."""
    with open(dictionary, "rb") as fh:
        return jieba.Tokenizer.gen_pfdict(fh)


def _tokenizer(dictionary, table=None):
    tk = jieba.Tokenizer(str(dictionary))
    if table is None:
        tk.tmp_dir = str(dictionary.parent)
        tk.initialize()
    else:
        table.install(tk)
    return tk


USER_WORD = "自動查驗通關系統"


def test_entries_and_total_are_jiebas(dictionary, whole):
    freq, total = whole
    table = FreqTable.open(dictionary, dictionary.parent)
    assert table.total == total
    words = sorted(freq)[:: max(1, len(freq) // 5000)]  # every n-th entry, prefixes with 0 included
    for w in words:
        table.ensure(w)
    assert all(table.words.get(w) == freq[w] for w in words)
    assert any(freq[w] == 0 for w in words)  # prefix-only entries are there too
    # what is loaded is exactly jieba's entries of those first characters' shards, nothing else
    assert all(freq[w] == n for w, n in table.words.items())
    assert 0 < table.loaded_shards < len(words)


def test_segmentation_is_the_same_as_with_the_whole_dict(dictionary):
    table = FreqTable.open(dictionary, dictionary.parent)
    lazy, eager = _tokenizer(dictionary, table), _tokenizer(dictionary)
    table.ensure(USER_WORD)  # before add_word: a shard loaded later never replaces a user word
    for tk in (lazy, eager):
        tk.add_word(USER_WORD, freq=20)
    for text in TEXTS:
        table.ensure(text)
        assert list(lazy.cut(text, HMM=True)) == list(eager.cut(text, HMM=True))
        assert list(lazy.cut_for_search(text)) == list(eager.cut_for_search(text))
    assert lazy.suggest_freq("新住民", False) == eager.suggest_freq("新住民", False)
    assert lazy.total == eager.total and table.words[USER_WORD] == eager.FREQ[USER_WORD] == 20


def test_a_question_loads_only_the_shards_of_its_characters(dictionary):
    table = FreqTable.open(dictionary, dictionary.parent)
    question = "112年底在臺新住民人數有多少？"
    table.ensure(question)
    assert 0 < table.loaded_shards <= len(set(question))
    loaded = table.loaded_shards
    table.ensure(question[:5])  # nothing new
    assert table.loaded_shards == loaded


def test_a_damaged_file_is_written_again(dictionary):
    path = _db_path(dictionary, dictionary.parent)
    FreqTable.open(dictionary, dictionary.parent)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    table = FreqTable.open(dictionary, dictionary.parent)
    table.ensure("護照")
    assert path.stat().st_size == size and table.words.get("護照")


def test_a_shard_loaded_later_keeps_words_already_there(dictionary, whole):
    table = FreqTable.open(dictionary, dictionary.parent)
    table.words["護照"] = 99  # as jieba's add_word writes it, before the shard of 護 was loaded
    table.ensure("護照")
    assert table.words["護照"] == 99 and table.words["護"] == whole[0]["護"]
