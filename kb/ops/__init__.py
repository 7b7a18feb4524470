"""What every surface shares at run time: request ids, the JSON log, the client's address.

Owns: the request id and the one access line per request (`middleware`,
placed first in MIDDLEWARE), the request's log context
(`context`), log lines as JSON on stderr (`logs`, named by LOGGING), the
client address behind DJANGO_NUM_PROXIES proxies (`clients`, for the login
lockout), and the templates that fit the API docs pages to the
Content-Security-Policy (`templates/`).
Security headers themselves are settings (config/settings.py): Django's
SecurityMiddleware and django-csp send them.
May import: the standard library and Django's HTTP layer; nothing else in kb.
Settings name its classes by dotted path, so no surface imports it.
"""
