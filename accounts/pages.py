"""Page-view building blocks shared by every app's pages (role checks included)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView


class NotBuiltPage(LoginRequiredMixin, TemplateView):
    """A navigation page whose feature is not built yet.

    It says so plainly, names the issue that builds it and what it will show,
    and shows no numbers at all.
    """

    template_name = "not_built.html"
    title = ""
    nav = ""
    summary = ""
    issue = None

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=self.title, nav=self.nav, summary=self.summary, issue=self.issue, **kwargs
        )
