"""The planner's knowledge: context documents, BM25 search, caveats, dimension values, catalog."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from connectors.warehouse import DuckDBWarehouse
from cortex.errors import UserError
from cortex.knowledge import (
    Caveat,
    ContextError,
    ContextLibrary,
    DimensionValues,
    Passage,
    ValueIndex,
    build_catalog,
    build_value_index,
    load_context,
)
from cortex.knowledge.search import BM25
from cortex.knowledge.words import stem
from semantic_layer import SemanticModel, load_model

ROOT = Path(__file__).resolve().parents[3]
CONTEXT = ROOT / "context"
SHIPPED = sorted(CONTEXT.glob("*.md"))


@pytest.fixture(scope="module")
def model() -> SemanticModel:
    return load_model(ROOT / "metrics.yml")


@pytest.fixture(scope="module")
def library() -> ContextLibrary:
    return load_context(CONTEXT)


@pytest.fixture(scope="module")
def warehouse(demo_path: Path) -> Iterator[DuckDBWarehouse]:
    with DuckDBWarehouse(demo_path) as opened:
        yield opened


@pytest.fixture(scope="module")
def values(model: SemanticModel, warehouse: DuckDBWarehouse) -> ValueIndex:
    return build_value_index(model, warehouse)


# --- context documents ----------------------------------------------------------------------


def test_context_ships_documents() -> None:
    assert len(SHIPPED) >= 5


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_document_has_front_matter(
    library: ContextLibrary, model: SemanticModel, path: Path
) -> None:
    document = next(d for d in library.documents if d.path == path)
    assert document.title and document.owner.endswith("@cortex-demo.com")
    assert document.applies_to and document.tags
    assert document.passages
    known = {m.name for m in model.metrics} | {d.name for t in model.tables for d in t.dimensions}
    assert set(document.applies_to) <= known, "applies_to names a metric or dimension"


def test_documents_split_at_second_level_headings(library: ContextLibrary) -> None:
    arr = next(d for d in library.documents if d.path.name == "arr.md")
    headings = [p.heading for p in arr.passages]
    assert "What counts as ARR" in headings
    assert all(p.title == arr.title == "ARR and its movements" for p in arr.passages)
    counts = next(p for p in arr.passages if p.heading == "What counts as ARR")
    assert counts.text.startswith("ARR is the annualised price")
    assert "## " not in counts.text


def test_passages_keep_intro_and_ignore_headings_in_code(tmp_path: Path) -> None:
    (tmp_path / "doc.md").write_text(
        "---\ntitle: Doc\nowner: me@example.com\napplies_to: arr\n---\n"
        "# Doc\n\nIntro text.\n\n## First\n\nOne.\n\n```\n## not a heading\n```\n\n"
        "### Sub\n\nStill first.\n\n## Second\n\nTwo.\n",
        encoding="utf-8",
    )
    (document,) = load_context(tmp_path).documents
    assert document.applies_to == ("arr",) and document.tags == ()
    assert [(p.heading, p.text.splitlines()[0]) for p in document.passages] == [
        ("Doc", "Intro text."),
        ("First", "One."),
        ("Second", "Two."),
    ]
    assert "## not a heading" in document.passages[1].text
    assert "Still first." in document.passages[1].text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# No front matter\n", "does not start with YAML front matter"),
        ("---\ntitle: Doc\nowner: me\n", "never closed"),
        ("---\ntitle: [unclosed\nowner: me\n---\n", "not valid YAML"),
        ("---\n- a list\n---\n", "must be a mapping"),
        ("---\nowner: me\n---\n", "needs `title`"),
        ("---\ntitle: Doc\n---\n", "needs `owner`"),
        ("---\ntitle: Doc\nowner: me\napplies_to: {arr: 1}\n---\n", "`applies_to` must be a list"),
        ("---\ntitle: Doc\nowner: me\ntags: [1, 2]\n---\n", "`tags` must be a list"),
        ("---\ntitle: Doc\nowner: me\napplies: [arr]\n---\n", "unknown front matter key 'applies'"),
    ],
)
def test_a_broken_document_gives_a_clear_error(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "good.md").write_text("---\ntitle: Good\nowner: me\n---\nText.\n")
    (tmp_path / "broken.md").write_text(text, encoding="utf-8")
    with pytest.raises(ContextError) as raised:
        load_context(tmp_path)
    error = raised.value
    assert isinstance(error, UserError)
    assert str(tmp_path / "broken.md") in error.message
    assert expected in error.message
    assert error.hint  # what to do about it


def test_invalid_yaml_error_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "broken.md").write_text("---\ntitle: Doc\nowner: me\ntags: [a\n---\n")
    with pytest.raises(ContextError, match=r"broken\.md:\d+: the front matter is not valid YAML"):
        load_context(tmp_path)


def test_a_missing_directory_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match="does not exist") as raised:
        load_context(tmp_path / "nowhere")
    assert "CORTEX_CONTEXT" in (raised.value.hint or "")


def test_an_empty_directory_gives_an_empty_library(tmp_path: Path) -> None:
    library = load_context(tmp_path)
    assert library.documents == () and library.search("arr") == []
    assert library.caveats_for(["arr"]) == []


# --- search ---------------------------------------------------------------------------------


def test_search_ranks_the_arr_definition_first(library: ContextLibrary) -> None:
    top = library.search("what counts as ARR")[0].passage
    assert (top.path.name, top.heading) == ("arr.md", "What counts as ARR")


@pytest.mark.parametrize("with_model", [False, True])
def test_search_ranks_the_first_response_doc_first(model: SemanticModel, with_model: bool) -> None:
    library = load_context(CONTEXT, model=model if with_model else None)
    top = library.search("how is FRT measured")[0].passage
    assert top.path.name == "first_response_time.md"
    assert top.heading == "How it is measured"


def test_model_synonyms_expand_a_question(model: SemanticModel, library: ContextLibrary) -> None:
    expanded = load_context(CONTEXT, model=model)
    assert "frt" in expanded.synonyms
    assert {stem(w) for w in ("first", "response", "time")} <= set(expanded.synonyms["frt"])
    plain = library.search("FRT")
    assert plain == []  # the documents never write "FRT"
    hits = expanded.search("FRT")
    assert hits and all(h.passage.path.name == "first_response_time.md" for h in hits)


def test_search_returns_k_best_first_and_nothing_for_nonsense(library: ContextLibrary) -> None:
    hits = library.search("fiscal quarter week", k=5)
    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].passage.path.name == "fiscal_calendar.md"
    assert library.search("fiscal", k=1)[0].passage.path.name == "fiscal_calendar.md"
    assert library.search("zzzqqq xyzzy") == []
    assert library.search("the of and") == []  # stop words only
    assert library.search("arr", k=0) == []


def test_bm25_matches_hand_computed_scores() -> None:
    corpus = [["arr", "arr", "count"], ["ticket"], ["ticket", "count"]]
    bm25 = BM25(corpus, k1=1.5, b=0.75)
    average = 6 / 3
    idf_arr = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))
    idf_count = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    norm = 1.5 * (1 - 0.75 + 0.75 * 3 / average)
    expected = idf_arr * 2 * 2.5 / (2 + norm) + idf_count * 1 * 2.5 / (1 + norm)
    scores = bm25.scores(["arr", "count", "arr", "unknown"])
    assert scores[0] == pytest.approx(expected)
    assert scores[1] == 0.0
    assert 0 < scores[2] < scores[0]


# --- caveats --------------------------------------------------------------------------------


def test_caveats_for_arr_start_with_the_arr_document(library: ContextLibrary) -> None:
    caveats = library.caveats_for(["arr"])
    files = {p.path.name for p in caveats}
    assert "arr.md" in files
    assert caveats[0].path.name == "arr.md"
    assert "segments.md" not in files  # applies to segment and plan, not to the arr metric
    assert all(p.heading != p.title for p in caveats)  # an introduction is no caveat


def test_a_section_is_a_caveat_for_the_metrics_its_marker_names_not_for_the_whole_document(
    library: ContextLibrary,
) -> None:
    tickets = [(p.path.name, p.heading) for p in library.caveats_for(["ticket_volume"])]
    assert ("caveats.md", "Freshness and history") in tickets
    assert ("caveats.md", "Conversion attribution timing") not in tickets
    assert ("caveats.md", "CSAT response bias") not in tickets
    csat = [p.heading for p in library.caveats_for(["csat"]) if p.path.name == "caveats.md"]
    assert csat == ["CSAT response bias"]


def test_an_unmarked_section_is_a_caveat_only_for_the_listed_metrics_it_speaks_of(
    tmp_path: Path, model: SemanticModel
) -> None:
    (tmp_path / "notes.md").write_text(
        "---\ntitle: Notes\nowner: a@b.c\napplies_to: [arr, ticket_volume]\n---\n"
        "## About ARR\nARR is a snapshot.\n\n## About tickets\nTicket volume counts rows.\n"
        "## Marked\n<!-- applies_to: [csat] -->\nOnly for CSAT.\n",
        encoding="utf-8",
    )
    library = load_context(tmp_path, model=model)  # "Ticket volume" is the metric's label
    assert [p.heading for p in library.caveats_for(["arr"])] == ["About ARR"]
    assert [p.heading for p in library.caveats_for(["ticket_volume"])] == ["About tickets"]
    marked = library.caveats_for(["csat"])
    assert [p.heading for p in marked] == ["Marked"] and marked[0].text == "Only for CSAT."


def test_a_caveat_is_the_first_block_of_its_section_a_table_kept_whole() -> None:
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |"
    passage = Passage(Path("x.md"), "Doc", "Table first", f"{table}\n\nMore text.")
    assert Caveat.of(passage) == Caveat("Doc › Table first", table)
    items = "\n".join(f"- item {i} " + "x" * 200 for i in range(6))
    listed = Caveat.of(Passage(Path("x.md"), "Doc", "List", items), max_chars=700)
    assert listed.markdown.count("- item") == 3 and listed.markdown.endswith("x")


def test_a_caveat_never_stops_mid_sentence_where_its_paragraph_leads_into_code() -> None:
    text = "A period is active on a day. So ARR on a day is\n\n```sql\nSELECT 1\n```\n"
    caveat = Caveat.of(Passage(Path("x.md"), "Doc", "ARR", text))
    assert caveat.markdown == "A period is active on a day."
    whole = Caveat.of(Passage(Path("x.md"), "Doc", "ARR", "No end here\n\nNext."))
    assert whole.markdown == "No end here"  # no whole sentence to cut back to: kept


def test_caveats_for_unknown_metrics_are_empty(library: ContextLibrary) -> None:
    assert library.caveats_for(["no_such_metric"]) == []
    assert library.caveats_for([]) == []


# --- dimension values -----------------------------------------------------------------------


def _found(index: ValueIndex, question: str) -> set[tuple[str, str, str]]:
    return {(m.table, m.dimension, m.value) for m in index.find(question)}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("ARR for enterprise customers", ("accounts", "segment", "Enterprise")),
        (
            "tickets from Apparel & Accessories brands",
            ("accounts", "vertical", "Apparel & Accessories"),
        ),
        (
            "tickets from apparel and accessories brands",
            ("accounts", "vertical", "Apparel & Accessories"),
        ),
        ("how many tickets came by email last week?", ("tickets", "channel", "email")),
        ("ARR in north america", ("accounts", "region", "North America")),
        ("win rate for Mid-Market", ("opportunities", "segment", "Mid-Market")),
        ("win rate for mid market deals", ("opportunities", "segment", "Mid-Market")),
        ("net new ARR from the movement churn", ("arr_movements", "movement", "churn")),
    ],
)
def test_find_values_in_a_question(
    values: ValueIndex, question: str, expected: tuple[str, str, str]
) -> None:
    assert expected in _found(values, question)


def test_a_match_reports_the_span_as_written(values: ValueIndex) -> None:
    question = "CSAT by channel in NORTH AMERICA"
    (match,) = [m for m in values.find(question) if m.dimension == "region"]
    assert match.value == "North America"
    assert match.text == "NORTH AMERICA" == question[match.start : match.end]
    assert match.span == (match.start, match.end)


def test_an_ambiguous_value_returns_every_candidate(values: ValueIndex) -> None:
    found = _found(values, "Enterprise ARR")
    assert {
        ("accounts", "segment", "Enterprise"),
        ("opportunities", "segment", "Enterprise"),
        ("subscriptions", "plan", "Enterprise"),
    } <= found


def test_longest_match_first_and_no_partial_words(values: ValueIndex) -> None:
    matches = values.find("email tickets from Apparel & Accessories")
    assert matches[0].value == "Apparel & Accessories"
    assert matches[-1].value == "email"
    assert values.find("emails about products") == []  # not "email", not the plan "Pro"


def test_longer_values_hide_the_values_they_contain() -> None:
    index = ValueIndex(
        entries=(
            DimensionValues("t", "stage", ("Closed Won", "Won")),
            DimensionValues("t", "region", ("North America",)),
        )
    )
    assert [m.value for m in index.find("closed won deals in north america")] == [
        "North America",
        "Closed Won",
    ]
    assert [m.value for m in index.find("won deals")] == ["Won"]


def test_high_cardinality_dimensions_are_skipped(values: ValueIndex) -> None:
    assert ("accounts", "account_name") in values.skipped
    assert values.values("account_name") == ()
    assert values.values("segment", "accounts") == ("Enterprise", "Mid-Market", "SMB")
    indexed = {(e.table, e.dimension) for e in values.entries}
    assert ("tickets", "channel") in indexed
    assert ("accounts", "ai_agent_enabled") not in indexed  # boolean
    assert ("tickets", "created_at") not in indexed  # time


def test_a_value_synonym_is_found_as_the_value_it_names() -> None:
    index = ValueIndex(
        entries=(
            DimensionValues("tickets", "handled_by", ("ai", "human"), (("bot", "ai"),)),
            DimensionValues("tickets", "channel", ("chat", "email")),
        )
    )
    (chat, match) = index.find("chat tickets the Bot closed")  # longest first
    assert (match.dimension, match.value, match.text) == ("handled_by", "ai", "Bot")
    assert chat.value == "chat"
    assert index.find("robots") == []  # whole words only


def test_value_synonyms_are_indexed_for_the_values_the_warehouse_holds(
    values: ValueIndex, warehouse: DuckDBWarehouse, tmp_path: Path
) -> None:
    assert {("tickets", "handled_by", "ai"), ("conversions", "influenced_by", "ai")} <= _found(
        values, "CSAT of chatbot conversations"
    )
    (tmp_path / "metrics.yml").write_text(
        "version: 1\n"
        "tables:\n"
        "  - name: tickets\n"
        "    primary_key: ticket_id\n"
        "    dimensions:\n"
        "      - name: handled_by\n"
        "        value_synonyms: {ai: [bot], robot: [droid]}\n"
    )
    index = build_value_index(load_model(tmp_path / "metrics.yml"), warehouse)
    assert index.entries[0].synonyms == (("bot", "ai"),)  # no 'robot' in the warehouse
    assert index.find("droid tickets") == []


def test_max_distinct_bounds_the_index(model: SemanticModel, warehouse: DuckDBWarehouse) -> None:
    small = build_value_index(model, warehouse, max_distinct=3)
    assert small.values("segment", "accounts") == ("Enterprise", "Mid-Market", "SMB")
    assert ("accounts", "region") in small.skipped  # four regions
    assert all(len(e.values) <= 3 for e in small.entries)


# --- catalog --------------------------------------------------------------------------------


def test_catalog_lists_the_model(
    model: SemanticModel, values: ValueIndex, library: ContextLibrary
) -> None:
    catalog = build_catalog(model, values=values, context=library)
    assert [m.name for m in catalog.metrics] == [m.name for m in model.metrics]
    arr = next(m for m in catalog.metrics if m.name == "arr")
    assert (arr.label, arr.format, arr.owner) == ("ARR", "currency", "finance@cortex-demo.com")
    segments = [d for d in catalog.dimensions if d.name == "segment"]
    assert {d.table for d in segments} == {"accounts", "opportunities"}
    accounts_segment = next(d for d in segments if d.table == "accounts")
    assert accounts_segment.values == ("Enterprise", "Mid-Market", "SMB")
    assert "customer segment" in accounts_segment.synonyms
    assert catalog.filters == model.filters
    assert catalog.verified_queries == model.verified_queries
    assert catalog.context is library and catalog.values is values


def test_describe_mentions_every_metric_and_dimension(
    model: SemanticModel, values: ValueIndex
) -> None:
    text = build_catalog(model, values=values).describe()
    for metric in model.metrics:
        assert f"- {metric.name}: {metric.label}" in text
    for table in model.tables:
        for dimension in table.dimensions:
            assert f"- {table.name}.{dimension.name} [" in text
    assert "frt" in text and "metric_time" in text
    assert "North America" in text
    assert "- enterprise: segment = 'Enterprise'" in text
    assert len(text) < 20_000  # compact enough for a system prompt


def test_the_catalog_shows_the_words_people_use_for_values(
    model: SemanticModel, values: ValueIndex
) -> None:
    catalog = build_catalog(model, values=values)
    handled_by = next(d for d in catalog.dimensions if d.name == "handled_by")
    assert ("ai", ("bot", "chatbot", "virtual agent")) in handled_by.value_synonyms
    assert "values: ai (also: bot, chatbot, virtual agent), human (also: " in catalog.describe()
    # without a value index, the values that have synonyms are still listed with them
    assert "values: ai (also: bot, chatbot, virtual agent)" in build_catalog(model).describe()


def test_catalog_without_values_or_context(model: SemanticModel) -> None:
    catalog = build_catalog(model)
    assert catalog.values is None and catalog.context is None
    assert all(d.values == () for d in catalog.dimensions)
    assert "arr" in catalog.describe()


def test_a_name_from_a_dimension_too_big_to_scan_is_found_as_written_with_capitals(
    values: ValueIndex, demo_con: duckdb.DuckDBPyConnection
) -> None:
    (name,) = demo_con.execute("SELECT MIN(account_name) FROM accounts").fetchone()
    assert ("accounts", "account_name") in values.skipped  # thousands: not scanned for
    found = values.find(f"tickets from {name} last month")
    assert [(m.dimension, m.value, m.text) for m in found] == [("account_name", name, name)]
    assert values.find(f"tickets from {name.lower()} last month") == []  # a name has capitals


def test_a_name_holds_the_words_inside_it() -> None:
    index = ValueIndex(
        entries=(
            DimensionValues(
                "customers", "industry", ("Food & Drink",), (("foods", "Food & Drink"),)
            ),
        ),
        names=(DimensionValues("customers", "customer_name", ("Hartwell Foods",)),),
    )
    assert [m.value for m in index.find("revenue of Hartwell Foods")] == ["Hartwell Foods"]
    assert [m.value for m in index.find("revenue of foods brands")] == ["Food & Drink"]


def test_an_acronym_and_its_plural_share_a_stem_where_porter2_keeps_the_s() -> None:
    assert stem("CSMs") == stem("csm") and stem("SDRs") == stem("sdr")
    assert stem("this") == "this" and stem("bus") == "bus"  # a vowel: Porter2's own rule
