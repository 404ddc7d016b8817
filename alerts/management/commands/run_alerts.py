from django.core.management.base import BaseCommand

from alerts.services import alerts_digest_send, alerts_evaluate, webhooks_deliver


class Command(BaseCommand):
    help = "Run every alert rule now (open, update, reopen, resolve), then deliver webhooks."

    def add_arguments(self, parser):
        parser.add_argument(
            "--digest", action="store_true", help="Also send the daily digest e-mail now."
        )

    def handle(self, *args, digest, **options):
        counts = alerts_evaluate()
        sent = webhooks_deliver()
        line = (
            "Alerts: {conditions} condition(s); {opened} opened, {reopened} reopened, "
            "{updated} still open, {resolved} resolved.".format(**counts)
            + " Webhooks: {sent} sent, {retry} to retry, {failed} given up.".format(**sent)
        )
        if digest:
            line += f" Digest: {alerts_digest_send()} alert(s) e-mailed."
        self.stdout.write(line)
