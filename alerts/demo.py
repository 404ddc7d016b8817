"""Demo alerts: the settings row, and one evaluation of the rules over the demo data."""

from alerts.models import AlertSettings


def seed(rng, out, options=None):
    AlertSettings.load()


def finish(out, options=None):
    """After the forecasts: the rules run once (the hourly schedule takes over)."""
    from alerts.services import alerts_evaluate

    counts = alerts_evaluate()
    out.write(
        "Alerts: {conditions} condition(s): {opened} opened, {updated} still open, "
        "{resolved} resolved.".format(**counts)
    )
