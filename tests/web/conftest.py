"""The internal site on the demo warehouse, with an access policy of four people.

`site_for(tmp, dev_user=None)` builds the site as `cortex serve web` does (`build_web`), over
the session's demo warehouse, the repository's metrics.yml and context, and `ACCESS_YML`;
`site` is one for the module. `signed_in(email)` is the header the sign-in proxy would set.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from cortex.settings import load_settings
from cortex.web import DEFAULT_EMAIL_HEADER, build_web
from cortex.web.pages import WebSite
from tests.conftest import DEMO_AS_OF

ROOT = Path(__file__).resolve().parents[2]

ANALYST = "ada@example.com"
SUPPORT = "sam@example.com"
REP = "lucas@example.com"
OTHER_REP = "amara@example.com"
STRANGER = "stan@example.com"
REP_NAME = "Lucas Meyer"
OTHER_REP_NAME = "Amara Okafor"

ACCESS_YML = f"""\
version: 1
roles:
  analyst: {{description: Sees every metric and every row.}}
  sales_rep: {{description: Revenue metrics for the accounts they own.}}
  support: {{description: Support metrics only.}}
users:
  U0ANALYST: {{name: Ada Analyst, email: {ANALYST}, roles: [analyst]}}
  U0SUPPORT: {{name: Sam Support, email: {SUPPORT.upper()}, roles: [support]}}
  U0REP1:
    name: {REP_NAME}
    email: {REP}
    roles: [sales_rep]
    attributes: {{account_owner: {REP_NAME}}}
  U0REP2:
    name: {OTHER_REP_NAME}
    email: {OTHER_REP}
    roles: [sales_rep]
    attributes: {{account_owner: {OTHER_REP_NAME}}}
tables:
  subscriptions: {{requires: [analyst, sales_rep]}}
  opportunities: {{requires: [analyst]}}
row_policies:
  - role: sales_rep
    dimension: account_owner
    equals: user.account_owner
audit: {{requires: [analyst]}}
"""


def signed_in(email: str) -> dict[str, str]:
    """The header the sign-in proxy sets for `email`."""
    return {DEFAULT_EMAIL_HEADER: email}


def site_for(folder: Path, demo_path: Path, *, dev_user: str | None = None) -> WebSite:
    """The site as `cortex serve web` builds it, its files (access.yml, audit) in `folder`."""
    access = folder / "access.yml"
    access.write_text(textwrap.dedent(ACCESS_YML), encoding="utf-8")
    environ = {
        "CORTEX_WAREHOUSE": str(demo_path),
        "CORTEX_METRICS": str(ROOT / "metrics.yml"),
        "CORTEX_CONTEXT": str(ROOT / "context"),
        "CORTEX_ACCESS": str(access),
        "CORTEX_AS_OF": DEMO_AS_OF.isoformat(),
    }
    return build_web(load_settings(environ, cwd=folder), dev_user=dev_user)


@pytest.fixture(scope="module")
def site(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSite]:
    built = site_for(tmp_path_factory.mktemp("web"), demo_path)
    try:
        yield built
    finally:
        built.agent.close()
