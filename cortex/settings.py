"""Cortex's settings, read once at the edge and passed down as a frozen `Settings`.

`load_settings(os.environ, cwd=Path.cwd())` reads them from the environment and from an
optional TOML file; it reads no global state itself. Every setting has an environment
variable and a lower-case key under `[cortex]` in the file; the environment wins.

    variable              file key            default
    CORTEX_WAREHOUSE      warehouse           <cwd>/data/demo.duckdb (the demo, built on first use);
                                              a DuckDB file, or postgresql://…, spark://…, sc://…
    CORTEX_METRICS        metrics             <cwd>/metrics.yml
    CORTEX_CONTEXT        context             <cwd>/context
    CORTEX_CONVERSATIONS  conversations       <cwd>/data/conversations.sqlite
    CORTEX_AS_OF          as_of               today (YYYY-MM-DD)
    CORTEX_QUERY_TIMEOUT  query_timeout       30 (seconds)
    CORTEX_MAX_ROWS       max_rows            10000
    CORTEX_DEMO_SCALE     demo_scale          1
    CORTEX_DEMO_SEED      demo_seed           42
    CORTEX_ACCESS         access              access.yml next to metrics.yml (roles and policies)
    CORTEX_AUDIT          audit               <cwd>/data/audit.sqlite
    ANTHROPIC_API_KEY     anthropic_api_key   none (a secret: never shown in repr or errors)
    SLACK_BOT_TOKEN       slack_bot_token     none (a secret)
    SLACK_SIGNING_SECRET  slack_signing_secret none (a secret)
    SLACK_APP_TOKEN       slack_app_token     none (a secret; Socket Mode only)
    SLACK_API_URL         slack_api_url       https://slack.com/api/ (the Web API base URL)
    NOTION_TOKEN          notion_token        none (a secret; the Notion skills need it)
    NOTION_API_URL        notion_api_url      https://api.notion.com (a proxy or test server)
    CORTEX_NOTION_PARENT_PAGE     notion_parent_page      none (the page answers are saved under)
    CORTEX_NOTION_PARENT_DATABASE notion_parent_database  none (or the database they go in)
    CORTEX_NOTION_CONTEXT_DATABASE notion_context_database none (pages read into context/)
    LINEAR_API_KEY        linear_api_key      none (a secret; linear.create_issue needs it)
    LINEAR_API_URL        linear_api_url      https://api.linear.app/graphql
    CORTEX_LINEAR_TEAM    linear_team         none (the team key or id tasks are filed in)
    CORTEX_SKILLS         skills              skills/ next to metrics.yml (analysts' YAML skills)
    CORTEX_DIGESTS        digests             digests.yml next to metrics.yml (signal digests)
    CORTEX_OUTPUT         output              <cwd>/data/output (reports and briefs written)
    CORTEX_MCP_USER       mcp_user            none (the access.yml user `cortex serve mcp` answers
                                              as over stdio)

The file is `CORTEX_CONFIG` when set, else `<cwd>/cortex.toml` when it exists. Relative paths
are relative to the working directory in the environment and to the file's folder in the file.
A command-line option can set one too (`options`), over both. A bad value or an unknown key
raises `SettingsError`, naming the variable (or file:key, or option), the value and the form
expected; all the problems are reported at once.

The values are checked by `Given`, the pydantic-settings model of what one source gives
(cortex.settings_sources). The file, the environment and the options are each checked on
their own, so that a bad value is named by where it was given even when another source
overrides it; then the environment's values replace the file's, an option's both, and the
defaults fill in the rest.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final, TypeVar

from pydantic import SecretStr

from connectors.warehouse.open import WarehouseUrl
from cortex.errors import SettingsError
from cortex.settings_sources import (
    CONFIG_TABLE,
    KEYS,
    ConfigFileSource,
    EnvironmentSource,
    Given,
    Unusable,
    Wrong,
    check,
    resolve_path,
)

__all__ = ["Settings", "SettingsError", "load_settings"]

CONFIG_VARIABLE: Final = "CORTEX_CONFIG"
CONFIG_FILE: Final = "cortex.toml"

_T = TypeVar("_T")


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """Everything Cortex is configured with; build it with `load_settings`.

    `warehouse` is a DuckDB file's path or another engine's URL (`WarehouseUrl`, shown without
    its password). `warehouse_is_demo` means no warehouse was configured, so Cortex builds the
    demo company at `warehouse` on first use. `config_path` is the TOML file that was read, if any.
    """

    warehouse: Path | WarehouseUrl
    metrics_path: Path
    context_dir: Path
    as_of: date
    conversations_path: Path = Path("data/conversations.sqlite")
    access_path: Path = Path("access.yml")
    audit_path: Path = Path("data/audit.sqlite")
    warehouse_is_demo: bool = False
    query_timeout_seconds: float = 30.0
    max_rows: int = 10_000
    demo_scale: float = 1.0
    demo_seed: int = 42
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    claude_model: str = "claude-sonnet-4-6"
    claude_max_tokens: int = 1024
    claude_timeout_seconds: float = 30.0
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    notion_token: SecretStr | None = None
    notion_api_url: str = "https://api.notion.com"
    notion_parent_page: str | None = None
    notion_parent_database: str | None = None
    notion_context_database: str | None = None
    linear_api_key: SecretStr | None = None
    linear_api_url: str = "https://api.linear.app/graphql"
    linear_team: str | None = None
    skills_dir: Path = Path("skills")
    digests_path: Path = Path("digests.yml")
    output_dir: Path = Path("data/output")
    mcp_user: str | None = None
    config_path: Path | None = None


def load_settings(
    environ: Mapping[str, str],
    *,
    cwd: Path,
    today: date | None = None,
    options: Mapping[str, tuple[str, str]] | None = None,
) -> Settings:
    """Read the settings from `environ` and the optional TOML file, the environment first.

    It reads nothing but `environ` (pass `os.environ` at the edge) and the TOML file; `today` is
    the default for `as_of` (the system date when None). `options` maps a file key to the
    command-line option and the value given there (`{"as_of": ("--as-of", "2026-11-24")}`),
    which win over both. Raises `SettingsError`.
    """
    home = environ.get("HOME") or None
    config_path = _config_path(environ, cwd, home)
    sources, unknown_keys = _sources(environ, cwd, config_path, options or {})
    given = Given()
    wrong: list[tuple[int, str]] = []  # by setting, then by source
    for source in sources:  # the file, the environment, the options: the last one given wins
        try:
            checked = check(source.values)
        except Unusable as unusable:
            wrong += [(KEYS.index(bad.key), source.sentence(bad)) for bad in unusable.wrongs]
            continue
        placed = {
            key: _placed(getattr(checked, key), source.base, home)
            for key in checked.model_fields_set
        }
        given = given.model_copy(update=placed)
    if unknown_keys or wrong:
        wrong.sort(key=lambda setting_and_sentence: setting_and_sentence[0])  # stable
        raise _settings_error(unknown_keys + [sentence for _, sentence in wrong])
    metrics_path = given.metrics or cwd / "metrics.yml"
    return Settings(
        warehouse=given.warehouse or cwd / "data" / "demo.duckdb",
        warehouse_is_demo=given.warehouse is None,
        metrics_path=metrics_path,
        context_dir=given.context or cwd / "context",
        conversations_path=given.conversations or cwd / "data" / "conversations.sqlite",
        access_path=given.access or metrics_path.parent / "access.yml",
        audit_path=given.audit or cwd / "data" / "audit.sqlite",
        as_of=given.as_of or (today if today is not None else date.today()),
        query_timeout_seconds=_or(given.query_timeout, 30.0),
        max_rows=_or(given.max_rows, 10_000),
        demo_scale=_or(given.demo_scale, 1.0),
        demo_seed=_or(given.demo_seed, 42),
        anthropic_api_key=given.anthropic_api_key,
        anthropic_base_url=given.anthropic_base_url,
        claude_model=_or(given.claude_model, "claude-sonnet-4-6"),
        claude_max_tokens=_or(given.claude_max_tokens, 1024),
        claude_timeout_seconds=_or(given.claude_timeout, 30.0),
        slack_bot_token=given.slack_bot_token,
        slack_signing_secret=given.slack_signing_secret,
        slack_app_token=given.slack_app_token,
        slack_api_url=_or(given.slack_api_url, "https://slack.com/api/"),
        notion_token=given.notion_token,
        notion_api_url=_or(given.notion_api_url, "https://api.notion.com"),
        notion_parent_page=given.notion_parent_page,
        notion_parent_database=given.notion_parent_database,
        notion_context_database=given.notion_context_database,
        linear_api_key=given.linear_api_key,
        linear_api_url=_or(given.linear_api_url, "https://api.linear.app/graphql"),
        linear_team=given.linear_team,
        skills_dir=given.skills or metrics_path.parent / "skills",
        digests_path=given.digests or metrics_path.parent / "digests.yml",
        output_dir=given.output or cwd / "data" / "output",
        mcp_user=given.mcp_user,
        config_path=config_path,
    )


@dataclass(frozen=True)
class _Source:
    """One source's values (keyed by variable), the folder its relative paths are relative to,
    and how a message names a setting given there (`name`, then `between` and the value)."""

    values: Mapping[str, Any]
    base: Path
    name: Callable[[str], str]
    between: str = "="

    def sentence(self, wrong: Wrong) -> str:
        """What is wrong with a value given here; a secret is never echoed, even malformed."""
        value = "" if wrong.secret else f"{self.between}{wrong.value!r}"
        return f"{self.name(wrong.key)}{value} {wrong.reason}"


def _sources(
    environ: Mapping[str, str],
    cwd: Path,
    config_path: Path | None,
    options: Mapping[str, tuple[str, str]],
) -> tuple[list[_Source], list[str]]:
    """The sources in the order they win, and what is wrong with the keys of the file that
    no setting has."""
    sources: list[_Source] = []
    unknown: list[str] = []
    if config_path is not None:
        shown = _shown(config_path, cwd)
        config = ConfigFileSource(config_path, shown)
        unknown = [_unknown_key(shown, key) for key in config.unknown]
        sources.append(_Source(config(), config_path.parent, lambda key: f"{shown}:{key}"))
    sources.append(_Source(EnvironmentSource(environ)(), cwd, Given.variable))
    if options:
        given = {Given.variable(key): value for key, (_, value) in options.items()}
        sources.append(_Source(given, cwd, lambda key: options[key][0], between=" "))
    return sources, unknown


def _config_path(environ: Mapping[str, str], cwd: Path, home: str | None) -> Path | None:
    """The TOML file to read: CORTEX_CONFIG, else cortex.toml when there is one."""
    named = environ.get(CONFIG_VARIABLE, "")
    if not named.strip():
        path = cwd / CONFIG_FILE
        return path if path.is_file() else None
    path = resolve_path(Path(named.strip()), cwd, home)
    if not path.is_file():
        raise SettingsError(
            f"{CONFIG_VARIABLE}={named!r} is not a file. "
            f"Use the path of a TOML file with a [{CONFIG_TABLE}] table, "
            f"or unset {CONFIG_VARIABLE}."
        )
    return path


def _placed(value: object, base: Path, home: str | None) -> object:
    return resolve_path(value, base, home) if isinstance(value, Path) else value


def _or(value: _T | None, default: _T) -> _T:
    return default if value is None else value


def _unknown_key(shown: str, key: str) -> str:
    close = difflib.get_close_matches(key.lower(), KEYS, n=1)
    suggestion = f" Did you mean '{close[0]}'?" if close else ""
    return (
        f"{shown}: unknown key '{key}' under [{CONFIG_TABLE}]. "
        f"Accepted: {', '.join(sorted(KEYS))}.{suggestion}"
    )


def _settings_error(problems: list[str]) -> SettingsError:
    if len(problems) == 1:
        return SettingsError(problems[0])
    listed = "\n".join(f"- {problem}" for problem in problems)
    return SettingsError(f"{len(problems)} settings are wrong:\n{listed}")


def _shown(path: Path, cwd: Path) -> str:
    """A path as the user should read it: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)
