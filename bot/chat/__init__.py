"""The platform-neutral chat layer shared by the Discord and Slack adapters.

Everything a front door needs that is not about one platform's wire format lives here, so the
adapters stay thin and behave alike:

- :mod:`bot.chat.questions` — clean and validate a user's question (mentions, length limit).
- :mod:`bot.chat.ratelimit` — per-user sliding-window rate limiter.
- :mod:`bot.chat.conversation` — turn a thread's earlier messages into an ``AskContext``.
- :mod:`bot.chat.render` — an ``Answer`` as a lead plus numbered ``QuoteBlock`` items, and
  ``pack`` to split them into messages by whole quotes.
- :mod:`bot.chat.feedback` — 👍/👎 on answers and single quotes, with reasons, stored through
  the engine in the activity log every bot process shares.
- :mod:`bot.chat.admin` — run a reindex with throttled progress edits; format reports/sources.
- :mod:`bot.chat.audit` — record admin actions and refusals; ``/audit`` and ``/cancel``.
- :mod:`bot.chat.status` — the ``/status`` text.
- :mod:`bot.chat.uploads` — validate and save uploaded source files.
- :mod:`bot.chat.texts` — every user-facing string.
"""
