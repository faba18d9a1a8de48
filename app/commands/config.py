"""`nia-qa config`: print the effective settings (defaults + NIA_QA_* env)."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "config",
        help="print the effective settings (secrets masked)",
        description="Print the effective settings as JSON: defaults in code, overridden by NIA_QA_* "
        "environment variables; API keys are masked.",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from app.settings import Settings

    print(json.dumps(Settings().public_dump(), ensure_ascii=False, indent=2))
    return 0
