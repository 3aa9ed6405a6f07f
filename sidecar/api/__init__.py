"""Flask blueprints: parse, call a flow, serialize."""
from sidecar.api import approvals, audit, deadletters, docs, events, health

BLUEPRINTS = [health.bp, docs.bp, events.bp, approvals.bp, deadletters.bp, audit.bp]
