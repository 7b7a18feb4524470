"""The client's address behind reverse proxies, as DRF's throttling reads it.

With NUM_PROXIES (DJANGO_NUM_PROXIES) proxies in front of the app, each one
appends the address it saw to X-Forwarded-For, so the entry that many
places from the right is the client's, and whatever the client wrote to the
left of it is ignored. With 0, or no header, it is the socket's address. This
is rest_framework.throttling.BaseThrottle.get_ident's rule, so that the
login lockout (django-axes, AXES_CLIENT_IP_CALLABLE) and the API's
throttling count the same client.
"""

import ipaddress

from django.conf import settings


def client_address(request):
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.NUM_PROXIES
    forwarded = request.headers.get("X-Forwarded-For")
    if not proxies or not forwarded:
        return remote
    entries = forwarded.split(",")
    candidate = entries[-min(proxies, len(entries))].strip()
    # django-axes stores the address in a GenericIPAddressField: a malformed
    # entry (a proxy count set too high lets the client write it) falls back
    # to the socket's address rather than failing the login.
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
