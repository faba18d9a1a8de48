"""The office resolver: which directory record a contact question names (records built here)."""

from __future__ import annotations

import pytest

from app.answering.offices import find_office, office_field
from app.answering.question import analyze
from ingest.records import Office

pytestmark = pytest.mark.unit


def _office(i: int, name_zh: str, name_en: str, address_en: str, address_zh: str = "") -> Office:
    return Office(
        f"office/{i}", "appendix/offices/1", "", "", "", "", name_zh, name_en, address_zh, address_en, "1"
    )


OFFICES = [
    _office(
        1,
        "駐英國臺北代表處",
        "Taipei Representative Office in the U.K.",
        "50 Grosvenor Gardens, London, United Kingdom",
    ),
    _office(
        2, "駐新加坡臺北代表處", "Taipei Representative Office in Singapore", "460 Alexandra Road, Singapore"
    ),
    _office(
        3,
        "臺北駐日經濟文化代表處",
        "Taipei Economic and Cultural Representative Office in Japan",
        "Minato-Ku, Tokyo, Japan",
    ),
    _office(4, "臺中市第一服務站", "Taichung City First Service Center", "Nantun Dist., Taichung City"),
    _office(5, "臺中市第二服務站", "Taichung City Second Service Center", "Fengyuan Dist., Taichung City"),
    _office(6, "金門縣服務站", "Kinmen County Service Center", "Jincheng Township, Kinmen County"),
    _office(
        7,
        "駐巴拉圭共和國大使館",
        "Embassy of the Republic of China(Taiwan)in the Republic of Paraguay",
        "Asuncion, Paraguay",
    ),
]


def _found(question: str) -> str | None:
    match = find_office(analyze(question), OFFICES)
    return match.office.name_en if match else None


def test_the_city_an_office_is_in_names_it_through_its_address():
    assert _found("What is the phone number of the NIA office in London?") == OFFICES[0].name_en
    assert _found("Give me the phone number of the immigration office in Tokyo.") == OFFICES[2].name_en


def test_dotted_abbreviations_match_their_plain_spelling():
    assert _found("Address of the Taipei Representative Office in the UK?") == OFFICES[0].name_en


def test_words_several_offices_share_equally_name_none_of_them():
    # Two service centres in Taichung: the question does not say which.
    assert _found("What is the address of the service center in Taichung?") is None


def test_a_name_no_office_has_counts_against_every_office():
    assert _found("Contact phone for Taiwan's National Police Agency?") is None
    assert _found("Phone number of the Matsu service station?") is None


def test_a_named_office_is_still_found_by_its_name():
    assert _found("What is the phone number of the Kinmen County Service Center?") == OFFICES[5].name_en
    assert find_office(analyze("金門縣服務站的電話是多少？"), OFFICES).office.name_zh == "金門縣服務站"


def test_a_field_the_directory_does_not_list_is_empty_not_another_field():
    office = Office(
        "office/9", "appendix/offices/3", "", "", "", "", "金門國境事務隊", "Kinmen Brigade", "", "", "082-1"
    )
    assert office_field(office, "phone", "en") == "082-1"
    assert office_field(office, "fax", "en") == ""
    assert office_field(office, "address", "zh") == ""
