"""Settings: every setting documented in the README, intervals parsed, secrets hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, parse_interval

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_readme_table() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in readme]
    assert not missing


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("30m", 1800), ("6h", 21600), ("1d", 86400), ("1.5h", 5400)]
)
def test_intervals(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "6", "h", "-1h", "0m", "six hours"])
def test_bad_intervals_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_interval(text)


def test_secrets_never_print(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        chipquote_home=tmp_path,  # type: ignore[call-arg]
        openai_api_key="sk-secret-123",
        discord_token="discord-secret",
    )
    assert "sk-secret-123" not in repr(settings) and "discord-secret" not in str(settings)
    assert settings.llm_enabled


def test_env_vars_configure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHIPQUOTE_HOME", str(tmp_path))
    monkeypatch.setenv("DISCORD_GUILD_IDS", "[1, 2]")
    monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.chipquote_home == tmp_path and settings.discord_guild_ids == [1, 2]
    assert settings.chroma_host == "127.0.0.1" and not settings.llm_enabled


def test_file_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHIPQUOTE_MAX_FILE_MB", "2.5")
    monkeypatch.setenv("CHIPQUOTE_MAX_PDF_PAGES", "7")
    monkeypatch.setenv("CHIPQUOTE_MAX_HTML_DEPTH", "40")
    limits = Settings(_env_file=None).file_limits  # type: ignore[call-arg]
    assert (limits.max_bytes, limits.max_pages, limits.max_html_depth) == (2_500_000, 7, 40)
    assert limits.max_chars == 5_000_000 and limits.max_chunks == 10_000  # the defaults
    monkeypatch.setenv("CHIPQUOTE_MAX_DOC_CHUNKS", "0")
    with pytest.raises(ValueError, match="greater than 0"):
        Settings(_env_file=None)  # type: ignore[call-arg]
