"""What `deploy/` ships: a container image definition that runs `cortex serve slack` as a
non-root user with a health check, and a sample cortex.toml that loads and documents every
setting. No Docker engine here: the Dockerfile is read instruction by instruction."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cortex.settings import load_settings
from cortex.settings_sources import KEYS

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
SAMPLE_TOML = ROOT / "deploy" / "cortex.toml"

# Every instruction the Dockerfile reference knows.
INSTRUCTIONS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}  # fmt: skip


def instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions in order, as (INSTRUCTION, arguments), continuation lines
    joined and comments dropped (as Docker's parser does)."""
    logical: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or (not line.strip() and not pending):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends in a continuation line"
    parsed = []
    for line in logical:
        keyword, _, arguments = line.strip().partition(" ")
        parsed.append((keyword.upper(), " ".join(arguments.split())))
    return parsed


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return instructions(DOCKERFILE.read_text(encoding="utf-8"))


def args(dockerfile: list[tuple[str, str]], keyword: str) -> list[str]:
    return [arguments for instruction, arguments in dockerfile if instruction == keyword]


def test_every_line_is_a_dockerfile_instruction_and_the_image_starts_from_python_slim(
    dockerfile: list[tuple[str, str]],
) -> None:
    assert {instruction for instruction, _ in dockerfile} <= INSTRUCTIONS
    assert dockerfile[0] == ("FROM", "python:3.11-slim")


def test_the_app_runs_as_a_user_that_is_not_root(dockerfile: list[tuple[str, str]]) -> None:
    users = args(dockerfile, "USER")
    assert users and users[-1] not in {"root", "0", "0:0"}
    last_user = max(i for i, (instruction, _) in enumerate(dockerfile) if instruction == "USER")
    last_run = max(i for i, (instruction, _) in enumerate(dockerfile) if instruction == "RUN")
    assert last_run < last_user  # installing is done as root, before the switch
    assert last_user < next(
        i for i, (instruction, _) in enumerate(dockerfile) if instruction == "CMD"
    )


def test_it_installs_cortex_from_the_repository_and_pango_but_no_browser(
    dockerfile: list[tuple[str, str]],
) -> None:
    runs = " ".join(args(dockerfile, "RUN"))
    assert re.search(r"pip install \.(\s|$|&)", runs)
    assert "libpango-1.0-0" in runs and "libpangoft2-1.0-0" in runs  # WeasyPrint's briefs
    assert "chromium" not in runs.lower()  # only the tests drive a browser


def test_it_serves_slack_on_8080_and_checks_its_liveness(
    dockerfile: list[tuple[str, str]],
) -> None:
    assert args(dockerfile, "EXPOSE") == ["8080"]
    (command,) = args(dockerfile, "CMD")
    assert json.loads(command) == ["cortex", "serve", "slack", "--port", "8080"]
    (healthcheck,) = args(dockerfile, "HEALTHCHECK")
    assert "CMD" in healthcheck and "http://127.0.0.1:8080/healthz" in healthcheck


def test_the_build_context_leaves_data_the_virtualenv_and_test_artefacts_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {"data/", ".venv/", "tests/", ".pytest_cache/", ".hypothesis/", "*.duckdb"} <= ignored
    assert {"cortex.toml", ".env"} <= ignored  # local settings and secrets stay local


def test_the_sample_settings_load_and_set_no_secret(tmp_path: Path) -> None:
    settings = load_settings({"CORTEX_CONFIG": str(SAMPLE_TOML)}, cwd=tmp_path)
    assert settings.config_path == SAMPLE_TOML
    assert settings.metrics_path == SAMPLE_TOML.parent / "metrics.yml"  # relative to the file
    assert settings.audit_path == Path("/app/data/audit.sqlite")
    assert settings.warehouse == Path("/warehouse/warehouse.duckdb")
    secrets = [
        settings.anthropic_api_key,
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.notion_token,
        settings.linear_api_key,
    ]
    assert secrets == [None] * len(secrets)


def test_the_sample_settings_document_every_setting() -> None:
    text = SAMPLE_TOML.read_text(encoding="utf-8")
    missing = [key for key in KEYS if not re.search(rf"^#? ?{key} = ", text, re.MULTILINE)]
    assert missing == [], f"deploy/cortex.toml does not mention {missing}"
