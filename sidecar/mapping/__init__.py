"""Cross-references between other systems' codes and Odoo's records (SKUs, units, partners)."""
