import pytest

from app.answering.extractive import Draft
from app.answering.verify import unsupported_numbers, verify_draft
from app.records import Citation

pytestmark = pytest.mark.unit

EVIDENCE = "截至 112 年底止，申請 e-Gate 註冊者已達 978 萬 9,034 人，共計 111 座。"


def test_numbers_in_any_written_form_are_supported():
    assert unsupported_numbers("9,789,034 people registered by the end of 2023 (111 gates).", EVIDENCE) == []
    assert unsupported_numbers("註冊者已達９７８萬９０３４人", EVIDENCE) == []


def test_a_hallucinated_number_is_rejected():
    assert "9800000" in unsupported_numbers("註冊者已達 980 萬人", EVIDENCE)


def test_verify_draft_requires_citations_and_grounded_numbers():
    cit = Citation("zh/2/1/1", "第貳章", "Chapter II", 5, EVIDENCE)
    assert verify_draft(Draft("共 111 座。", False, (cit,)), []) is None
    assert verify_draft(Draft("共 115 座。", False, (cit,)), []) is not None
    assert verify_draft(Draft("共 111 座。", False, ()), []) == "no citation"
    assert verify_draft(Draft("報告中沒有提供。", True, ()), []) is None
