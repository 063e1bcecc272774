"""Bad input never answers 500: forged ids, hostile uploads, missing CSRF token."""
from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import make_app, unique_name


def jpeg_bytes(size=(64, 48), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    image.save(out, "JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"  # Make
    gps = {1: "S", 2: (6.0, 14.0, 30.0), 3: "E", 4: (106.0, 59.0, 10.0)}
    exif[0x8825] = gps
    return exif.tobytes()


PERSON_SELECTS = ("asal_wilayah_kode", "domisili_kelurahan_kode", "enc_kelurahan_kode",
                  "enc_aktivitas", "enc_hasil")


def person_form(name: str, **extra) -> dict:
    """An add-person form as a browser posts it (every select present, unknowns empty)."""
    return {"nama": name, "jenis_kelamin": "U", "nik_status": "tidak_diketahui",
            "status_dtks": "tidak_diketahui", "enc_sumber": "patroli",
            **{k: "" for k in PERSON_SELECTS}} | extra


FORGED = [
    "/personview/show/abc", "/personview/show/-1", "/personview/show/0",
    "/personview/show/99999999999999999999", "/personview/show/1.5",
    "/personview/edit/abc", "/personview/edit/99999999999999999999",
    "/personview/archive/abc", "/personview/archive/-1",
    "/encounterview/show/abc", "/encounterview/edit/1.5", "/encounterview/archive/x",
    "/archivedpersonview/show/abc", "/archivedencounterview/show/99999999999999999999",
    "/photo/person/xyz", "/photo/person/-5", "/photo/encounter/99999999999999999999",
    "/personview/action/tidak_ada/1",
]
FORGED_POST = ["/archivedpersonview/restore/abc", "/archivedpersonview/purge/-1",
               "/archivedencounterview/restore/99999999999999999999",
               "/personview/edit/abc", "/personview/archive/1.5"]
FORGED_API = ["/api/v1/person/abc", "/api/v1/person/-1", "/api/v1/person/99999999999999999999",
              "/api/v1/encounter/1.5", "/api/v1/lembaga/abc"]


def test_forged_ids_are_404(login):
    c = login("admin")
    for url in FORGED:
        assert c.get(url).status_code == 404, url
    for url in FORGED_POST:
        assert c.post(url, data={"reason": "uji purge"}).status_code == 404, url


def test_forged_api_ids_are_404(app):
    from tests.conftest import PASSWORD

    token = app.test_client().post("/api/v1/security/login", json={
        "username": "admin", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    c = app.test_client()
    h = {"Authorization": f"Bearer {token}"}
    for url in FORGED_API:
        assert c.get(url, headers=h).status_code == 404, url
        assert c.put(url, json={"nama": "x"}, headers=h).status_code in (404, 405), url
    r = c.post("/api/v1/person/", data="bukan json", headers=h, content_type="application/json")
    assert r.status_code == 400
    r = c.post("/api/v1/person/", json=["daftar"], headers=h)
    assert r.status_code == 400
    r = c.post("/api/v1/encounter/", json={"person_id": "abc"}, headers=h)
    assert r.status_code == 422


def _png_bomb() -> bytes:
    """A tiny PNG claiming 50000 x 50000 pixels (2.5 G pixels)."""
    out = io.BytesIO()
    Image.new("1", (50_000, 50_000)).save(out, "PNG", optimize=True)
    return out.getvalue()


HOSTILE = {
    "php.jpg": b"<?php system($_GET['c']); ?>\n",
    "terpotong.jpg": jpeg_bytes((400, 300))[:300],
    "kosong.jpg": b"",
    "bom.png": None,  # built lazily (slow-ish)
}


def _count(session_ctx, name):
    from app.models import Person

    with session_ctx() as s:
        return s.scalar(select(func.count()).select_from(Person).where(Person.nama == name))


@pytest.mark.parametrize("filename", list(HOSTILE))
def test_hostile_upload_refused(filename, login, session_ctx, app):
    import os

    content = HOSTILE[filename] if HOSTILE[filename] is not None else _png_bomb()
    photo_dir = app.config["PHOTO_DIR"]
    before = set(os.listdir(photo_dir)) if os.path.isdir(photo_dir) else set()
    c = login("operator")
    name = unique_name("Unggah")
    r = c.post("/personview/add", data=person_form(
        name, photo_upload=(io.BytesIO(content), filename)), content_type="multipart/form-data")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert ("bukan gambar yang valid" in page or "Format foto" in page
            or "Berkas foto kosong" in page), page[:3000]
    assert _count(session_ctx, name) == 0
    after = set(os.listdir(photo_dir)) if os.path.isdir(photo_dir) else set()
    assert after == before


def test_stored_photo_has_no_exif(login, session_ctx):
    from app.models import Person

    original = jpeg_bytes((120, 90), exif=gps_exif())
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the input does have GPS
    c = login("operator")
    name = unique_name("Exif")
    r = c.post("/personview/add", data=person_form(
        name, photo_upload=(io.BytesIO(original), "foto.jpg")), content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    with session_ctx() as s:
        person = s.scalars(select(Person).where(Person.nama == name)).one()
        pid, stored = person.id, person.photo
    assert stored
    r = c.get(f"/photo/person/{pid}")
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(r.data))
    assert not image.getexif() and "exif" not in image.info
    assert image.size == (120, 90)


@pytest.fixture(scope="module")
def csrf_app(app, tmp_path_factory):
    return make_app(tmp_path_factory, WTF_CSRF_ENABLED=True,
                    SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                    PHOTO_DIR=app.config["PHOTO_DIR"])


def test_form_without_csrf_token_refused(csrf_app, session_ctx):
    import re

    from tests.conftest import PASSWORD

    c = csrf_app.test_client()
    # login itself is a form: without a token it is refused
    r = c.post("/login/", data={"username": "operator", "password": PASSWORD})
    assert r.status_code in (200, 400) and "/login/" not in r.headers.get("Location", "")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      c.get("/login/").get_data(as_text=True)).group(1)
    r = c.post("/login/", data={"username": "operator", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302
    name = unique_name("Csrf")
    r = c.post("/personview/add", data=person_form(name))
    assert r.status_code in (200, 400)
    assert _count(session_ctx, name) == 0
    r = c.post("/archivedpersonview/restore/1")
    assert r.status_code == 400
    assert "CSRF" in r.get_data(as_text=True)
