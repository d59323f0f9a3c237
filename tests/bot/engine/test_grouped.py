"""Which groups a timeline or comparison has, before any search."""

from __future__ import annotations

from bot.engine.grouped import NOT_INDEXED, plan_compare, plan_timeline
from bot.engine.scope import CallRecord, Catalog, parse_scope, resolve_scope


def _call(
    ticker: str,
    company: str,
    fy: int,
    q: int,
    end: str,
    date: str | None = None,
    source: str = "calls",
) -> CallRecord:
    return CallRecord(
        f"{source}:{ticker}_{fy}_Q{q}.txt",
        company,
        "transcript",
        fy,
        q,
        end,
        date,
        f"{ticker} {fy} Q{q}",
    )


CALLS = [
    _call("TSLA", "tesla", 2025, 2, "2025-06", "2025-07-23"),
    _call("TSLA", "tesla", 2024, 1, "2024-03", "2024-04-23"),
    _call("TSLA", "tesla", 2024, 2, "2024-06"),  # undated: placed by its quarter's end
    _call("TSLA", "tesla", 2024, 2, "2024-06", "2024-07-23", source="copy"),  # the same call
    _call("KLAC", "kla", 2025, 1, "2024-09"),
]
FORUM = CallRecord("forum:dojo.txt", None, "forum", None, None, None, "2024-02-20", "dojo thread")
UNDATED = CallRecord("forum:old.txt", None, "forum", None, None, None, None, "an undated post")


def _catalog() -> Catalog:
    others = {"tesla": {"forum:dojo.txt", "forum:old.txt"}}
    return Catalog([*CALLS, FORUM, UNDATED], others)


def _plan_timeline(  # type: ignore[no-untyped-def]
    question: str, since: str | None = None, max_groups: int = 12, until: str | None = None
):
    catalog = _catalog()
    return plan_timeline(
        resolve_scope(parse_scope(question), catalog),
        catalog,
        max_groups=max_groups,
        since=since,
        until=until,
    )


def test_a_group_per_call_and_dated_document_oldest_first_undated_last() -> None:
    plan = _plan_timeline("How has Tesla talked about Dojo over time?")
    assert plan.kind == "timeline"
    assert [g.period for g in plan.groups] == [None, "Q1 2024", "Q2 2024", "Q2 2025", None]
    assert plan.groups[0].label == "dojo thread · 2024-02-20"
    assert plan.groups[-1].label == "an undated post · undated"
    q2 = plan.groups[2]
    assert set(q2.doc_ids) == {"calls:TSLA_2024_Q2.txt", "copy:TSLA_2024_Q2.txt"}  # one group
    assert q2.date == "2024-07-23"
    assert plan.subject("en") == "Tesla" and plan.subject("zh") == "特斯拉"


def test_named_periods_narrow_the_timeline() -> None:
    plan = _plan_timeline("Tesla on Dojo: Q1 2024 versus Q2 2025")
    assert [g.period for g in plan.groups] == ["Q1 2024", "Q2 2025"]


def test_since_drops_what_came_before() -> None:
    plan = _plan_timeline("How has Tesla talked about Dojo?", since="2024-05")
    assert [g.period for g in plan.groups] == ["Q2 2024", "Q2 2025"]  # undated: no way to tell
    until = _plan_timeline("How has Tesla talked about Dojo?", until="2024-04")
    assert [g.label for g in until.groups] == ["dojo thread · 2024-02-20", "Q1 2024 · 2024-04-23"]


def test_too_many_groups_keep_the_newest_and_say_so() -> None:
    plan = _plan_timeline("How has Tesla talked about Dojo over time?", max_groups=2)
    assert [g.period for g in plan.groups] == ["Q2 2025", None]
    assert plan.notice and "2 most recent of 5" in plan.notice


def test_no_company_named_gives_an_empty_plan() -> None:
    assert _plan_timeline("How has the Dojo story changed?").groups == ()


def test_a_comparison_has_a_group_per_company_and_says_which_is_not_indexed() -> None:
    catalog = _catalog()
    scope = resolve_scope(parse_scope("Tesla vs KLA vs AMD on AI"), catalog)
    plan = plan_compare(scope, catalog)
    assert [g.label for g in plan.groups] == ["Tesla", "KLA", "AMD"]
    assert plan.groups[2].status == NOT_INDEXED and not plan.groups[2].searchable
    assert "calls:KLAC_2025_Q1.txt" in plan.groups[1].doc_ids
    assert plan.subject("en") == "Tesla, KLA and AMD"


def test_a_company_in_a_comparison_speaks_through_its_own_documents() -> None:
    catalog = Catalog([*CALLS, FORUM], {"tesla": {"forum:dojo.txt"}, "kla": {"forum:dojo.txt"}})
    scope = resolve_scope(parse_scope("Tesla vs KLA on AI"), catalog)
    plan = plan_compare(scope, catalog)
    assert "forum:dojo.txt" not in plan.groups[0].doc_ids  # Tesla has calls of its own
    lonely = Catalog([FORUM], {"tesla": {"forum:dojo.txt"}})
    scope = resolve_scope(parse_scope("Tesla vs KLA on AI"), lonely)
    plan = plan_compare(scope, lonely)
    assert plan.groups[0].doc_ids == ("forum:dojo.txt",)  # only posts about it: those


def test_a_comparison_caps_its_companies_and_says_when_it_has_fewer_than_two() -> None:
    catalog = _catalog()
    plan = plan_compare(resolve_scope(parse_scope("Tesla vs KLA vs AMD"), catalog), catalog, 2)
    assert [g.label for g in plan.groups] == ["Tesla", "KLA"]
    assert plan.notice == "Comparing the first 2 of 3 companies named."
    one = plan_compare(resolve_scope(parse_scope("Tesla, Tesla"), catalog), catalog)
    assert len(one.groups) == 1 and one.notice and "two or more companies" in one.notice


def test_a_plan_without_companies_has_no_subject() -> None:
    assert _plan_timeline("How has the Dojo story changed?").subject("en") == ""
