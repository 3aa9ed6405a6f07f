"""The inventory-adjustment trigger in Odoo: an Automation Rule on stock.quant posting a count once set
(made by `python -m sidecar odoo provision`, sidecar/odoo/desired_state.py).

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

QUANT_MODEL = "stock.quant"
RULE_NAME = "Inventory count set: notify n8n"
TRIGGER_FIELD = "inventory_quantity_set"
WEBHOOK_FIELDS = ("write_date", "write_uid", "inventory_quantity", "inventory_diff_quantity", "inventory_quantity_set")
BEFORE = "[('inventory_quantity_set', '=', False)]"
# Counts happen in stock locations; the inventory-loss quants Odoo creates while applying are not counts.
AFTER = "[('inventory_quantity_set', '=', True), ('location_id.usage', 'in', ['internal', 'transit'])]"
