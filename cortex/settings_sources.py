"""What one source of Cortex's settings gives, checked: the pydantic-settings model and sources.

`Given` has a field per setting, named by its key in cortex.toml, its alias the environment
variable, its type the form the value must have. It holds exactly the values it is built with:
it reads no environment, .env file or secrets folder of its own. Its sources:

- `EnvironmentSource(environ)`: the settings' variables in a mapping given (never os.environ);
  a blank variable is unset.
- `ConfigFileSource(path, shown)`: the [cortex] table of a TOML file; a file that cannot be
  read, is not UTF-8 or not TOML, or puts settings outside the table raises `SettingsError`.
  Keys it does not know are kept apart (`unknown`), not given.

`check(values)` builds a `Given` from one source's values (keyed by variable) and turns
pydantic's `ValidationError` into `Wrong` values: the setting, the value given, and a reason
that continues "<name>=<value> ..." and says the form expected.
"""

from __future__ import annotations

import contextlib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import Field, PlainValidator, SecretStr, ValidationError, WrapValidator
from pydantic_core import PydanticCustomError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from connectors.warehouse.open import ENGINES, WarehouseUrl, parse_warehouse
from cortex.errors import SettingsError
from semantic_layer.time import LAST_DAY
from semantic_layer.yaml_lines import NotUTF8, utf8_text

__all__ = [
    "CONFIG_TABLE",
    "KEYS",
    "ConfigFileSource",
    "EnvironmentSource",
    "Given",
    "Unusable",
    "Wrong",
    "check",
    "resolve_path",
]

CONFIG_TABLE: Final = "cortex"


def _wrong(expected: str, *, secret: bool = False) -> PydanticCustomError:
    """The error of a value that is not of the form `expected` (never echoed when `secret`)."""
    return PydanticCustomError("setting", "{expected}", {"expected": expected, "secret": secret})


def _form(
    expected: str, *kinds: type, text: re.Pattern[str] | None = None, secret: bool = False
) -> WrapValidator:
    """Reads text (from the environment or the file; of the form `text` when given) or a TOML
    value of `kinds` (never a boolean) with the type's own validation; any failure says
    `expected`."""

    def read(value: object, handler: Callable[[object], object]) -> object:
        if isinstance(value, str):
            readable = bool(value.strip()) and (text is None or bool(text.fullmatch(value.strip())))
        else:
            readable = isinstance(value, kinds) and not isinstance(value, bool)
        if not readable:
            raise _wrong(expected, secret=secret)
        try:
            return handler(value.strip() if isinstance(value, str) else value)
        except ValidationError:
            raise _wrong(expected, secret=secret) from None

    return WrapValidator(read)


_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day(raw: object) -> date:
    """A YYYY-MM-DD day (text, or a TOML date) that relative time can count on from."""
    expected = "Use YYYY-MM-DD, e.g. 2026-11-24."
    if isinstance(raw, datetime):  # a TOML date-time; datetime is a subclass of date
        raise _wrong(f"is a date and time, not a date. {expected}")
    day = raw if isinstance(raw, date) else None  # a TOML date
    text = raw.strip() if isinstance(raw, str) else ""
    if _DATE.fullmatch(text):
        with contextlib.suppress(ValueError):  # 2026-02-30 has the form but is no day
            day = date.fromisoformat(text)
    if day is None:
        raise _wrong(f"is not a date. {expected}")
    if day > LAST_DAY:  # relative time counts on from it: the calendar needs a day after
        raise _wrong(
            f"is after {LAST_DAY}, the last day Cortex can count to. Use an earlier day, "
            "e.g. 2026-11-24."
        )
    return day


_NUMBER: Final = (int, float)
_WHOLE: Final = re.compile(r"[+-]?[0-9][0-9_]*")  # no "10.0": TOML's 10.0 is no whole number either
_Path = Annotated[Path, _form('is not a path. Use a quoted path, e.g. "data/shop.duckdb".')]
_Day = Annotated[date, PlainValidator(_day)]


def _warehouse(raw: object) -> Path | WarehouseUrl:
    """A DuckDB file path, or the URL of another engine (postgresql://, spark://, sc://)."""
    if isinstance(raw, Path):
        return raw
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        raise _wrong(
            f'is not a path. Use a quoted path, e.g. "data/shop.duckdb", or a URL, e.g. '
            f"{_POSTGRES_EXAMPLE}."
        )
    where = parse_warehouse(text)
    if isinstance(where, WarehouseUrl) and not where.engine:
        known = ", ".join(f"{scheme}://" for scheme in ENGINES)
        raise _wrong(
            f"names no engine Cortex has ({where.scheme}://). Use a DuckDB file path or a URL "
            f"starting {known}, e.g. {_POSTGRES_EXAMPLE}.",
            secret=where.shown != where.text,  # never echo a password
        )
    return where


_POSTGRES_EXAMPLE: Final = "postgresql://cortex_reader@db:5432/analytics"
_Warehouse = Annotated[Path | WarehouseUrl, PlainValidator(_warehouse)]
_Seconds = Annotated[
    float,
    Field(gt=0, allow_inf_nan=False),
    _form("is not a number of seconds above 0. Use e.g. 30 or 2.5.", *_NUMBER),
]
_Scale = Annotated[
    float,
    Field(gt=0, allow_inf_nan=False),
    _form("is not a number above 0. Use e.g. 1, or 0.1 for a tenth of the demo.", *_NUMBER),
]
_RowLimit = Annotated[
    int,
    Field(ge=1),
    _form("is not a whole number of at least 1. Use e.g. 10000.", int, text=_WHOLE),
]
_Seed = Annotated[
    int, Field(ge=0), _form("is not a whole number of at least 0. Use e.g. 42.", int, text=_WHOLE)
]
_TokenLimit = Annotated[
    int,
    Field(ge=1),
    _form("is not a whole number of tokens of at least 1. Use e.g. 1024.", int, text=_WHOLE),
]
_Secret = Annotated[SecretStr, _form("is not a string. Use a quoted string.", secret=True)]
_Text = Annotated[str, _form('is not a text. Use a quoted string, e.g. "claude-sonnet-4-6".')]
_Url = Annotated[
    str,
    Field(pattern=r"^https?://\S+$"),
    _form("is not an http(s) URL. Use e.g. https://api.anthropic.com."),
]


class Given(BaseSettings):
    """The settings one source gives, each of the form it must have; None where it gives none.

    A field's name is the setting's key in cortex.toml, its alias the environment variable.
    """

    model_config = SettingsConfigDict(case_sensitive=True, extra="forbid", frozen=True)

    warehouse: _Warehouse | None = Field(None, alias="CORTEX_WAREHOUSE")
    metrics: _Path | None = Field(None, alias="CORTEX_METRICS")
    context: _Path | None = Field(None, alias="CORTEX_CONTEXT")
    conversations: _Path | None = Field(None, alias="CORTEX_CONVERSATIONS")
    access: _Path | None = Field(None, alias="CORTEX_ACCESS")
    audit: _Path | None = Field(None, alias="CORTEX_AUDIT")
    as_of: _Day | None = Field(None, alias="CORTEX_AS_OF")
    query_timeout: _Seconds | None = Field(None, alias="CORTEX_QUERY_TIMEOUT")
    max_rows: _RowLimit | None = Field(None, alias="CORTEX_MAX_ROWS")
    demo_scale: _Scale | None = Field(None, alias="CORTEX_DEMO_SCALE")
    demo_seed: _Seed | None = Field(None, alias="CORTEX_DEMO_SEED")
    anthropic_api_key: _Secret | None = Field(None, alias="ANTHROPIC_API_KEY")
    anthropic_base_url: _Url | None = Field(None, alias="ANTHROPIC_BASE_URL")
    claude_model: _Text | None = Field(None, alias="CORTEX_CLAUDE_MODEL")
    claude_max_tokens: _TokenLimit | None = Field(None, alias="CORTEX_CLAUDE_MAX_TOKENS")
    claude_timeout: _Seconds | None = Field(None, alias="CORTEX_CLAUDE_TIMEOUT")
    slack_bot_token: _Secret | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: _Secret | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: _Secret | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: _Url | None = Field(None, alias="SLACK_API_URL")
    notion_token: _Secret | None = Field(None, alias="NOTION_TOKEN")
    notion_api_url: _Url | None = Field(None, alias="NOTION_API_URL")
    notion_parent_page: _Text | None = Field(None, alias="CORTEX_NOTION_PARENT_PAGE")
    notion_parent_database: _Text | None = Field(None, alias="CORTEX_NOTION_PARENT_DATABASE")
    notion_context_database: _Text | None = Field(None, alias="CORTEX_NOTION_CONTEXT_DATABASE")
    linear_api_key: _Secret | None = Field(None, alias="LINEAR_API_KEY")
    linear_api_url: _Url | None = Field(None, alias="LINEAR_API_URL")
    linear_team: _Text | None = Field(None, alias="CORTEX_LINEAR_TEAM")
    skills: _Path | None = Field(None, alias="CORTEX_SKILLS")
    digests: _Path | None = Field(None, alias="CORTEX_DIGESTS")
    output: _Path | None = Field(None, alias="CORTEX_OUTPUT")
    mcp_user: _Text | None = Field(None, alias="CORTEX_MCP_USER")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values it is built with: `load_settings` hands each source in."""
        return (init_settings,)

    @classmethod
    def variable(cls, key: str) -> str:
        """The environment variable of the setting `key`."""
        return str(cls.model_fields[key].alias)


KEYS: Final = tuple(Given.model_fields)
_KEY_OF: Final = {Given.variable(key): key for key in KEYS}


@dataclass(frozen=True)
class Wrong:
    """A value that cannot be used: its setting, the value as given, and why; the reason
    continues "<name>=<value> ..." and says the form expected. A secret is never echoed."""

    key: str
    value: object
    reason: str
    secret: bool


class Unusable(Exception):
    """Some values of a source cannot be used; `wrongs` says which."""

    def __init__(self, wrongs: list[Wrong]) -> None:
        super().__init__(f"{len(wrongs)} settings are wrong")
        self.wrongs = wrongs


def check(values: Mapping[str, Any]) -> Given:
    """The settings `values` give (keyed by environment variable); raises Unusable."""
    try:
        return Given(**values)
    except ValidationError as error:
        raise Unusable(
            [
                Wrong(
                    key=_KEY_OF[str(details["loc"][0])],
                    value=details["input"],
                    reason=str(details["ctx"]["expected"]),
                    secret=bool(details["ctx"]["secret"]),
                )
                for details in error.errors()
            ]
        ) from None


def resolve_path(path: Path, base: Path, home: str | None) -> Path:
    """`path` with a leading `~` for `home` (when known), relative to `base`."""
    if home is not None and path.parts[:1] == ("~",):
        path = Path(home, *path.parts[1:])
    return base / path


class EnvironmentSource(EnvSettingsSource):
    """The settings' variables in `environ` (a mapping given, never os.environ); a blank one
    is unset. Calling it gives the values keyed by variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(Given)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {name: value for name, value in self._environ.items() if value.strip()}


class ConfigFileSource(TomlConfigSettingsSource):
    """The [cortex] table of the TOML file `path`, shown to the user as `shown`.

    Calling it gives the values of the keys it knows, keyed by variable; `unknown` holds the
    others. Raises SettingsError when the file cannot be used at all.
    """

    def __init__(self, path: Path, shown: str) -> None:
        self.shown = shown
        self.unknown: dict[str, object] = {}
        super().__init__(Given, toml_file=path)

    def _read_file(self, file_path: Path | Traversable) -> dict[str, Any]:
        try:
            raw = file_path.read_bytes()
        except OSError as error:
            raise SettingsError(
                f"{self.shown} cannot be read: {error.strerror or error}."
            ) from None
        table = _table(raw, self.shown)
        self.unknown = {key: value for key, value in table.items() if key not in KEYS}
        return {Given.variable(key): value for key, value in table.items() if key in KEYS}


def _table(raw: bytes, shown: str) -> dict[str, object]:
    try:
        document = tomllib.loads(utf8_text(raw))
    except NotUTF8 as error:
        raise SettingsError(f"{shown}:{error.line}: {error.reason} Save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(
            f"{shown} is not valid TOML: {error}.",
            hint="See https://toml.io for the syntax.",
        ) from None
    misplaced = sorted(key for key in document if key in KEYS)
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
    return table
