"""Source adapters: raw payloads and Odoo answers turned into canonical models."""
