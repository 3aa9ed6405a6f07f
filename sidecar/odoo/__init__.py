"""The only place that talks to Odoo: a gateway over odoorpc and the write-back operations."""
from sidecar.odoo.errors import CATEGORY_LABELS, OdooError, classify
from sidecar.odoo.gateway import OdooGateway

__all__ = ["CATEGORY_LABELS", "OdooError", "OdooGateway", "classify"]
