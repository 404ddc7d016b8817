import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import override_settings

from config.finders import PlotlyFinder


def test_plotly_comes_from_the_wheel_and_nothing_else():
    found = finders.find("vendor/plotly.min.js")
    assert found == str(settings.PLOTLY_JS)
    listed = [path for path, _storage in PlotlyFinder().list([])]
    assert listed == ["plotly.min.js"]


@pytest.mark.django_db
def test_plotly_is_served(client):
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert b"plotly" in b"".join(response.streaming_content)[:2000].lower()


def test_collectstatic_makes_hashed_compressed_files(tmp_path):
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)
    vendor = sorted(p.name for p in (tmp_path / "vendor").iterdir())
    assert "plotly.min.js" in vendor and "plotly.min.js.gz" in vendor
    assert any(
        n.startswith("plotly.min.") and n.endswith(".js") and n != "plotly.min.js" for n in vendor
    )
    assert (tmp_path / "staticfiles.json").exists()
