"""The Slack app, served for real on 127.0.0.1, talking to a fake Slack Web API on 127.0.0.1.

`slack` starts a `FakeSlack` (port 0, a journal of every Web API call), builds `CortexSlack`
on the demo warehouse with the access policy below, serves it over HTTP with uvicorn and
yields a `SlackHarness`: the fake, a `SlackSender` that signs requests like Slack does, the
app and its audit log. Nothing is monkeypatched: bolt verifies the signatures and slack_sdk's
WebClient makes real HTTP calls.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cortex.access import load_access
from cortex.agent import Agent
from cortex.assembly import build_agent
from cortex.settings import load_settings
from cortex.slack.app import CortexSlack, slack_client
from cortex.slack.ledger import EventLedger
from cortex.slack.placeholders import Placeholders
from cortex.slack.server import running
from cortex.stores.audit import AuditLog
from cortex.workspace import Workspace
from tests.conftest import DEMO_AS_OF
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_client import SlackSender

ROOT = Path(__file__).resolve().parents[2]
BOT_TOKEN = "xoxb-test-0000-cortex-secret"
SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"

ANALYST = "U0ANALYST"
SUPPORT = "U0SUPPORT"
STRANGER = "U0STRANGER"
FINANCE_MEMBER = "U0FINANCE"
REPS = {"U0REP1": "Lucas Meyer", "U0REP2": "Amara Okafor"}
FINANCE_GROUP = "S0FINANCE"

ACCESS_YML = f"""\
version: 1
roles:
  analyst: {{description: Sees every metric and every row.}}
  finance: {{description: "Revenue metrics, every row."}}
  sales_rep: {{description: Revenue metrics for the accounts they own.}}
  support: {{description: Support metrics only.}}
users:
  {ANALYST}: {{name: Ada Analyst, roles: [analyst]}}
  {SUPPORT}: {{name: Sam Support, roles: [support]}}
  U0REP1: {{name: Lucas Meyer, roles: [sales_rep], attributes: {{account_owner: Lucas Meyer}}}}
  U0REP2: {{name: Amara Okafor, roles: [sales_rep], attributes: {{account_owner: Amara Okafor}}}}
groups:
  {FINANCE_GROUP}: {{name: finance-team, roles: [finance]}}
metrics:
  arr: {{requires: [analyst, finance, sales_rep]}}
  net_new_arr: {{requires: [analyst, finance, sales_rep]}}
row_policies:
  - role: sales_rep
    dimension: account_owner
    equals: user.account_owner
"""


@dataclass
class SlackHarness:
    """Everything a Slack test drives or inspects."""

    fake: FakeSlack
    sender: SlackSender
    app: CortexSlack
    audit: AuditLog


def slack_users() -> dict[str, dict[str, str]]:
    people = {ANALYST: "Ada Analyst", SUPPORT: "Sam Support", STRANGER: "Stan Ger"}
    people |= {FINANCE_MEMBER: "Fin Ance"} | REPS
    return {
        uid: {"name": name.split()[0].lower(), "real_name": name, "email": f"{uid}@example.com"}
        for uid, name in people.items()
    }


@pytest.fixture()
def workspace(demo_path: Path, tmp_path: Path) -> Iterator[Workspace]:
    access = tmp_path / "access.yml"
    access.write_text(textwrap.dedent(ACCESS_YML), encoding="utf-8")
    environ = {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_CONTEXT": str(ROOT / "context"),
        "CORTEX_ACCESS": str(access),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
    }
    with Workspace.open(load_settings(environ, cwd=tmp_path)) as opened:
        yield opened


def serve(workspace: Workspace, fake: FakeSlack, agent: Agent | None = None) -> CortexSlack:
    settings = workspace.settings
    events = settings.audit_path.with_name("slack_events.sqlite")
    return CortexSlack(
        agent=agent or build_agent(workspace),
        access=load_access(settings.access_path, workspace.model),
        audit=AuditLog(settings.audit_path),
        ledger=EventLedger(events),
        placeholders=Placeholders(events),
        client=slack_client(BOT_TOKEN, fake.url),
        signing_secret=SIGNING_SECRET,
    )


@pytest.fixture()
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(users=slack_users(), usergroups={FINANCE_GROUP: [FINANCE_MEMBER]}) as slack:
        yield slack


@pytest.fixture()
def slack(workspace: Workspace, fake: FakeSlack) -> Iterator[SlackHarness]:
    app = serve(workspace, fake)
    with running(app) as url:
        yield SlackHarness(
            fake, SlackSender(app_url=url, signing_secret=SIGNING_SECRET), app, app.audit
        )
