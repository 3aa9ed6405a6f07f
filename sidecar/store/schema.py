"""Tables of the sidecar's own state: only what reliability and audit need."""
from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Timestamps are UTC epoch seconds (portable, comparable); APIs render them as ISO 8601.
idempotency = sa.Table(
    "idempotency", metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("operation", sa.String(64), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
# Retention deletes by these times (store/retention.py): each prune batch finds its rows through an index.
sa.Index("idempotency_created_at", idempotency.c.created_at)

# The governed decisions of every flow (the name is historical: the first flow was sales-order release).
releases = sa.Table(
    "releases", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    # The decided document's id, whatever its model (a sale.order, a purchase.order, ...).
    sa.Column("order_id", sa.Integer, nullable=False, index=True),
    sa.Column("order_name", sa.String(64)),
    sa.Column("event_id", sa.String(255), nullable=False),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("decision", sa.JSON, nullable=False),
    sa.Column("facts", sa.JSON, nullable=False),
    sa.Column("policy_version", sa.String(64), nullable=False),
    sa.Column("requested_by", sa.String(255)),
    # 1 while the release is in flight; at most one in flight per flow and document (partial unique index).
    sa.Column("in_flight", sa.Integer, nullable=False, default=1),
    # The order's write_date as our own write-backs left it (scheduling an activity writes the order).
    sa.Column("expected_write_date", sa.String(32)),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    # The flow that decided (e.g. "sales-order-release") and the document's Odoo model; nullable only
    # because the store upgrade adds them (it fills older rows with the release flow's).
    sa.Column("flow", sa.String(64)),
    sa.Column("model", sa.String(64)),
    # The correlation id of the event that was decided (X-Correlation-Id or n8n's execution id).
    sa.Column("correlation_id", sa.String(128)),
)
# Keyed by flow too: two flows may govern one document at once (a purchase order's procurement check,
# then its approval), each with its own decision; one flow never has two on the same document.
sa.Index(
    "releases_one_in_flight_per_order", releases.c.flow, releases.c.model, releases.c.order_id, unique=True,
    sqlite_where=releases.c.in_flight == 1, postgresql_where=releases.c.in_flight == 1,
)

approvals = sa.Table(
    "approvals", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("release_id", sa.String(40), sa.ForeignKey("releases.id"), nullable=False, unique=True),
    sa.Column("order_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("role", sa.String(64)),
    sa.Column("assignee", sa.String(255)),
    sa.Column("eligible", sa.JSON, nullable=False),
    sa.Column("requested_by", sa.String(255)),
    sa.Column("salesperson", sa.String(255)),
    sa.Column("due_at", sa.Float),
    # Bumped by each re-route: decision tokens carry it, so older tokens stop working.
    sa.Column("generation", sa.Integer, nullable=False, default=0),
    # The outbox key of the approver's open Odoo activity (None when there is none).
    sa.Column("activity_ref", sa.String(255)),
    sa.Column("decided_by", sa.String(255)),
    # SHA-256 of the token that decided: its repeat answers the same, another token is a 409.
    sa.Column("decided_token", sa.String(64)),
    sa.Column("comment", sa.Text),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("decided_at", sa.Float),
    # Every tier with its state (waiting/open/approved), due time and activity; None for one-tier
    # approvals stored before tiers existed (role/eligible/assignee/due_at then are the only tier).
    # role/eligible/assignee/due_at mirror the first open tier, for existing readers.
    sa.Column("tiers", sa.JSON),
    # n8n's `$execution.resumeUrl` of a Wait node: the final outcome is POSTed to it (outbox job).
    sa.Column("resume_url", sa.String(2000)),
)

# One row per person's approve or reject of an approval's tier. Unique per (approval, voter): one
# person decides once, in one tier only (segregation of duties between tiers).
approval_votes = sa.Table(
    "approval_votes", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("approval_id", sa.String(40), sa.ForeignKey("approvals.id"), nullable=False, index=True),
    sa.Column("tier", sa.Integer, nullable=False),
    sa.Column("role", sa.String(64)),
    sa.Column("voter", sa.String(255), nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),
    sa.Column("comment", sa.Text),
    # SHA-256 of the token (or `odoo-activity:<id>`) that carried the vote: its repeat answers the same.
    sa.Column("token", sa.String(80), nullable=False, unique=True),
    sa.Column("via", sa.String(64)),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.UniqueConstraint("approval_id", "voter", name="approval_votes_one_per_person"),
)

jobs = sa.Table(
    "jobs", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    # Unique across every state, finished ones too: a duplicate never runs twice.
    sa.Column("idempotency_key", sa.String(255), nullable=False, unique=True),
    sa.Column("release_id", sa.String(40), index=True),
    # Jobs of one document (model + id) run in `seq` order: a job waits while an earlier one is not settled.
    sa.Column("order_id", sa.Integer),
    sa.Column("seq", sa.Integer),
    sa.Column("operation", sa.String(64), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),  # Odoo calls that came back
    sa.Column("crashes", sa.Integer, nullable=False, default=0),   # claims lost with no outcome
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("first_failed_at", sa.Float),  # start of the current run of failures (time budget)
    sa.Column("locked_until", sa.Float),
    sa.Column("claim_token", sa.String(40)),  # fences every update to the claim that ran the job
    sa.Column("last_error", sa.Text),
    sa.Column("category", sa.String(32)),
    sa.Column("result", sa.JSON),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Column("done_at", sa.Float),
    sa.Column("model", sa.String(64)),  # the document's Odoo model (added by the store upgrade)
    # Higher runs first among due jobs (None: DEFAULT_PRIORITY); added by the store upgrade.
    sa.Column("priority", sa.Integer),
    sa.Column("correlation_id", sa.String(128)),  # its release's, else the request's that queued it
)
sa.Index("jobs_order_seq", jobs.c.model, jobs.c.order_id, jobs.c.seq, unique=True)
sa.Index("jobs_state_updated_at", jobs.c.state, jobs.c.updated_at)  # retention: finished jobs by age

dead_letters = sa.Table(
    "dead_letters", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("category", sa.String(32), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("summary", sa.Text, nullable=False),
    # What the letter holds: a job id, an event's idempotency key or an n8n execution id.
    sa.Column("ref", sa.String(255), index=True),
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("replay_count", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    # Why it cannot be replayed or why it was closed, who closed it, and the letter it duplicates.
    sa.Column("reason", sa.Text),
    sa.Column("closed_by", sa.String(255)),
    sa.Column("linked_to", sa.String(40)),
)
sa.Index("dead_letters_status_updated_at", dead_letters.c.status, dead_letters.c.updated_at)  # retention

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("kind", sa.String(48), nullable=False),
    sa.Column("subject", sa.String(255), nullable=False),
    sa.Column("actor", sa.String(255)),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

# One row: the chain's head, updated with each append; a deleted tail shows up against it.
audit_head = sa.Table(
    "audit_head", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)

seen_signatures = sa.Table(
    "seen_signatures", metadata,
    sa.Column("signature", sa.String(128), primary_key=True),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
)

# Named leases (e.g. one reconciliation at a time, whichever process or n8n retry starts it).
locks = sa.Table(
    "locks", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("holder", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

# Price changes (flow price-change): each one's lifecycle state and its history; the decision that
# approved it is a release, the pricelist item it wrote lives in Odoo.
price_changes = sa.Table(
    "price_changes", metadata,
    sa.Column("id", sa.String(40), primary_key=True),  # the id of its decision (release)
    sa.Column("release_id", sa.String(40), nullable=False, index=True),
    sa.Column("product_tmpl_id", sa.Integer, nullable=False, index=True),
    sa.Column("product_id", sa.Integer),
    sa.Column("pricelist_id", sa.Integer, nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("proposal", sa.JSON, nullable=False),  # what was asked, as decided
    sa.Column("item_id", sa.Integer),                # the product.pricelist.item written in Odoo
    sa.Column("channels", sa.JSON),                  # where n8n published it
    sa.Column("history", sa.JSON, nullable=False),   # every transition: from, to, at, actor, detail
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# Cross-references to Odoo (sidecar/mapping): another system's SKU, unit, pack and partner codes, tax rates. `source`
# is that system's name, or "*" for a row that holds for every source. The Odoo side is kept as Odoo read
# it when the row was written (a product's unit, a uom.uom's factor), so a transform needs no Odoo call.
def _mapping_table(name: str, *columns, key: tuple[str, ...]) -> sa.Table:
    table = sa.Table(
        name, metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(64), nullable=False),
        *columns,
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("updated_by", sa.String(255)),
    )
    sa.Index(f"{name}_key", *(table.c[column] for column in ("source", *key)), unique=True)
    return table


mapping_skus = _mapping_table(
    "mapping_skus",
    sa.Column("sku", sa.String(128), nullable=False),
    sa.Column("product_id", sa.Integer, nullable=False),
    sa.Column("default_code", sa.String(128)),
    sa.Column("uom", sa.JSON, nullable=False),  # the product's uom.uom: id, name, category_id, factor, rounding
    key=("sku",))
mapping_units = _mapping_table(
    "mapping_units",
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("uom_id", sa.Integer, nullable=False),
    sa.Column("uom", sa.JSON, nullable=False),
    key=("unit",))
mapping_packs = _mapping_table(
    "mapping_packs",
    sa.Column("unit", sa.String(64), nullable=False),
    sa.Column("product_id", sa.Integer, nullable=False),
    sa.Column("quantity", sa.Float, nullable=False),  # how much of the product's own UoM one pack holds
    sa.Column("packaging_id", sa.Integer),            # the product.packaging it was read from, if any
    sa.Column("default_code", sa.String(128)),
    sa.Column("uom", sa.JSON, nullable=False),
    key=("unit", "product_id"))
mapping_partners = _mapping_table(
    "mapping_partners",
    sa.Column("external_id", sa.String(128), nullable=False),
    sa.Column("partner_id", sa.Integer, nullable=False),
    sa.Column("name", sa.String(255)),
    key=("external_id",))
mapping_taxes = _mapping_table(
    "mapping_taxes",
    sa.Column("rate", sa.Float, nullable=False),     # percent, rounded as Odoo keeps account.tax amount (4 digits)
    sa.Column("tax_id", sa.Integer, nullable=False),  # the account.tax a line charged at this rate gets
    sa.Column("name", sa.String(255)),                # the tax's name as Odoo read it when the row was written
    key=("rate",))
# One row, bumped by every mapping change: a process keeps its loaded mappings while this number stays.
mapping_generation = sa.Table(
    "mapping_generation", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("generation", sa.Integer, nullable=False),
)

# Inventory positions (stock room): the quantity of one product, in one warehouse, of one lot, in each
# state of the inventory lifecycle; a move takes from one state's column and adds to another's.
INVENTORY_STATES = ("received", "quality_hold", "available", "reserved", "allocated", "shipped")
inventory_positions = sa.Table(
    "inventory_positions", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("product_id", sa.Integer, nullable=False),     # Odoo's product.product id
    sa.Column("warehouse", sa.String(64), nullable=False),   # the warehouse's code (stock.warehouse.code)
    sa.Column("lot", sa.String(128), nullable=False),        # the lot's name; "" for none
    *(sa.Column(state, sa.Float, nullable=False, default=0.0) for state in INVENTORY_STATES),
    sa.Column("version", sa.Integer, nullable=False, default=0),  # bumped by every change (compare-and-set)
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.UniqueConstraint("product_id", "warehouse", "lot", name="inventory_positions_one_per_key"),
)

# Every change of a position: a move between two states, or an adjustment of one (with its reason).
inventory_moves = sa.Table(
    "inventory_moves", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("position_id", sa.String(40), sa.ForeignKey("inventory_positions.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),        # move | adjustment
    sa.Column("from_state", sa.String(16)),                  # None for an adjustment
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("quantity", sa.Float, nullable=False),         # signed for an adjustment
    sa.Column("reason", sa.Text),
    sa.Column("reference", sa.String(255)),                  # e.g. the order or receipt it was for
    sa.Column("actor", sa.String(255)),
    sa.Column("at", sa.Float, nullable=False),
)
