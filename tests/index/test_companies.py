"""The company registry: names in both languages, tickers, people, fiscal calendars."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.companies import CompanyRegistry, default_registry

REGISTRY = default_registry()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What did $NVDA say about Blackwell?", ["NVIDIA"]),
        ("英伟达和超微谁的HBM用量更大", ["NVIDIA", "AMD"]),
        ("輝達的毛利率", ["NVIDIA"]),
        ("老黄的公司还在卖H20吗", ["NVIDIA"]),
        ("台积电2025年第二季度对CoWoS产能怎么说?", ["TSMC"]),
        ("How do Lam and Applied Materials see GAA?", ["Lam Research", "Applied Materials"]),
        ("博通、美光、海力士", ["Broadcom", "Micron", "SK hynix"]),
        ("What did KLA-Tencor say?", ["KLA"]),
        ("MU guidance for HBM", ["Micron"]),
        ("Is Tesla still doing Dojo?", ["Tesla"]),
    ],
)
def test_mentions_find_companies_in_order(text: str, expected: list[str]) -> None:
    assert [m.company.name for m in REGISTRY.mentions(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "the charge applied to the quarter",  # "Applied" only as written
        "a meta point about the market",  # "Meta" only as written
        "mu is a Greek letter",  # tickers only in capitals (or with $)
        "an arm of the business",
    ],
)
def test_ordinary_words_are_not_companies(text: str) -> None:
    assert REGISTRY.mentions(text) == []


def test_find_accepts_names_tickers_and_annotated_names() -> None:
    assert REGISTRY.find("Nvidia Corp").name == "NVIDIA"  # type: ignore[union-attr]
    assert REGISTRY.find("$lrcx").name == "Lam Research"  # type: ignore[union-attr]
    assert REGISTRY.find("Microsoft (微软)").name == "Microsoft"  # type: ignore[union-attr]
    assert REGISTRY.find("Acme Widgets") is None


def test_fiscal_calendars_map_quarters_to_months() -> None:
    nvidia, kla, micron, tsmc = (REGISTRY.get(k) for k in ("nvidia", "kla", "micron", "tsmc"))
    assert nvidia and kla and micron and tsmc
    assert nvidia.quarter_end(2025, 2) == (2024, 7)  # NVIDIA's FY2025 Q2 closed in July 2024
    assert nvidia.fiscal_quarter_ending(2024, 7) == (2025, 2)
    assert kla.fiscal_quarter_ending(2024, 9) == (2025, 1)  # "the September quarter 2024"
    assert micron.quarter_end(2024, 1) == (2023, 11)
    assert tsmc.quarter_end(2025, 2) == (2025, 6)
    assert nvidia.period_label(2025, 2) == "FY2025 Q2"
    assert tsmc.period_label(2025, 2) == "Q2 2025"  # calendar fiscal year: no "FY"
    # "The September quarter" of a company whose quarters close a month later is its nearest.
    assert nvidia.fiscal_quarter_ending(2024, 9) == (2025, 3)  # closed October 2024


def test_machine_transcript_spellings_map_to_the_companys_own_people() -> None:
    nvidia = REGISTRY.get("nvidia")
    person = REGISTRY.person("Jensen Wong", nvidia)
    assert person is not None and person.name == "Jensen Huang"
    assert REGISTRY.person("Colette M. Kress", nvidia).name == "Colette Kress"  # type: ignore[union-attr]
    # Another company's people are not borrowed.
    assert REGISTRY.person("Lisa Su", nvidia) is None


def test_admins_can_point_at_their_own_registry(tmp_path: Path) -> None:
    custom = tmp_path / "companies.yaml"
    custom.write_text(
        "- {id: acme, name: Acme Chips, tickers: [ACME], zh: [阿克米], fiscal_year_end: 3}\n",
        encoding="utf-8",
    )
    registry = CompanyRegistry.load(custom)
    assert [m.company.name for m in registry.mentions("阿克米 and $ACME")] == ["Acme Chips"]
    acme = registry.get("acme")
    assert acme is not None and acme.quarter_end(2026, 1) == (2025, 6)


def test_a_bad_fiscal_year_end_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "companies.yaml"
    bad.write_text("- {id: x, name: X, fiscal_year_end: 13}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="fiscal_year_end"):
        CompanyRegistry.load(bad)
