"""An Odoo 17 JSON-RPC protocol double for integration tests."""
from .double import OdooDouble

__all__ = ["OdooDouble"]
