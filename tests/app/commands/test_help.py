"""Every subcommand says what it does in `--help` (a description, not only a usage line)."""

from __future__ import annotations

import argparse

import pytest

from app.cli import build_parser

pytestmark = pytest.mark.unit


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_subcommand_has_a_description() -> None:
    commands = dict(_subparsers(build_parser()))
    assert {"ask", "build", "search", "serve", "eval", "bench", "feedback", "config", "ingest"} <= set(
        commands
    )
    for name, parser in commands.items():
        assert parser.description and len(parser.description) > 30, name
        for sub_name, sub in _subparsers(parser):
            assert sub.description, f"{name} {sub_name}"
