"""The resolver adapters use: another system's SKU, unit or partner code -> Odoo's record (and, for the
write-back of synced orders, a tax rate -> Odoo's account.tax).

A `Mapper` holds the cross-references it was loaded with and talks to nothing, so a transform
stays pure and fast; the store builds one from its mapping tables. Every miss is a 422
`mapping_missing` naming what was not found, so a record waits (as a dead letter in a flow)
until someone adds the mapping, and then replays as it is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sidecar.errors import SidecarError
from sidecar.transform.uom import convert_quantity

ANY_SOURCE = "*"  # a cross-reference that holds for every source system
SKU, UNIT, PARTNER = "sku", "unit", "partner"


class MappingMissing(SidecarError):
    """No cross-reference for `value` from `source`: what a person has to add, named in the details."""

    status, code = 422, "mapping_missing"

    def __init__(self, kind: str, source: str, value, pointer: str | None = None):
        super().__init__(f"no {kind} mapping for '{value}' from {source}",
                         details=[{"kind": kind, "source": source, "value": value,
                                   **({"pointer": pointer} if pointer else {})}])
        self.kind, self.source, self.value = kind, source, value


class UnitMismatch(SidecarError):
    """A unit of another Odoo UoM category than the product's (a pallet is not a kilogram)."""

    status, code = 422, "unit_mismatch"


@dataclass(frozen=True)
class ProductRef:
    """The Odoo product an external SKU stands for, with its unit as Odoo reads `uom.uom`."""

    product_id: int
    default_code: str | None
    uom: dict  # {"id", "name", "category_id", "factor", "rounding"}


@dataclass
class Mapper:
    """Lookups over loaded cross-references; keys are (source, external code)."""

    skus: dict[tuple[str, str], ProductRef] = field(default_factory=dict)
    units: dict[tuple[str, str], dict] = field(default_factory=dict)            # -> an Odoo uom.uom as read
    packs: dict[tuple[str, str, int], float] = field(default_factory=dict)      # (source, unit, product_id) -> qty in its UoM
    partners: dict[tuple[str, str], int] = field(default_factory=dict)          # -> res.partner id
    taxes: dict[tuple[str, float], int] = field(default_factory=dict)           # (source, rate) -> account.tax id

    @staticmethod
    def _find(table: dict, source: str, code):
        key = str(code).strip()
        return table.get((source, key), table.get((ANY_SOURCE, key)))

    def product(self, source: str, sku, pointer: str | None = None) -> ProductRef:
        """The Odoo product for `sku` as `source` writes it."""
        found = self._find(self.skus, source, sku)
        if found is None:
            raise MappingMissing(SKU, source, sku, pointer)
        return found

    def partner(self, source: str, external_id, pointer: str | None = None) -> int:
        """The res.partner id for `external_id` in `source`."""
        found = self._find(self.partners, source, external_id)
        if found is None:
            raise MappingMissing(PARTNER, source, external_id, pointer)
        return found

    def tax(self, source: str, rate: float) -> tuple[int, str] | None:
        """(the account.tax id, the row's source) mapped for a percent `rate` (rounded as stored), or None."""
        for where in (source, ANY_SOURCE):
            found = self.taxes.get((where, rate))
            if found is not None:
                return found, where
        return None

    def quantity(self, source: str, unit, qty: float, product: ProductRef, pointer: str | None = None) -> float:
        """`qty` of `unit` expressed in the product's own UoM: a pack size of that product first
        (a case of 24), else an Odoo unit of the same category, converted as Odoo converts."""
        key = str(unit).strip()
        pack = self.packs.get((source, key, product.product_id), self.packs.get((ANY_SOURCE, key, product.product_id)))
        if pack is not None:
            return qty * pack
        uom = self._find(self.units, source, key)
        if uom is None:
            raise MappingMissing(UNIT, source, unit, pointer)
        if _category(uom) != _category(product.uom):
            raise UnitMismatch(f"unit '{unit}' ({uom.get('name')}) cannot measure {product.default_code or product.product_id} "
                               f"(sold in {product.uom.get('name')}): another unit category",
                               details=[{"unit": unit, "product_id": product.product_id,
                                         **({"pointer": pointer} if pointer else {})}])
        return convert_quantity(qty, uom, product.uom) if uom.get("id") != product.uom.get("id") else qty


def _category(uom: dict):
    value = uom.get("category_id")
    return value[0] if isinstance(value, (list, tuple)) and value else value
