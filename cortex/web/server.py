"""Running Cortex's internal site: a Starlette app under uvicorn, as for Slack.

    site = build_web(settings, dev_user=None)        # the agent, access.yml, the audit trail
    serve(site, host="127.0.0.1", port=8080)         # behind the sign-in proxy
    with running(site) as url: ...                   # in a background thread (tests)

`asgi_app(site)` is the app: the pages of `WebSite`, the static files, and `Guarded` around
them (security headers, errors as pages with a trace id).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from cortex.access import LiveAccess, load_access
from cortex.assembly import build_agent
from cortex.errors import UserError
from cortex.serving import serving
from cortex.settings import Settings
from cortex.stores.audit import AuditLog
from cortex.web.assets import STATIC_DIR
from cortex.web.middleware import Guarded
from cortex.web.pages import WebSite
from cortex.web.signin import DEFAULT_EMAIL_HEADER, SignIn
from cortex.workspace import Workspace, ensure_warehouse
from semantic_layer.errors import did_you_mean

__all__ = ["asgi_app", "build_web", "running", "serve"]


def build_web(
    settings: Settings, *, email_header: str = DEFAULT_EMAIL_HEADER, dev_user: str | None = None
) -> WebSite:
    """The site for `settings`. access.yml must load (a broken one is a `UserError` naming
    file and line), and a `dev_user` must be the e-mail of one of its users."""
    ensure_warehouse(settings)
    workspace = Workspace.open(settings)
    try:
        policy = load_access(settings.access_path, workspace.model)
        if dev_user is not None and policy.user_by_email(dev_user) is None:
            emails = [u.email for u in policy.users.values() if u.email is not None]
            raise UserError(
                f"--dev-user {dev_user}: no user of {settings.access_path.name} has that e-mail."
                + did_you_mean(dev_user.lower(), emails),
                hint="Give the e-mail of a user listed there (`email:`), or add yours.",
            )
    except BaseException:
        workspace.close()
        raise
    access = LiveAccess(settings.access_path, workspace.model)  # edits apply without a restart
    signin = SignIn(access, header=email_header, dev_user=dev_user)
    return WebSite(build_agent(workspace), signin, AuditLog(settings.audit_path))


def asgi_app(site: WebSite) -> Starlette:
    """The ASGI app serving `site`."""

    async def not_found(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        if status == 405:
            return site.message_page(405, "Not here", "This address does not take that request.")
        return site.message_page(
            404, "Nothing here", "There is no such page, or it is not yours to see."
        )

    def error_page(status: int, title: str, message: str, trace_id: str | None) -> str:
        return bytes(site.message_page(status, title, message, trace_id=trace_id).body).decode()

    return Starlette(
        routes=[*site.routes(), Mount("/static", StaticFiles(directory=STATIC_DIR), name="static")],
        middleware=[Middleware(Guarded, error_page=error_page)],
        exception_handlers={404: not_found, 405: not_found},
    )


def serve(site: WebSite, *, host: str, port: int) -> None:
    """Serve the site until interrupted."""
    site.vega.warm()
    uvicorn.run(
        asgi_app(site),
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        log_config=None,  # uvicorn's lines go through the process's (redacting) log handler
        proxy_headers=False,  # the proxy's headers are read by the site itself, by name
    )


@contextmanager
def running(site: WebSite, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve in a background thread; yields the site's base URL (port 0: a free port)."""
    app = asgi_app(site)
    with serving(app, host=host, port=port, name="cortex-web", proxy_headers=False) as bound:
        yield f"http://{bound[0]}:{bound[1]}"
