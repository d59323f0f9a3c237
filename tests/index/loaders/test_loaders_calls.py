"""Who and when of a document: company, ticker, fiscal quarter and call date, from explicit
metadata, the file name, the title and the transcript's opening, with conflicts reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.loaders import load_file
from index.loaders.calls import infer_call

NVIDIA_OPENING = (
    "Good afternoon, and welcome to NVIDIA's conference call for the second quarter of fiscal "
    "2025. With me today are Jensen Wong, President and CEO. All our statements are made as of "
    "today, August 28, 2024, based on information currently available to us."
)


@pytest.mark.parametrize(
    ("name", "company", "period"),
    [
        ("NVDA_2025_Q2.txt", "NVIDIA", "FY2025 Q2"),
        ("nvidia-q2-fy2025-earnings-call.md", "NVIDIA", "FY2025 Q2"),
        ("KLAC_2025_Q1.txt", "KLA", "FY2025 Q1"),
        ("amd-q3-2024-call.txt", "AMD", "Q3 2024"),
        ("TSLA_2025_Q2.txt", "Tesla", "Q2 2025"),
    ],
)
def test_file_names_give_company_and_fiscal_quarter(name: str, company: str, period: str) -> None:
    info = infer_call(explicit={}, path=Path(name), title=None, text="Thank you for joining.")
    assert (info.company_name, info.period_label) == (company, period)
    assert info.origin["period"] == "file name"


def test_the_opening_gives_period_and_a_plausible_call_date() -> None:
    info = infer_call(explicit={}, path=Path("call.txt"), title=None, text=NVIDIA_OPENING)
    assert (info.company_name, info.ticker, info.period_label) == ("NVIDIA", "NVDA", "FY2025 Q2")
    assert info.date == "2024-08-28" and info.origin["date"] == "opening"


def test_month_named_quarters_use_the_companys_calendar() -> None:
    text = "Welcome to KLA Corporation's September quarter 2024 earnings conference call."
    info = infer_call(explicit={}, path=Path("kla.txt"), title=None, text=text)
    assert info.period_label == "FY2025 Q1"


def test_a_date_that_cannot_be_the_call_is_not_taken() -> None:
    text = (
        "Welcome to Broadcom's first quarter fiscal year 2024 results call. Our next call is "
        "scheduled for June 12, 2024."
    )
    info = infer_call(explicit={}, path=Path("avgo.txt"), title=None, text=text)
    assert info.period_label == "FY2024 Q1" and info.date is None


def test_explicit_metadata_wins_and_the_disagreement_is_recorded() -> None:
    info = infer_call(
        explicit={"company": "Nvidia", "fiscal_year": 2025, "fiscal_quarter": 3},
        path=Path("NVDA_2025_Q2.txt"),
        title=None,
        text=NVIDIA_OPENING,
    )
    assert info.period_label == "FY2025 Q3"
    assert any("file name says FY2025 Q2" in c for c in info.conflicts)


def test_an_articles_first_company_is_not_its_author() -> None:
    text = "NVIDIA's rival AMD launched a new accelerator; analysts compared the two."
    info = infer_call(explicit={}, path=Path("notes.md"), title=None, text=text)
    assert info.company is None


def test_loaded_machine_transcript_gets_a_call_title_and_canonical_speakers(
    tmp_path: Path,
) -> None:
    path = tmp_path / "NVDA_2025_Q2.txt"
    path.write_text(
        NVIDIA_OPENING + "\n\nJensen Wong: Blackwell samples are shipping to customers now.\n",
        encoding="utf-8",
    )
    (doc,) = load_file(path, source_id="calls")
    assert doc.title == "NVIDIA FY2025 Q2 earnings call"
    assert (doc.company, doc.ticker, doc.fiscal_year, doc.fiscal_quarter) == (
        "NVIDIA",
        "NVDA",
        2025,
        2,
    )
    assert (doc.period_end, doc.date, doc.kind) == ("2024-07", "2024-08-28", "transcript")
    assert "Jensen Huang" in {s.speaker for s in doc.segments}


def test_sources_yaml_company_is_mapped_to_the_registry_name(tmp_path: Path) -> None:
    path = tmp_path / "MU_2024_Q1.txt"
    path.write_text("Welcome to the call. Revenue grew.", encoding="utf-8")
    (doc,) = load_file(path, source_id="mu", overrides={"company": "Micron Technology"})
    assert (doc.company, doc.period, doc.period_end) == ("Micron", "FY2024 Q1", "2023-11")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"fiscal_year": "FY25", "fiscal_quarter": "Q2"},
            {"fiscal_year": 2025, "fiscal_quarter": 2},
        ),
        ({"fiscal_year": 2025, "fiscal_quarter": 7}, {"fiscal_year": 2025}),
        ({"fiscal_year": 1, "fiscal_quarter": 0}, {}),
        ({"fiscal_year": "²", "fiscal_quarter": -1}, {}),
        ({"fiscal_year": 99999}, {}),
    ],
)
def test_hostile_fiscal_metadata_is_dropped_not_trusted(
    raw: dict[str, object], expected: dict[str, int]
) -> None:
    from index.loaders.metadata import clean_meta

    assert clean_meta(raw) == expected


def test_a_year_from_metadata_takes_the_quarter_the_opening_names() -> None:
    info = infer_call(
        explicit={"company": "NVIDIA", "fiscal_year": 2025},
        path=Path("NVIDIA FY2025 call.txt"),
        title=None,
        text="Welcome to NVIDIA's call for the second quarter of fiscal 2025.",
    )
    assert info.period_label == "FY2025 Q2" and info.conflicts == []


def test_dots_inside_a_file_name_keep_its_period() -> None:
    info = infer_call(explicit={}, path=Path("NVIDIA.Q2.FY2025.txt"), title=None, text="Hi.")
    assert (info.company_name, info.period_label) == ("NVIDIA", "FY2025 Q2")
