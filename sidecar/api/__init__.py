"""Flask blueprints: parse, call a flow, serialize."""
from sidecar.api import approvals, audit, deadletters, events, health

BLUEPRINTS = [health.bp, events.bp, approvals.bp, deadletters.bp, audit.bp]
