import pytest

from app.answering.followup import follow_up_term, place_stems, relative_dates, resolve_follow_up

pytestmark = pytest.mark.unit

PLACES = place_stems(
    ["臺中機場", "高雄機場", "臺北市", "高雄市", "Kaohsiung City", "Taipei City", "Taichung Airport"]
)


def test_place_follow_up_in_chinese_keeps_the_suffix_of_the_previous_question():
    assert resolve_follow_up("那高雄的呢？", "112年8月臺中機場入出境人次是多少？", "zh", PLACES) == (
        "112年8月高雄機場入出境人次是多少？"
    )


def test_year_and_month_follow_ups_in_english():
    prev = "How many e-Gate users did Songshan Airport have in August?"
    assert resolve_follow_up("What about October?", prev, "en", PLACES).endswith("in October?")
    prev = "How many e-Gate registrations were there in 2023?"
    assert "2022" in resolve_follow_up("and in 2022?", prev, "en", PLACES)


def test_a_full_question_is_not_rewritten():
    q = "移民署臺北市服務站的電話是多少？"
    assert resolve_follow_up(q, "112年8月臺中機場入出境人次是多少？", "zh", PLACES) == q


def test_a_sibling_term_replaces_its_own_kind_and_keeps_the_users_characters():
    assert resolve_follow_up("那女性呢？", "全台外籍與大陸配偶裡男性有多少人？", "zh", PLACES) == (
        "全台外籍與大陸配偶裡女性有多少人？"
    )
    assert resolve_follow_up("那決算數呢？", "移民署112年的歲入預算數是多少？", "zh", PLACES) == (
        "移民署112年的歲入決算數是多少？"
    )


def test_english_place_with_its_kind_replaces_the_old_place_and_kind_in_any_case():
    prev = "How many passengers went through Taichung Airport in 2023?"
    assert resolve_follow_up("What about Kaohsiung Airport?", prev, "en", PLACES) == (
        "How many passengers went through Kaohsiung Airport in 2023?"
    )
    assert resolve_follow_up("and taipei?", "how many spouses live in kaohsiung city", "en", PLACES) == (
        "how many spouses live in taipei city"
    )
    # Not a place: no swap (the old code turned "桃園機場第二航廈" into "第一航廈機場第二航廈").
    assert "桃園機場" in resolve_follow_up(
        "第一航廈呢？", "112年桃園機場第二航廈e-Gate通關人次是多少？", "zh", PLACES
    )


def test_years_and_months_said_relative_to_the_previous_turn_are_written_out():
    assert relative_dates("And how many are planned for next year?", "en", 2023) == (
        "And how many are planned for 2024?"
    )
    assert relative_dates("那前一年呢？", "zh", 2023) == "那111年呢？"
    assert relative_dates("And the following month?", "en", 2023, 3) == "And April?"
    assert relative_dates("那下個月呢？", "zh", 2023, 12) == "那下個月呢？"  # no 13月: left as asked
    assert relative_dates("那下個月呢？", "zh", 2023, None) == "那下個月呢？"  # no month to count from


def test_the_term_a_follow_up_names_and_whether_it_narrows_the_previous_figure():
    assert follow_up_term("那其中出境的有多少？", "入出境人次是多少？", "zh", narrowing_only=True) == (
        "出境",
    )
    assert follow_up_term("其中越南籍的有多少？", "結訓多少人次？", "zh", narrowing_only=True) == (
        "越南籍",
        "越南",
    )
    assert follow_up_term("那各國籍分別是多少？", "查處了多少人？", "zh", narrowing_only=True) == ("國籍",)
    assert follow_up_term("那女性呢？", "男性有多少人？", "zh", narrowing_only=True) == ()  # not a narrowing
    assert follow_up_term("那女性呢？", "男性有多少人？", "zh") == ("女性",)
    assert follow_up_term("How many of those were in Hualien?", "How many visits?", "en", True) == (
        "Hualien",
    )
    assert follow_up_term("And in Hualien?", "How many visits?", "en", narrowing_only=True) == ()


def test_a_pronoun_of_the_previous_subject_is_not_part_of_the_term():
    assert follow_up_term("那它的網站瀏覽量有多少？", "新聞網產出多少則新聞？", "zh") == ("網站瀏覽量",)


def test_an_english_phrase_with_the_same_head_noun_replaces_the_previous_one():
    previous = "How many cases had the online visa system for business travellers handled by the end of 2023?"
    assert resolve_follow_up("And the student application system?", previous, "en") == (
        "How many cases had the student application system handled by the end of 2023?"
    )
    # Capitalised names without "the" are replaced as written; a single word names no phrase.
    assert resolve_follow_up(
        "What about Hualien Sea Port?", "How many ships docked at Keelung Sea Port?", "en"
    ) == ("How many ships docked at Hualien Sea Port?")
    assert resolve_follow_up("And the system?", previous, "en").endswith("— system?")


def test_a_report_place_replaces_an_english_place_phrase_the_tables_do_not_list():
    previous = "How many foreign chefs held residence permits in Taiwan at the end of 2023?"
    assert resolve_follow_up("And in Taichung?", previous, "en", PLACES) == (
        "How many foreign chefs held residence permits in Taichung at the end of 2023?"
    )
    # A word that is no place of the report is not swapped for the place phrase.
    assert "in Taiwan" in resolve_follow_up("And in cooking?", previous, "en", PLACES)


def test_label_shorthand_and_synonyms_are_the_table_matchers_own():
    from app.answering.cell_words import label_shorthand, label_synonym

    assert label_shorthand("第一航廈") == "T1" and label_shorthand("terminal 2") == "t2"
    assert label_synonym("women") == "female" and label_synonym("indonesian") == "indonesia"
    assert label_synonym("airport") == "airport"


def test_a_sibling_term_replaces_the_span_as_long_as_itself_and_a_head_phrase_its_content_words():
    assert resolve_follow_up("那臺東縣服務站呢？", "臺東縣專勤隊的地址？", "zh") == "臺東縣服務站的地址？"
    previous = "How many parking permit applications did the city approve in 2023?"
    assert resolve_follow_up("And building permit applications?", previous, "en") == (
        "How many building permit applications did the city approve in 2023?"
    )


def test_an_english_term_opening_like_a_span_of_the_previous_question_replaces_it():
    previous = "How many lockers were installed at Central Station Hall 1 in 2023?"
    assert resolve_follow_up("And at Hall 2?", previous, "en") == (
        "How many lockers were installed at Central Station Hall 2 in 2023?"
    )
