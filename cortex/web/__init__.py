"""Cortex's internal site: ask and follow up, see the answer's chart, table and provenance, rate
it, browse the metric catalog, and (for analysts) read the audit trail and the thumbs-down queue.

A surface like Slack and the CLI: a Starlette app served by uvicorn (`cortex serve web`), pages
rendered on the server from autoescaping jinja2 templates, one small stylesheet and script, and
Vega-Lite charts drawn in the browser by vega-embed served from this process (no CDN).

People sign in through a trusted reverse proxy that sets their e-mail in a header (`signin`);
access.yml maps the e-mail to a user, whose roles and row policies apply to every question as
in Slack; every question is audited with source `web`.

The modules: `signin` (who is asking), `forms` (the token every form carries), `pages` (the
pages), `answer_view` and `catalog_view` (what a page shows of an answer, of the catalog),
`templates` (rendering), `assets` (the local Vega bundle), `middleware` (security headers,
errors as pages), `server` (building and serving the site).
"""

from cortex.web.server import asgi_app, build_web, running, serve
from cortex.web.signin import DEFAULT_EMAIL_HEADER

__all__ = ["DEFAULT_EMAIL_HEADER", "asgi_app", "build_web", "running", "serve"]
