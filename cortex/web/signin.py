"""Who is at the browser: the e-mail a trusted sign-in proxy sets, mapped to an access.yml user.

Cortex's site does no sign-in of its own. It runs behind a reverse proxy that signs people in
(oauth2-proxy, or the company's gateway) and passes each request on with the person's e-mail
in a header (`X-Forwarded-Email` unless configured otherwise). The e-mail is looked up among
access.yml's users (`email:`), and the person gets exactly the `Grant` that Slack gives the
same user: their roles and row policies, read through `AccessPolicy.grant_for`.

- No header: 401, saying that sign-in goes through the proxy (unless a development user is
  set, `cortex serve web --dev-user EMAIL`, for a laptop with no proxy).
- An e-mail that no user of access.yml has, or a user with no role: 403. Fail closed.
- access.yml broken: 403 for everyone until it loads again (as in Slack).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from cortex.access import Grant, LiveAccess, Member, Principal
from cortex.errors import AccessDenied

__all__ = ["DEFAULT_EMAIL_HEADER", "SignIn", "SignInRefused", "Visitor"]

#: The header oauth2-proxy sets with the signed-in person's e-mail (`--pass-user-headers`).
DEFAULT_EMAIL_HEADER: Final = "X-Forwarded-Email"


@dataclass(frozen=True)
class Visitor:
    """A signed-in person: their e-mail, their access.yml user, and what they may see."""

    email: str
    member: Member
    grant: Grant
    #: whether one of their roles is among those access.yml's `audit: {requires}` lists
    reads_audit: bool

    @property
    def user_id(self) -> str:
        """Their access.yml user id: the audit trail's `user_id`, as for Slack."""
        return self.member.id

    @property
    def name(self) -> str:
        """How pages and the audit trail name them."""
        return self.member.name or self.email


class SignInRefused(Exception):
    """A request no one is signed in for: the status (401 or 403) and what to tell them."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@dataclass(frozen=True)
class SignIn:
    """Turns a request's headers into a `Visitor`, or refuses it."""

    access: LiveAccess
    header: str = DEFAULT_EMAIL_HEADER
    #: local development only: the e-mail every request is signed in as (the header ignored)
    dev_user: str | None = None

    def visitor(self, headers: Mapping[str, str]) -> Visitor:
        """The person the request is for; `SignInRefused` (401 or 403) when there is none."""
        given = (headers.get(self.header) or "").strip().lower()
        # with a development user every request is that user: a header (which any local
        # process can set) never signs anyone else in
        email = (self.dev_user or "").strip().lower() if self.dev_user else given
        if not email:
            raise SignInRefused(
                401,
                "Please sign in",
                "Cortex signs you in through the company's sign-in page: open it through "
                f"the usual address, not this server directly (the sign-in proxy sets the "
                f"{self.header} header, and this request has none).",
            )
        try:
            policy = self.access.current()
        except AccessDenied as denied:
            raise SignInRefused(403, "Cortex is closed for now", denied.user_message) from None
        member = policy.user_by_email(email)
        if member is None:
            raise SignInRefused(
                403,
                "Not allowed yet",
                f"You are signed in as {email}, and no user of Cortex's access policy has that "
                "e-mail, so you may not use Cortex yet. Ask a Cortex admin to add it to your "
                "entry in access.yml (`email:`).",
            )
        try:
            grant = policy.grant_for(Principal(member.id, name=member.name))
        except AccessDenied:
            raise SignInRefused(
                403,
                "Not allowed yet",
                f"You are signed in as {email}, and your entry in access.yml ({member.id}) has "
                "no role, so you may not use Cortex yet. Ask a Cortex admin to give you one.",
            ) from None
        return Visitor(email, member, grant, policy.may_read_audit(grant.roles))
