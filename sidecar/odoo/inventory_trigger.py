"""Install the inventory-adjustment trigger in Odoo: an Automation Rule on stock.quant posting a count once set.

Odoo 17 (stock/models/stock_quant.py) computes `inventory_quantity_set` (stored, writable) to True
whenever `inventory_quantity` is written, and `action_set_inventory_quantity` writes it True. Applying
(`_apply_inventory` writes `inventory_quantity` 0, then `action_apply_inventory` writes the flag False)
and clearing (`action_clear_inventory_quantity`) go True -> True -> False. So the rule watches the flag
(trigger "On save" with trigger field `inventory_quantity_set`), runs only on quants where it was False
before the save ("Before Update Domain") and is True after ("Apply on"): a count being set, never the
sidecar's own apply or clear, nor a recount of a quant still counted. base_automation checks the trigger
field also when Odoo recomputes it (its `_compute_field_value` patch), which is how a plain write of
`inventory_quantity` is seen.
"""
from __future__ import annotations

from sidecar.odoo.gateway import OdooGateway
from sidecar.odoo.setup import _ensure, _field_ids, _model_id, check_webhook_url

QUANT_MODEL = "stock.quant"
RULE_NAME = "Inventory count set: notify n8n"
TRIGGER_FIELD = "inventory_quantity_set"
WEBHOOK_FIELDS = ("write_date", "write_uid", "inventory_quantity", "inventory_diff_quantity", "inventory_quantity_set")
BEFORE = "[('inventory_quantity_set', '=', False)]"
# Counts happen in stock locations; the inventory-loss quants Odoo creates while applying are not counts.
AFTER = "[('inventory_quantity_set', '=', True), ('location_id.usage', 'in', ['internal', 'transit'])]"


def install_inventory_adjustment(gw: OdooGateway, webhook_url: str) -> dict:
    """Make (or repair) the Automation Rule posting a quant to `webhook_url` when its count is set."""
    check_webhook_url(webhook_url)
    created: list[str] = []
    repaired: list[str] = []
    model = _model_id(gw, QUANT_MODEL)
    trigger_field, *webhook_fields = _field_ids(gw, QUANT_MODEL, (TRIGGER_FIELD, *WEBHOOK_FIELDS))
    # One create/write gives trigger, fields and domains together: Odoo computes the domains from the
    # trigger otherwise (and would clear them for "On save").
    rule_id = _ensure(gw, "base.automation", [("name", "=", RULE_NAME), ("model_id", "=", model)], {
        "name": RULE_NAME, "model_id": model, "trigger": "on_create_or_write", "active": True,
        "trigger_field_ids": [(6, 0, [trigger_field])], "filter_pre_domain": BEFORE, "filter_domain": AFTER,
    }, created, "automation rule", repaired)
    webhook_id = _ensure(gw, "ir.actions.server", [("base_automation_id", "=", rule_id), ("state", "=", "webhook")], {
        "name": "Send Webhook Notification", "model_id": model, "state": "webhook", "usage": "base_automation",
        "base_automation_id": rule_id, "webhook_url": webhook_url, "webhook_field_ids": [(6, 0, webhook_fields)],
    }, created, "webhook action", repaired)
    return {"rule_id": rule_id, "webhook_action_id": webhook_id, "created": created, "repaired": repaired}
