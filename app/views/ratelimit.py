"""Rate limit for the API login (FAB limits only the web /login/, trap #8).

Uses the security manager's Flask-Limiter with `API_LOGIN_RATE_LIMIT` on POSTs to
`/api/v1/security/login` when `AUTH_RATE_LIMITED` is on; the limiter itself honours
`RATELIMIT_ENABLED` and `RATELIMIT_STORAGE_URI` (set a shared storage for many workers).
"""
from __future__ import annotations

LOGIN_ENDPOINT = "SecurityApi.login"


def init_api_login_limit(app) -> None:
    if not app.config.get("AUTH_RATE_LIMITED", False):
        return
    limiter = app.appbuilder.sm.limiter
    view = app.view_functions.get(LOGIN_ENDPOINT)
    if limiter is None or view is None:
        return
    limit = app.config.get("API_LOGIN_RATE_LIMIT", "10 per minute")
    app.view_functions[LOGIN_ENDPOINT] = limiter.limit(limit, methods=["POST"])(view)
