"""Cortex's settings, read once at the edge and passed down as a frozen `Settings`.

`load_settings(os.environ, cwd=Path.cwd())` reads them from the environment and from an
optional TOML file; it reads no global state itself. Every setting has an environment
variable and a lower-case key under `[cortex]` in the file; the environment wins.

    variable              file key            default
    CORTEX_WAREHOUSE      warehouse           <cwd>/data/demo.duckdb (the demo, built on first use)
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

The file is `CORTEX_CONFIG` when set, else `<cwd>/cortex.toml` when it exists. Relative paths
are relative to the working directory in the environment and to the file's folder in the file.
A command-line option can set one too (`options`), over both. A bad value or an unknown key
raises `SettingsError`, naming the variable (or file:key, or option), the value and the form
expected; all the problems are reported at once.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Final, TypeVar

from pydantic import SecretStr

from cortex.errors import SettingsError
from semantic_layer.time import LAST_DAY
from semantic_layer.yaml_lines import NotUTF8, utf8_text

__all__ = ["Settings", "SettingsError", "load_settings"]

CONFIG_VARIABLE: Final = "CORTEX_CONFIG"
CONFIG_FILE: Final = "cortex.toml"
CONFIG_TABLE: Final = "cortex"


@dataclass(frozen=True, kw_only=True, slots=True)
class Settings:
    """Everything Cortex is configured with; build it with `load_settings`.

    `warehouse_is_demo` means no warehouse was configured, so Cortex builds the demo company
    at `warehouse` on first use. `config_path` is the TOML file that was read, if any.
    """

    warehouse: Path
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
    config_path: Path | None = None


class _Invalid(Exception):
    """A raw value cannot be read; `reason` continues "<name>=<value> ..." and says the form."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Origin:
    """Where raw values come from: how to name one in a message, and what paths are relative to."""

    base: Path
    home: str | None
    file: str | None = None  # the TOML file as shown to the user; None for the environment
    option: str | None = None  # the command-line option that gave the value (`--as-of`)


_T = TypeVar("_T")

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"[+-]?[0-9][0-9_]*")


def _path(raw: object, origin: _Origin) -> Path:
    if not isinstance(raw, str) or not raw.strip():
        raise _Invalid('is not a path. Use a quoted path, e.g. "data/shop.duckdb".')
    text = raw.strip()
    if origin.home is not None and (text == "~" or text.startswith("~/")):
        text = origin.home + text[1:]
    return origin.base / text


def _date(raw: object, origin: _Origin) -> date:
    expected = "Use YYYY-MM-DD, e.g. 2026-11-24."
    if isinstance(raw, datetime):  # a TOML date-time; datetime is a subclass of date
        raise _Invalid(f"is a date and time, not a date. {expected}")
    day = raw if isinstance(raw, date) else None  # a TOML date
    text = raw.strip() if isinstance(raw, str) else ""
    if _DATE.fullmatch(text):
        with contextlib.suppress(ValueError):  # 2026-02-30 has the form but is no day
            day = date.fromisoformat(text)
    if day is None:
        raise _Invalid(f"is not a date. {expected}")
    if day > LAST_DAY:  # relative time counts on from it: the calendar needs a day after
        raise _Invalid(
            f"is after {LAST_DAY}, the last day Cortex can count to. Use an earlier day, "
            "e.g. 2026-11-24."
        )
    return day


def _number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    if isinstance(raw, str):
        try:
            return float(raw.strip())
        except ValueError:
            return None
    return None


def _whole(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        return int(raw.strip())
    return None


def _seconds(raw: object, origin: _Origin) -> float:
    value = _number(raw)
    if value is None or not math.isfinite(value) or value <= 0:
        raise _Invalid("is not a number of seconds above 0. Use e.g. 30 or 2.5.")
    return value


def _scale(raw: object, origin: _Origin) -> float:
    value = _number(raw)
    if value is None or not math.isfinite(value) or value <= 0:
        raise _Invalid("is not a number above 0. Use e.g. 1, or 0.1 for a tenth of the demo.")
    return value


def _row_limit(raw: object, origin: _Origin) -> int:
    value = _whole(raw)
    if value is None or value < 1:
        raise _Invalid("is not a whole number of at least 1. Use e.g. 10000.")
    return value


def _seed(raw: object, origin: _Origin) -> int:
    value = _whole(raw)
    if value is None or value < 0:
        raise _Invalid("is not a whole number of at least 0. Use e.g. 42.")
    return value


def _secret(raw: object, origin: _Origin) -> SecretStr:
    if not isinstance(raw, str) or not raw.strip():
        raise _Invalid("is not a string. Use a quoted string.")
    return SecretStr(raw.strip())


def _text(raw: object, origin: _Origin) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _Invalid('is not a text. Use a quoted string, e.g. "claude-sonnet-4-6".')
    return raw.strip()


def _url(raw: object, origin: _Origin) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not re.fullmatch(r"https?://\S+", text):
        raise _Invalid("is not an http(s) URL. Use e.g. https://api.anthropic.com.")
    return text


def _token_limit(raw: object, origin: _Origin) -> int:
    value = _whole(raw)
    if value is None or value < 1:
        raise _Invalid("is not a whole number of tokens of at least 1. Use e.g. 1024.")
    return value


_VARIABLES: Final = {  # file key -> environment variable
    "warehouse": "CORTEX_WAREHOUSE",
    "metrics": "CORTEX_METRICS",
    "context": "CORTEX_CONTEXT",
    "conversations": "CORTEX_CONVERSATIONS",
    "access": "CORTEX_ACCESS",
    "audit": "CORTEX_AUDIT",
    "as_of": "CORTEX_AS_OF",
    "query_timeout": "CORTEX_QUERY_TIMEOUT",
    "max_rows": "CORTEX_MAX_ROWS",
    "demo_scale": "CORTEX_DEMO_SCALE",
    "demo_seed": "CORTEX_DEMO_SEED",
    "anthropic_api_key": "ANTHROPIC_API_KEY",
    "anthropic_base_url": "ANTHROPIC_BASE_URL",
    "claude_model": "CORTEX_CLAUDE_MODEL",
    "claude_max_tokens": "CORTEX_CLAUDE_MAX_TOKENS",
    "claude_timeout": "CORTEX_CLAUDE_TIMEOUT",
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
}


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
    env_origin = _Origin(base=cwd, home=home)
    config_path, table = _read_config(environ, cwd, env_origin)
    file_origin = None
    if config_path is not None:
        file_origin = _Origin(base=config_path.parent, home=home, file=_shown(config_path, cwd))
    reader = _Reader(environ, env_origin, table, file_origin, options or {})
    warehouse = reader.read("warehouse", _path)
    metrics = reader.read("metrics", _path)
    context = reader.read("context", _path)
    conversations = reader.read("conversations", _path)
    access = reader.read("access", _path)
    audit = reader.read("audit", _path)
    as_of = reader.read("as_of", _date)
    timeout = reader.read("query_timeout", _seconds)
    max_rows = reader.read("max_rows", _row_limit)
    scale = reader.read("demo_scale", _scale)
    seed = reader.read("demo_seed", _seed)
    api_key = reader.read("anthropic_api_key", _secret, secret=True)
    base_url = reader.read("anthropic_base_url", _url)
    claude_model = reader.read("claude_model", _text)
    claude_max_tokens = reader.read("claude_max_tokens", _token_limit)
    claude_timeout = reader.read("claude_timeout", _seconds)
    slack_bot_token = reader.read("slack_bot_token", _secret, secret=True)
    slack_signing_secret = reader.read("slack_signing_secret", _secret, secret=True)
    slack_app_token = reader.read("slack_app_token", _secret, secret=True)
    slack_api_url = reader.read("slack_api_url", _url)
    if reader.problems:
        raise _settings_error(reader.problems)
    metrics_path = metrics if metrics is not None else cwd / "metrics.yml"
    return Settings(
        warehouse=warehouse if warehouse is not None else cwd / "data" / "demo.duckdb",
        warehouse_is_demo=warehouse is None,
        metrics_path=metrics_path,
        context_dir=context if context is not None else cwd / "context",
        conversations_path=(
            conversations if conversations is not None else cwd / "data" / "conversations.sqlite"
        ),
        access_path=access if access is not None else metrics_path.parent / "access.yml",
        audit_path=audit if audit is not None else cwd / "data" / "audit.sqlite",
        as_of=as_of if as_of is not None else (today if today is not None else date.today()),
        query_timeout_seconds=timeout if timeout is not None else 30.0,
        max_rows=max_rows if max_rows is not None else 10_000,
        demo_scale=scale if scale is not None else 1.0,
        demo_seed=seed if seed is not None else 42,
        anthropic_api_key=api_key,
        anthropic_base_url=base_url,
        claude_model=claude_model if claude_model is not None else "claude-sonnet-4-6",
        claude_max_tokens=claude_max_tokens if claude_max_tokens is not None else 1024,
        claude_timeout_seconds=claude_timeout if claude_timeout is not None else 30.0,
        slack_bot_token=slack_bot_token,
        slack_signing_secret=slack_signing_secret,
        slack_app_token=slack_app_token,
        slack_api_url=slack_api_url if slack_api_url is not None else "https://slack.com/api/",
        config_path=config_path,
    )


class _Reader:
    """Reads each setting from the file, then the environment; collects every problem."""

    def __init__(
        self,
        environ: Mapping[str, str],
        env_origin: _Origin,
        table: Mapping[str, object],
        file_origin: _Origin | None,
        options: Mapping[str, tuple[str, str]],
    ) -> None:
        self.environ = environ
        self.env_origin = env_origin
        self.table = table
        self.file_origin = file_origin
        self.options = options
        self.problems: list[str] = []
        if file_origin is not None:
            self.problems.extend(_unknown_keys(table, file_origin))

    def read(
        self, key: str, parse: Callable[[object, _Origin], _T], *, secret: bool = False
    ) -> _T | None:
        """The parsed value (the environment's over the file's), or None when neither has one."""
        variable = _VARIABLES[key]
        sources: list[tuple[object, _Origin]] = []
        if self.file_origin is not None and key in self.table:
            sources.append((self.table[key], self.file_origin))
        raw = self.environ.get(variable, "")
        if raw.strip():  # an empty variable counts as unset
            sources.append((raw, self.env_origin))
        if key in self.options:
            option, given = self.options[key]
            sources.append((given, replace(self.env_origin, option=option)))
        parsed: _T | None = None
        for value, origin in sources:  # the environment, then an option, come last and win
            try:
                parsed = parse(value, origin)
            except _Invalid as invalid:
                # Never echo a secret, not even a malformed one.
                if origin.option is not None:
                    name, shown = origin.option, "" if secret else f" {value!r}"
                else:
                    name = variable if origin.file is None else f"{origin.file}:{key}"
                    shown = "" if secret else f"={value!r}"
                self.problems.append(f"{name}{shown} {invalid.reason}")
        return parsed


def _read_config(
    environ: Mapping[str, str], cwd: Path, origin: _Origin
) -> tuple[Path | None, dict[str, object]]:
    """The TOML file to read (None when there is none) and its [cortex] table."""
    named = environ.get(CONFIG_VARIABLE, "")
    if named.strip():
        path = _path(named, origin)
        if not path.is_file():
            raise SettingsError(
                f"{CONFIG_VARIABLE}={named!r} is not a file. "
                f"Use the path of a TOML file with a [{CONFIG_TABLE}] table, "
                f"or unset {CONFIG_VARIABLE}."
            )
    else:
        path = cwd / CONFIG_FILE
        if not path.is_file():
            return None, {}
    shown = _shown(path, cwd)
    try:
        document = tomllib.loads(utf8_text(path.read_bytes()))
    except OSError as error:
        raise SettingsError(f"{shown} cannot be read: {error.strerror or error}.") from None
    except NotUTF8 as error:
        raise SettingsError(f"{shown}:{error.line}: {error.reason} Save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(
            f"{shown} is not valid TOML: {error}.",
            hint="See https://toml.io for the syntax.",
        ) from None
    misplaced = sorted(key for key in document if key in _VARIABLES)
    if misplaced:
        raise SettingsError(
            f"{shown}:{misplaced[0]} is outside the [{CONFIG_TABLE}] table. "
            f"Move it under a [{CONFIG_TABLE}] line."
        )
    table = document.get(CONFIG_TABLE, {})
    if not isinstance(table, dict):
        raise SettingsError(
            f"{shown}:{CONFIG_TABLE} is not a table. "
            f"Put the settings under a [{CONFIG_TABLE}] line."
        )
    return path, table


def _unknown_keys(table: Mapping[str, object], origin: _Origin) -> list[str]:
    problems = []
    for key in table:
        if key in _VARIABLES:
            continue
        close = difflib.get_close_matches(key.lower(), list(_VARIABLES), n=1)
        suggestion = f" Did you mean '{close[0]}'?" if close else ""
        problems.append(
            f"{origin.file}: unknown key '{key}' under [{CONFIG_TABLE}]. "
            f"Accepted: {', '.join(sorted(_VARIABLES))}.{suggestion}"
        )
    return problems


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
