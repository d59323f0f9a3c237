"""Every user-facing string of the chat front doors, in one place.

Kept apart from the adapters so Discord and Slack say the same thing in the same words, and so
wording can be reviewed (or translated) without reading handler code. Strings here never include
internal details: no exception text, no paths, no tokens.
"""

from __future__ import annotations

import math

# --- answering -------------------------------------------------------------------------------

APOLOGY = "Sorry, something went wrong while answering that. Please try again in a moment."
BUSY = "I'm answering a lot of questions right now; please try again in a moment."
EMPTY_QUESTION = "Please ask a question, e.g. `What did Elon Musk say about Dojo?`"
CLOSEST_HEADING = "The sources don't answer that directly. The closest passages:"
TRIMMED_NOTE = "Quote shortened to fit; the link has the full text."
CONTINUED = "(continued)"
GROUP_NOTES = {
    "not_mentioned": {"en": "not mentioned", "zh": "未提及"},
    "not_indexed": {"en": "not indexed", "zh": "未收录"},
}


def group_note(status: str, lang: str) -> str:
    """Why a timeline or comparison line has no quote, in the reader's language."""
    notes = GROUP_NOTES.get(status, GROUP_NOTES["not_mentioned"])
    return notes.get(lang, notes["en"])


COMPARE_NEEDS_COMPANIES = (
    "Name two or more companies to compare, separated by commas (e.g. `NVIDIA, Broadcom`)."
)

THINKING = "Looking through the sources…"


def question_too_long(limit: int, length: int) -> str:
    """Refusal for an over-long question; states the limit so the user can shorten it."""
    return (
        f"That question is {length} characters long; the limit is {limit}. "
        "Please shorten it and ask again."
    )


def bad_since(value: str) -> str:
    """Refusal for a ``since`` filter that is not a date."""
    return f"`{value}` isn't a date I understand; use e.g. `2024`, `2024-01` or `2024-01-24`."


def rate_limited(retry_after_s: float) -> str:
    """Polite rate-limit message with when to try again (whole seconds, at least 1)."""
    seconds = max(1, math.ceil(retry_after_s))
    unit = "second" if seconds == 1 else "seconds"
    return f"You're asking faster than I can keep up. Please try again in {seconds} {unit}."


# --- feedback --------------------------------------------------------------------------------

FEEDBACK_UP_LABEL = "Helpful"
FEEDBACK_DOWN_LABEL = "Not helpful"
FEEDBACK_THANKS_UP = "Thanks, glad it helped."
FEEDBACK_THANKS_DOWN = "Thanks for telling us; we use this to improve answers."
FEEDBACK_THANKS_QUOTE_UP = "Thanks: quote [{n}] marked as a good quote."
FEEDBACK_THANKS_QUOTE_DOWN = "Thanks: quote [{n}] marked {reason}; we use this to improve answers."
FEEDBACK_THANKS_COMMENT = "Thanks, your note is saved with your vote."
FEEDBACK_UNREADABLE = "Sorry, that rating could not be read, so nothing was saved."
FEEDBACK_NO_SUCH_QUOTE = "That answer has no quote [{n}], so nothing was saved."
FEEDBACK_VOTE_CHANGED = "Your vote on that changed since, so the note was not saved."
QUOTE_FEEDBACK_PLACEHOLDER = "Rate a quote…"
QUOTE_REASON_LABELS = {
    "up": "good quote",
    "off_topic": "off-topic",
    "wrong_speaker": "wrong speaker",
    "misleading_cut": "misleading cut",
}
"""How each per-quote choice reads in menus and thanks (keys: "up" and index.activity's
QUOTE_ISSUES)."""
FEEDBACK_COMMENT_TITLE = "What was wrong? (optional)"
FEEDBACK_COMMENT_LABEL = "One line, optional"
FEEDBACK_COMMENT_PLACEHOLDER = "e.g. the quote is about gaming GPUs, not data centers"
FEEDBACK_COMMENT_SUBMIT = "Save"

# --- admin -----------------------------------------------------------------------------------

NOT_ADMIN = "Sorry, only server admins can do that."
NOT_WORKSPACE_ADMIN = "Sorry, only chipquote's admins and workspace admins can do that."
ADMIN_GUILD_ONLY = "Admin commands work in a server, not in direct messages."
REINDEX_STARTED = "Reindex started…"
NO_SOURCES = "No sources are configured yet. Add one with `/addsource`."
ADDSOURCE_NEEDS_ONE = "Give either a `url` or a `file`, not both and not neither."
ADDSOURCE_BAD_URL = "That doesn't look like an http(s) URL."
REMOVESOURCE_USAGE = (
    "Name the source to remove: `/chipquote-removesource SOURCE_ID` "
    "(ids are in `/chipquote-sources`)."
)


_STAGE_NAMES = {"scan": "reading", "searchable": "making searchable", "switch": "switching"}


def reindex_progress(
    stage: str,
    done: int,
    total: int,
    percent: int,
    failures: int,
    *,
    documents: int = 0,
    eta_s: float | None = None,
) -> str:
    """One progress line, edited into place as a reindex runs. While passages are embedded
    it shows both stages: "searchable: 99/99 documents · embedded: 3,120/9,266 passages
    (33%), ~11 min left"."""
    if stage == "embed":
        line = "Reindexing: "
        if documents:
            line += f"searchable: {documents:,}/{documents:,} documents · "
        line += f"embedded: {done:,}/{total:,} passages ({percent}%)"
        if eta_s is not None:
            line += f", {time_left(eta_s)}"
    else:
        line = f"Reindexing ({_STAGE_NAMES.get(stage, stage)}): {done:,}/{total:,} documents"
        line += f" ({percent}%)"
    if failures:
        line += f", {failures} failed so far"
    return line + "…"


def time_left(seconds: float) -> str:
    """ "~11 min left", "~40 s left": a rounded estimate, never falsely precise."""
    if seconds >= 90:
        return f"~{round(seconds / 60):,} min left"
    return f"~{max(5, round(seconds / 5) * 5)} s left"


def source_removed(source_id: str) -> str:
    """First line of the final /removesource reply, above the reindex report."""
    return f"Removed source `{source_id}`; its documents no longer answer."


def source_added(source_id: str) -> str:
    """First line of the /addsource reply, before the reindex report."""
    return f"Added source `{source_id}`; indexing it now…"


def upload_too_large(size: int, limit: int) -> str:
    """Refusal for an oversized upload, with both sizes in MB."""
    return (
        f"That file is {size / 1_000_000:.1f} MB; the limit is {limit / 1_000_000:.0f} MB. "
        "Please upload a smaller file or add it by URL."
    )


def upload_unsupported(name: str, allowed: tuple[str, ...]) -> str:
    """Refusal for an upload of a type the loaders cannot read, listing the ones they can."""
    return f"I can't index `{name}`. Supported file types: {', '.join(allowed)}."


NO_REINDEX_RUNNING = "No reindex is running."


def cancel_requested(percent: int) -> str:
    """Reply to /cancel while a reindex runs."""
    return (
        f"Asked the running reindex ({percent}% done) to stop at its next batch. The version "
        "that served before it keeps serving; its report will say who cancelled it."
    )
