"""Application configuration, read from environment variables.

Every setting has a safe development default so that `flask ...` works from the
project root with the venv active and no extra variables.  Production
(`PALU_ENV=production`) refuses to start without SECRET_KEY and DATABASE_URL.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask_appbuilder.security.manager import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("PALU_INSTANCE_DIR", BASE_DIR / "instance"))
INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

ENV = os.environ.get("PALU_ENV", "development")
IS_PRODUCTION = ENV == "production"


def _secret_key() -> str:
    """SECRET_KEY from env; in development generated once into instance/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if IS_PRODUCTION:
        raise RuntimeError("SECRET_KEY wajib diisi di produksi (PALU_ENV=production).")
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = os.environ.get(
    "DATABASE_URL", "sqlite:///" + str(INSTANCE_DIR / "palu_kebab.db")
)
if IS_PRODUCTION and not os.environ.get("DATABASE_URL"):
    raise RuntimeError("DATABASE_URL wajib diisi di produksi.")
SQLALCHEMY_TRACK_MODIFICATIONS = False
PORT = int(os.environ.get("PORT", "8080"))

# Tables are created by Alembic migrations only; roles/permissions by `flask ppks sync-roles`.
FAB_CREATE_DB = False
FAB_UPDATE_PERMS = os.environ.get("FAB_UPDATE_PERMS", "0") == "1"
FAB_ADD_SECURITY_API = False
FAB_API_SWAGGER_UI = True
FAB_PASSWORD_COMPLEXITY_ENABLED = True
FAB_SECURITY_MANAGER_CLASS = "app.security.PaluSecurityManager"
FAB_INDEX_VIEW = "app.views.home.HomeIndexView"
FAB_BASE_TEMPLATE = "palu_base.html"

APP_NAME = "PALU KEBAB"
APP_THEME = ""
AUTH_TYPE = AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_USER_REGISTRATION = False
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 20 second")
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
API_LOGIN_RATE_LIMIT = os.environ.get("API_LOGIN_RATE_LIMIT", "10 per minute")

# Sessions and CSRF
WTF_CSRF_ENABLED = True
WTF_CSRF_TIME_LIMIT = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = IS_PRODUCTION or os.environ.get("SESSION_COOKIE_SECURE") == "1"
PERMANENT_SESSION_LIFETIME = 8 * 3600

# Language: Indonesian first, English second.
BABEL_DEFAULT_LOCALE = "id"
BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
LANGUAGES = {
    "id": {"flag": "id", "name": "Bahasa Indonesia"},
    "en": {"flag": "gb", "name": "English"},
}
TIMEZONE = "Asia/Jakarta"

# Uploads (photos are stored outside static/ and served through a checked route)
PHOTO_DIR = os.environ.get("PHOTO_DIR", str(INSTANCE_DIR / "photos"))
# Dry-run import plans waiting for their commit (personal data: kept 0600, removed after 24 h)
IMPORT_PLAN_DIR = os.environ.get("IMPORT_PLAN_DIR", str(INSTANCE_DIR / "import_plans"))
PHOTO_MAX_BYTES = 8 * 1024 * 1024
PHOTO_MAX_SIDE = 1024

# The navbar menu is rendered once per user, roles, language and queue counts and kept this
# long (seconds; 0 = render on every page). Views check access themselves either way.
MENU_CACHE_SECONDS = int(os.environ.get("MENU_CACHE_SECONDS", "60"))
MAX_CONTENT_LENGTH = 32 * 1024 * 1024

# Casework and reports
HILANG_KONTAK_DAYS = int(os.environ.get("HILANG_KONTAK_DAYS", "90"))
# KASUS_BATAS_HARI = {"asesmen": 14, ...}: days a case may stay in a state before it shows as
# overdue (defaults in app/services/casework.py; see docs/casework.md).
KEPALA_DINAS_NAMA = os.environ.get("KEPALA_DINAS_NAMA", "Kepala Dinas Sosial Kota Bekasi")
KEPALA_DINAS_NIP = os.environ.get("KEPALA_DINAS_NIP", "-")
REPORT_LETTERHEAD_LINES = [
    "PEMERINTAH KOTA BEKASI",
    "DINAS SOSIAL",
]
REPORT_LETTERHEAD_ADDRESS = [
    os.environ.get("REPORT_ADDRESS", "Kota Bekasi, Jawa Barat"),
]
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "Bekasi#2026")
