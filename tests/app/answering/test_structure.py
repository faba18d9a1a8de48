"""The answering package keeps small parts: no module over 400 lines, no function over 60 (ast-based),
so one job stays one module and one step one function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = Path(__file__).resolve().parents[3] / "app" / "answering"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> dict[str, int]:
    """``name:line`` -> length of every function or method longer than ``limit`` lines (decorators and
    docstring included)."""
    out = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = node.end_lineno - first + 1  # type: ignore[operator]
            if length > limit:
                out[f"{node.name}:{node.lineno}"] = length
    return out


def test_the_package_is_read():
    names = {p.name for p in _modules()}
    assert {"extractive.py", "tables.py", "multihop.py"} <= names


def test_no_module_is_over_400_lines():
    long = {
        p.relative_to(PACKAGE).as_posix(): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"modules over {MAX_MODULE_LINES} lines (split them by job): {long}"


def test_no_function_is_over_60_lines():
    long = {
        f"{p.relative_to(PACKAGE).as_posix()}:{name}": n
        for p in _modules()
        for name, n in _long_functions(p.read_text(encoding="utf-8")).items()
    }
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines (split them into named steps): {long}"


def test_a_long_function_or_method_is_caught():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    source = f"def f():\n{body}\n\n\nclass C:\n    @staticmethod\n    def g():\n        pass\n"
    assert _long_functions(source) == {"f:1": MAX_FUNCTION_LINES + 1}
    method = "class C:\n    def m(self):\n" + "\n".join(
        f"        y{i} = {i}" for i in range(MAX_FUNCTION_LINES)
    )
    assert _long_functions(method) == {"m:2": MAX_FUNCTION_LINES + 1}
    assert _long_functions(source, limit=MAX_FUNCTION_LINES + 1) == {}
