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


def test_entries_and_total_are_jiebas(dictionary, whole):
    freq, total = whole
    table = FreqTable.open(dictionary, dictionary.parent)
    assert table.total == total
    words = sorted(freq)[:: max(1, len(freq) // 5000)]  # every n-th entry, prefixes with 0 included
    assert all(table.get(w) == freq[w] and w in table for w in words)
    assert any(freq[w] == 0 for w in words)  # prefix-only entries are there too
    assert "不是一個詞彙ＸＹ" not in table and table.get("不是一個詞彙ＸＹ", -1) == -1
    with pytest.raises(KeyError):
        table["不是一個詞彙ＸＹ"]


def test_segmentation_is_the_same_as_with_the_whole_dict(dictionary):
    table = FreqTable.open(dictionary, dictionary.parent)
    lazy, eager = _tokenizer(dictionary, table), _tokenizer(dictionary)
    for tk in (lazy, eager):
        tk.add_word("自動查驗通關系統", freq=20)  # user words are written into the table's shard
    for text in TEXTS:
        assert list(lazy.cut(text, HMM=True)) == list(eager.cut(text, HMM=True))
        assert list(lazy.cut_for_search(text)) == list(eager.cut_for_search(text))
    assert lazy.suggest_freq("新住民", False) == eager.suggest_freq("新住民", False)
    assert lazy.total == eager.total


def test_a_question_loads_only_the_shards_of_its_characters(dictionary):
    table = FreqTable.open(dictionary, dictionary.parent)
    tk = _tokenizer(dictionary, table)
    list(tk.cut("112年底在臺新住民人數有多少？"))
    assert 0 < table.loaded_shards <= len(set("112年底在臺新住民人數有多少？"))


def test_a_damaged_file_is_written_again(dictionary):
    path = _db_path(dictionary, dictionary.parent)
    FreqTable.open(dictionary, dictionary.parent)
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.truncate(size // 2)
    table = FreqTable.open(dictionary, dictionary.parent)
    assert path.stat().st_size == size and table.get("護照") is not None
