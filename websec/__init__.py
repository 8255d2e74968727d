"""HTTP security at the web edge, shared by the issuer and the verifier (both FastAPI/Starlette).

``headers``: the response headers every page and API answer carries (CSP without inline script,
no framing, no MIME sniffing, no referrer, HSTS under https). Nothing here imports the services.
"""

from . import openapi  # the OpenAPI helpers both services describe their endpoints with (a public submodule)
from .headers import CSP, SecurityHeaders, cookie_secure
from .ratelimit import RateLimiter

__all__ = ["CSP", "RateLimiter", "SecurityHeaders", "cookie_secure", "openapi"]
