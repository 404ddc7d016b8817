import signal

from django.core.management.base import BaseCommand

from catalog.demo import MARKETPLACES
from orders import history, sandbox


class Command(BaseCommand):
    help = (
        "Run the local Amazon sandbox (Login with Amazon and SP-API shapes) on loopback. "
        f"Its credentials: client id {sandbox.CLIENT_ID}, refresh token {sandbox.REFRESH_TOKEN}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=9100)
        parser.add_argument("--region", choices=["NA", "EU", "FE"], default="NA")
        parser.add_argument(
            "--seed",
            type=int,
            default=42,
            help="The demo seed its catalog and orders come from (seed_demo's, default 42).",
        )
        parser.add_argument("--verbose", action="store_true")

    def handle(self, *args, port, region, seed, verbose, **options):
        # Started in the background by `make demo`, the process inherits an
        # ignored SIGINT; restore Ctrl-C and stop cleanly on SIGTERM too.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        codes = {m[0] for m in MARKETPLACES if m[3] == region}
        orders = history.OrderHistory(history.demo_listings(seed, codes), seed=seed)
        server = sandbox.SandboxServer(
            ("127.0.0.1", port), region=region, verbose=verbose, orders=orders
        )
        self.stdout.write(f"Amazon sandbox ({region}) on {server.url} — Ctrl-C stops it.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
