"""Flask blueprints: parse, call a flow, serialize."""
from sidecar.api import (advice, approval_page, approvals, audit, deadletters, docs, events, fairness, health,
                         inventory, mappings, metrics, price_changes, replenishment, sync, transform)
from sidecar.console import views as console

BLUEPRINTS = [health.bp, docs.bp, events.bp, approvals.bp, approval_page.bp, deadletters.bp, audit.bp,
              price_changes.bp, replenishment.bp, mappings.bp, inventory.bp, transform.bp, sync.bp,
              metrics.bp, console.bp, advice.bp, fairness.bp]
