"""Appendix office directories -> Office records (real report), and the bilingual cell splitter."""

from __future__ import annotations

import pytest

from ingest.appendix_text import split_bilingual
from ingest.offices import parse_offices
from ingest.records import Office
from tests.ingest.appendix_support import parsed_appendix


def _office(name_zh: str) -> Office:
    (o,) = [o for o in parsed_appendix().offices if o.name_zh == name_zh]
    return o


@pytest.mark.integration
def test_directories_give_at_least_90_offices_with_phones() -> None:
    offices = parsed_appendix().offices
    with_phone = [o for o in offices if o.phone]
    assert len(with_phone) >= 90
    assert len({o.office_id for o in offices}) == len(offices)
    regions = {(o.section_id, o.region_zh, o.region_en) for o in offices}
    assert regions == {
        ("appendix/offices/1", "一、本署海外服務據點", "A. OVERSEAS OFFICES"),
        ("appendix/offices/2", "二、本署北區事務大隊服務據點", "B. NORTHERN ADMINISTRATION CORPS OFFICES"),
        ("appendix/offices/3", "三、本署中區事務大隊服務據點", "C. CENTRAL ADMINISTRATION CORPS OFFICES"),
        ("appendix/offices/4", "四、本署南區事務大隊服務據點", "D. SOUTHERN ADMINISTRATION CORPS OFFICES"),
        ("appendix/offices/5", "五、本署國境事務大隊服務據點", "E. BORDER AFFAIRS CORPS OFFICES"),
    }
    for o in offices:
        assert o.name_zh and o.name_en, o
        assert o.address_en, o
        assert "<sup>" not in o.address_en + o.address_zh
        # The header rows (單位 / 地址 …) are never taken for offices.
        assert not o.name_zh.startswith("單位") and "Address" not in o.address_en


@pytest.mark.integration
def test_taipei_service_center_record() -> None:
    o = _office("臺北市服務站")
    assert o.name_en == "Taipei City Service Center"
    assert o.address_zh == "臺北市中正區廣州街 15 號"
    assert o.address_en == "No.15, Guangzhou St., Zhongzheng Dist., Taipei City"
    assert (o.phone, o.fax) == ("02-23885185", "02-23310594")
    assert o.region_zh == "二、本署北區事務大隊服務據點" and o.group_zh == ""
    assert o.page == 137


@pytest.mark.integration
def test_overseas_groups_english_only_addresses_and_markup() -> None:
    japan = _office("臺北駐日經濟文化代表處")
    assert (japan.group_zh, japan.group_en) == ("亞太地區單位", "Asia-Pacific Region Unit")
    assert japan.address_zh == "東京都港區白金台五丁目 20 番地 2 號"
    assert japan.address_en.startswith("No.20-2 Shirokanedai")
    manila = _office("駐菲律賓臺北經濟文化辦事處")
    assert manila.address_zh == "" and manila.address_en.startswith("41F, Tower 1, RCBC Plaza")
    assert _office("駐南非共和國臺北聯絡代表處").group_en == "Africa Region Unit"
    assert "42nd Street" in _office("駐紐約臺北經濟文化辦事處").address_en
    # Border corps rows have no fax column.
    airport = _office("松山機場國境事務隊")
    assert (airport.phone, airport.fax) == ("02-25474161", "")
    assert _office("臺中港國境事務隊 (麥寮港分隊)").address_zh == "雲林縣麥寮鄉六輕工業區 1 號(港區大樓 6 樓)"


@pytest.mark.integration
def test_office_chunks_are_one_per_office_with_both_languages() -> None:
    res = parsed_appendix()
    chunks = [c for c in res.chunks if c.kind == "office"]
    assert len(chunks) == len(res.offices)
    by_office = {c.meta["office_id"]: c for c in chunks}
    o = _office("臺北市服務站")
    text = by_office[o.office_id].text
    for part in (o.name_zh, o.name_en, o.address_zh, o.address_en, o.phone, o.fax, o.region_zh, o.region_en):
        assert part in text
    c = by_office[o.office_id]
    assert c.path_zh == "附錄 > 本署國內、外服務據點 > 二、本署北區事務大隊服務據點"
    assert (
        c.path_en
        == "Appendix > NIA Domestic and Overseas Office Location > B. NORTHERN ADMINISTRATION CORPS OFFICES"
    )


@pytest.mark.unit
def test_rows_outside_a_region_are_reported_not_guessed() -> None:
    lines = ["臺北市服務站 Taipei City Service Center\t臺北市中正區廣州街 15 號 No.15\t02-23885185"]
    res = parse_offices(lines, 0, len(lines))
    assert res.offices == [] and res.problems


@pytest.mark.unit
@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("1月 Jan", ("1月", "Jan")),
        ("新北市 New Taipei City", ("新北市", "New Taipei City")),
        ("亞太地區單位(Asia-Pacific Region Unit)", ("亞太地區單位", "Asia-Pacific Region Unit")),
        ("桃園機場-T2 Taoyuan Airport-T2", ("桃園機場-T2", "Taoyuan Airport-T2")),
        ("基隆港 (自112.4.1起)", ("基隆港 (自112.4.1起)", "")),
        ("41F, Tower 1, RCBC Plaza", ("", "41F, Tower 1, RCBC Plaza")),
        (
            "基隆市中正區義一路 18 號 11 樓 (A 棟) (Building A) 11F., No.18, Yi 1 <sup>st</sup> Rd.",
            ("基隆市中正區義一路 18 號 11 樓 (A 棟)", "(Building A) 11F., No.18, Yi 1st Rd."),
        ),
        ("不予通過面 談比率 Refused Rate(%)", ("不予通過面談比率", "Refused Rate(%)")),
        ("計 Sub- Total", ("計", "Sub-Total")),
    ],
)
def test_split_bilingual(cell: str, expected: tuple[str, str]) -> None:
    assert split_bilingual(cell) == expected
