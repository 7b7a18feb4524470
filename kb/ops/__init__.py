"""What every surface shares at run time: request ids, the JSON log, the client's address.

Owns: the request id and the one access line per request (`middleware`,
first in MIDDLEWARE), the request a log line belongs to (`context`), log
lines as JSON on stderr (`logs`, named by LOGGING), the client's address
behind DJANGO_NUM_PROXIES proxies (`clients`, for the login lockout), and
the API docs pages fitted to the Content-Security-Policy (`templates/`).
The security headers themselves are settings (config/settings.py,
"Security"), sent by Django's SecurityMiddleware and django-csp.
May import: the standard library, Django's settings and logging helpers;
nothing else in kb, no view, no REST framework. Settings name its classes by
dotted path, so no surface needs to import it.
"""
