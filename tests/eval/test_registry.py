"""The eval-set registry in [tool.nia-qa.eval]: named sets, blind flags, per-set gates; typos rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.registry import DEFAULT_CONFIG, DEV_SET, load_config, parse_config
from ingest.errors import UserError

pytestmark = pytest.mark.unit


def test_project_registry_has_the_sets_of_issue_10() -> None:
    config = load_config(DEFAULT_CONFIG)
    by_name = {s.name: s for s in config.sets}
    assert {"dev", "holdout", "paraphrase", "followups", "followups_holdout"} <= set(by_name)
    assert not by_name["dev"].blind and not by_name["followups"].blind
    assert by_name["holdout"].blind and by_name["paraphrase"].blind and by_name["followups_holdout"].blind
    assert all(by_name[n].required for n in ("dev", "holdout", "paraphrase"))
    assert by_name[DEV_SET].path == (DEFAULT_CONFIG.parent / "eval" / "data" / "dev.jsonl").resolve()
    for name in ("dev", "holdout", "paraphrase"):
        gates = by_name[name].gates.thresholds
        assert {"min_answerable_accuracy", "min_abstention_recall", "min_citation_accuracy"} <= set(gates)


def test_paths_are_relative_to_the_config_and_found_by_path(tmp_path: Path) -> None:
    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "b.jsonl").write_text("{}\n", encoding="utf-8")
    config = parse_config(
        {
            "min_citation_accuracy": 0.5,
            "sets": {
                "a": {"path": "sets/a.jsonl"},
                "b": {"path": "sets/b.jsonl", "blind": True, "gates": {"min_answerable_accuracy": 0.7}},
            },
        },
        "x.toml",
        base=tmp_path,
    )
    a, b = config.sets
    assert not a.exists and b.exists and b.blind and not a.blind
    assert b.gates.thresholds == {"min_answerable_accuracy": 0.7}
    assert config.find(tmp_path / "sets" / ".." / "sets" / "b.jsonl") == b
    adhoc = config.set_for(tmp_path / "other.jsonl")
    assert not adhoc.blind and adhoc.gates.thresholds == {"min_citation_accuracy": 0.5}


@pytest.mark.parametrize(
    "table, message",
    [
        ({"set": {}}, "unknown key 'set'"),
        ({"sets": {"a": {"path": "a.jsonl", "blnd": True}}}, "unknown key 'blnd'"),
        ({"sets": {"a": {"blind": True}}}, "needs path"),
        ({"sets": {"a": {"path": "a.jsonl", "blind": "yes"}}}, "blind must be true or false"),
        ({"sets": {"a": {"path": "a.jsonl", "gates": {"min_acuracy": 0.5}}}}, "sets.a.gates] unknown key"),
        ({"sets": {"a": {"path": "a.jsonl", "gates": {"min_accuracy": 2}}}}, "between 0 and 1"),
        ({"sets": {"a": "a.jsonl"}}, "must be a table"),
    ],
)
def test_bad_registry_is_a_user_error(table: dict, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_config(table, "x.toml")


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such eval config file"):
        load_config(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[tool.nia-qa.eval\n", encoding="utf-8")
    with pytest.raises(UserError, match="not valid TOML"):
        load_config(bad)
    empty = tmp_path / "empty.toml"
    empty.write_text("[project]\nname='x'\n", encoding="utf-8")
    config = load_config(empty)
    assert config.sets == () and config.default_gates.thresholds == {}
