"""Forms that only Cortex's own pages can post: a token per person, and the Origin checked.

Sign-in rides on the proxy's cookie, which a browser also sends with a form another site
posts here. So every form carries `token_for(email)`, an HMAC of the person's e-mail under a
key made when the process starts (another site cannot read it); a post without the right
token, or whose `Origin` header names another site, is refused (403). A restart changes the
key: a page left open over it gets "reload the page" when it posts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

__all__ = ["FormGuard"]


class FormGuard:
    """Makes and checks the token every form of the site carries."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)

    def token_for(self, email: str) -> str:
        """The token of `email`'s forms."""
        return hmac.new(self._key, email.encode("utf-8"), hashlib.sha256).hexdigest()

    def accepts(self, email: str, token: str, headers: Mapping[str, str]) -> bool:
        """Whether a post by `email` carries their token and comes from this site."""
        if not hmac.compare_digest(self.token_for(email), token):
            return False
        origin = headers.get("origin")
        if origin is None:
            return True  # an older browser, or a privacy setting: the token is the check
        hosts = {headers.get("host"), headers.get("x-forwarded-host")} - {None}
        return urlsplit(origin).netloc in hosts
