"""Write-backs of the return-request flow: the return receipt and the draft credit note, through Odoo's own wizards.

- `create_return` runs stock.return.picking (stock/wizard/stock_picking_return.py) as the Return
  button does: created with the delivery as `active_id`, its lines (one per move, each holding what
  Odoo still lets return) set to the decided quantities, then `create_returns`, which makes the
  return picking (`return_id` = the delivery, moves with `origin_returned_move_id`), confirms and
  reserves it. Odoo gives the new picking no field we could fill in that call, so its `origin`
  ("Return of WH/OUT/00012") gets the job's ref right after; a replay finds that ref among the
  delivery's `return_ids`. A return of ours cut off before its ref was written is recognised by
  having no ref and exactly the decided moves and quantities, and gets its ref then.
- `create_credit_note` runs account.move.reversal (account/wizard/account_move_reversal.py):
  created on the posted invoice with the invoice's journal (its `journal_id` is a stored compute
  that create over RPC does not fill: Odoo answers "a mandatory field is not set"), the job's ref
  in `reason`, then `refund_moves`, which makes a draft credit note (ref "Reversal of: INV/...,
  <reason>") copying every invoice line; its lines are then cut to the returned quantities. A
  replay finds the credit note by `reversed_entry_id` and the ref, and only re-applies the quantities
  while it is still a draft.
"""
from __future__ import annotations

from sidecar.odoo.errors import RECORD_MISSING, STATE_CONFLICT, VALIDATION, OdooError
from sidecar.odoo.gateway import OdooGateway, company_context, record_id_from
from sidecar.odoo.returns import STOCK_PICKING

RETURN_WIZARD = "stock.return.picking"
REVERSAL_WIZARD = "account.move.reversal"
ACCOUNT_MOVE = "account.move"
EPSILON = 1e-6
RPC_COUNT = {"create_return": 7, "create_credit_note": 7}


def _context(payload: dict, **extra) -> dict:
    return {**(company_context(wb._company_id(payload)) or {}), **extra}


def _decided_lines(payload: dict) -> dict[int, float]:
    """{move id: quantity} the decision returns."""
    wb._require(payload, "lines")
    lines: dict[int, float] = {}
    for line in payload["lines"]:
        lines[int(line["move_id"])] = lines.get(int(line["move_id"]), 0.0) + float(line["quantity"])
    return lines


def return_origin(origin: str | None, ref: str) -> str:
    """The return picking's source document with the job's ref (Odoo's own text kept first)."""
    return f"{(origin or '').strip()} (Ref: {ref})".strip()


def _delivery(gateway: OdooGateway, picking_id: int, payload: dict) -> dict:
    spec = {"state": {}, "write_date": {}, "return_ids": {"fields": {
        "name": {}, "origin": {}, "state": {},
        "move_ids": {"fields": {"origin_returned_move_id": {}, "product_uom_qty": {}, "state": {}}}}}}
    rows = gateway.web_read(STOCK_PICKING, [picking_id], spec, context=_context(payload))
    if not rows:
        raise OdooError(RECORD_MISSING, f"{STOCK_PICKING} {picking_id} does not exist")
    return rows[0]


def _same_moves(picking: dict, lines: dict[int, float]) -> bool:
    found: dict[int, float] = {}
    for move in picking.get("move_ids") or []:
        if move.get("state") == "cancel" or not move.get("origin_returned_move_id"):
            continue
        origin = move["origin_returned_move_id"]
        origin = origin["id"] if isinstance(origin, dict) else origin
        found[origin] = found.get(origin, 0.0) + float(move.get("product_uom_qty") or 0.0)
    return found.keys() == lines.keys() and all(abs(found[key] - lines[key]) < EPSILON for key in lines)


def create_return(gateway: OdooGateway, payload: dict) -> dict:
    """Return the decided quantities of a delivery still as decided, once (Odoo's return wizard)."""
    picking_id = wb._order_id(payload)
    wb._require(payload, "ref")
    ref, lines = payload["ref"], _decided_lines(payload)
    delivery = _delivery(gateway, picking_id, payload)
    for existing in delivery.get("return_ids") or []:
        if wb.carries_ref(existing.get("origin"), ref):
            return {"effect": wb.ALREADY_DONE, "order_id": picking_id, "return_id": existing["id"],
                    "return_name": existing.get("name")}
    for existing in delivery.get("return_ids") or []:  # ours, cut off before its ref was written
        if existing.get("state") != "cancel" and "Ref: " not in (existing.get("origin") or "") and \
                _same_moves(existing, lines):
            gateway.execute(STOCK_PICKING, "write", [existing["id"]],
                            {"origin": return_origin(existing.get("origin"), ref)}, context=_context(payload))
            return {"effect": wb.APPLIED, "order_id": picking_id, "return_id": existing["id"],
                    "return_name": existing.get("name"), "recovered": True}
    if delivery.get("state") != "done":
        raise OdooError(STATE_CONFLICT, f"{STOCK_PICKING} {picking_id} is '{delivery.get('state')}': only a done "
                        "delivery is returned", retryable=False)
    decided = (payload.get("decided_on") or {}).get("write_date")
    if decided and wb._differs(decided, delivery.get("write_date")):
        raise wb.Superseded(picking_id, {"write_date": decided}, {"write_date": delivery.get("write_date")},
                         STOCK_PICKING)
    context = _context(payload, active_model=STOCK_PICKING, active_id=picking_id, active_ids=[picking_id])
    wizard = record_id_from(gateway.execute(RETURN_WIZARD, "create", {}, context=context))
    rows = gateway.web_read(RETURN_WIZARD, [wizard], {"product_return_moves": {"fields": {
        "move_id": {}, "quantity": {}}}}, context=context)
    commands, seen = [], set()
    for line in rows[0].get("product_return_moves") or []:
        move = line.get("move_id")
        move = move["id"] if isinstance(move, dict) else move
        wanted = lines.get(move, 0.0)
        if wanted > float(line.get("quantity") or 0.0) + EPSILON:
            raise OdooError(STATE_CONFLICT, f"{STOCK_PICKING} {picking_id}: Odoo lets only {line.get('quantity')} of "
                            f"stock.move {move} be returned now, the decision returns {wanted:g} (returned "
                            "meanwhile in Odoo); nothing was returned", retryable=False)
        seen.add(move)
        commands.append((1, line["id"], {"quantity": wanted}))
    missing = sorted(set(lines) - seen)
    if missing:
        raise OdooError(STATE_CONFLICT, f"{STOCK_PICKING} {picking_id}: Odoo offers no return of stock.move "
                        f"{missing} (cancelled or fully returned meanwhile); nothing was returned", retryable=False)
    gateway.execute(RETURN_WIZARD, "write", [wizard], {"product_return_moves": commands}, context=context)
    action = gateway.execute(RETURN_WIZARD, "create_returns", [wizard], context=context)
    return_id = action.get("res_id") if isinstance(action, dict) else None
    if not return_id:
        raise OdooError(VALIDATION, f"Odoo's return wizard made no return of {STOCK_PICKING} {picking_id}",
                        retryable=False)
    made = gateway.read(STOCK_PICKING, [return_id], ["name", "origin"], context=_context(payload))[0]
    gateway.execute(STOCK_PICKING, "write", [return_id], {"origin": return_origin(made.get("origin"), ref)},
                    context=_context(payload))
    return {"effect": wb.APPLIED, "order_id": picking_id, "return_id": return_id, "return_name": made.get("name")}


def _credit_lines(gateway: OdooGateway, credit_id: int, wanted: dict[int, float], payload: dict) -> bool:
    """Cut a draft credit note's product lines to the returned quantity per sale line; True when it wrote."""
    rows = gateway.web_read(ACCOUNT_MOVE, [credit_id], {"invoice_line_ids": {"fields": {
        "display_type": {}, "quantity": {}, "sale_line_ids": {}}}}, context=_context(payload))
    commands, left = [], dict(wanted)
    for line in rows[0].get("invoice_line_ids") or []:
        if (line.get("display_type") or "product") != "product":
            continue
        sale_lines = [s["id"] if isinstance(s, dict) else s for s in line.get("sale_line_ids") or []]
        key = next((s for s in sale_lines if left.get(s, 0.0) > EPSILON), None)
        if key is None:
            commands.append((2, line["id"]))
            continue
        quantity = min(left[key], float(line.get("quantity") or 0.0))
        left[key] -= quantity
        if abs(quantity - float(line.get("quantity") or 0.0)) > EPSILON:
            commands.append((1, line["id"], {"quantity": quantity}))
    if commands:
        gateway.execute(ACCOUNT_MOVE, "write", [credit_id], {"invoice_line_ids": commands}, context=_context(payload))
    return bool(commands)


def create_credit_note(gateway: OdooGateway, payload: dict) -> dict:
    """A draft credit note of the returned quantities on the invoice decided, once (Odoo's reversal wizard)."""
    picking_id = wb._order_id(payload)
    wb._require(payload, "ref", "invoice_id", "lines")
    ref, invoice_id = payload["ref"], int(payload["invoice_id"])
    wanted: dict[int, float] = {}
    for line in payload["lines"]:
        wanted[int(line["sale_line_id"])] = wanted.get(int(line["sale_line_id"]), 0.0) + float(line["quantity"])
    found = gateway.search_read(ACCOUNT_MOVE, [("reversed_entry_id", "=", invoice_id), ("move_type", "=", "out_refund"),
                                              ("ref", "ilike", f"Ref: {ref}")], ["name", "state", "ref"],
                                context=_context(payload))
    mine = next((row for row in found if wb.carries_ref(row.get("ref"), ref)), None)
    if mine:
        if mine["state"] == "draft" and _credit_lines(gateway, mine["id"], wanted, payload):
            return {"effect": wb.APPLIED, "order_id": picking_id, "credit_note_id": mine["id"], "recovered": True}
        return {"effect": wb.ALREADY_DONE, "order_id": picking_id, "credit_note_id": mine["id"]}
    invoices = gateway.read(ACCOUNT_MOVE, [invoice_id], ["state", "move_type", "journal_id", "name"],
                            context=_context(payload))
    if not invoices:
        raise OdooError(RECORD_MISSING, f"{ACCOUNT_MOVE} {invoice_id} does not exist")
    invoice = invoices[0]
    if invoice["state"] != "posted" or invoice["move_type"] != "out_invoice":
        raise OdooError(STATE_CONFLICT, f"{ACCOUNT_MOVE} {invoice_id} ({invoice.get('name')}) is "
                        f"'{invoice['state']}': only a posted customer invoice is credited", retryable=False)
    journal = invoice["journal_id"][0] if isinstance(invoice["journal_id"], (list, tuple)) else invoice["journal_id"]
    reason = f"{payload.get('reason') or 'Return'} (Ref: {ref})"
    context = _context(payload, active_model=ACCOUNT_MOVE, active_id=invoice_id, active_ids=[invoice_id])
    wizard = record_id_from(gateway.execute(REVERSAL_WIZARD, "create", {"reason": reason, "journal_id": journal},
                                            context=context))
    action = gateway.execute(REVERSAL_WIZARD, "refund_moves", [wizard], context=context)
    credit_id = action.get("res_id") if isinstance(action, dict) else None
    if not credit_id:
        raise OdooError(VALIDATION, f"Odoo's reversal wizard made no credit note of {ACCOUNT_MOVE} {invoice_id}",
                        retryable=False)
    _credit_lines(gateway, credit_id, wanted, payload)
    return {"effect": wb.APPLIED, "order_id": picking_id, "credit_note_id": credit_id}


OPERATIONS = {"create_return": create_return, "create_credit_note": create_credit_note}

# Last: writeback.OPERATIONS includes these, so each module may be imported first (names resolve when called).
from sidecar.odoo import writeback as wb  # noqa: E402
