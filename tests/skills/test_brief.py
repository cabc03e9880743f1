"""brief.pdf: the full picture of one merchant, from the model and governed queries alone.

The brief is rendered once per module (PDF and HTML) on the demo for an account that has
tickets, conversions and opportunities and no AI agent; the PDF is read back as a person
would see it: its text with `pdftotext`, its pages as PNG with `pdftoppm`, its images with
`pdfimages`.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from cortex.settings import load_settings
from cortex.workspace import Workspace
from skills.base import Requester, SkillContext, SkillError, SkillResult
from skills.brief import BriefInput, BriefSkill
from skills.builtin import builtin_skills
from skills.registry import SkillRegistry
from skills.runner import run_skill
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shared_context(
    demo_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SkillContext]:
    folder = tmp_path_factory.mktemp("brief")
    environ = {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
        "CORTEX_OUTPUT_DIR": str(folder / "output"),
    }
    with Workspace.open(load_settings(environ, cwd=folder)) as workspace:
        yield SkillContext(workspace=workspace, requester=Requester(user_id="ada"))


@pytest.fixture(scope="module")
def account(demo_con: duckdb.DuckDBPyConnection) -> str:
    """The account without the AI agent with the most tickets among those with conversions
    and opportunities over the last 12 months."""
    row = demo_con.execute(
        """
        SELECT a.account_name FROM accounts a
        WHERE a.ai_agent_enabled_at IS NULL
          AND EXISTS (SELECT 1 FROM conversions c WHERE c.account_id = a.account_id)
          AND EXISTS (SELECT 1 FROM opportunities o WHERE o.account_id = a.account_id
                      AND o.close_date >= DATE '2025-12-01')
        ORDER BY (SELECT count(*) FROM tickets t WHERE t.account_id = a.account_id) DESC
        LIMIT 1
        """
    ).fetchone()
    assert row is not None
    return str(row[0])


@pytest.fixture(scope="module")
def pdf(shared_context: SkillContext, account: str) -> SkillResult:
    # written as people write it: lower case
    return BriefSkill().run(shared_context, BriefInput(name=account.lower()))


@pytest.fixture(scope="module")
def text(pdf: SkillResult) -> str:
    (path,) = pdf.files
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def test_the_brief_is_a_pdf_named_for_the_account_in_the_output_folder(
    pdf: SkillResult, account: str, shared_context: SkillContext
) -> None:
    (path,) = pdf.files
    assert path.parent == shared_context.settings.output_dir
    assert path.name == "brief-" + "-".join(account.lower().replace(".", "").split()) + ".pdf"
    assert path.read_bytes().startswith(b"%PDF")
    first, second = pdf.text.splitlines()
    assert first.startswith(f"Brief on account {account}: ")
    assert second.startswith("Top product fit: ")


def test_the_brief_names_the_account_and_its_profile_from_the_model(
    text: str, account: str, demo_con: duckdb.DuckDBPyConnection
) -> None:
    segment, owner = demo_con.execute(
        "SELECT segment, owner_name FROM accounts WHERE account_name = ?", [account]
    ).fetchone() or ("", "")
    assert f"ACCOUNT BRIEF {account}" in text
    assert f"Segment {segment}" in text or segment in text
    assert owner in text


def test_its_numbers_equal_hand_written_sql(
    text: str, account: str, demo_con: duckdb.DuckDBPyConnection
) -> None:
    (tickets,) = demo_con.execute(
        """SELECT count(*) FROM tickets t JOIN accounts a USING (account_id)
           WHERE a.account_name = ? AND t.created_at >= DATE '2025-12-01'
             AND t.created_at < DATE '2026-11-25'""",
        [account],
    ).fetchone() or (0,)
    (arr,) = demo_con.execute(
        """SELECT sum(s.arr) FROM subscriptions s JOIN accounts a USING (account_id)
           WHERE a.account_name = ? AND s.started_on <= DATE '2026-11-24'
             AND (s.ended_on IS NULL OR s.ended_on > DATE '2026-11-24')""",
        [account],
    ).fetchone() or (0,)
    # the tiles sit three to a row, so their headings come first, then their values
    assert re.search(rf"Ticket volume [^$]{{0,60}} {tickets:,} .{{0,12}}from 1 Dec 2025", text)
    assert re.search(rf"ARR [^$]{{0,40}}\${arr:,.0f} .{{0,30}}as of 24 Nov 2026", text)


def test_each_metric_has_its_monthly_chart_as_an_image(pdf: SkillResult, tmp_path: Path) -> None:
    (path,) = pdf.files
    listed = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True)
    images = [line for line in listed.stdout.decode().splitlines()[2:] if " image " in line]
    assert len(images) >= 15
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", "2", "-l", "2", str(path), str(tmp_path / "p")],
        check=True,
    )
    from PIL import Image

    (page,) = tmp_path.glob("p-*.png")
    dark = sum(Image.open(page).convert("L").histogram()[:200])
    assert dark > 2_000  # lines, axes and text: not a blank page


def test_coverage_gaps_name_the_intents_the_ai_does_not_handle_for_the_account(
    text: str, account: str, demo_con: duckdb.DuckDBPyConnection
) -> None:
    (top_intent,) = demo_con.execute(
        """SELECT intent FROM tickets t JOIN accounts a USING (account_id)
           WHERE a.account_name = ? AND t.resolved_at IS NOT NULL
             AND t.created_at >= DATE '2025-12-01' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""",
        [account],
    ).fetchone() or ("",)
    gaps = text.split("Coverage gaps", 1)[1].split("Product fit", 1)[0]
    assert f"with intent {top_intent}: AI automation rate 0.0% here" in gaps


def test_product_fit_is_sized_per_month_against_the_company_rate(
    pdf: SkillResult, text: str, demo_con: duckdb.DuckDBPyConnection
) -> None:
    fits = pdf.details["product_fits"]
    assert isinstance(fits, list) and fits
    top = fits[0]
    assert top["rate_here"] == 0.0 and top["rate_company"] > 0.05
    (company,) = demo_con.execute(
        f"""SELECT count(*) FILTER (WHERE handled_by = 'ai') / count(*) FROM tickets
            WHERE resolved_at IS NOT NULL AND created_at >= DATE '2025-12-01'
              AND created_at < DATE '2026-11-25'
              AND {"intent" if top["dimension"] == "intent" else "channel"} = ?""",
        [top["value"]],
    ).fetchone() or (0.0,)
    assert top["rate_company"] == pytest.approx(company)
    section = text.split("Product fit", 1)[1]
    assert f"vs {company * 100:.1f}% company-wide; at the company's rate, about" in section
    assert "more AI-resolved tickets a month" in section


def test_how_it_was_computed_lists_each_query_with_its_filters_and_sql(
    text: str, account: str
) -> None:
    computed = text.split("How this was computed", 1)[1]
    assert f"Filters: accounts.account_name = '{account}'" in computed
    assert "Time range: last 12 months (2025-12-01 to 2026-11-24)" in computed
    assert "SELECT" in computed and "FROM tickets" in computed


def test_the_same_brief_as_html(shared_context: SkillContext, account: str) -> None:
    result = BriefSkill().run(shared_context, BriefInput(name=account, format="html"))
    (path,) = result.files
    html = path.read_text()
    assert path.suffix == ".html"
    assert f"<h1>{account}</h1>" in html.replace("&#39;", "'")
    assert html.count('src="data:image/png;base64,') >= 15
    assert "Coverage gaps" in html and "How this was computed" in html


@pytest.mark.parametrize(
    ("name", "told"),
    [
        (
            "Mint Brige Company",
            "I found no account named 'Mint Brige Company'.\nDid you mean 'Mint Bridge Company'",
        ),
        ("emerald", "Several account names contain 'emerald': 'Emerald Beacon Club'"),
    ],
)
def test_an_unknown_or_ambiguous_name_is_told_with_what_to_do(
    shared_context: SkillContext, name: str, told: str
) -> None:
    with pytest.raises(SkillError) as raised:
        BriefSkill().run(shared_context, BriefInput(name=name))
    assert raised.value.user_message.startswith(told)


def test_brief_pdf_is_a_builtin_skill_that_refuses_an_unknown_format(
    shared_context: SkillContext,
) -> None:
    registry = SkillRegistry(builtin_skills(shared_context.settings))
    run = run_skill(registry, "brief.pdf", {"name": "x", "format": "docx"}, shared_context)
    assert run.outcome == "refused"
    assert "format: Input should be 'pdf' or 'html'" in run.message
