"""Write-backs of synced canonical records: one job holds a batch, written in few calls, exactly once.

Each operation first finds in Odoo what an earlier run of the same batch already did (an order by
its customer reference, a price by its key, a count by the name of its stock moves, a note by its
ref), then writes only the rest: a replay, or a run after a worker crashed mid-batch, takes no
second effect. Odoo runs each call in one transaction: a batched create is all or nothing.
"""
from __future__ import annotations

import html

from sidecar.odoo import batch, tracking_notice
from sidecar.odoo.errors import RECORD_MISSING, VALIDATION, OdooError
from sidecar.odoo.gateway import OdooGateway
from sidecar.odoo.mapping_reads import TAX_FIELDS, unusable_tax
from sidecar.values import m2o_id

APPLIED, ALREADY_DONE = "applied", "already_done"
ORDER, ITEM, PRICELIST, TAX = "sale.order", "product.pricelist.item", "product.pricelist", "account.tax"
RATE_DIGITS = 4  # account.tax amount is stored with digits=(16, 4) (account/models/account_tax.py)
QUANT, MOVE, WAREHOUSE = "stock.quant", "stock.move", "stock.warehouse"
SUPPLIERINFO = "product.supplierinfo"
PURCHASE, PURCHASE_LINE, PICKING, MESSAGE = "purchase.order", "purchase.order.line", "stock.picking", "mail.message"
NOTE_SUBTYPE = "mail.mt_note"
# Odoo calls each operation makes for a batch of up to batch.CHUNK records (the worker's first lease;
# its heartbeat keeps a longer batch's claim).
RPC_COUNT = {"sync_orders": 4, "sync_prices": 8, "sync_stock": 5, "sync_receipts": 5, "sync_tracking": 8}


def _items(payload: dict) -> list[dict]:
    items = payload.get("items")
    if not isinstance(items, list) or not items:
        raise OdooError(VALIDATION, "sync payload holds no items", retryable=False)
    return items


def _effect(changed: bool) -> str:
    return APPLIED if changed else ALREADY_DONE


def sync_orders(gateway: OdooGateway, payload: dict, mapper=None) -> dict:
    """Create the orders Odoo does not have yet (found by `client_order_ref`), lines included, in one create.

    `mapper(source)` gives the Mapper of the payload's source: its tax mappings win over the automatic match."""
    items = _items(payload)
    found = batch.find_by(gateway, ORDER, "client_order_ref", [item["ref"] for item in items], ["name"])
    todo = [item for item in items if item["ref"] not in found]
    taxes = _sale_taxes(gateway, todo, mapper, payload.get("source") or "")
    ids = batch.create_many(gateway, ORDER, [_with_taxes(item, taxes) for item in todo])
    return {"effect": _effect(bool(todo)), "created": dict(zip((item["ref"] for item in todo), ids)),
            "existing": {ref: row["id"] for ref, row in found.items()}}


def _sale_taxes(gateway: OdooGateway, items: list[dict], mapper, source: str) -> dict[float, int]:
    """The Odoo tax of each rate the orders' lines were charged, in one read.

    A rate with a tax mapping of the source (or of every source) gets the mapped tax, which must be an
    active sales tax of the company the orders are created in. Any other rate is matched: a sales tax
    (`type_tax_use` sale) of that company (the integration user's, Odoo's env.company), active, a
    percentage of the price (`amount_type` percent) and not included in it (a canonical price_unit is
    before taxes). A rate no tax or several taxes match, or a mapped tax Odoo cannot use, stops the batch
    before anything is written."""
    rates = sorted({round(rate, RATE_DIGITS) for item in items for line in item.get("taxes") or [] if line
                    for rate in line})
    if not rates:
        return {}
    loaded = mapper(source) if mapper is not None else None
    mappings = {rate: found for rate in rates if loaded and (found := loaded.tax(source, rate)) is not None}
    automatic = [rate for rate in rates if rate not in mappings]
    company = gateway.default_company_id()
    matched = [("active", "=", True), ("type_tax_use", "=", "sale"), ("amount_type", "=", "percent"),
               ("price_include", "=", False), ("amount", "in", automatic), ("company_id", "=", company)]
    matched = ["&"] * (len(matched) - 1) + matched
    domain = ["|", ("id", "in", sorted({tax_id for tax_id, _where in mappings.values()})), *matched] \
        if mappings else matched
    # Archived taxes read too: a mapping to one is named as archived, not as missing.
    rows = batch.read_many(gateway, TAX, domain, TAX_FIELDS + ["amount_type", "price_include"],
                           context={"active_test": False})
    by_id = {row["id"]: row for row in rows}
    found = {}
    for rate in rates:
        refs = sorted({item["ref"] for item in items for line in item.get("taxes") or [] if line
                       for r in line if round(r, RATE_DIGITS) == rate})
        orders = ", ".join(refs[:5]) + (f" and {len(refs) - 5} more" if len(refs) > 5 else "")
        if rate in mappings:
            tax_id, where = mappings[rate]
            why = unusable_tax(by_id.get(tax_id), tax_id, company)
            if why:
                raise OdooError(VALIDATION, f"tax mapping {where}:{rate:g}: {why}, for order {orders}: change "
                                "the mapping (/v1/mappings/taxes), then replay", retryable=False)
            found[rate] = tax_id
            continue
        matches = [row for row in rows if row["active"] and row["type_tax_use"] == "sale"
                   and row["amount_type"] == "percent" and not row["price_include"]
                   and m2o_id(row["company_id"]) == company and abs(row["amount"] - rate) < 0.5 * 10 ** -RATE_DIGITS]
        if not matches:
            raise OdooError(RECORD_MISSING, f"no sales tax of {rate:g}% (a percentage, not included in the price) "
                            f"in Odoo for order {orders}: create it in Odoo or map the rate "
                            f"(/v1/mappings/taxes), then replay", retryable=False)
        if len(matches) > 1:
            names = ", ".join(f"{row['name']!r} (id {row['id']})" for row in matches)
            raise OdooError(VALIDATION, f"{len(matches)} sales taxes of {rate:g}% in Odoo ({names}) for order "
                            f"{orders}: map the rate to one (/v1/mappings/taxes) or archive all but one, "
                            "then replay", retryable=False)
        found[rate] = matches[0]["id"]
    return found


def _with_taxes(item: dict, taxes: dict[float, int]) -> dict:
    """The order's values with each line's matched taxes (an empty list clears them; no list: the product's)."""
    rates = item.get("taxes")
    if not rates:
        return item["values"]
    lines = [[command, key, {**line, "tax_id": [(6, 0, [taxes[round(r, RATE_DIGITS)] for r in line_rates])]}]
             if line_rates is not None else [command, key, line]
             for (command, key, line), line_rates in zip(item["values"]["order_line"], rates)]
    return {**item["values"], "order_line": lines}


def _pricelists(gateway: OdooGateway, items: list[dict]) -> dict:
    """Each item's pricelist (by id or name) with its currency, in one read; a missing one stops the batch."""
    ids = sorted({item["key"]["pricelist_id"] for item in items if item["key"]["pricelist_id"]})
    names = sorted({item["key"]["pricelist_name"] for item in items if item["key"]["pricelist_name"]})
    domain = (["|", ("id", "in", ids), ("name", "in", names)] if ids and names
              else [("id", "in", ids)] if ids else [("name", "in", names)])
    rows = batch.read_many(gateway, PRICELIST, domain, ["name", "currency_id"])
    by_id = {row["id"]: row for row in rows}
    by_name = {}
    for row in rows:
        by_name.setdefault(row["name"], row)
    resolved = {}
    for item in items:
        key = item["key"]
        row = by_id.get(key["pricelist_id"]) if key["pricelist_id"] else by_name.get(key["pricelist_name"])
        if row is None:
            raise OdooError(RECORD_MISSING, f"no pricelist {key['pricelist_id'] or key['pricelist_name']!r} in Odoo",
                            retryable=False)
        currency = (row["currency_id"] or [None, None])[1]
        if currency and currency.upper() != item["currency"]:
            raise OdooError(VALIDATION, f"pricelist {row['name']!r} is in {currency}, the price {item['ref']} in "
                            f"{item['currency']}", retryable=False)
        resolved[item["ref"]] = row["id"]
    return resolved


def _item_key(row: dict) -> tuple:
    return (m2o_id(row["pricelist_id"]), m2o_id(row["product_id"]), float(row["min_quantity"] or 0.0),
            row["date_start"] or False, row["date_end"] or False)


def sync_prices(gateway: OdooGateway, payload: dict) -> dict:
    """Fixed prices per variant: an item with the same key gets the new price (one write per price), others are
    created; vendor prices likewise on product.supplierinfo."""
    items = _items(payload)
    vendor = [item for item in items if "supplier" in item]
    items = [item for item in items if "supplier" not in item]
    result = _vendor_prices(gateway, vendor) if vendor else {}
    if not items:
        return result
    listed = _pricelist_prices(gateway, items)
    if result:
        listed["effect"] = _effect(APPLIED in (listed["effect"], result["effect"]))
        listed["supplierinfo"] = result
    return listed


def _pricelist_prices(gateway: OdooGateway, items: list[dict]) -> dict:
    pricelists = _pricelists(gateway, items)
    products = sorted({item["key"]["product_id"] for item in items})
    rows = batch.read_many(gateway, ITEM, [("pricelist_id", "in", sorted(set(pricelists.values()))),
                                           ("product_id", "in", products), ("applied_on", "=", "0_product_variant")],
                           ["pricelist_id", "product_id", "min_quantity", "date_start", "date_end", "compute_price",
                            "fixed_price"])
    existing = {}
    for row in rows:
        existing.setdefault(_item_key(row), row)
    creates, writes, unchanged = [], {}, []
    for item in items:
        key = item["key"]
        wanted = (pricelists[item["ref"]], key["product_id"], float(key["min_quantity"]), key["date_start"],
                  key["date_end"])
        row = existing.get(wanted)
        if row is None:
            creates.append({"pricelist_id": wanted[0], "applied_on": "0_product_variant", "product_id": wanted[1],
                            "min_quantity": wanted[2], "date_start": wanted[3], "date_end": wanted[4],
                            "compute_price": "fixed", "fixed_price": item["fixed_price"]})
        elif row["compute_price"] != "fixed" or abs(row["fixed_price"] - item["fixed_price"]) > 1e-9:
            writes[row["id"]] = {"compute_price": "fixed", "fixed_price": item["fixed_price"]}
        else:
            unchanged.append(row["id"])
    created = batch.create_many(gateway, ITEM, creates)
    batch.write_grouped(gateway, ITEM, writes)
    return {"effect": _effect(bool(created or writes)), "created": created, "updated": sorted(writes),
            "unchanged": unchanged}


def _vendor_key(row: dict) -> tuple:
    return (m2o_id(row["partner_id"]), m2o_id(row["product_id"]), float(row["min_qty"] or 0.0),
            row["date_start"] or False, row["date_end"] or False)


def _vendor_prices(gateway: OdooGateway, items: list[dict]) -> dict:
    """Vendor prices: the currencies and the variants' templates read once, the existing prices of these
    vendors and variants read once; a price with the same key is updated, the others created."""
    codes = sorted({item["currency"] for item in items})
    currencies = {row["name"]: row["id"] for row in batch.read_many(
        gateway, "res.currency", [("name", "in", codes)], ["name"], context={"active_test": False})}
    unknown = sorted(set(codes) - set(currencies))
    if unknown:
        raise OdooError(RECORD_MISSING, f"no currency {', '.join(unknown)} in Odoo", retryable=False)
    products = sorted({item["supplier"]["product_id"] for item in items})
    templates = {row["id"]: m2o_id(row["product_tmpl_id"])
                 for row in batch.read_many(gateway, "product.product", [("id", "in", products)], ["product_tmpl_id"])}
    rows = batch.read_many(gateway, SUPPLIERINFO, [("partner_id", "in", sorted({i["supplier"]["partner_id"] for i in items})),
                                                   ("product_id", "in", products)],
                           ["partner_id", "product_id", "min_qty", "date_start", "date_end", "price", "currency_id"])
    existing = {}
    for row in rows:
        existing.setdefault(_vendor_key(row), row)
    creates, writes = [], {}
    for item in items:
        key, currency = item["supplier"], currencies[item["currency"]]
        if key["product_id"] not in templates:
            raise OdooError(RECORD_MISSING, f"no product {key['product_id']} in Odoo", retryable=False)
        row = existing.get((key["partner_id"], key["product_id"], float(key["min_qty"]), key["date_start"],
                            key["date_end"]))
        if row is None:
            creates.append({**key, "product_tmpl_id": templates[key["product_id"]], "price": item["price"],
                            "currency_id": currency})
        elif abs(row["price"] - item["price"]) > 1e-9 or m2o_id(row["currency_id"]) != currency:
            writes[row["id"]] = {"price": item["price"], "currency_id": currency}
    created = batch.create_many(gateway, SUPPLIERINFO, creates)
    batch.write_grouped(gateway, SUPPLIERINFO, writes)
    return {"effect": _effect(bool(created or writes)), "created": created, "updated": sorted(writes)}


def inventory_name(ref: str) -> str:
    """The name Odoo gives every stock move of the batch's count (context `inventory_name`): it carries the ref."""
    return f"Stock sync (Ref: {ref})"


def _locations(gateway: OdooGateway, items: list[dict]) -> dict[str, int]:
    """Each item's location: its own, or its warehouse's stock location (warehouses read once)."""
    ids = sorted({item["warehouse_id"] for item in items if not item["location_id"] and item["warehouse_id"]})
    codes = sorted({item["warehouse_code"] for item in items
                    if not item["location_id"] and not item["warehouse_id"] and item["warehouse_code"]})
    rows = []
    if ids or codes:
        domain = (["|", ("id", "in", ids), ("code", "in", codes)] if ids and codes
                  else [("id", "in", ids)] if ids else [("code", "in", codes)])
        rows = batch.read_many(gateway, WAREHOUSE, domain, ["code", "lot_stock_id"])
    by_id = {row["id"]: m2o_id(row["lot_stock_id"]) for row in rows}
    by_code = {row["code"]: m2o_id(row["lot_stock_id"]) for row in rows}
    found = {}
    for item in items:
        location = item["location_id"] or (by_id.get(item["warehouse_id"]) if item["warehouse_id"]
                                           else by_code.get(item["warehouse_code"]))
        if not location:
            raise OdooError(RECORD_MISSING, f"no warehouse {item['warehouse_id'] or item['warehouse_code']!r} in Odoo",
                            retryable=False)
        found[item["ref"]] = location
    return found


def sync_stock(gateway: OdooGateway, payload: dict) -> dict:
    """Count every place's quant (snapshot: its on-hand states added up; delta: on hand plus the change) and apply
    the counts in one action_apply_inventory, as Odoo's Physical Inventory does.

    Odoo names each move of the apply after the context's `inventory_name`: moves with the batch's
    name mean the batch was applied already (by an earlier run that crashed before recording it).
    """
    items = _items(payload)
    name = inventory_name(payload.get("ref") or "")
    # Odoo appends the counter's name to the move's (`_get_inventory_move_values`): the name starts with ours.
    done = batch.read_many(gateway, MOVE, [("name", "=like", f"{name}%"), ("is_inventory", "=", True)], ["id"])
    if done:
        return {"effect": ALREADY_DONE, "move_ids": [row["id"] for row in done]}
    locations = _locations(gateway, items)
    quants = batch.read_many(gateway, QUANT, [("product_id", "in", sorted({i["product_id"] for i in items})),
                                              ("location_id", "in", sorted(set(locations.values()))),
                                              ("lot_id", "=", False), ("package_id", "=", False),
                                              ("owner_id", "=", False)], ["product_id", "location_id", "quantity"])
    on_hand = {(m2o_id(q["product_id"]), m2o_id(q["location_id"])): q["quantity"] for q in quants}
    # A place's snapshot states add up to its count; its deltas come on top (of the snapshot, else of on hand).
    counted: dict[tuple, float] = {}
    for item in sorted(items, key=lambda i: i["mode"] != "snapshot"):
        place = (item["product_id"], locations[item["ref"]])
        if item["mode"] == "snapshot":
            counted[place] = counted.get(place, 0.0) + item["quantity"]
        else:
            counted[place] = counted.get(place, on_hand.get(place, 0.0)) + item["quantity"]
    counts = [{"product_id": product, "location_id": location, "inventory_quantity": quantity}
              for (product, location), quantity in counted.items()]
    # In inventory mode Odoo's create sets the count on the quant already there (or a new one): one call.
    ids = batch.create_many(gateway, QUANT, counts, context={"inventory_mode": True})
    answer = batch.call(gateway, QUANT, "action_apply_inventory", ids, context={"inventory_name": name})
    if isinstance(answer, dict) and answer.get("res_model"):
        raise OdooError(VALIDATION, f"Odoo did not apply the counts: it asks {answer['res_model']} (a quant changed "
                        "while counting, or a tracked product lacks a lot)", retryable=True)
    return {"effect": APPLIED, "quant_ids": ids, "move_name": name}


def sync_receipts(gateway: OdooGateway, payload: dict) -> dict:
    """Expected arrivals: `date_planned` on the purchase lines of the shipped products and `scheduled_date`
    on the order's open receipts, one write per date; a value already there is left alone."""
    items = _items(payload)
    orders = batch.find_by(gateway, PURCHASE, "name", [item["purchase_order"] for item in items], ["state"])
    missing = sorted({item["purchase_order"] for item in items} - set(orders))
    if missing:
        raise OdooError(RECORD_MISSING, f"no purchase order {', '.join(missing)} in Odoo", retryable=False)
    wanted = {(orders[item["purchase_order"]]["id"], product): item["expected_at"]
              for item in items for product in item["product_ids"]}
    order_ids = sorted({row["id"] for row in orders.values()})
    lines = batch.read_many(gateway, PURCHASE_LINE, [("order_id", "in", order_ids), ("product_id", "in", sorted(
        {product for _order, product in wanted}))], ["order_id", "product_id", "date_planned"])
    line_writes = {}
    for line in lines:
        date = wanted.get((m2o_id(line["order_id"]), m2o_id(line["product_id"])))
        if date and line["date_planned"] != date:
            line_writes[line["id"]] = {"date_planned": date}
    by_order = {orders[item["purchase_order"]]["name"]: item["expected_at"] for item in items}
    pickings = batch.read_many(gateway, PICKING, [("origin", "in", sorted(by_order)),
                                                  ("picking_type_code", "=", "incoming"),
                                                  ("state", "not in", ["done", "cancel"])], ["origin", "scheduled_date"])
    picking_writes = {p["id"]: {"scheduled_date": by_order[p["origin"]]} for p in pickings
                      if p["scheduled_date"] != by_order[p["origin"]]}
    batch.write_grouped(gateway, PURCHASE_LINE, line_writes)
    batch.write_grouped(gateway, PICKING, picking_writes)
    return {"effect": _effect(bool(line_writes or picking_writes)), "lines": sorted(line_writes),
            "pickings": sorted(picking_writes)}


def _deliveries(gateway: OdooGateway, items: list[dict]) -> dict[str, dict]:
    """Each shipment's delivery: by name, else the newest not cancelled delivery of its sale order, else the one
    already carrying its tracking code (one read for all)."""
    wanted = {"name": sorted({i["picking"] for i in items if i["picking"]}),
              "origin": sorted({i["origin"] for i in items if i["origin"]}),
              "carrier_tracking_ref": sorted({i["tracking_code"] for i in items if not i["picking"] and not i["origin"]})}
    terms = [(field, "in", values) for field, values in wanted.items() if values]
    domain = ["|"] * (len(terms) - 1) + terms
    rows = batch.read_many(gateway, PICKING, [*domain, ("picking_type_code", "=", "outgoing")],
                           ["name", "origin", "state", "carrier_tracking_ref", "sale_id"])
    found = {}
    for item in items:
        field, value = (("name", item["picking"]) if item["picking"] else ("origin", item["origin"]) if item["origin"]
                        else ("carrier_tracking_ref", item["tracking_code"]))
        match = [r for r in rows if r[field] == value and (field == "name" or r["state"] != "cancel")]
        if not match:
            raise OdooError(RECORD_MISSING, f"no delivery with {field} {value} in Odoo", retryable=False)
        found[item["ref"]] = max(match, key=lambda r: r["id"])
    return found


def note_text(item: dict) -> str:
    """The chatter note of a tracking update, ending with its ref."""
    status = item["status"].replace("_", " ")
    parts = [f"{item['carrier']} tracking {item['tracking_code']}: {status}"]
    if item.get("message"):
        parts.append(item["message"])
    if item.get("location"):
        parts.append(f"at {item['location']}")
    if item.get("at"):
        parts.append(f"({item['at']} UTC)")
    if item.get("estimated_delivery"):
        parts.append(f"; expected {item['estimated_delivery']} UTC")
    return " ".join(parts) + f"\n\nRef: {item['ref']}"


def sync_tracking(gateway: OdooGateway, payload: dict) -> dict:
    """The tracking code on each delivery (`carrier_tracking_ref`, one write per code) and one note per status,
    posted unless a note carrying its ref is there already (Odoo's message_post takes one record)."""
    items = _items(payload)
    deliveries = _deliveries(gateway, items)
    writes = {row["id"]: {"carrier_tracking_ref": item["tracking_code"]}
              for item in items for row in [deliveries[item["ref"]]]
              if row["carrier_tracking_ref"] != item["tracking_code"]}
    ids = sorted({row["id"] for row in deliveries.values()})
    posted = batch.read_many(gateway, MESSAGE, [("model", "=", PICKING), ("res_id", "in", ids),
                                                ("body", "ilike", "Ref: tracking:")], ["res_id", "body"])
    seen = {(m["res_id"], ref) for m in posted for ref in _refs(m["body"])}
    batch.write_grouped(gateway, PICKING, writes)
    notes = {}
    for item in items:
        picking = deliveries[item["ref"]]["id"]
        if (picking, item["ref"]) in seen:
            continue
        body = "<p>" + "<br/>".join(html.escape(line, quote=False) for line in note_text(item).split("\n")) + "</p>"
        notes[item["ref"]] = gateway.post_note(PICKING, picking, body)
        seen.add((picking, item["ref"]))
    notices = tracking_notice.notify_customers(gateway, items, deliveries)
    return {"effect": _effect(bool(writes or notes or notices)), "tracked": sorted(writes), "notes": notes,
            "notices": notices}


def _refs(body) -> list[str]:
    """The refs a stored note carries ('Ref: tracking:...' up to the end of its paragraph)."""
    text = html.unescape(str(body or ""))
    return [part.split("<")[0].strip() for part in text.split("Ref: ")[1:]]


RPC_COUNT["sync_tracking"] += tracking_notice.RPC_COUNT  # the customer's notices of the same job

OPERATIONS = {"sync_orders": sync_orders, "sync_prices": sync_prices, "sync_stock": sync_stock,
              "sync_receipts": sync_receipts, "sync_tracking": sync_tracking}
