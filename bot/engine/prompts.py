"""Prompt templates live as files under ``prompts/``; this loads and fills them, refusing
placeholders the template doesn't define (so an edited prompt fails loudly, not silently)."""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"


@lru_cache(maxsize=16)
def load_prompt(name: str) -> str:
    """The text of ``prompts/<name>.md``."""
    return (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8")


def placeholders(template: str) -> set[str]:
    """Field names used in a ``str.format`` template."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def render_prompt(name: str, **values: str) -> str:
    """Fill a prompt; every placeholder must be given and nothing extra."""
    template = load_prompt(name)
    expected = placeholders(template)
    if expected != set(values):
        raise ValueError(f"prompt {name!r} takes {sorted(expected)}, got {sorted(values)}")
    return template.format(**values)
