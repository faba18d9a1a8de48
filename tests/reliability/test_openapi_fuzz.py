"""schemathesis against /openapi.json of a real server (real pipeline), every check, bounded examples.

`make fuzz` runs the same with more examples. The config file says which documented statuses a
schema-valid but unusable question gets (see tests/reliability/schemathesis.toml).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import Settings
from app.web.run import start_background
from app.web.server import create_app

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(600)]

CONFIG = Path(__file__).with_name("schemathesis.toml")


def test_schemathesis_all_checks_find_no_500_and_no_spec_mismatch(pipeline, tmp_path: Path) -> None:
    settings = Settings().with_overrides(feedback_db=tmp_path / "feedback.sqlite3")
    app = create_app(lambda _s: pipeline, settings)
    bg = start_background(app)
    try:
        assert app.state.service.wait_ready(60)
        st = Path(sys.executable).with_name("schemathesis")
        proc = subprocess.run(
            [
                str(st),
                "--config-file",
                str(CONFIG),
                "run",
                bg.url + "openapi.json",
                "--checks",
                "all",
                "--max-examples",
                os.environ.get("FUZZ_EXAMPLES", "30"),
                "--seed",
                "12",
                "--request-timeout",
                "60",
                "--no-color",
                "--generation-database",
                "none",  # no .schemathesis/ folder left in the work tree
            ],
            cwd=tmp_path,  # schemathesis keeps a .schemathesis/ cache in its working directory
            capture_output=True,
            text=True,
            timeout=500,
            check=False,
        )
    finally:
        bg.stop()
    tail = "\n".join(line[:300] for line in proc.stdout.splitlines()[-40:])
    assert proc.returncode == 0, tail
    assert " generated, " in tail and " passed" in tail  # it really ran cases
