"""Write the labelled inbound messages the local classifier learns from and is measured on.

`python -m sidecar.advisory.corpus` rewrites data/train.jsonl and data/eval.jsonl. Both come from
templates filled with slot values under a fixed seed, but from two disjoint sets of templates
written separately (other phrasings, other openings, other languages): the held-out score measures
wording the classifier never saw, not templates it memorised.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

DATA = Path(__file__).with_name("data")
SEED = 20261206
TRAIN_PER_LABEL, EVAL_PER_LABEL = 100, 50
LABELS = ("returns", "shortage", "delivery_issue", "urgent_replenishment", "pricing_dispute", "invoice_query",
          "other")

SLOTS = {
    "product": ["oat milk 1L", "dish soap 500ml", "A4 copy paper", "LED bulbs E27", "baby wipes", "olive oil 5L",
                "garden hose 25m", "dog food 12kg", "toner cartridges", "coffee beans 1kg", "paper towels",
                "cordless drills", "shampoo 250ml", "bottled water 6x1.5L", "cat litter", "AA batteries",
                "frozen peas", "rice 5kg", "hand sanitiser", "ceramic mugs"],
    "sku": ["FURN-0096", "SKU-10432", "OAT-1L-12", "PAP-A4-500", "LED-E27-9W", "HOSE-25", "DOG-12KG", "TON-305A",
            "COF-1KG-AR", "BAT-AA-24", "RICE-5", "MUG-CER-6", "E-COM11", "WIPE-80"],
    "qty": ["2", "3", "5", "6", "10", "12", "18", "24", "40", "48", "60", "100", "120", "250"],
    "order": ["S00412", "S00977", "SO-2026-1183", "PO 45112", "P00231", "S01544", "WH/OUT/00871", "order 88213",
              "S00065", "P00789"],
    "invoice": ["INV/2026/00418", "INV/2026/01177", "BILL/2026/0093", "INV-88412", "invoice 2026-0551",
                "RINV/2026/00012"],
    "price": ["4.20", "12.50", "18.90", "3.75", "89.00", "149.99", "0.85", "27.40"],
    "price2": ["3.90", "11.00", "16.50", "3.40", "79.00", "129.99", "0.79", "24.90"],
    "days": ["2", "3", "4", "5", "7", "10", "two", "three"],
    "date": ["Monday", "Tuesday", "the 14th", "Friday", "next week", "12/11", "the 3rd", "yesterday"],
    "store": ["our Lyon store", "the Rotterdam DC", "store 14", "the Leeds branch", "our web shop",
              "the north warehouse", "shop 7 (Graz)", "the Porto outlet"],
    "carrier": ["DHL", "DPD", "GLS", "UPS", "the haulier", "Schenker", "your courier", "PostNL"],
    "tracking": ["JD0146000032", "1Z999AA10123456784", "GLS-77812", "3S4NT0R9", "00340434161094042557"],
    "name": ["Marta", "Jan", "Sophie", "Ahmed", "Luca", "Ingrid", "Tom", "Chloé", "Pieter", "Ana"],
    "percent": ["5%", "8%", "10%", "12%", "15%", "3%"],
}

GREETINGS_TRAIN = ["Hello,", "Hi team,", "Good morning,", "Dear customer service,", "Hi,", ""]
SIGNOFFS_TRAIN = ["Thanks, {name}", "Regards,\n{name}", "Best, {name}", "", "Cheers {name}"]
GREETINGS_EVAL = ["Dear all,", "Hey,", "Good afternoon,", "To whom it may concern,", "Hallo,", "Bonjour,", ""]
SIGNOFFS_EVAL = ["Kind regards, {name}", "Thank you in advance\n{name}", "-- {name}, purchasing", "",
                 "Sent from my phone"]

TRAIN = {
    "returns": [
        "We would like to return {qty} units of {product} from {order}, they arrived damaged.",
        "Can you send a return label for {product}? The customer changed their mind.",
        "Please arrange collection of {qty} cases of {sku}, wrong item shipped on {order}.",
        "I need an RMA number for {qty} x {product}, the seal was broken on all of them.",
        "The {product} we got on {date} is faulty, we want to send it back for a refund.",
        "Return request: {order}, {qty} pcs {sku} expired before delivery. Credit note please.",
        "how do i return the {product}?? they leak",
        "Nous souhaitons retourner {qty} cartons de {product}, commande {order}, produit défectueux.",
        "Wir möchten {qty} Stück {sku} zurücksenden, falsche Ware geliefert ({order}).",
        "Customer brought back {qty} {product} to {store}, can we return them to you for credit?",
    ],
    "shortage": [
        "Delivery {order} arrived {qty} units short of {product}.",
        "We only received part of {order}: {sku} is missing {qty} cases.",
        "The pallet for {store} was incomplete, {qty} x {product} not on the delivery note or the truck.",
        "Counted the goods from {order}, we are short {qty} pcs of {sku}.",
        "Short shipment on {order}. Ordered {qty} {product}, got half.",
        "missing items in todays delivery - {product} not there",
        "Faltan {qty} unidades de {product} en el pedido {order}.",
        "Receipt for {order} shows a shortfall on {sku}; the ASN said {qty} but the boxes were not there.",
        "Your delivery note lists {qty} {product} but we only unpacked a few. Please send the rest.",
    ],
    "delivery_issue": [
        "Where is {order}? It was due on {date} and has not arrived.",
        "Our delivery is {days} days late, the tracking {tracking} has not moved.",
        "{carrier} came on {date} but the driver left without unloading at {store}.",
        "The shipment for {order} is stuck with {carrier}, can you chase it?",
        "Delivery was sent to the wrong address, it should go to {store} not head office.",
        "Tracking {tracking} says delivered but nothing arrived here",
        "La livraison {order} est en retard de {days} jours, aucune nouvelle du transporteur.",
        "De levering van {order} is nog steeds niet aangekomen, {carrier} weet van niets.",
        "Truck missed our delivery window again this morning, goods for {order} still not here.",
    ],
    "urgent_replenishment": [
        "URGENT: we are out of stock of {product} at {store}, please ship {qty} today.",
        "We need an emergency delivery of {qty} {sku} before the weekend, shelves are empty.",
        "Can you expedite {qty} cases of {product}? Promo starts {date} and we have nothing left.",
        "Stock of {product} will run out tomorrow, need replenishment asap.",
        "Please rush {qty} x {sku} to {store}, we sold through much faster than forecast.",
        "need {qty} more {product} urgently!!! sold out",
        "Dringend: {product} ausverkauft, bitte {qty} Stück sofort an {store} liefern.",
        "Top-up order needed for {sku}: {qty} units, same-day if at all possible.",
        "Our safety stock of {product} is gone, please prioritise a delivery of {qty}.",
    ],
    "pricing_dispute": [
        "The price charged for {product} is {price}, but our agreed price is {price2}.",
        "You invoiced {sku} at {price} per unit; the contract says {price2}. Please correct.",
        "We did not agree to the {percent} increase on {product}, please apply the old price.",
        "Promotion discount of {percent} was not applied on {order}.",
        "Price on the order confirmation {order} does not match the price list for {product}.",
        "why is {product} {price} now? last month it was {price2}",
        "Le prix de {product} facturé ({price}) ne correspond pas au tarif convenu de {price2}.",
        "We dispute the unit price of {sku}: quoted {price2}, billed {price}.",
        "Your new price list raises {product} by {percent} without notice, we cannot accept it.",
    ],
    "invoice_query": [
        "Can you send a copy of invoice {invoice}? We cannot find it.",
        "We have not received an invoice for {order} yet.",
        "Invoice {invoice} has the wrong VAT number, please reissue.",
        "What are the payment terms on {invoice}? Our system shows 30 days.",
        "Please confirm you received our payment for {invoice}.",
        "invoice {invoice} was sent twice, which one do we pay",
        "Könnten Sie uns die Rechnung {invoice} noch einmal als PDF schicken?",
        "Our accounts team needs a credit note reference for {invoice} before paying.",
        "The invoice for {order} is addressed to the wrong legal entity, can you correct it?",
        "Remittance advice for {invoice} attached, please allocate the payment.",
    ],
    "other": [
        "Could you send us your latest product catalogue?",
        "We are moving offices on {date}, please update our address.",
        "Please add {name} as a contact for our account.",
        "Thank you for the quick help last week!",
        "Do you have opening hours over the holidays?",
        "Can we schedule a meeting to discuss next year's range?",
        "Please unsubscribe me from the newsletter.",
        "Are you attending the trade fair in {date}?",
        "Est-ce que vous avez un catalogue en français ?",
        "I forgot my password for the customer portal.",
    ],
}

EVAL = {
    "returns": [
        "Hi, {qty} of the {product} are broken, we want to send them back. Order {order}.",
        "Requesting authorisation to return {sku} ({qty} units) - packaging crushed in transit.",
        "A shopper returned {product} to {store} as defective; how do we get it back to you?",
        "We ordered the wrong size of {product} on {order}. Is it possible to send these back unopened?",
        "Can we get a pickup for the {qty} cartons of {sku}? Customer rejected them, want refund.",
        "Devolución de {qty} unidades de {product}, llegaron en mal estado.",
        "Wij willen {qty} dozen {product} retourneren, verkeerd artikel ({order}).",
        "pls collect the damaged {product} and credit us",
    ],
    "shortage": [
        "The shipment for {order} came in with fewer {product} than invoiced, {qty} missing.",
        "Only half of the {sku} arrived; where are the remaining {qty} units?",
        "{store} reports the delivery of {product} was not complete. Quantity short: {qty}.",
        "Goods receipt discrepancy on {order}: {qty} pcs {sku} not received.",
        "Es fehlen {qty} Kartons {product} in der Lieferung {order}.",
        "Il manque {qty} unités de {sku} dans la livraison d'hier.",
        "Several boxes of {product} were missing from the pallet, we are {qty} down.",
        "underdelivered on {order}, {qty} {product} less than ordered",
    ],
    "delivery_issue": [
        "We were promised {order} on {date}; still nothing. Can you give us an ETA?",
        "{carrier} has been showing 'in transit' for {days} days on {tracking}.",
        "Driver turned up at {store} outside receiving hours and took the goods back.",
        "Shipment {order} was delivered to the wrong site. Please reroute it.",
        "Die Lieferung {order} ist seit {days} Tagen überfällig.",
        "El envío {order} no ha llegado todavía, el seguimiento {tracking} no se actualiza.",
        "Our order hasn't shown up and nobody at {carrier} can tell us where it is.",
        "delivery for {order} didnt come today again, whats going on",
    ],
    "urgent_replenishment": [
        "Critical: {store} has zero {product} left, need {qty} on the next truck.",
        "Please send {qty} {sku} as fast as you can - we're selling out ahead of the promotion.",
        "Emergency order: {qty} x {product}, must arrive by {date} or we lose the sale.",
        "Our shelves of {product} are bare; can you fast-track a replenishment?",
        "Nous sommes en rupture de {product}, merci d'envoyer {qty} unités en urgence.",
        "Hay rotura de stock de {sku}, necesitamos {qty} cuanto antes.",
        "Need an express top-up of {product}, stock runs out tonight.",
        "asap pls {qty} {sku} for {store}, nothing left",
    ],
    "pricing_dispute": [
        "The unit cost on {order} for {product} is {price}; we negotiated {price2}. Please fix.",
        "We are being charged {percent} more for {sku} than the agreed contract rate.",
        "The discount we were promised on {product} is missing from the bill.",
        "Why did the price of {product} go from {price2} to {price} with no notice?",
        "Der berechnete Preis für {product} ({price}) stimmt nicht mit dem Angebot ({price2}) überein.",
        "El precio de {sku} en la factura es {price}, el acordado era {price2}.",
        "Overcharged on {product}: quote said {price2}, you billed {price}.",
        "your price for {sku} is wrong, should be {price2} not {price}",
    ],
    "invoice_query": [
        "Could you resend {invoice}? It seems to have gone missing in our inbox.",
        "We still have no bill for the goods on {order}; please issue one.",
        "The VAT on {invoice} looks wrong - can you check and send a corrected copy?",
        "Has our transfer for {invoice} come through on your side?",
        "Pourriez-vous nous renvoyer la facture {invoice} ?",
        "Bitte senden Sie eine korrigierte Rechnung für {order}, die Adresse ist falsch.",
        "Which due date applies to {invoice}? The PDF and the portal disagree.",
        "got 2 copies of {invoice}, is one a duplicate?",
    ],
    "other": [
        "Would you be interested in a call next week about the new season?",
        "Please change our contact email for notifications to {name}'s address.",
        "Great service on the last order, thanks to the whole team.",
        "Are your offices closed on the public holiday on {date}?",
        "Can you share a product sheet for the new eco range?",
        "Wir haben eine neue Firmenadresse ab {date}.",
        "We'd like to become a stockist, who do we talk to?",
        "Could you remove me from the marketing mailing list?",
    ],
}

TYPO_RATE = 0.25


def _typo(words: list[str], rng: random.Random) -> None:
    """Swap two letters of one longer word, as hurried typing does."""
    candidates = [i for i, word in enumerate(words) if len(word) > 4 and word.isalpha()]
    if candidates:
        i = rng.choice(candidates)
        word, j = words[i], rng.randrange(1, len(words[i]) - 2)
        words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2:]


def _message(template: str, greetings: list[str], signoffs: list[str], rng: random.Random) -> str:
    """A template filled with slot values, maybe with a greeting, a sign-off and a typo."""
    values = {slot: rng.choice(options) for slot, options in SLOTS.items()}
    body = template.format(**values)
    if rng.random() < TYPO_RATE:
        words = body.split(" ")
        _typo(words, rng)
        body = " ".join(words)
    parts = [rng.choice(greetings), body, rng.choice(signoffs).format(**values)]
    return "\n".join(part for part in parts if part)


def build(templates: dict, per_label: int, greetings, signoffs, split: str, rng: random.Random) -> list[dict]:
    """`per_label` messages of each label, cycling through that label's templates."""
    rows = []
    for label in LABELS:
        for n in range(per_label):
            index = n % len(templates[label])
            rows.append({"text": _message(templates[label][index], greetings, signoffs, rng), "label": label,
                         "template": f"{split}-{label}-{index}"})
    rng.shuffle(rows)
    return rows


def write() -> dict:
    """Write both files; answer how many rows each holds."""
    rng = random.Random(SEED)
    counts = {}
    for split, templates, per_label, greetings, signoffs in (
            ("train", TRAIN, TRAIN_PER_LABEL, GREETINGS_TRAIN, SIGNOFFS_TRAIN),
            ("eval", EVAL, EVAL_PER_LABEL, GREETINGS_EVAL, SIGNOFFS_EVAL)):
        rows = build(templates, per_label, greetings, signoffs, split, rng)
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (DATA / f"{split}.jsonl").write_text(lines, encoding="utf-8")
        counts[split] = len(rows)
    return counts


if __name__ == "__main__":
    print(write())
