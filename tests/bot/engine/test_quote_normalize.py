"""Normalisation for quote matching: what is folded, and that every normalised character points
back at the source characters it came from."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.normalize import (
    ELLIPSIS,
    cjk_weight,
    normalize,
    normalize_full,
    normalize_with_map,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("it’s a “long shot”", 'it\'s a "long shot"'),
        ("«bonjour» 「你好」 『世界』 „so‟ ‚x‛ `y`", '"bonjour" "你好" "世界" "so" "x" "y"'),
        ("would — think", "would--think"),
        ("would — think", "would - think"),
        ("a–b‒c―d−e‑f‐g", "a-b-c-d-e-f-g"),
        ("Chinese——dash", "chinese—dash"),
        ("wait…", "wait..."),
        ("wait ……", "wait⋯⋯"),
        ("one\n\n two\t three", "one two three"),
        ("  padded  ", "padded"),
        ("你好，世界：（一）", "你好,世界:(一)"),
        ("ＮＶＩＤＩＡ ＧＰＵ", "nvidia gpu"),
        ("2026 年 營收", "2026年營收"),
        ("ﬁne", "fine"),
        ("① first", "1 first"),
        ("e\u0301", "é"),
        ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
        ("Dojo Is Working", "dojo is working"),
        ("ÉCOLE ÀÖ", "école àö"),
    ],
)
def test_equivalent_forms_normalise_alike(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("dojo is working", "dojo is not working"),
        ("training jobs.", "training jobs"),  # punctuation still counts
        ("Dojo 1.5", "Dojo 15"),
        ("營收", "营收"),  # traditional vs simplified is a different text
        ("ΣΟΦΙΑ", "σοφια"),  # only Latin is case-folded
    ],
)
def test_real_differences_survive(a: str, b: str) -> None:
    assert normalize(a) != normalize(b)


def test_every_ellipsis_form_becomes_one_marker() -> None:
    for form in ("…", "...", "....", "……", "⋯⋯", " … ", "．．．"):
        assert normalize(f"a{form}b") == f"a{ELLIPSIS}b"


def test_map_points_at_original_characters() -> None:
    text = "A  —  “B”…ﬁ①"
    norm, starts = normalize_with_map(text)
    assert norm == 'a-"b"…fi1'
    assert len(starts) == len(norm)
    assert [text[i] for i in starts] == ["A", "—", "“", "B", "”", "…", "ﬁ", "ﬁ", "①"]


def test_units_cover_multi_character_sources() -> None:
    text = "x -- y ... z"
    full = normalize_full(text)
    assert full.text == "x-y…z"
    dash = full.text.index("-")
    assert text[full.starts[dash] : full.ends[dash]] == "--"
    dots = full.text.index(ELLIPSIS)
    assert text[full.starts[dots] : full.ends[dots]] == "..."


def test_cjk_counts_double() -> None:
    assert cjk_weight("abcdef") == 6
    assert cjk_weight("營收超過十億") == 12
    assert cjk_weight("ASIC 營收") == 9


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_map_is_monotonic_and_in_bounds(text: str) -> None:
    full = normalize_full(text)
    assert len(full.starts) == len(full.ends) == len(full.text)
    for i in range(len(full.text)):
        assert 0 <= full.starts[i] < full.ends[i] <= len(text)
        if i:
            assert full.starts[i - 1] <= full.starts[i]


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_normalisation_is_idempotent_and_trimmed(text: str) -> None:
    once = normalize(text)
    assert once == once.strip(" ")
    assert "  " not in once
    assert normalize(once) == once
