from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders and sales"

    def ready(self):
        # Report types register how they are imported (sync.REPORT_KINDS).
        from orders import signals, traffic  # noqa: F401

        signals.connect()  # catalog changes rebuild the rollup they affect
