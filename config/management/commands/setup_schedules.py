from django.core.management.base import BaseCommand

from config.services import schedules_apply


class Command(BaseCommand):
    help = "Make django-q2 schedules match config/schedules.py (also runs after migrate)."

    def handle(self, *args, **options):
        counts = schedules_apply()
        self.stdout.write(
            "Schedules: {created} created, {updated} updated, {deleted} deleted, "
            "{unchanged} unchanged.".format(**counts)
        )
