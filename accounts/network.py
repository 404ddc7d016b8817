from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP address for the audit log and login lockout.

    Behind `TRUSTED_PROXY_COUNT` reverse proxies, the address is taken from
    X-Forwarded-For counting from the right, so a client cannot spoof it by
    sending its own header; with no proxy, REMOTE_ADDR.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR") or None
