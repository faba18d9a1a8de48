"""The eval-set registry: named sets, their files, whether they are blind, and each set's gates.

```toml
[tool.nia-qa.eval.sets.dev]
path = "eval/data/dev.jsonl"      # relative to the config file's folder
blind = false                     # blind: aggregates only, never item texts (DESIGN.md)
required = true                   # a missing file fails `nia-qa eval` (else: reported and skipped)
[tool.nia-qa.eval.sets.dev.gates]
min_answerable_accuracy = 0.91    # the keys of eval/gates.py
```
Gate keys directly under ``[tool.nia-qa.eval]`` apply to a ``--questions`` file that is not
registered. Unknown keys are rejected at every level (a typo must not disable a gate or a set).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.dataset import EvalItem, load_items
from eval.gates import GATE_KEYS, Gates, parse_gates
from ingest.corpus import PROJECT_ROOT
from ingest.errors import UserError

DEFAULT_CONFIG = PROJECT_ROOT / "pyproject.toml"
TABLE = "[tool.nia-qa.eval]"
_SET_KEYS = ("path", "blind", "required", "gates")
DEV_SET = "dev"  # the set grouped k-fold fits on and the generalisation gaps start from


@dataclass(frozen=True)
class EvalSet:
    name: str
    path: Path  # absolute
    blind: bool = False
    required: bool = False
    gates: Gates = field(default_factory=Gates)

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def load(self, limit: int | None = None) -> list[EvalItem]:
        """The set's items (the first ``limit``); a blind set's load error names only the file."""
        try:
            return load_items(self.path)[:limit]
        except UserError:
            if not self.blind:
                raise
        raise UserError(
            f"{self.path}: not a valid eval set (details withheld: blind set; `nia-qa eval --check` lists "
            "the bad lines by number and id)"
        )


@dataclass(frozen=True)
class EvalConfig:
    sets: tuple[EvalSet, ...] = ()
    default_gates: Gates = field(default_factory=Gates)  # for a --questions file not registered
    source: str = ""

    def get(self, name: str) -> EvalSet | None:
        return next((s for s in self.sets if s.name == name), None)

    def find(self, path: Path) -> EvalSet | None:
        """The registered set stored at ``path`` (compared as resolved paths), if any."""
        target = Path(path).resolve()
        return next((s for s in self.sets if s.path.resolve() == target), None)

    def set_for(self, path: Path) -> EvalSet:
        """The registered set at ``path``, or an ad-hoc non-blind set with the default gates."""
        found = self.find(path)
        return found or EvalSet(name=Path(path).stem, path=Path(path), gates=self.default_gates)


def _flag(where: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise UserError(f"{where} {key} must be true or false, got {value!r}")
    return value


def _parse_set(name: str, table: Any, base: Path, source: str) -> EvalSet:
    where = f"{source}: {TABLE[:-1]}.sets.{name}]"
    if not isinstance(table, dict):
        raise UserError(f'{where} must be a table with path = "..."')
    unknown = sorted(set(table) - set(_SET_KEYS))
    if unknown:
        raise UserError(f"{where} unknown key {unknown[0]!r} (known: {', '.join(_SET_KEYS)})")
    if not isinstance(table.get("path"), str) or not table["path"].strip():
        raise UserError(f'{where} needs path = "FILE.jsonl"')
    gates = table.get("gates", {})
    if not isinstance(gates, dict):
        raise UserError(f"{where} gates must be a table")
    return EvalSet(
        name=name,
        path=(base / table["path"]).resolve(),
        blind=_flag(where, "blind", table.get("blind", False)),
        required=_flag(where, "required", table.get("required", False)),
        gates=parse_gates(gates, source, table_name=f"{TABLE[:-1]}.sets.{name}.gates]"),
    )


def parse_config(table: dict[str, Any], source: str = "", base: Path = PROJECT_ROOT) -> EvalConfig:
    """The registry from the decoded ``[tool.nia-qa.eval]`` table; set paths are relative to ``base``."""
    unknown = sorted(set(table) - {"sets", *GATE_KEYS})
    if unknown:
        known = ", ".join(["sets", *GATE_KEYS])
        raise UserError(f"{source}: {TABLE} unknown key {unknown[0]!r} (known: {known})")
    sets = table.get("sets", {})
    if not isinstance(sets, dict):
        raise UserError(f"{source}: {TABLE} sets must be a table of named sets")
    defaults = {k: v for k, v in table.items() if k != "sets"}
    return EvalConfig(
        sets=tuple(_parse_set(name, t, base, source) for name, t in sets.items()),
        default_gates=parse_gates(defaults, source),
        source=source,
    )


def load_config(path: Path | None = None) -> EvalConfig:
    """Read the registry from a pyproject-style TOML file (default: the project's pyproject.toml).

    A missing default file or a file without the table means no sets and no gates.
    """
    path = Path(path) if path is not None else DEFAULT_CONFIG
    if not path.is_file():
        if path == DEFAULT_CONFIG:
            return EvalConfig(source=f"{path} (missing: no sets, no gates)")
        raise UserError(f"{path}: no such eval config file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from exc
    table = data.get("tool", {}).get("nia-qa", {}).get("eval", {})
    return parse_config(table, source=str(path), base=path.resolve().parent)
