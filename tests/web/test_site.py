"""The internal site through Starlette's TestClient: who is let in, what each person sees.

Sign-in is the proxy's e-mail header mapped to access.yml (no header: 401; an e-mail no user
has: 403; `--dev-user` for a laptop); the catalog comes from the loaded model as the person may
see it; the audit pages are for the roles `audit: requires` lists; every answer runs with the
asker's row policy and is audited with source `web`; forms need the person's token; feedback is
the asker's alone.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cortex.cli import app as cortex_cli
from cortex.errors import UserError
from cortex.web import asgi_app
from cortex.web.middleware import CONTENT_SECURITY_POLICY, Guarded
from cortex.web.pages import WebSite
from cortex.web.signin import SignIn, SignInRefused
from tests.web.conftest import (
    ANALYST,
    OTHER_REP,
    OTHER_REP_NAME,
    REP,
    REP_NAME,
    STRANGER,
    SUPPORT,
    signed_in,
    site_for,
)

ARR_BY_SEGMENT = "What's our ARR by segment?"


@pytest.fixture(scope="module")
def client(site: WebSite) -> Iterator[TestClient]:
    with TestClient(asgi_app(site)) as test_client:
        yield test_client


def token_of(html: str) -> str:
    found = re.search(r'name="token" value="([0-9a-f]{64})"', html)
    assert found is not None, "the page has no form token"
    return found[1]


def ask(client: TestClient, email: str, question: str, conversation: str = "") -> int:
    """Ask as `email` through the form; the answer's audit record id."""
    token = token_of(client.get("/ask", headers=signed_in(email)).text)
    posted = client.post(
        "/ask",
        data={"question": question, "conversation": conversation, "token": token},
        headers=signed_in(email),
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    found = re.fullmatch(r"/answers/(\d+)", posted.headers["location"])
    assert found is not None
    return int(found[1])


def money(cell: str) -> float:
    return float(cell.replace("$", "").replace(",", ""))


# --------------------------------------------------------------------------- sign-in


def test_a_request_without_the_proxy_header_gets_401_saying_to_sign_in_through_the_proxy(
    client: TestClient,
) -> None:
    for path in ("/ask", "/catalog", "/audit", "/answers/1"):
        refused = client.get(path)
        assert refused.status_code == 401
        assert "Please sign in" in refused.text
        assert "X-Forwarded-Email" in refused.text
    assert client.post("/ask", data={"question": "anything"}).status_code == 401


def test_an_email_no_user_of_access_yml_has_gets_403(client: TestClient) -> None:
    refused = client.get("/ask", headers=signed_in(STRANGER))
    assert refused.status_code == 403
    assert f"You are signed in as {STRANGER}" in refused.text
    assert "access.yml" in refused.text


def test_the_email_is_matched_whatever_its_case(client: TestClient) -> None:
    page = client.get("/ask", headers=signed_in(SUPPORT.title()))  # SAM@EXAMPLE.COM in the file
    assert page.status_code == 200
    assert "Sam Support" in page.text


def test_the_header_name_is_configurable(site: WebSite) -> None:
    signin = SignIn(site.signin.access, header="X-Auth-Request-Email")
    assert signin.visitor({"X-Auth-Request-Email": REP}).user_id == "U0REP1"
    with pytest.raises(SignInRefused) as refused:
        signin.visitor(signed_in(REP))  # the default header is not read any more
    assert refused.value.status == 401


def test_a_dev_user_signs_in_every_request_whatever_its_header_and_is_shown_on_every_page(
    demo_path: Path, tmp_path: Path
) -> None:
    site = site_for(tmp_path, demo_path, dev_user=REP.upper())
    try:
        with TestClient(asgi_app(site)) as client:
            page = client.get("/ask")
            assert page.status_code == 200
            assert "Lucas Meyer" in page.text and "Development sign-in" in page.text
            # a local process naming someone else in the header is still the dev user
            spoofed = client.get("/ask", headers=signed_in(ANALYST))
            assert "Lucas Meyer" in spoofed.text and "Ada Analyst" not in spoofed.text
            assert client.get("/audit", headers=signed_in(ANALYST)).status_code == 403
    finally:
        site.agent.close()


def test_a_dev_user_must_be_in_access_yml(demo_path: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no user of access.yml has that e-mail") as raised:
        site_for(tmp_path, demo_path, dev_user="ada@example.org")
    assert "Did you mean 'ada@example.com'" in raised.value.message


def test_serve_web_refuses_a_dev_user_on_a_public_interface() -> None:
    result = CliRunner().invoke(
        cortex_cli, ["serve", "web", "--dev-user", ANALYST, "--host", "0.0.0.0"]
    )
    assert result.exit_code == 1
    assert "--dev-user signs in everyone who reaches the site" in result.output


# --------------------------------------------------------------------------- the catalog


def test_the_catalog_shows_each_metric_from_the_model(client: TestClient, site: WebSite) -> None:
    page = client.get("/catalog", headers=signed_in(ANALYST)).text
    arr = site.model.metric("arr")
    assert arr is not None
    section = page[page.index('id="arr"') : page.index('id="new_arr"')]
    assert arr.label in section and arr.owner in section and "certified" in section
    assert all(synonym in section for synonym in arr.synonyms)
    assert "subscriptions" in section  # lineage: measure, its table, the warehouse table
    verified = [v.question for v in site.model.verified_queries if "arr" in v.query.metrics]
    assert verified and all(q.replace("'", "&#39;") in section for q in verified)


def test_the_catalog_shows_only_what_the_person_may_see_and_their_rows(
    client: TestClient, site: WebSite
) -> None:
    analyst = client.get("/catalog", headers=signed_in(ANALYST)).text
    rep = client.get("/catalog", headers=signed_in(REP)).text
    assert 'id="pipeline_amount"' in analyst and 'id="pipeline_amount"' not in rep  # opportunities
    assert "more need a role you don't have" in rep
    assert f"account_owner = &#39;{REP_NAME}&#39;" in rep


# --------------------------------------------------------------------------- for analysts


def test_the_audit_pages_are_for_the_roles_access_yml_lists(client: TestClient) -> None:
    for email in (REP, SUPPORT):
        for path in ("/audit", "/feedback"):
            refused = client.get(path, headers=signed_in(email))
            assert refused.status_code == 403
            assert "audit: requires" in refused.text
        assert 'href="/audit"' not in client.get("/ask", headers=signed_in(email)).text
    for path in ("/audit", "/feedback"):
        assert client.get(path, headers=signed_in(ANALYST)).status_code == 200
    assert 'href="/audit"' in client.get("/ask", headers=signed_in(ANALYST)).text


# --------------------------------------------------------------------------- answers


def test_a_sales_rep_sees_only_their_accounts(
    client: TestClient, site: WebSite, demo_con: duckdb.DuckDBPyConnection
) -> None:
    def arr_of(owner: str | None) -> float:
        where = "AND owner_name = ?" if owner else ""
        found = demo_con.execute(
            "SELECT SUM(s.arr) FROM subscriptions s JOIN accounts a USING (account_id) "
            "WHERE s.started_on <= DATE '2026-11-24' AND (s.ended_on IS NULL OR "
            f"s.ended_on > DATE '2026-11-24') {where}",
            [owner] if owner else [],
        ).fetchone()
        assert found is not None
        return float(found[0])

    for email, owner in ((REP, REP_NAME), (OTHER_REP, OTHER_REP_NAME), (ANALYST, None)):
        record = ask(client, email, ARR_BY_SEGMENT)
        page = client.get(f"/answers/{record}", headers=signed_in(email)).text
        cells = re.findall(r'<td class="num">([^<]+)</td>', page)
        assert cells and sum(money(c) for c in cells) == pytest.approx(arr_of(owner))
        if owner is not None:
            assert f"ARR for {owner}" in page
            assert f"Filters: account_owner = &#39;{owner}&#39;" in page
        else:
            assert "Filters:" not in page
        audited = site.audit.get(record)
        assert audited is not None and audited.source == "web" and audited.sql is not None
        assert (f"'{owner}'" in audited.sql) if owner else ("owner_name" not in audited.sql)


def test_every_question_is_audited_as_asked_on_the_web(client: TestClient, site: WebSite) -> None:
    record = site.audit.get(ask(client, REP, ARR_BY_SEGMENT))
    assert record is not None
    assert (record.source, record.user_id, record.user_name) == ("web", "U0REP1", REP_NAME)
    assert record.outcome == "answered" and record.plan is not None


def test_an_answer_page_is_its_askers_alone(client: TestClient) -> None:
    record = ask(client, REP, ARR_BY_SEGMENT)
    assert client.get(f"/answers/{record}", headers=signed_in(REP)).status_code == 200
    for other in (OTHER_REP, ANALYST):
        assert client.get(f"/answers/{record}", headers=signed_in(other)).status_code == 404


def test_a_follow_up_builds_on_the_askers_conversation_only(
    client: TestClient, site: WebSite
) -> None:
    first = site.audit.get(ask(client, REP, ARR_BY_SEGMENT))
    assert first is not None and first.thread is not None
    follow_up = site.audit.get(
        ask(client, REP, "now by month over the last 6 months", first.thread)
    )
    assert follow_up is not None and follow_up.thread == first.thread
    assert follow_up.query is not None and "segment" in " ".join(follow_up.query.dimensions)
    page = client.get(f"/answers/{follow_up.id}", headers=signed_in(REP)).text
    assert 'class="earlier"' in page and ARR_BY_SEGMENT.replace("'", "&#39;") in page
    # Another person naming that conversation starts one of their own.
    theirs = site.audit.get(ask(client, OTHER_REP, "and by plan?", first.thread))
    assert theirs is not None and theirs.thread != first.thread


def test_a_form_without_the_persons_token_or_from_another_site_is_refused(
    client: TestClient,
) -> None:
    token = token_of(client.get("/ask", headers=signed_in(REP)).text)
    for data, headers in (
        ({"question": ARR_BY_SEGMENT}, signed_in(REP)),
        ({"question": ARR_BY_SEGMENT, "token": token}, signed_in(OTHER_REP)),  # not theirs
        (
            {"question": ARR_BY_SEGMENT, "token": token},
            {**signed_in(REP), "Origin": "https://evil.example"},
        ),
    ):
        refused = client.post("/ask", data=data, headers=headers, follow_redirects=False)
        assert refused.status_code == 403
        assert "Reload the page" in refused.text


def test_only_the_asker_rates_an_answer_and_it_reaches_the_queue(
    client: TestClient, site: WebSite
) -> None:
    record = ask(client, REP, ARR_BY_SEGMENT)
    analyst_token = token_of(client.get("/ask", headers=signed_in(ANALYST)).text)
    refused = client.post(
        f"/answers/{record}/feedback",
        data={"vote": "down", "token": analyst_token},
        headers=signed_in(ANALYST),
    )
    assert refused.status_code == 403 and "Only the person who asked" in refused.text
    rep_token = token_of(client.get("/ask", headers=signed_in(REP)).text)
    rated = client.post(
        f"/answers/{record}/feedback",
        data={"vote": "down", "comment": "missing renewals", "token": rep_token},
        headers=signed_in(REP),
        follow_redirects=False,
    )
    assert rated.status_code == 303
    audited = site.audit.get(record)
    assert audited is not None
    assert (audited.feedback, audited.feedback_comment, audited.feedback_by) == (
        "down",
        "missing renewals",
        "U0REP1",
    )
    queue = client.get("/feedback", headers=signed_in(ANALYST)).text
    assert f'id="record-{record}"' in queue and "missing renewals" in queue


def test_an_empty_question_is_asked_for_again(client: TestClient) -> None:
    token = token_of(client.get("/ask", headers=signed_in(REP)).text)
    page = client.post("/ask", data={"question": "  ", "token": token}, headers=signed_in(REP))
    assert page.status_code == 400 and "Type a question first." in page.text


# --------------------------------------------------------------------------- files, headers, errors


def test_pages_carry_a_content_security_policy_and_the_charts_script_is_served_locally(
    client: TestClient,
) -> None:
    page = client.get("/ask", headers=signed_in(REP))
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert (
        "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe" not in CONTENT_SECURITY_POLICY
    )
    script = client.get("/assets/vega.js")
    assert script.status_code == 200 and "window.vegaEmbed=" in script.text
    again = client.get("/assets/vega.js", headers={"If-None-Match": script.headers["etag"]})
    assert again.status_code == 304
    assert client.get("/static/site.css").status_code == 200


def test_an_unknown_page_is_a_page_not_a_trace(client: TestClient) -> None:
    missing = client.get("/nowhere", headers=signed_in(REP))
    assert missing.status_code == 404 and "Nothing here" in missing.text


def test_an_unexpected_error_shows_a_trace_id_and_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(request: Request) -> Response:
        raise RuntimeError("secret internals")

    def page(status: int, title: str, message: str, trace_id: str | None) -> str:
        return f"<h1>{title}</h1><p>{message}</p><p>{trace_id}</p>"

    from starlette.middleware import Middleware

    app = Starlette(routes=[Route("/", broken)], middleware=[Middleware(Guarded, error_page=page)])
    with TestClient(app) as client:
        shown = client.get("/")
    assert shown.status_code == 500
    trace = re.search(r"report trace id ([0-9a-f]{8})", shown.text)
    assert trace is not None
    assert "secret internals" not in shown.text and "Traceback" not in shown.text
    assert f"trace {trace[1]}" in caplog.text and "secret internals" in caplog.text


def test_an_answer_page_shows_the_answer_as_given_while_access_is_unchanged(site: WebSite) -> None:
    with TestClient(asgi_app(site)) as client:
        record = ask(client, REP, ARR_BY_SEGMENT)  # a verified question, with her row filter
        page = client.get(f"/answers/{record}", headers=signed_in(REP)).text
        assert "Verified query" in page  # computed again, it would read "Generated query"


def test_a_remembered_answer_is_computed_again_once_the_persons_access_narrows(
    demo_path: Path, tmp_path: Path
) -> None:
    site = site_for(tmp_path, demo_path)
    try:
        with TestClient(asgi_app(site)) as client:
            record = ask(client, ANALYST, "What is our ARR?")
            before = client.get(f"/answers/{record}", headers=signed_in(ANALYST)).text
            access = tmp_path / "access.yml"  # Ada becomes a sales rep owning Lucas's accounts
            text = access.read_text(encoding="utf-8").replace(
                "U0ANALYST: {name: Ada Analyst, email: ada@example.com, roles: [analyst]}",
                "U0ANALYST: {name: Ada Analyst, email: ada@example.com, roles: [sales_rep], "
                f"attributes: {{account_owner: {REP_NAME}}}}}",
            )
            assert text != access.read_text(encoding="utf-8")
            access.write_text(text, encoding="utf-8")
            os.utime(access, (time.time() + 5, time.time() + 5))  # seen as changed at once
            after = client.get(f"/answers/{record}", headers=signed_in(ANALYST)).text
            assert "sales_rep" in after and REP_NAME in after
            assert _headline(after) != _headline(before)
    finally:
        site.agent.close()


def _headline(page: str) -> str:
    found = re.search(r'<p class="sentence" id="sentence">(.*?)</p>', page, re.S)
    assert found is not None
    return found[1]
