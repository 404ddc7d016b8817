"""django-q2 entry points for project-wide jobs (thin: call a service)."""

from config.services import heartbeat_record


def cluster_heartbeat():
    return heartbeat_record().isoformat()


def sessions_clear():
    from django.core.management import call_command

    call_command("clearsessions")
