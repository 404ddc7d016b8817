"""django-q2 entry points for the catalog (thin: call a service)."""

from catalog.services import data_health_snapshot_record


def data_health_snapshot():
    return str(data_health_snapshot_record().date)
