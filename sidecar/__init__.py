"""Governed automation sidecar between Odoo and n8n."""
