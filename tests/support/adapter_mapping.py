"""A Mapper as the mapping tables would load it for the adapter samples (tests/samples/adapters/).

Units are Odoo 17's uom.uom rows as `uom/data/uom_data.xml` defines them (ids in their load order,
rounding 0.01 by default); products and partners are the ones the samples name.
"""
from sidecar.mapping.resolver import ANY_SOURCE, Mapper, ProductRef

UNITS = {"id": 1, "name": "Units", "category_id": [1, "Unit"], "factor": 1.0, "rounding": 0.01}
DOZENS = {"id": 2, "name": "Dozens", "category_id": [1, "Unit"], "factor": 1 / 12, "rounding": 0.01}
KG = {"id": 12, "name": "kg", "category_id": [2, "Weight"], "factor": 1.0, "rounding": 0.01}
GRAM = {"id": 13, "name": "g", "category_id": [2, "Weight"], "factor": 1000.0, "rounding": 0.01}
LB = {"id": 15, "name": "lb", "category_id": [2, "Weight"], "factor": 2.20462, "rounding": 0.01}

DESK = ProductRef(41, "FURN_0160", UNITS)
CHAIR = ProductRef(42, "FURN_0269", UNITS)
PAPER = ProductRef(43, "CONS_A4", UNITS)       # a ream; sold by the box of 5 and the pallet of 48 boxes
COFFEE = ProductRef(44, "FOOD_ESP1", KG)
PEN = ProductRef(45, "OFF_PEN_B", UNITS)

ACME, ACME_US, LENA, GUEST, STORE_12 = 14, 15, 26, 27, 31


def sample_mapper() -> Mapper:
    return Mapper(
        skus={(ANY_SOURCE, "DESK-OAK-160"): DESK, ("pos-store-12", "4006381333931"): DESK,
              ("acme-supplies", "AC-DSK-160"): DESK,
              (ANY_SOURCE, "CHAIR-MESH"): CHAIR, ("acme-supplies", "AC-CHAIR-MESH"): CHAIR,
              (ANY_SOURCE, "PAPER-A4"): PAPER, ("acme-supplies", "AC-PAPER-A4"): PAPER,
              (ANY_SOURCE, "COFFEE-1KG"): COFFEE, ("acme-supplies", "AC-COFFEE"): COFFEE,
              (ANY_SOURCE, "PEN-BLUE"): PEN},
        units={(ANY_SOURCE, "EA"): UNITS, (ANY_SOURCE, "DZ"): DOZENS, (ANY_SOURCE, "KG"): KG,
               (ANY_SOURCE, "G"): GRAM, (ANY_SOURCE, "LB"): LB},
        packs={("acme-supplies", "CA", CHAIR.product_id): 4.0,
               (ANY_SOURCE, "CS", PAPER.product_id): 5.0, (ANY_SOURCE, "PL", PAPER.product_id): 240.0},
        partners={("shop-eu", "7240981217337"): LENA, ("shop-us", "guest.buyer@example.com"): GUEST,
                  ("acme-supplies", "ACME"): ACME, ("acme-supplies", "acme-supplies"): ACME,
                  ("acme-supplies", "ACME-US"): ACME_US, ("pos-store-12", "12"): STORE_12},
    )
