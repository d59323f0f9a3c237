"""Slash commands: ``/ask``, ``/chipquote-timeline TOPIC`` and ``/chipquote-compare TOPIC``
(the companies and any "since 2024" named in the text), and the admin commands
``/chipquote-sources``, ``/chipquote-status`` (index, models, running and last reindex,
answers and feedback of the last day), ``/chipquote-reindex [source]``,
``/chipquote-removesource SOURCE_ID``, ``/chipquote-cancel`` (stop the running reindex) and
``/chipquote-audit [count]``.

Slack wants an acknowledgement within 3 seconds, so every command acks first (a refusal of a
bad or rate-limited ``/ask`` *is* the ack: its text is shown only to the asker) and does the
slow part afterwards; async bolt keeps running the listener after ``ack()`` returns.

``/ask`` posts the question in the channel and threads the answer under that post, so the
answer is public, follow-ups in that thread have context, and long answers can be several
messages. Where the bot may not post (a channel it was not invited to, a DM between other
people) it answers through the command's ``response_url`` instead, in the channel.

Admin commands are refused (ephemeral, logged and recorded in the audit log) for anyone but
configured or workspace admins; reindexes and removals are recorded with their outcome.
``/chipquote-reindex`` and ``/chipquote-removesource`` post one message in the admin's
DM with the app (the report names failed files and their paths, which members must not see) and
edit it with throttled progress, then the report; the reindex runs in a worker thread so
questions keep being answered meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat import texts
from bot.chat.admin import Edit, format_sources, remove_source_and_reindex, run_reindex
from bot.chat.audit import Actor, audited, cancel_reindex, format_audit, record_refusal
from bot.chat.render import render_answer
from bot.chat.status import format_status
from bot.errors import ChipquoteError, InvalidQuestion
from bot.slack_app.answering import (
    UNREACHABLE,
    ask_engine,
    check_question,
    remember,
    reply,
    tell_privately,
)
from bot.slack_app.blocks import (
    SECTION_TEXT_CHARS,
    notice_message,
    question_message,
)
from bot.slack_app.client import slack_error
from bot.slack_app.deps import SlackDeps
from bot.slack_app.group_blocks import messages_for
from bot.slack_app.mrkdwn import bold_markdown, escape
from bot.slack_app.permissions import is_admin, log_refusal

log = logging.getLogger(__name__)

ASK = "/ask"
SOURCES = "/chipquote-sources"
REINDEX = "/chipquote-reindex"
REMOVESOURCE = "/chipquote-removesource"
AUDIT = "/chipquote-audit"
STATUS = "/chipquote-status"
CANCEL = "/chipquote-cancel"
AUDIT_DEFAULT = 20
TIMELINE = "/chipquote-timeline"
COMPARE = "/chipquote-compare"
Listener = Callable[..., Awaitable[None]]


async def ask_via_response_url(
    deps: SlackDeps, respond: AsyncRespond, question: str, intent: str | None = None
) -> None:
    """Answer where the bot cannot post: in the channel through ``response_url`` (no thread,
    so no follow-ups there); an apology or refusal only to the asker."""
    result = await ask_engine(deps, question, [], intent)
    if isinstance(result, str):
        message = notice_message(result)
        await respond(text=message.text, blocks=message.blocks, response_type="ephemeral")
        return
    await remember(deps, result, question)
    for message in messages_for(render_answer(result)):
        await respond(
            text=message.text,
            blocks=message.blocks,
            response_type="in_channel",
            replace_original=False,
        )


async def allowed(
    deps: SlackDeps, client: AsyncWebClient, command: dict[str, Any], respond: AsyncRespond
) -> bool:
    """True for an admin; anyone else gets an ephemeral refusal and a log line."""
    user = command["user_id"]
    if await is_admin(client, deps.settings, user):
        return True
    log_refusal(command["command"], user, command.get("team_id"), command.get("channel_id"))
    await tell_privately(
        client, command["channel_id"], user, texts.NOT_WORKSPACE_ADMIN, respond=respond
    )
    await record_refusal(
        deps.engine,
        actor_of(command),
        command["command"].removeprefix("/").removeprefix("chipquote-"),
    )
    return False


def actor_of(command: dict[str, Any]) -> Actor:
    """Who runs a slash command, for the audit log: user id and name, workspace, channel."""
    return Actor(
        platform="slack",
        user_id=str(command.get("user_id", "")),
        user_name=str(command.get("user_name", "")),
        place=str(command.get("team_id", "")),
        channel=str(command.get("channel_id", "")),
    )


async def post_visible(
    client: AsyncWebClient, channel: str, user_id: str, text: str
) -> tuple[str, str]:
    """Post ``text`` in ``channel``, or in the user's DM with the app when the bot may not
    post there; returns the ``(channel, ts)`` to edit."""
    message = notice_message(text)
    try:
        posted = await client.chat_postMessage(
            channel=channel, text=message.text, blocks=message.blocks
        )
    except SlackApiError as err:
        if slack_error(err) not in UNREACHABLE:
            raise
        posted = await client.chat_postMessage(
            channel=user_id, text=message.text, blocks=message.blocks
        )
    return str(posted["channel"]), str(posted["ts"])


def question_command(deps: SlackDeps, name: str, intent: str | None = None) -> Listener:
    """The listener of a question command (``/ask``, and ``/chipquote-timeline`` and
    ``/chipquote-compare`` with their answer shape): post the question in the channel and
    thread the answer under it, or answer through ``response_url`` where the bot may not post."""

    async def command_listener(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        user, channel = command["user_id"], command["channel_id"]
        try:
            question = check_question(deps, command.get("text") or "", command.get("team_id"), user)
        except InvalidQuestion as err:
            await ack(text=escape(err.user_message), response_type="ephemeral")
            return
        await ack()
        try:
            post = question_message(user, question, name)
            try:
                parent = await client.chat_postMessage(
                    channel=channel, text=post.text, blocks=post.blocks
                )
            except SlackApiError as err:
                if slack_error(err) not in UNREACHABLE:
                    raise
                await ask_via_response_url(deps, respond, question, intent)
                return
            thread = str(parent["ts"])
            await reply(deps, client, str(parent["channel"]), thread, question, [], intent)
        except Exception:
            log.exception("%s failed", name)
            await respond(text=texts.APOLOGY, response_type="ephemeral")

    return command_listener


def register(app: AsyncApp, deps: SlackDeps) -> None:
    """Register the slash commands."""

    app.command(ASK)(question_command(deps, ASK))
    app.command(TIMELINE)(question_command(deps, TIMELINE, "timeline"))
    app.command(COMPARE)(question_command(deps, COMPARE, "compare"))

    @app.command(SOURCES)
    async def sources(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        if not await allowed(deps, client, command, respond):
            return

        async def listing() -> str:
            found = await asyncio.to_thread(deps.engine.status)  # sources and feedback totals
            text = format_sources(found.sources, found.feedback, max_chars=SECTION_TEXT_CHARS - 100)
            return bold_markdown(text)

        await with_private_reply(client, command, respond, listing)

    @app.command(STATUS)
    async def status(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        if not await allowed(deps, client, command, respond):
            return

        async def report() -> str:
            found = await asyncio.to_thread(deps.engine.status)
            return bold_markdown(format_status(found, max_chars=SECTION_TEXT_CHARS - 100))

        await with_private_reply(client, command, respond, report)

    @app.command(REINDEX)
    async def reindex(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        if not await allowed(deps, client, command, respond):
            return
        source = (command.get("text") or "").strip() or None
        log.info("reindex of %s requested by %s", source or "all sources", command["user_id"])

        async def work(edit: Edit) -> None:
            target = source or "all sources"
            async with audited(deps.engine, actor_of(command), "reindex", target) as outcome:
                report = await run_reindex(
                    deps.engine,
                    [source] if source else None,
                    edit,
                    min_interval_s=deps.progress_interval_s,
                    started_by=actor_of(command).label,
                )
                outcome.detail = report.summary()

        await with_private_progress(client, command, respond, work)

    @app.command(REMOVESOURCE)
    async def removesource(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        if not await allowed(deps, client, command, respond):
            return
        source = (command.get("text") or "").strip()
        user = command["user_id"]
        if not source or len(source.split()) != 1:
            await tell_privately(
                client, command["channel_id"], user, texts.REMOVESOURCE_USAGE, respond=respond
            )
            return
        log.info("removal of source %s requested by %s", source, user)

        async def work(edit: Edit) -> None:
            async with audited(deps.engine, actor_of(command), "removesource", source) as outcome:
                report = await remove_source_and_reindex(
                    deps.engine,
                    source,
                    edit,
                    min_interval_s=deps.progress_interval_s,
                    started_by=actor_of(command).label,
                )
                outcome.detail = report.summary()

        await with_private_progress(client, command, respond, work)

    @app.command(CANCEL)
    async def cancel(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        if not await allowed(deps, client, command, respond):
            return
        await with_private_reply(
            client, command, respond, lambda: cancel_reindex(deps.engine, actor_of(command))
        )

    @app.command(AUDIT)
    async def audit(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        if not await allowed(deps, client, command, respond):
            return
        text = (command.get("text") or "").strip()
        count = int(text) if text.isdigit() and 0 < int(text) <= 50 else AUDIT_DEFAULT

        async def entries() -> str:
            found = await asyncio.to_thread(deps.engine.admin_actions, None, count)
            return format_audit(found)[: SECTION_TEXT_CHARS - 100]  # escaped when shown

        await with_private_reply(client, command, respond, entries)


async def with_private_reply(
    client: AsyncWebClient,
    command: dict[str, Any],
    respond: AsyncRespond,
    compute: Callable[[], Awaitable[str]],
) -> None:
    """Show the admin, privately, the text ``compute`` returns, a user-ready error, or an
    apology (the failure logged under the command's name)."""
    try:
        text = await compute()
    except ChipquoteError as err:
        text = err.user_message
    except Exception:
        log.exception("%s failed", command["command"])
        text = texts.APOLOGY
    await tell_privately(client, command["channel_id"], command["user_id"], text, respond=respond)


async def with_private_progress(
    client: AsyncWebClient,
    command: dict[str, Any],
    respond: AsyncRespond,
    work: Callable[[Edit], Awaitable[object]],
) -> None:
    """Run an admin reindex-like ``work`` that reports through ``edit``: one message in the
    admin's DM with the app (reports name paths and URLs members must not see), edited with
    progress and then the report, a user-ready error, or an apology."""
    user, name = command["user_id"], command["command"]
    try:
        channel, ts = await post_visible(client, user, user, texts.REINDEX_STARTED)
    except Exception:
        log.exception("%s could not post its progress message", name)
        await respond(text=texts.APOLOGY, response_type="ephemeral")
        return

    async def edit(text: str) -> None:
        message = notice_message(bold_markdown(text))
        await client.chat_update(channel=channel, ts=ts, text=message.text, blocks=message.blocks)

    try:
        await work(edit)
    except ChipquoteError as err:
        await edit(err.user_message)
    except Exception:
        log.exception("%s failed", name)
        await edit(texts.APOLOGY)
