"""`nia-qa` command line: one parser, subcommands discovered from the ``nia_qa.commands`` entry points.

Each command module exposes ``register(subparsers) -> None`` and keeps heavy
imports inside its handler so that ``nia-qa --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from ingest.errors import UserError

# Order shown in --help; commands from other distributions/plugins are appended.
COMMAND_ORDER = ["ingest", "build", "search", "ask", "serve", "eval", "bench", "feedback", "config"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nia-qa",
        description="Ask the National Immigration Agency 2023 Annual Report (內政部移民署112年年報) "
        "questions in Traditional Chinese or English; answers cite section and page.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    eps = {ep.name: ep for ep in entry_points(group="nia_qa.commands")}
    for name in sorted(eps, key=lambda n: (COMMAND_ORDER.index(n) if n in COMMAND_ORDER else 99, n)):
        try:
            register = eps[name].load()
        except ImportError as exc:  # a broken plugin must not break the whole CLI
            print(f"nia-qa: command '{name}' unavailable: {exc}", file=sys.stderr)
            continue
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"nia-qa: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("nia-qa: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
