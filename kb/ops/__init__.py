"""What every surface shares at run time: request ids, the JSON log, the client's address.

Owns: the request id and the one access line per request (`middleware`,
first in MIDDLEWARE), the request a log line belongs to (`context`), log
lines as JSON on stderr (`logs`, named by LOGGING), the client's address
behind DJANGO_NUM_PROXIES proxies (`clients`, for the login lockout), and
the API docs pages fitted to the Content-Security-Policy (`templates/`),
which requests read from the replica and the editor's pin to the primary
(`replica`), the response cache keyed by the data version (`responses`),
the Redis client that leaves a failing server alone for a few seconds
(`cache`), and the liveness and readiness checks (`health`).
The security headers themselves are settings (config/settings.py,
"Security"), sent by Django's SecurityMiddleware and django-csp.
May import: the standard library, Django, django-health-check, and in kb
the router (`kb.db.routing`) and the models (the workers' heartbeats, for
readiness); no surface, no REST framework. Settings and URLs name its
classes by dotted path, so no surface needs to import it.
"""
