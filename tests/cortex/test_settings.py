"""load_settings: defaults, environment, cortex.toml, precedence and every bad value.

Also the rendering of cortex.errors (UserError, InternalError), which settings errors use.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from cortex.errors import CortexError, InternalError, SettingsError, UserError
from cortex.settings import Settings, load_settings

TODAY = date(2026, 11, 24)
KEY = "sk-ant-test-0123456789"


def load(cwd: Path, **environ: str) -> Settings:
    return load_settings(environ, cwd=cwd, today=TODAY)


def write_toml(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body, encoding="utf-8")
    return path


def error_of(cwd: Path, **environ: str) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        load(cwd, **environ)
    return caught.value


# --------------------------------------------------------------------------- defaults and env


def test_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path)
    assert settings == Settings(
        warehouse=tmp_path / "data" / "demo.duckdb",
        warehouse_is_demo=True,
        metrics_path=tmp_path / "metrics.yml",
        context_dir=tmp_path / "context",
        conversations_path=tmp_path / "data" / "conversations.sqlite",
        access_path=tmp_path / "access.yml",
        audit_path=tmp_path / "data" / "audit.sqlite",
        as_of=TODAY,
        query_timeout_seconds=30.0,
        max_rows=10_000,
        demo_scale=1.0,
        demo_seed=42,
        anthropic_api_key=None,
        anthropic_base_url=None,
        claude_model="claude-sonnet-4-6",
        claude_max_tokens=1024,
        claude_timeout_seconds=30.0,
        slack_bot_token=None,
        slack_signing_secret=None,
        slack_app_token=None,
        slack_api_url="https://slack.com/api/",
        notion_token=None,
        notion_api_url="https://api.notion.com",
        linear_api_key=None,
        linear_api_url="https://api.linear.app/graphql",
        skills_dir=tmp_path / "skills",
        digests_path=tmp_path / "digests.yml",
        output_dir=tmp_path / "data" / "output",
        config_path=None,
    )


def test_the_skills_outside_services_are_configured_from_the_environment(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        NOTION_TOKEN="secret_notion",
        NOTION_API_URL="http://127.0.0.1:9/notion",
        CORTEX_NOTION_PARENT_PAGE="page-1",
        LINEAR_API_KEY="lin_api_secret",
        LINEAR_API_URL="http://127.0.0.1:9/graphql",
        CORTEX_LINEAR_TEAM="SUP",
    )
    assert settings.notion_token is not None
    assert settings.notion_token.get_secret_value() == "secret_notion"
    assert "secret_notion" not in repr(settings)
    assert settings.notion_api_url == "http://127.0.0.1:9/notion"
    assert settings.notion_parent_page == "page-1"
    assert settings.linear_api_key is not None
    assert "lin_api_secret" not in repr(settings)
    assert (settings.linear_api_url, settings.linear_team) == ("http://127.0.0.1:9/graphql", "SUP")


def test_as_of_defaults_to_the_system_date(tmp_path: Path) -> None:
    before = date.today()
    as_of = load_settings({}, cwd=tmp_path).as_of
    assert before <= as_of <= date.today()


def test_settings_are_frozen(tmp_path: Path) -> None:
    settings = load(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.max_rows = 5  # type: ignore[misc]


def test_every_setting_from_the_environment(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        CORTEX_WAREHOUSE="/srv/warehouse.duckdb",
        CORTEX_METRICS="conf/metrics.yml",
        CORTEX_CONTEXT="conf/context",
        CORTEX_AS_OF="2026-11-01",
        CORTEX_QUERY_TIMEOUT="2.5",
        CORTEX_MAX_ROWS="500",
        CORTEX_DEMO_SCALE="0.1",
        CORTEX_DEMO_SEED="7",
        ANTHROPIC_API_KEY=KEY,
    )
    assert settings.warehouse == Path("/srv/warehouse.duckdb")
    assert not settings.warehouse_is_demo
    assert settings.metrics_path == tmp_path / "conf" / "metrics.yml"  # relative to cwd
    assert settings.context_dir == tmp_path / "conf" / "context"
    assert settings.as_of == date(2026, 11, 1)
    assert settings.query_timeout_seconds == 2.5
    assert settings.max_rows == 500
    assert settings.demo_scale == 0.1
    assert settings.demo_seed == 7
    assert settings.anthropic_api_key is not None
    assert settings.anthropic_api_key.get_secret_value() == KEY


def test_empty_variables_count_as_unset(tmp_path: Path) -> None:
    settings = load(tmp_path, CORTEX_WAREHOUSE="", CORTEX_AS_OF=" ", ANTHROPIC_API_KEY="")
    assert settings.warehouse_is_demo
    assert settings.as_of == TODAY
    assert settings.anthropic_api_key is None


def test_home_is_expanded_from_the_given_environment(tmp_path: Path) -> None:
    settings = load(tmp_path, HOME="/home/ada", CORTEX_WAREHOUSE="~/shop.duckdb")
    assert settings.warehouse == Path("/home/ada/shop.duckdb")


def test_other_variables_are_ignored(tmp_path: Path) -> None:
    assert load(tmp_path, PATH="/usr/bin", CORTEX_SOMETHING_ELSE="x") == load(tmp_path)


def test_only_the_environment_given_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORTEX_MAX_ROWS", "7")
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("CORTEX_DEMO_SEED=8\n", encoding="utf-8")
    settings = load(tmp_path)
    assert (settings.max_rows, settings.demo_seed, settings.anthropic_api_key) == (10_000, 42, None)


# --------------------------------------------------------------------------- cortex.toml


def test_every_setting_from_cortex_toml(tmp_path: Path) -> None:
    config = write_toml(
        tmp_path / "cortex.toml",
        """
        [cortex]
        warehouse = "warehouse/shop.duckdb"
        metrics = "/etc/cortex/metrics.yml"
        context = "notes"
        as_of = "2026-10-31"
        query_timeout = 5
        max_rows = 100
        demo_scale = 0.5
        demo_seed = 1
        anthropic_api_key = "sk-from-file"
        """,
    )
    settings = load(tmp_path)
    assert settings.config_path == config
    assert settings.warehouse == tmp_path / "warehouse" / "shop.duckdb"
    assert not settings.warehouse_is_demo
    assert settings.metrics_path == Path("/etc/cortex/metrics.yml")
    assert settings.context_dir == tmp_path / "notes"
    assert settings.as_of == date(2026, 10, 31)
    assert settings.query_timeout_seconds == 5.0
    assert isinstance(settings.query_timeout_seconds, float)
    assert settings.max_rows == 100
    assert settings.demo_scale == 0.5
    assert settings.demo_seed == 1
    assert settings.anthropic_api_key is not None
    assert settings.anthropic_api_key.get_secret_value() == "sk-from-file"


def test_toml_native_dates_and_string_numbers(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "cortex.toml",
        '[cortex]\nas_of = 2026-11-24\nmax_rows = "1_000"\nquery_timeout = "12.5"\n',
    )
    settings = load(tmp_path)
    assert settings.as_of == date(2026, 11, 24)
    assert settings.max_rows == 1000
    assert settings.query_timeout_seconds == 12.5


def test_cortex_config_names_the_file(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "conf" / "prod.toml", '[cortex]\nwarehouse = "prod.duckdb"\n')
    write_toml(tmp_path / "cortex.toml", '[cortex]\nwarehouse = "ignored.duckdb"\n')
    settings = load(tmp_path, CORTEX_CONFIG="conf/prod.toml")
    assert settings.config_path == config
    # Relative to the file's folder, not to the working directory.
    assert settings.warehouse == tmp_path / "conf" / "prod.duckdb"


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "cortex.toml",
        '[cortex]\nwarehouse = "file.duckdb"\nmax_rows = 100\ndemo_seed = 1\n',
    )
    settings = load(tmp_path, CORTEX_WAREHOUSE="env.duckdb", CORTEX_MAX_ROWS="7")
    assert settings.warehouse == tmp_path / "env.duckdb"
    assert settings.max_rows == 7
    assert settings.demo_seed == 1  # not in the environment: the file's value


def test_other_tables_in_the_file_are_left_alone(tmp_path: Path) -> None:
    write_toml(tmp_path / "cortex.toml", '[slack]\nchannel = "#metrics"\n')
    settings = load(tmp_path)
    assert settings.config_path == tmp_path / "cortex.toml"
    assert settings.warehouse_is_demo


# --------------------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "CORTEX_AS_OF",
            "24/11/2026",
            "CORTEX_AS_OF='24/11/2026' is not a date. Use YYYY-MM-DD, e.g. 2026-11-24.",
        ),
        (
            "CORTEX_AS_OF",
            "2026-02-30",
            "CORTEX_AS_OF='2026-02-30' is not a date. Use YYYY-MM-DD, e.g. 2026-11-24.",
        ),
        (
            "CORTEX_AS_OF",
            "20261124",
            "CORTEX_AS_OF='20261124' is not a date. Use YYYY-MM-DD, e.g. 2026-11-24.",
        ),
        (
            "CORTEX_QUERY_TIMEOUT",
            "30s",
            "CORTEX_QUERY_TIMEOUT='30s' is not a number of seconds above 0. Use e.g. 30 or 2.5.",
        ),
        (
            "CORTEX_QUERY_TIMEOUT",
            "0",
            "CORTEX_QUERY_TIMEOUT='0' is not a number of seconds above 0. Use e.g. 30 or 2.5.",
        ),
        (
            "CORTEX_QUERY_TIMEOUT",
            "inf",
            "CORTEX_QUERY_TIMEOUT='inf' is not a number of seconds above 0. Use e.g. 30 or 2.5.",
        ),
        (
            "CORTEX_MAX_ROWS",
            "1e4",
            "CORTEX_MAX_ROWS='1e4' is not a whole number of at least 1. Use e.g. 10000.",
        ),
        (
            "CORTEX_MAX_ROWS",
            "1__0",
            "CORTEX_MAX_ROWS='1__0' is not a whole number of at least 1. Use e.g. 10000.",
        ),
        (
            "CORTEX_MAX_ROWS",
            "10.0",
            "CORTEX_MAX_ROWS='10.0' is not a whole number of at least 1. Use e.g. 10000.",
        ),
        (
            "CORTEX_MAX_ROWS",
            "0",
            "CORTEX_MAX_ROWS='0' is not a whole number of at least 1. Use e.g. 10000.",
        ),
        (
            "CORTEX_DEMO_SCALE",
            "-1",
            "CORTEX_DEMO_SCALE='-1' is not a number above 0. "
            "Use e.g. 1, or 0.1 for a tenth of the demo.",
        ),
        (
            "CORTEX_DEMO_SCALE",
            "nan",
            "CORTEX_DEMO_SCALE='nan' is not a number above 0. "
            "Use e.g. 1, or 0.1 for a tenth of the demo.",
        ),
        (
            "CORTEX_DEMO_SEED",
            "forty-two",
            "CORTEX_DEMO_SEED='forty-two' is not a whole number of at least 0. Use e.g. 42.",
        ),
        (
            "CORTEX_DEMO_SEED",
            "-3",
            "CORTEX_DEMO_SEED='-3' is not a whole number of at least 0. Use e.g. 42.",
        ),
    ],
)
def test_a_bad_variable_is_named_with_its_value_and_form(
    tmp_path: Path, variable: str, value: str, expected: str
) -> None:
    error = error_of(tmp_path, **{variable: value})
    assert str(error) == expected
    assert isinstance(error, UserError)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('as_of = "24/11/2026"', "cortex.toml:as_of='24/11/2026' is not a date."),
        ("as_of = 2026-11-24T10:00:00", "cortex.toml:as_of=datetime.datetime(2026, 11, 24, 10, 0)"),
        ("warehouse = 3", "cortex.toml:warehouse=3 is not a path."),
        ("query_timeout = true", "cortex.toml:query_timeout=True is not a number of seconds"),
        ("max_rows = 10.5", "cortex.toml:max_rows=10.5 is not a whole number of at least 1."),
        ("demo_scale = [1]", "cortex.toml:demo_scale=[1] is not a number above 0."),
        ("demo_seed = -1", "cortex.toml:demo_seed=-1 is not a whole number of at least 0."),
    ],
)
def test_a_bad_file_value_is_named_by_file_and_key(
    tmp_path: Path, line: str, expected: str
) -> None:
    write_toml(tmp_path / "cortex.toml", f"[cortex]\n{line}\n")
    assert str(error_of(tmp_path)).startswith(expected)


def test_a_bad_file_value_is_reported_even_when_the_environment_overrides_it(
    tmp_path: Path,
) -> None:
    write_toml(tmp_path / "cortex.toml", '[cortex]\nmax_rows = "lots"\n')
    error = error_of(tmp_path, CORTEX_MAX_ROWS="10")
    assert str(error).startswith("cortex.toml:max_rows='lots'")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    write_toml(tmp_path / "cortex.toml", "[cortex]\nmax_row = 5\n")
    message = str(error_of(tmp_path, CORTEX_AS_OF="yesterday", CORTEX_DEMO_SEED="x"))
    lines = message.splitlines()
    assert lines[0] == "3 settings are wrong:"
    assert lines[1].startswith("- cortex.toml: unknown key 'max_row'")
    assert lines[2].startswith("- CORTEX_AS_OF='yesterday' is not a date.")
    assert lines[3].startswith("- CORTEX_DEMO_SEED='x' is not a whole number")


def test_an_unknown_key_suggests_the_closest(tmp_path: Path) -> None:
    write_toml(tmp_path / "cortex.toml", '[cortex]\nas_off = "2026-11-24"\n')
    message = str(error_of(tmp_path))
    assert message.startswith("cortex.toml: unknown key 'as_off' under [cortex]. Accepted: ")
    assert "access, anthropic_api_key, anthropic_base_url, as_of, audit, " in message
    assert "claude_model, claude_timeout, context, conversations, demo_scale" in message
    assert message.endswith("Did you mean 'as_of'?")


def test_an_unknown_key_without_a_close_match(tmp_path: Path) -> None:
    write_toml(tmp_path / "cortex.toml", "[cortex]\nzebra = 1\n")
    message = str(error_of(tmp_path))
    assert "unknown key 'zebra'" in message
    assert "Did you mean" not in message


def test_a_setting_outside_the_cortex_table(tmp_path: Path) -> None:
    write_toml(tmp_path / "cortex.toml", 'warehouse = "shop.duckdb"\n')
    assert str(error_of(tmp_path)) == (
        "cortex.toml:warehouse is outside the [cortex] table. Move it under a [cortex] line."
    )


def test_cortex_must_be_a_table(tmp_path: Path) -> None:
    write_toml(tmp_path / "cortex.toml", 'cortex = "yes"\n')
    assert "cortex.toml:cortex is not a table" in str(error_of(tmp_path))


def test_invalid_toml(tmp_path: Path) -> None:
    write_toml(tmp_path / "cortex.toml", "[cortex\n")
    error = error_of(tmp_path)
    assert str(error).startswith("cortex.toml is not valid TOML: ")
    assert "line 1" in str(error)
    assert error.hint is not None


def test_a_file_that_is_not_utf8_names_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    (tmp_path / "cortex.toml").write_bytes(b"[cortex]\nwarehouse = '\xff'\n")
    assert str(error_of(tmp_path)) == (
        "cortex.toml:2: byte 0xff at column 14 is not UTF-8 text. Save it as UTF-8."
    )


def test_a_missing_cortex_config_file(tmp_path: Path) -> None:
    assert str(error_of(tmp_path, CORTEX_CONFIG="nope.toml")) == (
        "CORTEX_CONFIG='nope.toml' is not a file. "
        "Use the path of a TOML file with a [cortex] table, or unset CORTEX_CONFIG."
    )


def test_a_config_outside_the_working_directory_is_shown_in_full(tmp_path: Path) -> None:
    config = write_toml(tmp_path / "etc" / "cortex.toml", "[cortex]\nmax_rows = 0\n")
    cwd = tmp_path / "project"
    cwd.mkdir()
    message = str(error_of(cwd, CORTEX_CONFIG=str(config)))
    assert message.startswith(f"{config}:max_rows=0 ")


# --------------------------------------------------------------------------- secrets


def test_the_api_key_is_never_shown(tmp_path: Path) -> None:
    settings = load(tmp_path, ANTHROPIC_API_KEY=KEY)
    assert KEY not in repr(settings)
    assert KEY not in str(settings)
    assert "**********" in repr(settings)
    assert settings.anthropic_api_key is not None
    assert settings.anthropic_api_key.get_secret_value() == KEY


def test_a_bad_api_key_in_the_file_is_not_echoed(tmp_path: Path) -> None:
    write_toml(tmp_path / "cortex.toml", "[cortex]\nanthropic_api_key = 12345678\n")
    message = str(error_of(tmp_path))
    assert message == "cortex.toml:anthropic_api_key is not a string. Use a quoted string."
    assert "12345678" not in message


# --------------------------------------------------------------------------- cortex.errors


def test_a_user_error_shows_its_message_and_hint() -> None:
    error = UserError("No metric named 'arr2'.", hint="Did you mean 'arr'?")
    assert str(error) == "No metric named 'arr2'."
    assert error.user_message == "No metric named 'arr2'.\nDid you mean 'arr'?"
    assert UserError("Plain.").user_message == "Plain."
    assert isinstance(error, CortexError)


def test_an_internal_error_shows_an_apology_and_a_trace_id() -> None:
    error = InternalError("KeyError in the planner: 'segment'")
    assert len(error.trace_id) == 8
    int(error.trace_id, 16)  # hex
    assert error.trace_id in error.user_message
    assert "Sorry" in error.user_message
    assert "KeyError" not in error.user_message
    assert str(error) == "KeyError in the planner: 'segment'"  # for the log
    assert InternalError("x").trace_id != InternalError("x").trace_id
    assert InternalError("x", trace_id="abc123").trace_id == "abc123"


def test_settings_errors_are_user_errors() -> None:
    assert issubclass(SettingsError, UserError)
    assert not issubclass(InternalError, UserError)
