"""The index layer owns its errors and types: nothing under ``index/`` imports from ``bot``."""

from __future__ import annotations

import ast
from pathlib import Path

INDEX = Path(__file__).resolve().parents[2] / "index"


def test_index_never_imports_bot() -> None:
    offenders = []
    for path in INDEX.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n == "bot" or n.startswith("bot.")]
    assert offenders == []


def test_bot_errors_extend_the_index_family() -> None:
    from bot.errors import ChipquoteError, InvalidQuestion
    from index.errors import ChipquoteError as IndexBase
    from index.errors import SourceError

    assert ChipquoteError is IndexBase
    assert issubclass(InvalidQuestion, IndexBase)
    assert issubclass(SourceError, ChipquoteError)
