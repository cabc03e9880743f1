"""`LiveAccess`: access.yml read again whenever it changes, so an edit applies at once."""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

from cortex.access.grants import Grant
from cortex.access.policy import AccessPolicy, Principal
from cortex.access.reader import load_access
from cortex.errors import AccessDenied, UserError
from semantic_layer.model import SemanticModel

_log = logging.getLogger("cortex.access")


class LiveAccess:
    """access.yml as it is now: read again when its content changes, so a revocation takes
    effect on the next question without a restart.

    The file is small, so every question reads it and compares a SHA-256 of its bytes with
    that of the policy in force: an edit is seen whatever its size and modification time (an
    editor or `git checkout` can keep both, and a coarse clock can hide a quick edit).

    A file that no longer loads fails closed: every question is refused, saying the policy
    is broken and how to find the problem, until the file is fixed.
    """

    def __init__(self, path: str | Path, model: SemanticModel) -> None:
        self.path = Path(path)
        self.model = model
        self._lock = threading.Lock()
        self._digest = self._digest_now()
        self._policy: AccessPolicy | None = load_access(self.path, model)

    def _digest_now(self) -> bytes | None:
        """The SHA-256 of the file's bytes; None when it cannot be read."""
        try:
            return hashlib.sha256(self.path.read_bytes()).digest()
        except OSError:
            return None

    def current(self) -> AccessPolicy:
        """The policy in the file now; AccessDenied while the file is missing or broken."""
        with self._lock:
            digest = self._digest_now()
            if digest != self._digest:
                self._digest = digest  # an edit during the load is seen by the next question
                try:
                    self._policy = load_access(self.path, self.model)
                except UserError:
                    _log.exception("access.yml at %s no longer loads: refusing everyone", self.path)
                    self._policy = None
            if self._policy is None:
                raise AccessDenied(
                    "Cortex's access policy cannot be read right now, so I can't answer anyone.",
                    hint="Ask a Cortex admin to run `cortex check` and fix access.yml.",
                )
            return self._policy

    def grant_for(self, principal: Principal) -> Grant:
        """The grant of `principal` under the current policy."""
        return self.current().grant_for(principal)

    @property
    def group_ids(self) -> frozenset[str]:
        """The user groups the current policy names (none while it is broken)."""
        try:
            return self.current().group_ids
        except AccessDenied:
            return frozenset()
