"""Run the double as a standalone server: ``python -m tests.odoo_double --port 8069``."""
from __future__ import annotations

import argparse
import threading

from .double import OdooDouble


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.odoo_double",
                                     description="Odoo 17 JSON-RPC protocol double (demo-like data).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8069)
    parser.add_argument("--db", default="gov17")
    args = parser.parse_args(argv)
    double = OdooDouble(db=args.db)
    url = double.start(host=args.host, port=args.port)
    print(f"Odoo 17 double serving database {args.db!r} at {url} (admin/admin, demo/demo)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        double.stop()


if __name__ == "__main__":
    main()
