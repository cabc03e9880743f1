"""The compiled-model cache and libyaml: metrics.yml is parsed once per content, fast, and still
reported at `file:line` (semantic_layer/model_cache.py, semantic_layer/yaml_lines.py)."""

from __future__ import annotations

import os
import pickle
import textwrap
from pathlib import Path

import pytest
import yaml

from semantic_layer import model_cache
from semantic_layer.errors import DefinitionError
from semantic_layer.loader import load_model
from semantic_layer.yaml_lines import LIBYAML, LineLoader

REPO = Path(__file__).resolve().parents[2]

ROOT = """\
version: 1
include: [tables.yml]
metrics:
  - name: ticket_volume
    label: Ticket volume
    type: simple
    measure: tickets
"""
TABLES = """\
version: 1
tables:
  - name: tickets
    primary_key: ticket_id
    time_dimension: created_at
    dimensions:
      - {name: created_at, type: time}
      - {name: channel, type: categorical}
    measures:
      - {name: tickets, aggregation: count}
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory of its own (set through the environment, as a user would)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CORTEX_CACHE_DIR", str(folder))
    monkeypatch.delenv("CORTEX_MODEL_CACHE", raising=False)
    return folder


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A metrics.yml that includes tables.yml; the working directory is their folder."""
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "metrics.yml").write_text(ROOT, encoding="utf-8")
    (folder / "tables.yml").write_text(TABLES, encoding="utf-8")
    monkeypatch.chdir(folder)
    return folder


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("model-*.pickle"))


def test_a_second_load_reads_the_model_kept_by_the_first(cache: Path, files: Path) -> None:
    first = load_model(files / "metrics.yml")
    [entry] = _entries(cache)
    assert os.stat(cache).st_mode & 0o077 == 0  # only its owner reads or writes the cache
    kept = pickle.loads(entry.read_bytes())
    assert set(kept.files) == {str((files / n).resolve()) for n in ("metrics.yml", "tables.yml")}
    assert load_model(files / "metrics.yml") == first


@pytest.mark.parametrize("edited", ["metrics.yml", "tables.yml"])
def test_an_edit_to_the_root_or_an_include_loads_afresh(
    cache: Path, files: Path, edited: str
) -> None:
    load_model(files / "metrics.yml")
    path = files / edited
    path.write_text(path.read_text().replace("Ticket volume", "Tickets"), encoding="utf-8")
    path.write_text(path.read_text().replace("categorical", "time"), encoding="utf-8")
    model = load_model(files / "metrics.yml")
    if edited == "metrics.yml":
        assert model.metrics[0].label == "Tickets"
    else:
        assert model.tables[0].dimensions[1].type == "time"


def test_an_error_is_reported_every_time_and_never_kept(cache: Path, files: Path) -> None:
    (files / "tables.yml").write_text(TABLES.replace("count", "countt"), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DefinitionError, match=r"tables\.yml:\d+"):
            load_model(files / "metrics.yml")
    assert _entries(cache) == []


def test_an_entry_of_another_version_or_a_damaged_one_is_a_miss(
    cache: Path, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_model(files / "metrics.yml")
    [entry] = _entries(cache)
    monkeypatch.setattr(model_cache, "CACHE_FORMAT", model_cache.CACHE_FORMAT + 1)
    model_cache._stamp.cache_clear()
    try:
        (files / "metrics.yml").write_text(ROOT.replace("Ticket volume", "Tickets"), "utf-8")
        entry.write_bytes(b"not a pickle")
        assert load_model(files / "metrics.yml").metrics[0].label == "Tickets"
    finally:
        model_cache._stamp.cache_clear()


def test_the_cache_can_be_turned_off(
    cache: Path, files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CORTEX_MODEL_CACHE", "off")
    load_model(files / "metrics.yml")
    assert not cache.exists()


def test_an_entry_others_may_write_is_ignored(cache: Path, files: Path) -> None:
    load_model(files / "metrics.yml")
    [entry] = _entries(cache)
    entry.chmod(0o666)
    entry.write_bytes(pickle.dumps("planted"))
    assert load_model(files / "metrics.yml").metrics[0].name == "ticket_volume"


def test_yaml_is_parsed_by_libyaml_with_every_line_number() -> None:
    assert LIBYAML, "PyYAML without libyaml: metrics.yml parses about ten times slower"
    assert issubclass(LineLoader, yaml.CSafeLoader)
    data = yaml.load(TABLES, Loader=LineLoader)  # noqa: S506 - a SafeLoader with line numbers
    table = data["tables"][0]
    assert (data.line, table.line, table.key_lines["measures"]) == (1, 3, 9)
    assert table["dimensions"].item_lines == [7, 8]


def test_a_syntax_error_keeps_its_line_and_hint_under_libyaml(cache: Path, files: Path) -> None:
    broken = textwrap.dedent(
        """\
        version: 1
        metrics:
          - name: a
             label: A
        """
    )
    (files / "metrics.yml").write_text(broken, encoding="utf-8")
    with pytest.raises(DefinitionError) as raised:
        load_model(files / "metrics.yml")
    [issue] = raised.value.issues
    assert (issue.file, issue.line) == ("metrics.yml", 4)
    assert "unexpected ':'" in issue.message
