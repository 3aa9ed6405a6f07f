"""Flask blueprints: parse, call a flow, serialize."""
from sidecar.api import approval_page, approvals, audit, deadletters, docs, events, health, replenishment

BLUEPRINTS = [health.bp, docs.bp, events.bp, approvals.bp, approval_page.bp, deadletters.bp, audit.bp,
              replenishment.bp]
