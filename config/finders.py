from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage


class PlotlyFinder(BaseFinder):
    """Serve plotly.min.js from the `plotly` wheel as static `vendor/plotly.min.js`.

    Only that one file: the wheel's package_data also holds ~9 MB of data sets
    and widget bundles we never serve. No CDN, no npm, no build step.
    """

    path = "vendor/plotly.min.js"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(settings.PLOTLY_JS.parent))
        self.storage.prefix = "vendor"

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path == self.path:
            found = str(settings.PLOTLY_JS)
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        yield settings.PLOTLY_JS.name, self.storage
