"""HTTP security at the web edge, shared by the issuer and the verifier (both FastAPI/Starlette).

``headers``: the response headers every page and API answer carries (CSP without inline script,
no framing, no MIME sniffing, no referrer, HSTS under https). Nothing here imports the services.
"""
