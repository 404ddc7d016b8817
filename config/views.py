from django.shortcuts import redirect
from django.templatetags.static import static


def favicon(request):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin).

    Resolved per request: the hashed static name exists only after collectstatic.
    """
    return redirect(static("img/favicon.svg"))
