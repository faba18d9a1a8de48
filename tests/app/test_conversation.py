"""Conversation state: a follow-up inherits the previous turn's cell/office/subject and replaces what it names."""

from __future__ import annotations

import pytest

from app.answering.question import analyze
from app.answering.types import Draft, Route
from app.conversation import Conversation, Missing, common_span, refers_back, topic_span
from app.records import Answer, Citation
from ingest.records import Office, Table, TableRow

pytestmark = pytest.mark.unit

PLACES_TABLE = Table(
    table_id="table/01",
    section_id="appendix/tables/01",
    title_zh="112年各機場、港口入出國（境）人數統計表",
    title_en="Number of Entries and Exits by Place",
    unit_zh="人次",
    unit_en="Passengers",
    columns=("總計 Total", "高雄機場 Kaohsiung Airport", "高雄港 Kaohsiung Sea Port"),
    rows=(
        TableRow("7月", "Jul", ("100", "24,000", "24,107")),
        TableRow("8月", "Aug", ("200", "25,000", "37,958")),
        TableRow("總計", "Total", ("300", "2,917,639", "454,961")),
    ),
)
SPOUSES = Table(
    table_id="table/04",
    section_id="appendix/tables/04",
    title_zh="各縣市外籍與大陸配偶人數",
    title_en="Foreign and Mainland Chinese Spouses by City and County",
    unit_zh="人",
    unit_en="Persons",
    columns=(
        "合計 Total / 合計 Total",
        "合計 Total / 女 Female",
        "越南 Vietnam / 計 Sub-Total",
        "越南 Vietnam / 女 Female",
    ),
    rows=(TableRow("臺中市", "Taichung City", ("63,024", "50,000", "12,425", "12,000")),),
)
OFFICE = Office(
    office_id="o1",
    section_id="appendix/offices/2",
    region_zh="二、北區",
    region_en="B. NORTH",
    group_zh="",
    group_en="",
    name_zh="臺北市服務站",
    name_en="Taipei City Service Center",
    address_zh="臺北市中正區廣州街15號",
    address_en="No. 15, Guangzhou St.",
    phone="02-23885185",
)


def _answer(text: str, section_id: str, quote: str, lang: str = "zh") -> Answer:
    return Answer("q", lang, text, False, (Citation(section_id, "p", "p", 143, quote),), 1.0)  # type: ignore[arg-type]


@pytest.fixture
def conv() -> Conversation:
    return Conversation([PLACES_TABLE, SPOUSES], [OFFICE], {"高雄", "臺中"})


def test_month_follow_up_keeps_the_column_of_the_cell_just_answered(conv: Conversation) -> None:
    prev = conv.state(
        "112年7月高雄港入出境有多少人次？", _answer("7月的高雄港為 24,107 人次。", "appendix/tables/01", "x")
    )
    assert prev.cell is not None and (prev.cell.row, prev.cell.col) == (0, 2)
    assert (
        conv.resolve("那8月呢？", "zh", prev)
        == "「112年各機場、港口入出國（境）人數統計表」中8月的高雄港是多少？"
    )


def test_narrowing_keeps_the_row_and_replaces_the_column_group(conv: Conversation) -> None:
    prev = conv.state(
        "到112年底台中市有多少外籍和大陸配偶？",
        _answer("臺中市的合計為 63,024 人。", "appendix/tables/04", "x"),
    )
    assert "臺中市的越南 計" in conv.resolve("那其中來自越南的有多少？", "zh", prev)
    en = conv.state(
        "How many spouses live in Taichung City?",
        _answer("Total: 63,024 persons.", "appendix/tables/04", "x", "en"),
    )
    assert conv.resolve("How many of them are women?", "en", en).endswith(
        "Total 合計 / Female 女 for Taichung City?"
    )


def test_a_label_the_table_does_not_have_is_not_forced_into_it(conv: Conversation) -> None:
    prev = conv.state(
        "112年7月高雄港入出境有多少人次？", _answer("7月的高雄港為 24,107 人次。", "appendix/tables/01", "x")
    )
    assert "統計表" not in conv.resolve("那113年呢？", "zh", prev)  # another year: the year is swapped
    assert "113年" in conv.resolve("那113年呢？", "zh", prev)


def test_office_follow_up_asks_the_other_attribute_of_the_same_office(conv: Conversation) -> None:
    prev = conv.state(
        "臺北市服務站的地址在哪裡？",
        _answer("臺北市服務站地址為臺北市中正區廣州街15號。", "appendix/offices/2", "x"),
    )
    assert prev.office == OFFICE
    assert conv.resolve("電話呢？", "zh", prev) == "臺北市服務站的電話是什麼？"
    en = conv.state(
        "Where is the Taipei City Service Center?",
        _answer("Taipei City Service Center: No. 15", "appendix/offices/2", "x", "en"),
    )
    assert (
        conv.resolve("And its phone number?", "en", en)
        == "What is the phone number of the Taipei City Service Center?"
    )


def _office(oid: str, zh: str, en: str, address: str) -> Office:
    return Office(
        oid, "appendix/offices/4", "四、南區", "D. SOUTH", "", "", zh, en, address, "", "07-0000000"
    )


SOUTH = [
    _office("k1", "高雄市第一服務站", "Kaohsiung City First Service Center", "高雄市苓雅區政南街 6 號"),
    _office("k2", "高雄市第二服務站", "Kaohsiung City Second Service Center", "高雄市岡山區岡山路 115 號"),
    _office("p2", "屏東縣第二服務站", "Pingtung County Second Service Center", "屏東縣屏東市"),
]


def test_an_office_named_by_the_part_of_its_name_that_differs_is_its_sibling() -> None:
    conv = Conversation([], SOUTH, ())
    prev = conv.state(
        "高雄市第一服務站在哪？",
        _answer("高雄市第一服務站地址為高雄市苓雅區政南街 6 號。", "appendix/offices/4", "x"),
    )
    follow = conv.follow_up("那第二服務站呢？", "zh", prev)
    assert follow.office == SOUTH[1] and follow.ask == "address"  # not Pingtung's: fewer shared words
    en = conv.state(
        "Where is the Kaohsiung City First Service Center?",
        _answer("Kaohsiung City First Service Center: No. 6", "appendix/offices/4", "x", "en"),
    )
    assert conv.follow_up("And the second service center?", "en", en).office == SOUTH[1]


def test_a_contact_question_naming_no_office_after_an_office_answer_asks_that_office(conv) -> None:
    prev = conv.state(
        "What's the phone number of the Taipei City Service Center?",
        _answer("Taipei City Service Center: phone 02-23885185.", "appendix/offices/2", "x", "en"),
    )
    follow = conv.follow_up("Is the fax number different?", "en", prev)  # no cue word, five words
    assert follow.office == OFFICE and follow.ask == "fax"
    assert follow.missing == Missing.FIELD  # the directory leaves its fax empty


def test_pronoun_becomes_the_subject_the_evidence_shares(conv: Conversation) -> None:
    quote = "On June 14, 2023, the President promulgated the amended Human Trafficking Prevention Act."
    prev = conv.state(
        "When was the amended Human Trafficking Prevention Act promulgated by the President?",
        _answer("June 14, 2023.", "en/1", quote, "en"),
    )
    assert conv.resolve("When did it take effect?", "en", prev) == (
        "When did the amended Human Trafficking Prevention Act take effect?"
    )
    assert common_span(
        "1990外來人士在臺生活諮詢熱線112年接了多少通電話？", "設置「外來人士在臺生活諮詢服務熱線」", "zh"
    ) == ("外來人士在臺生活諮詢")
    # Hyphens apart, and "been" is no subject: "they" of a suspension are the Mini Three Links.
    assert (
        common_span(
            "Since when had the Mini Three Links been suspended because of COVID?",
            "The Mini-Three-Links has been suspended since February 10, 2020, due to the COVID-19 outbreak.",
            "en",
        )
        == "the Mini Three Links"
    )


def test_a_full_question_is_not_rewritten(conv: Conversation) -> None:
    prev = conv.state(
        "112年7月高雄港入出境有多少人次？", _answer("7月的高雄港為 24,107 人次。", "appendix/tables/01", "x")
    )
    q = "移民署臺北市服務站的電話是多少？請提供完整號碼"
    assert conv.resolve(q, "zh", prev) == q


def test_an_english_follow_up_with_its_own_ask_keeps_only_the_context(conv: Conversation) -> None:
    prev = conv.state(
        "How many home visits did the NIA make to immigrants in July 2023?",
        _answer("Home Visit for Jul: 1,000 times.", "en/4/2/3", "The NIA made home visits.", "en"),
    )
    resolved = conv.resolve("And how many referrals that month?", "en", prev)
    assert resolved.startswith("How many referrals in July 2023") and "home visits did" not in resolved


def test_a_new_term_after_a_narrative_answer_is_asked_of_the_previous_topic(conv: Conversation) -> None:
    quote = "累計至 112 年底，總申請數 1 萬 2,664 件，總核准數 8,962 張，核發四證合一之「就業金卡」。"
    prev = conv.state(
        "截至112年底累計核發多少張就業金卡？", _answer("累計核發就業金卡 8,962 張。", "zh/1/1/2", quote)
    )
    assert topic_span(prev.question, quote) == "就業金卡"
    resolved = conv.resolve("那總申請件數呢？", "zh", prev)
    assert "就業金卡" in resolved and "總申請件數" in resolved and "核發多少張" not in resolved


SERVICES = Table(
    table_id="table/06",
    section_id="appendix/tables/06",
    title_zh="112年移民照顧輔導成果統計表",
    title_en="Immigrant Counseling and Assistance",
    unit_zh="次",
    unit_en="Times",
    columns=("諮詢服務 Counseling Service", "轉介服務 Referral Service", "志工服務 Volunteer Service"),
    rows=(TableRow("7月", "Jul", ("10", "3", "40")), TableRow("總計", "Total", ("100", "30", "400"))),
)
VISITORS = Table(
    table_id="table/03",
    section_id="appendix/tables/03",
    title_zh="112年大陸地區專業、商務人士進入台灣地區申請案件統計表",
    title_en="Number of Mainland Chinese Visitors",
    unit_zh="人次",
    unit_en="Passengers",
    columns=(
        "申請 Applicants / 合計 Total",
        "申請 Applicants / 男 Male",
        "核准 Approval / 合計 Total",
        "核准 Approval / 男 Male",
    ),
    rows=(TableRow("總計", "Total", ("900", "500", "800", "450")),),
)
NO_FAX = Office(
    office_id="o2",
    section_id="appendix/offices/5",
    region_zh="五、國境事務大隊",
    region_en="E. BORDER",
    group_zh="",
    group_en="",
    name_zh="松山機場國境事務隊",
    name_en="Songshan Airport Border Affairs Brigade",
    address_zh="臺北市松山區敦化北路340-9號",
    address_en="No.340-9, Dunhua N. Rd.",
    phone="02-25474161",
)


@pytest.fixture
def wide() -> Conversation:
    return Conversation(
        [PLACES_TABLE, SPOUSES, SERVICES, VISITORS],
        [OFFICE, NO_FAX],
        {"高雄", "臺中", "Penghu"},
        {"zh/3/1/2": "112 年查處逾期停（居）留外來人口計 4 萬 2,851 人。"},
    )


def test_a_distinctive_label_word_names_its_column(wide: Conversation) -> None:
    prev = wide.state(
        "How many counseling services were given in July 2023?",
        _answer("10 times: Counseling Service, Jul.", "appendix/tables/06", "x", "en"),
    )
    follow = wide.follow_up("And how many referrals?", "en", prev)
    assert follow.cell is not None and follow.cell.table.columns[follow.cell.col].startswith("轉介服務")
    assert follow.cell.row == 0  # the July row is kept
    # "service", shared by every column, names none of them on its own.
    assert wide.follow_up("And the service?", "en", prev).cell is None


def test_a_label_the_previous_question_named_is_kept_where_its_answer_read_another_column(
    wide: Conversation,
) -> None:
    prev = wide.state(
        "How many applications were approved in 2023?",
        _answer("900 passengers: Applicants, total.", "appendix/tables/03", "x", "en"),
    )
    assert prev.cell is not None and prev.cell.col == 0  # the previous turn read the Applicants column
    follow = wide.follow_up("How many of those were men?", "en", prev)
    assert follow.cell is not None and follow.cell.table.columns[follow.cell.col] == "核准 Approval / 男 Male"


def test_a_part_the_table_does_not_label_is_not_in_the_report(wide: Conversation) -> None:
    prev = wide.state(
        "112年7月高雄港入出境有多少人次？", _answer("7月的高雄港為 24,107 人次。", "appendix/tables/01", "x")
    )
    follow = wide.follow_up("那其中出境的有多少？", "zh", prev)
    assert follow.missing == Missing.BREAKDOWN and follow.cell is None
    assert wide.follow_up("那高雄機場呢？", "zh", prev).missing == Missing.NONE  # a label it has


def test_another_year_that_the_evidence_never_states_is_not_in_the_report(wide: Conversation) -> None:
    prev = wide.state(
        "112年查處逾期停居留的外來人口有多少人？",
        _answer("112 年查處逾期停（居）留外來人口計 4 萬 2,851 人。", "zh/3/1/2", "4 萬 2,851 人"),
    )
    assert wide.follow_up("那111年呢？", "zh", prev).missing == Missing.YEAR
    assert wide.follow_up("那前一年呢？", "zh", prev).missing == Missing.YEAR  # said relative to 112年
    table_prev = wide.state(
        "112年7月高雄港入出境有多少人次？", _answer("7月的高雄港為 24,107 人次。", "appendix/tables/01", "x")
    )
    assert wide.follow_up("那113年呢？", "zh", table_prev).missing == Missing.YEAR


def test_an_office_field_the_directory_leaves_empty_is_not_in_the_report(wide: Conversation) -> None:
    prev = wide.state(
        "松山機場國境事務隊的電話是多少？",
        _answer("松山機場國境事務隊電話為 02-25474161。", "appendix/offices/5", "x"),
    )
    assert prev.office == NO_FAX
    assert wide.follow_up("傳真呢？", "zh", prev).missing == Missing.FIELD
    assert wide.follow_up("地址呢？", "zh", prev).missing == Missing.NONE


def test_a_resolved_cell_or_office_field_is_answered_from_the_record(wide: Conversation) -> None:
    prev = wide.state(
        "112年7月高雄港入出境有多少人次？", _answer("7月的高雄港為 24,107 人次。", "appendix/tables/01", "x")
    )
    follow = wide.follow_up("那8月呢？", "zh", prev)
    draft = wide.draft(follow, analyze(follow.question, "zh"))
    assert draft is not None and not draft.abstained and "37,958" in draft.answer
    assert draft.citations[0].section_id == "appendix/tables/01"
    office = wide.state(
        "臺北市服務站的地址在哪裡？",
        _answer("臺北市服務站地址為臺北市中正區廣州街15號。", "appendix/offices/2", "x"),
    )
    follow = wide.follow_up("電話呢？", "zh", office)
    draft = wide.draft(follow, analyze(follow.question, "zh"))
    assert draft is not None and "02-23885185" in draft.answer
    missing = wide.follow_up("那其中出境的有多少？", "zh", prev)
    abstention = wide.draft(missing, analyze(missing.question, "zh"))
    assert abstention is not None and abstention.abstained and "24,107" not in abstention.answer


def test_an_english_follow_up_naming_what_the_table_lacks_is_not_in_the_report(wide: Conversation) -> None:
    prev = wide.state(
        "How many entries and exits were there at Kaohsiung Sea Port in July 2023?",
        _answer("24,107 passengers: Kaohsiung Sea Port, Jul.", "appendix/tables/01", "x", "en"),
    )
    assert wide.follow_up("And Penghu Harbor?", "en", prev).missing == Missing.BREAKDOWN
    follow = wide.follow_up("And Kaohsiung Airport?", "en", prev)
    assert follow.missing == Missing.NONE and follow.cell is not None and follow.cell.col == 1


EGATES = Table(
    table_id="table/02",
    section_id="appendix/tables/02",
    title_zh="112年自動查驗通關系統註冊及通關人數統計表",
    title_en="Number of e-Gate Applicants and Users",
    unit_zh="人次",
    unit_en="Passengers",
    columns=("高雄機場 Kaohsiung Airport / 通關 Users", "高雄港 (自112.9.1起) / 通關 Users"),
    rows=(TableRow("總計", "Total", ("1,000", "67")),),
)


def test_a_chinese_only_label_is_named_by_the_english_the_report_gives_it_elsewhere() -> None:
    conv = Conversation([PLACES_TABLE, EGATES], [], {"高雄"})
    prev = conv.state(
        "How many e-Gate users were there at Kaohsiung Airport in 2023?",
        _answer("1,000 passengers: Kaohsiung Airport, Users, total.", "appendix/tables/02", "x", "en"),
    )
    follow = conv.follow_up("And Kaohsiung port?", "en", prev)
    # "kaohsiung" names both columns; "port" only the sea port's (its English from the places table).
    assert follow.cell is not None and follow.cell.col == 1
    draft = conv.draft(follow, analyze(follow.question, "en"))
    assert draft is not None and "67" in draft.answer and "Kaohsiung Sea Port" in draft.answer


def test_of_those_adding_a_word_the_narrative_evidence_never_uses_is_not_in_the_report() -> None:
    conv = Conversation([], [], (), {"en/3/2": "In 2023, 109 foreign victims were newly placed in shelters."})
    prev = conv.state(
        "How many foreign victims were newly placed in shelters in 2023?",
        _answer("109 foreign victims were newly placed.", "en/3/2", "109 foreign victims", "en"),
    )
    women = conv.follow_up("How many of those were women?", "en", prev)
    assert women.missing == Missing.PART
    assert conv.follow_up("How many of those were foreign?", "en", prev).missing == Missing.NONE
    assert conv.follow_up("How many were placed in shelters?", "en", prev).missing == Missing.NONE
    # The part may still be printed elsewhere: the answerer looks, and its answer stands only where a
    # narrative clause names the part next to a figure.
    assert conv.draft(women, analyze(women.question, "en")) is None
    cite = (Citation("en/3/3", "p", "p", 1, "x"),)
    found = Draft("Of the victims placed, 61 were women.", False, cite, route=Route.NARRATIVE)
    assert conv.review("How many of those were women?", "en", women, found) is found
    unnamed = Draft("In 2023, 61 victims were repatriated.", False, cite, route=Route.NARRATIVE)
    assert conv.review("How many of those were women?", "en", women, unnamed).abstained
    cell = Draft("61 persons: Female, total.", False, cite, route=Route.TABLE)
    assert conv.review("How many of those were women?", "en", women, cell).abstained


def test_english_pronouns_refer_to_the_counted_thing_or_the_later_subject() -> None:
    conv = Conversation([], [], ())
    quote = "In 2023, the mobile service vehicles were deployed 458 times, responding to 12,929 requests."
    prev = conv.state(
        "How many times were the mobile service vehicles deployed in 2023?",
        _answer("458.", "en/5/1", quote, "en"),
    )
    # "times" counts occurrences: "they" are the vehicles.
    assert "mobile service vehicles respond" in conv.resolve(
        "How many requests did they respond to?", "en", prev
    )
    quote = "The New Immigrant Global News Website: by the end of 2023 it had published 10,000 news articles."
    prev = conv.state(
        "How many new immigrant news items had the global news website produced by the end of 2023?",
        _answer("10,000.", "en/5/3", quote, "en"),
    )
    resolved = conv.resolve("And how many followers does its Facebook page have?", "en", prev)
    assert "the global news website's Facebook page" in resolved


def test_a_follow_up_the_previous_sentence_answers_next_to_a_figure_gets_that_sentence() -> None:
    conv = Conversation([], [], ())
    sentence = "截至 112 年底止，產出新聞逾 1 萬則，網站瀏覽量 871 萬 6,589 次。"
    prev = conv.state("截至112年底新聞網產出多少則新聞？", _answer(sentence, "zh/5/3/2", sentence))
    elsewhere = Draft("新聞網自 103 年起上線運作。", False, (Citation("zh/5/3/1", "p", "p", 1, "x"),))
    reviewed = conv.review(
        "那網站瀏覽量呢？", "zh", conv.follow_up("那網站瀏覽量呢？", "zh", prev), elsewhere
    )
    assert reviewed.answer == sentence and reviewed.citations == prev.citations
    named = Draft("網站瀏覽量 871 萬 6,589 次。", False, ())
    assert (
        conv.review("那網站瀏覽量呢？", "zh", conv.follow_up("那網站瀏覽量呢？", "zh", prev), named) is named
    )  # the answer names it: kept
    assert (
        conv.review("那臉書粉絲呢？", "zh", conv.follow_up("那臉書粉絲呢？", "zh", prev), elsewhere)
        is elsewhere
    )  # not in the sentence
    dated = "自 112 年 2 月 20 日 9 時起，恢復港澳居民來臺自由行。"
    prev = conv.state("港澳自由行何時恢復？", _answer(dated, "zh/6/1/3", dated))
    assert (
        conv.review("那港澳居民呢？", "zh", conv.follow_up("那港澳居民呢？", "zh", prev), elsewhere)
        is elsewhere
    )  # only a date next to it


AGENCIES = Table(
    table_id="table/08",
    section_id="appendix/tables/08",
    title_zh="112年各司法警察機關查緝人口販運案件統計表",
    title_en="Human Trafficking Cases",
    unit_zh="案件",
    unit_en="Cases",
    columns=(
        "合計 Total / 合計 Total",
        "合計 Total / 性剝削 Sexual Exploitation",
        "內政部警政署 National Police Agency, MOI / 計 Sub-Total",
        "內政部移民署 National Immigration Agency, MOI / 計 Sub-Total",
        "內政部移民署 National Immigration Agency, MOI / 性剝削 Sexual Exploitation",
    ),
    rows=(
        TableRow("5月", "May", ("12", "4", "11", "1", "0")),
        TableRow("6月", "Jun", ("11", "5", "9", "2", "1")),
        TableRow("總計", "Total", ("148", "80", "132", "12", "7")),
    ),
)


def test_the_cell_answered_is_the_one_whose_own_sentence_the_answer_is() -> None:
    conv = Conversation([AGENCIES], [], ())
    # 12 is also May's total: the answer sentence of the NIA's yearly total is the one given.
    answer = "內政部移民署合計為 12 案件（依「112年各司法警察機關查緝人口販運案件統計表」）。"
    prev = conv.state("112年移民署查緝人口販運案件有幾件？", _answer(answer, "appendix/tables/08", answer))
    assert prev.cell is not None and (prev.cell.row, prev.cell.col) == (2, 3)
    follow = conv.follow_up("其中性剝削幾件？", "zh", prev)
    assert follow.cell is not None and (follow.cell.row, follow.cell.col) == (2, 4)


def test_part_of_one_label_names_it_and_a_total_is_asked_by_its_dimension() -> None:
    conv = Conversation([AGENCIES], [], ())
    answer = "5月內政部移民署為 1 案件（依「112年各司法警察機關查緝人口販運案件統計表」）。"
    prev = conv.state("112年5月移民署查緝幾件？", _answer(answer, "appendix/tables/08", answer))
    assert prev.cell is not None and (prev.cell.row, prev.cell.col) == (0, 3)
    police = conv.follow_up("那警政署呢？", "zh", prev)
    assert police.cell is not None and (police.cell.row, police.cell.col) == (0, 2)
    # The follow-up's own words around the label ("查獲的") do not hide it: the label sharing the
    # largest share of its character bigrams is named.
    police = conv.follow_up("警政署查獲的呢？", "zh", prev)
    assert police.cell is not None and (police.cell.row, police.cell.col) == (0, 2)
    assert conv.follow_up("那海巡署呢？", "zh", prev).cell is None  # a label the table does not have
    year = conv.follow_up("那全年呢？", "zh", prev)
    assert year.cell is not None and (year.cell.row, year.cell.col) == (2, 3)  # the total row
    every = conv.follow_up("And altogether?", "en", prev)
    assert every.cell is not None and (every.cell.row, every.cell.col) == (0, 0)  # the total column


def test_a_year_the_previous_evidence_lacks_stands_only_where_the_answer_states_it_with_a_figure() -> None:
    conv = Conversation([], [], (), {"zh/3/1/2": "112 年查處逾期停（居）留外來人口計 4 萬 2,851 人。"})
    prev = conv.state(
        "112年查處逾期停居留的外來人口有多少人？",
        _answer(
            "112 年查處計 4 萬 2,851 人。", "zh/3/1/2", "112 年查處逾期停（居）留外來人口計 4 萬 2,851 人。"
        ),
    )
    follow = conv.follow_up("那111年呢？", "zh", prev)
    assert follow.missing == Missing.YEAR and conv.draft(follow, analyze(follow.question, "zh")) is None
    found = Draft("111 年查處逾期停（居）留外來人口計 3 萬 9,000 人。", False, ())
    assert conv.review("那111年呢？", "zh", follow, found) is found  # stated elsewhere, with its figure
    dated = Draft("我國於 111 年 10 月 13 日起邊境解封。", False, ())
    refused = conv.review("那111年呢？", "zh", follow, dated)
    assert refused.abstained and "111 年 10 月" not in refused.answer  # only a date of that year


def test_a_topic_is_found_where_the_report_writes_optional_characters_in_parentheses():
    evidence = "112 年核發 10 人，補助(勵)經費共 50 萬元。"
    assert topic_span("112年補助經費核發給多少人？", evidence) == "補助經費"


EGATE = Table(
    table_id="table/02",
    section_id="appendix/tables/02",
    title_zh="112年自動查驗通關申請及使用人數",
    title_en="Number of e-Gate Applicants and Users",
    unit_zh="人次",
    unit_en="Passengers",
    columns=(
        "桃園機場-T1 Taoyuan Airport-T1 / 通關 Users",
        "桃園機場-T2 Taoyuan Airport-T2 / 通關 Users",
        "松山機場 Songshan Airport / 通關 Users",
        "高雄機場 Kaohsiung Airport / 通關 Users",
    ),
    rows=(TableRow("7月", "Jul", ("803,824", "678,161", "90,000", "80,000")),),
)


def test_terminal_2_names_the_label_printed_airport_t2() -> None:
    conv = Conversation([EGATE], [], ())
    answer = "803,824 passengers: Taoyuan Airport-T1, Users, Jul (“Number of e-Gate Applicants and Users”)."
    prev = conv.state(
        "How many e-Gate users were there at Taoyuan Airport Terminal 1 in July 2023?",
        _answer(answer, "appendix/tables/02", answer, "en"),
    )
    assert prev.cell is not None and prev.cell.col == 0
    follow = conv.follow_up("Terminal 2, same month?", "en", prev)
    assert follow.cell is not None and (follow.cell.row, follow.cell.col) == (0, 1)


@pytest.mark.parametrize(
    ("question", "back"),
    [
        ("What is its phone number?", True),
        ("When did they start to resume?", True),
        ("How many of those came from the National Police Agency?", True),
        ("And how many people had registered for them by the end of 2023?", True),  # "people" is counted
        ("And how many followers does its Facebook page have?", True),  # the page is its, not it
        ("Where did the NIA hold its 2023 Migrants Day celebration?", False),
        ("Which version of its internal control system did the NIA adopt in 2023?", False),
        ("How much scholarship money went to new immigrants and their children in 2023?", False),
        ("Family-friendly immigration counters at busy times — where exactly are they set up?", False),
    ],
)
def test_a_pronoun_refers_back_only_without_an_antecedent_in_its_own_question(question, back) -> None:
    assert refers_back(question) is back


def test_a_new_question_after_an_office_answer_is_asked_of_the_office_it_names() -> None:
    conv = Conversation([], [OFFICE, *SOUTH], ())
    prev = conv.state(
        "臺北市服務站的電話是多少？", _answer("臺北市服務站電話為 02-23885185。", "appendix/offices/2", "x")
    )
    follow = conv.follow_up("高雄市第一服務站的電話？", "zh", prev)
    assert follow.office == SOUTH[0] and follow.ask == "phone"


PLACES_2023 = Table(
    table_id="table/01",
    section_id="appendix/tables/01",
    title_zh="112年各機場、港口入出國（境）人數統計表",
    title_en="Number of Entries and Exits by Place",
    unit_zh="人次",
    unit_en="Passengers",
    columns=("總計 Total", "桃園機場 Taoyuan Airport", "高雄機場 Kaohsiung Airport"),
    rows=(TableRow("總計", "Total", ("36,231,046", "29,269,645", "2,917,639")),),
)


def test_a_share_asked_after_a_cell_is_that_cell_over_its_table_total() -> None:
    conv = Conversation([PLACES_2023], [], ())
    answer = "2,917,639 passengers: Kaohsiung Airport, total (“Number of Entries and Exits by Place”)."
    prev = conv.state(
        "How many passengers went through Kaohsiung Airport in 2023?",
        _answer(answer, "appendix/tables/01", answer, "en"),
    )
    assert prev.cell is not None and (prev.cell.row, prev.cell.col) == (0, 2)
    follow = conv.follow_up("And what share of the overall total is that?", "en", prev)
    assert follow.share and follow.cell == prev.cell
    draft = conv.draft(follow, analyze(follow.question, "en"))
    assert draft is not None and "8.05%" in draft.answer and "2,917,639" in draft.answer


INTERVIEWS = Table(
    table_id="table/09",
    section_id="appendix/tables/09",
    title_zh="大陸地區配偶面談",
    title_en="Interviews of Mainland Chinese Spouses",
    unit_zh="件",
    unit_en="Cases",
    columns=(
        "訪查 Visits / 通過訪查 Passed",
        "訪查 Visits / 不予通過訪查 Refused",
        "訪查 Visits / 不予通過比率 Refused Rate(%)",
        "面談 Interviews / 計 Sub-Total",
        "面談 Interviews / 通過面談 Passed",
        "面談 Interviews / 不予通過面談 Refused",
    ),
    rows=(TableRow("總計", "Total", ("90", "10", "10.00", "50", "45", "5")),),
)


def test_a_word_naming_a_label_of_several_groups_names_the_one_of_the_cells_group() -> None:
    conv = Conversation([INTERVIEWS], [], set())
    prev = conv.state(
        "How many interviews were conducted in 2023?",
        _answer("50 cases: Interviews, Sub-Total, total.", "appendix/tables/09", "x", "en"),
    )
    follow = conv.follow_up("how many passed?", "en", prev)
    assert follow.cell is not None and follow.cell.col == 4  # the interviews' passed, not the visits'


def test_a_rate_asked_of_a_count_is_the_rate_column_of_its_group() -> None:
    conv = Conversation([INTERVIEWS], [], set())
    prev = conv.state("112年訪查通過幾件？", _answer("總計訪查通過訪查為 90 件。", "appendix/tables/09", "x"))
    follow = conv.follow_up("那不予通過訪查的比率呢？", "zh", prev)
    assert follow.cell is not None and follow.cell.col == 2


def test_a_demonstrative_or_a_fragment_opening_with_a_preposition_continues_the_previous_question(
    conv: Conversation,
) -> None:
    prev = conv.state(
        "新版就業服務條例什麼時候施行？",
        _answer("就業服務條例自 100 年 1 月 1 日施行。", "zh/1/1/1", "就業服務條例自 100 年 1 月 1 日施行。"),
    )
    assert "就業服務條例" in conv.resolve("這部法最早是哪一天施行的？", "zh", prev)
    prev = conv.state(
        "Which rank did the agency get in the Service Quality Award?",
        _answer(
            "It got first rank in the Service Quality Award.",
            "en/1/1/1",
            "first rank in the Service Quality Award",
            "en",
        ),
    )
    assert "Service Quality Award" in conv.resolve("for how many years in a row?", "en", prev)
    assert conv.resolve("In which year did the NIA open its office in Palau?", "en", prev).startswith(
        "In which"
    )


def test_another_measure_than_the_tables_is_tried_on_the_narrative_not_refused(wide: Conversation) -> None:
    prev = wide.state(
        "112年7月高雄港入出境有多少人次？", _answer("7月的高雄港為 24,107 人次。", "appendix/tables/01", "x")
    )
    # a measure the table does not count: the sentence behind the figure may give it (Missing.PART)
    assert wide.follow_up("旅客滿意度呢？", "zh", prev).missing == Missing.PART
    # a part of the table's own figure the table does not print: not in the report
    assert wide.follow_up("其中旅客滿意度呢？", "zh", prev).missing == Missing.BREAKDOWN


def test_an_english_question_naming_almost_nothing_asks_about_the_previous_subject(
    conv: Conversation,
) -> None:
    prev = conv.state(
        "How many Hong Kong and Macao residents applied to visit in 2023?",
        _answer(
            "A total of 1,274,303 Hong Kong and Macao residents applied online.",
            "en/1/1/1",
            "A total of 1,274,303 Hong Kong and Macao residents applied online.",
            "en",
        ),
    )
    assert "Hong Kong" in conv.resolve("how many actually came in?", "en", prev)
    # a question that names its own subject stands alone
    question = "How many e-Gates did the agency install at Taoyuan Airport?"
    assert conv.resolve(question, "en", prev) == question
