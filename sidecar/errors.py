"""The sidecar's exception hierarchy; each maps to one JSON error status."""
from __future__ import annotations


class SidecarError(Exception):
    """Base error: carries an HTTP status, a stable code and optional details."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, details: list | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []
        if code:
            self.code = code


class InvalidPayload(SidecarError):
    status, code = 400, "invalid_payload"


class Unauthenticated(SidecarError):
    status, code = 401, "unauthenticated"


class Forbidden(SidecarError):
    status, code = 403, "forbidden"


class NotFound(SidecarError):
    status, code = 404, "not_found"


class Conflict(SidecarError):
    status, code = 409, "conflict"


class PayloadTooLarge(SidecarError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(SidecarError):
    status, code = 415, "unsupported_media_type"


class PolicyInvalid(SidecarError):
    status, code = 422, "policy_invalid"


class DependencyDown(SidecarError):
    status, code = 503, "dependency_unavailable"


class StoreBusy(DependencyDown):
    """The store waited too long for a lock; the client should retry after `retry_after` seconds."""

    code = "store_busy"
    retry_after = 5


class ConfigError(Exception):
    """Configuration is missing or malformed; raised at start-up with every problem listed."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid configuration:\n  - " + "\n  - ".join(problems))
        self.problems = problems
