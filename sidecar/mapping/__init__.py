"""Cross-references between other systems' codes and Odoo's records (SKUs, units, packs, partners, tax rates)."""
