"""django-csp's middleware, writing a policy that needs no nonce once per process.

The library builds the policy from the settings for every response, twice
(the policy and its report-only twin), though without a nonce, and without a
view's own changes (`csp_update`, `csp_exempt`...), it is the same text each
time: about 0.04 ms of the 1.7 ms an API list takes in process. Such a
response gets the text built once (by the library's own build_policy(), from
the same settings); any other (a page that used its nonce, a view that
changed its policy, DEBUG's error pages) goes through the library as it is.
tests/ops/test_policy.py holds the two to the same headers.
"""

import functools

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed

# What a view sets on its response to change or drop its policy (csp.decorators).
PER_RESPONSE = tuple(
    f"_csp_{name}{suffix}"
    for name in ("exempt", "config", "update", "replace")
    for suffix in ("", "_ro")
)


@functools.cache
def fixed_policies():
    """[(header, policy text, excluded path prefixes)] of a response with no nonce and
    no change of its own, as the library would write them."""
    return [
        (
            header,
            build_policy(report_only=report_only),
            tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()),
        )
        for header, setting, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
        )
    ]


def _forget(**kwargs):
    # A test's changed setting may change the policy.
    fixed_policies.cache_clear()


setting_changed.connect(_forget)


class CSPMiddleware(_CSPMiddleware):
    def process_response(self, request, response):
        if (
            settings.DEBUG  # the library leaves some of DEBUG's error pages alone
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in PER_RESPONSE)
        ):
            return super().process_response(request, response)
        for header, policy, excluded in fixed_policies():
            if policy and header not in response and not request.path_info.startswith(excluded):
                response[header] = policy
        # As the library does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
