"""A question's company and period, resolved against what the index holds."""

from __future__ import annotations

import pytest

from bot.engine.scope import CallRecord, Catalog, parse_scope, resolve_scope, with_options


def _call(
    ticker: str, company: str, fy: int, q: int, end: str, date: str | None = None
) -> CallRecord:
    return CallRecord(
        doc_id=f"calls:{ticker}_{fy}_Q{q}.txt",
        company=company,
        kind="transcript",
        fiscal_year=fy,
        fiscal_quarter=q,
        period_end=end,
        date=date,
        title=f"{ticker} {fy} Q{q}",
    )


CALLS = [
    _call("NVDA", "nvidia", 2025, 1, "2024-04"),
    _call("NVDA", "nvidia", 2025, 2, "2024-07", "2024-08-28"),
    _call("NVDA", "nvidia", 2025, 3, "2024-10"),
    _call("NVDA", "nvidia", 2026, 2, "2025-07", "2025-08-27"),
    _call("KLAC", "kla", 2025, 1, "2024-09"),
    _call("KLAC", "kla", 2025, 2, "2024-12"),
    _call("TSLA", "tesla", 2024, 4, "2024-12"),
    _call("TSLA", "tesla", 2025, 2, "2025-06"),
]
FORUM = CallRecord(
    doc_id="forum:dojo.txt",
    company=None,
    kind="forum",
    fiscal_year=None,
    fiscal_quarter=None,
    period_end=None,
    date="2024-01-24",
    title="dojo thread",
)


@pytest.fixture
def catalog() -> Catalog:
    return Catalog([*CALLS, FORUM], {"groq": {"forum:dojo.txt"}, "tesla": {"forum:dojo.txt"}})


def _resolve(question: str, catalog: Catalog):  # type: ignore[no-untyped-def]
    return resolve_scope(parse_scope(question), catalog)


@pytest.mark.parametrize(
    ("question", "doc"),
    [
        ("What did NVIDIA say about sovereign AI in Q2 FY25?", "NVDA_2025_Q2"),
        ("英伟达2025财年第二季度的数据中心收入", "NVDA_2025_Q2"),
        ("$NVDA fiscal 2025 third quarter margins", "NVDA_2025_Q3"),
        ("What did Jensen say last quarter about Blackwell?", "NVDA_2026_Q2"),
        ("KLA's September quarter 2024 outlook", "KLAC_2025_Q1"),
        ("科磊上个季度的指引", "KLAC_2025_Q2"),
        ("Tesla's Q4 2024 call on Dojo", "TSLA_2024_Q4"),
        ("特斯拉去年第四季度", "TSLA_2024_Q4"),
    ],
)
def test_company_and_period_become_the_calls_to_search(
    question: str, doc: str, catalog: Catalog
) -> None:
    scope = _resolve(question, catalog)
    assert scope.missing is None
    assert scope.doc_ids == (f"calls:{doc}.txt",)
    assert scope.label


def test_a_quarter_that_is_not_indexed_is_said_precisely(catalog: Catalog) -> None:
    scope = _resolve("What did NVIDIA say about Rubin in fiscal 2026 Q3?", catalog)
    assert scope.missing == (
        "No NVIDIA FY2026 Q3 call is indexed; the newest is FY2026 Q2 (2025-08-27)."
    )
    assert scope.fallback_doc_ids == ("calls:NVDA_2026_Q2.txt",)  # offered instead
    older = _resolve("NVIDIA fiscal 2024 Q1 guidance", catalog)
    assert older.missing and "the oldest is FY2025 Q1" in older.missing
    gap = _resolve("NVIDIA FY2025 Q4 data center", catalog)
    assert gap.missing and "the closest is" in gap.missing


def test_a_company_with_no_calls_is_said_precisely(catalog: Catalog) -> None:
    scope = _resolve("What did TSMC say about CoWoS capacity?", catalog)
    assert scope.missing is not None
    assert scope.missing.startswith("No TSMC call is indexed. Calls are indexed for: ")
    assert "NVIDIA" in scope.missing and "KLA" in scope.missing
    chinese = _resolve("台积电2025年第二季度对CoWoS产能怎么说?", catalog)
    assert chinese.missing and "No TSMC call" in chinese.missing


def test_a_company_only_forum_posts_discuss_is_answered_from_them(catalog: Catalog) -> None:
    scope = _resolve("Groq的方案和Dojo有什么相似?", catalog)
    assert scope.missing is None and scope.doc_ids == ()
    assert scope.companies == ("Groq",)


def test_a_company_alone_boosts_without_excluding_anything(catalog: Catalog) -> None:
    scope = _resolve("How does NVIDIA describe demand for Blackwell?", catalog)
    assert scope.missing is None and scope.doc_ids == ()
    assert scope.companies == ("NVIDIA",)


def test_still_and_now_prefer_newer_calls_without_filtering(catalog: Catalog) -> None:
    scope = _resolve("Is Tesla still working on Dojo?", catalog)
    assert scope.recency and scope.doc_ids == () and scope.missing is None
    assert _resolve("特斯拉现在还在做Dojo吗", catalog).recency


def test_a_quarter_reported_only_in_a_forum_post_uses_the_post(catalog: Catalog) -> None:
    scope = _resolve("What did Tesla say about Dojo in Q4 2023?", catalog)
    assert scope.missing is None
    assert scope.doc_ids == ("forum:dojo.txt",)


def test_two_companies_one_period(catalog: Catalog) -> None:
    scope = _resolve("Compare NVIDIA and KLA in Q1 FY2025", catalog)
    assert set(scope.doc_ids) == {"calls:NVDA_2025_Q1.txt", "calls:KLAC_2025_Q1.txt"}


def test_the_parse_is_explained_in_json(catalog: Catalog) -> None:
    scope = _resolve("英伟达上个季度怎么说Blackwell", catalog)
    explained = scope.to_json()
    assert explained["company"] == [
        {"value": "NVIDIA", "from": "question: 英伟达", "indexed": True}
    ]
    assert explained["period"]["text"] == "上个季度"
    assert explained["doc_ids"] == ["calls:NVDA_2026_Q2.txt"]


def test_several_companies_are_searched_as_separate_groups(catalog: Catalog) -> None:
    scope = _resolve("How do NVIDIA and KLA describe AI demand?", catalog)
    assert [name for name, _ in scope.groups] == ["NVIDIA", "KLA"]
    assert all(docs for _, docs in scope.groups)
    one = _resolve("How does NVIDIA describe AI demand?", catalog)
    assert one.groups == ()


def test_a_topic_year_is_not_taken_for_the_call(catalog: Catalog) -> None:
    scope = _resolve("英伟达2031年的数据中心目标是多少?", catalog)  # no call from 2031: a topic
    assert scope.missing is None and scope.doc_ids == ()
    latest = _resolve(
        "Does NVIDIA still expect to sell out for 2031, as of its latest call?", catalog
    )
    assert latest.doc_ids == ("calls:NVDA_2026_Q2.txt",)


def test_about_a_company_is_not_asking_for_its_call(catalog: Catalog) -> None:
    catalog.mentioned_anywhere.add("samsung")
    about = _resolve("How is Samsung's HBM3E qualification going?", catalog)
    assert about.missing is None and about.notice and "No Samsung call" in about.notice
    own = _resolve("What did Samsung say about HBM3E qualification?", catalog)
    assert own.missing and own.missing.startswith("No Samsung call is indexed.")


def test_a_persons_company_without_calls_is_not_reported_missing(catalog: Catalog) -> None:
    scope = _resolve("What did Lisa Su say about MI300?", catalog)  # no AMD documents
    assert scope.missing is None and scope.companies == ()


def test_options_outrank_the_wording(catalog: Catalog) -> None:
    parse = with_options(parse_scope("What did they say about demand?"), "英伟达", "latest")
    scope = resolve_scope(parse, catalog)
    assert scope.doc_ids == ("calls:NVDA_2026_Q2.txt",)
    assert scope.sources["company"][0]["from"] == "option: 英伟达"


@pytest.mark.parametrize(
    "question",
    [
        "What did management say about the annual cadence?",  # not Cadence Design Systems
        "每字节成本怎么变化",  # 字节 is not ByteDance
        "新思路是什么",  # 新思 is not Synopsys
    ],
)
def test_everyday_words_are_not_companies(question: str, catalog: Catalog) -> None:
    scope = _resolve(question, catalog)
    assert scope.parse.companies == () and scope.missing is None


def test_a_lower_case_name_where_the_speaker_stands_is_a_company(catalog: Catalog) -> None:
    parse = parse_scope("what did micron say about HBM?")
    assert [c.name for c in parse.companies] == ["Micron"]


def test_a_fiscal_year_no_call_matches_is_a_topic_and_is_said(catalog: Catalog) -> None:
    scope = _resolve("Will NVIDIA grow data center revenue 50% in FY2031?", catalog)
    assert scope.missing is None and scope.doc_ids == ()
    assert scope.notice and "FY2031" in scope.notice


def test_data_is_not_according_to(catalog: Catalog) -> None:
    # 据 inside 数据 ("data") does not make a question ask for a company's own words.
    assert not parse_scope("寒武纪的数据中心收入").asks_for_call
    assert parse_scope("寒武纪在财报会上怎么说").asks_for_call
