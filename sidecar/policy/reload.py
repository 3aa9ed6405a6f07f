"""Pick up a changed policy file without a restart; a file that does not validate never replaces
the policy in force (it is logged and audited as policy.rejected, once per content)."""
from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path
from typing import Callable

from sidecar.errors import ConfigError
from sidecar.policy.audit import record_loaded, record_rejected
from sidecar.policy.loader import Policy, load_policy

CHECK_EVERY_SECONDS = 5.0


class PolicyReloader:
    """The policy in force from one file, re-read when the file's content changes (checked at most
    every `every` seconds, on the caller's thread: `current()` is cheap between checks)."""

    def __init__(self, path: str | Path, db, policy: Policy, every: float = CHECK_EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.path, self.db, self.every, self.clock = Path(path), db, every, clock
        self._policy, self._next = policy, clock() + every
        self._seen = self._digest()
        self._lock = threading.Lock()

    def _digest(self) -> str | None:
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            return None

    def current(self) -> Policy:
        """The policy in force, after a reload when its file changed and validates."""
        if self.clock() < self._next:
            return self._policy
        with self._lock:
            if self.clock() >= self._next:
                self._next = self.clock() + self.every
                self._check()
        return self._policy

    def _check(self) -> None:
        digest = self._digest()
        if digest is None or digest == self._seen:
            return
        self._seen = digest
        try:
            candidate = load_policy(self.path)
        except ConfigError as err:
            record_rejected(self.db, self._policy.name, str(self.path), err.problems, self._policy)
            return
        record_loaded(self.db, candidate, str(self.path))
        self._policy = candidate
