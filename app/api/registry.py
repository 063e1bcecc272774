"""Person and encounter APIs: reads are FAB-generated; writes go through the intake door."""
from __future__ import annotations

from flask import request
from flask_appbuilder.api import ModelRestApi, expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import Encounter, Lembaga, Person, Wilayah
from app.security import current_scope
from app.services import intake
from app.views.base import ClauseFilter
from app.views.registry import PERSON_DATA_KEYS, _encounter_scope, _person_scope

STALE = ("Data ini sudah diubah oleh pengguna lain, atau 'version' tidak dikirim (versi terkini: "
         "{current}); baca data terbaru lalu kirim ulang dengan 'version' tersebut.")

PERSON_COLUMNS = ["id", "version", "nama", "nik", "nik_status", "no_kk", "jenis_kelamin",
                  "tempat_lahir", "tanggal_lahir", "tahun_lahir", "tahun_lahir_perkiraan",
                  "nama_ibu", "asal_wilayah.kode", "alamat_ktp", "domisili_kelurahan.kode",
                  "kecamatan.kode", "kelurahan.kode", "disabilitas", "catatan_kesehatan",
                  "ciri_fisik", "kontak_keluarga", "status_dtks", "persetujuan_oleh",
                  "persetujuan_tanggal", "persetujuan_alasan_tidak", "aliases.alias",
                  "jenis_ppks.id", "updated_at"]
ENCOUNTER_COLUMNS = ["id", "version", "person.id", "waktu", "kelurahan.kode", "kecamatan.kode",
                     "latitude", "longitude", "lokasi", "sumber", "tim", "petugas_nama",
                     "aktivitas", "kondisi", "hasil", "catatan", "import_ref"]


def _valid_pk(pk) -> int | None:
    """A URL id that is not a positive 62-bit integer matches no record."""
    try:
        value = int(pk)
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= 2**62 else None


class SafePkApiMixin:
    """Forged ids (/abc, /-1, /99999999999999999999) answer 404, never 405 or 500.

    FAB routes GET as /<int:pk> (so /abc fell through to the PUT route: 405) and
    passes huge integers to the database (overflow on PostgreSQL).
    """

    @expose("/<string:pk>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_malformed(self, pk):
        return self.response_404()

    def get_headless(self, pk, **kwargs):
        if _valid_pk(pk) is None:
            return self.response_404()
        return super().get_headless(pk, **kwargs)

    def put_headless(self, pk):
        if _valid_pk(pk) is None:
            return self.response_404()
        return super().put_headless(_valid_pk(pk))


class IntakeApiMixin:
    """POST/PUT handled by the intake service, with optimistic locking on PUT."""

    def _json(self):
        return request.get_json(silent=True) if request.is_json else None

    def _stale(self, item, data) -> bool:
        """PUT must carry the `version` it read; a missing one is refused like a stale one."""
        sent = data.get("version")
        return sent is None or str(sent) != str(item.version)

    def _load_for_update(self, pk):
        """(data, item, None) for a valid, in-scope, current PUT; else (…, refusal response)."""
        data = self._json()
        if not isinstance(data, dict):
            return None, None, self.response_400(message="Permintaan harus berupa objek JSON.")
        item = self.datamodel.get(_valid_pk(pk), self._base_filters) if _valid_pk(pk) else None
        if item is None:
            return data, None, self.response_404()
        if self._stale(item, data):
            return data, item, self.response(409, message=STALE.format(current=item.version))
        return data, item, None

    def _commit(self, item, status: int, warnings=()):
        try:
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            return self.response(409, message=STALE.format(current="?"))
        return self.response(status, id=item.id, version=item.version, warnings=list(warnings))


class PersonApi(SafePkApiMixin, IntakeApiMixin, ModelRestApi):
    resource_name = "person"
    datamodel = SQLAInterface(Person)
    base_filters = [["id", ClauseFilter, _person_scope]]
    class_permission_name = "PersonApi"
    method_permission_name = {"get_list": "get", "get": "get", "get_malformed": "get",
                              "info": "info", "post": "post", "put": "put"}
    include_route_methods = {"get_list", "get", "get_malformed", "info", "post", "put"}
    list_columns = ["id", "nama", "nik", "jenis_kelamin", "tahun_lahir", "kecamatan.kode",
                    "updated_at"]
    show_columns = PERSON_COLUMNS
    search_columns = ["nama", "nama_norm", "nik"]
    order_columns = ["id", "nama", "updated_at"]
    base_order = ("id", "desc")
    add_columns = ["nama"]
    edit_columns = ["nama"]

    def post_headless(self):
        data = self._json()
        if not isinstance(data, dict):
            return self.response_400(message="Permintaan harus berupa objek JSON.")
        encounter = data.pop("encounter", None)
        person_data = {k: data.get(k) for k in PERSON_DATA_KEYS + ["aliases", "tahun_lahir_perkiraan"]
                       if k in data}
        from app.services.dedup import queue_candidates, screen_new_person  # search before create (issue 3)

        gate, near = screen_new_person(db.session, intake.coerce_dates(person_data), encounter
                                       if isinstance(encounter, dict) else None, current_scope(),
                                       data.get("confirm_new") is True)
        if gate:
            return self.response(409, **gate)
        try:
            result = intake.register(db.session, intake.coerce_dates(person_data),
                                     intake.coerce_dates(encounter) if encounter else None,
                                     scope=current_scope())
        except intake.IntakeError as exc:
            db.session.rollback()
            return self.response_422(message=exc.errors)
        if near:  # confirmed new despite near matches: queue them for review, like the intake screen
            db.session.flush()
            queue_candidates(db.session, result.person.id, near, "api")
        return self._commit(result.person, 201, result.warnings)

    def put_headless(self, pk):
        data, item, refusal = self._load_for_update(pk)
        if refusal is not None:
            return refusal
        merged = intake.person_fields(item) | {k: v for k, v in data.items() if k in
                                                 PERSON_DATA_KEYS + ["aliases"]}
        check = intake.validate_person(db.session, intake.coerce_dates(merged), person_id=item.id)
        try:
            intake.apply_person(db.session, item, check, scope=current_scope())
        except intake.IntakeError as exc:
            db.session.rollback()
            return self.response_422(message=exc.errors)
        return self._commit(item, 200, check.warnings)


class EncounterApi(SafePkApiMixin, IntakeApiMixin, ModelRestApi):
    resource_name = "encounter"
    datamodel = SQLAInterface(Encounter)
    base_filters = [["id", ClauseFilter, _encounter_scope]]
    class_permission_name = "EncounterApi"
    method_permission_name = PersonApi.method_permission_name
    include_route_methods = PersonApi.include_route_methods
    list_columns = ["id", "person.id", "waktu", "kelurahan.kode", "sumber", "aktivitas", "hasil"]
    show_columns = ENCOUNTER_COLUMNS
    search_columns = ["waktu", "sumber", "aktivitas"]
    order_columns = ["id", "waktu"]
    base_order = ("waktu", "desc")
    add_columns = ["lokasi"]
    edit_columns = ["lokasi"]

    def post_headless(self):
        data = self._json()
        if not isinstance(data, dict):
            return self.response_400(message="Permintaan harus berupa objek JSON.")
        person = db.session.scalar(db.select(Person).where(
            Person.id == _int(data.get("person_id")), _person_scope()))
        if person is None:
            return self.response_422(message={"person_id": "Data PPKS tidak ditemukan di wilayah Anda."})
        try:
            encounter = intake.add_encounter(db.session, person, intake.coerce_dates(data),
                                             scope=current_scope())
        except intake.IntakeError as exc:
            db.session.rollback()
            return self.response_422(message=exc.errors)
        return self._commit(encounter, 201)

    def put_headless(self, pk):
        data, item, refusal = self._load_for_update(pk)
        if refusal is not None:
            return refusal
        current = ["waktu", "kelurahan_kode", "latitude", "longitude", "lokasi", "sumber", "tim",
                   "petugas_nama", "aktivitas", "kondisi", "hasil", "catatan", "photo"]
        merged = {c: getattr(item, c) for c in current} | data
        cleaned, errors = intake.validate_encounter(db.session, intake.coerce_dates(merged),
                                                    scope=current_scope())
        if errors:
            return self.response_422(message=errors)
        for key, value in cleaned.items():
            if key != "import_ref":
                setattr(item, key, value)
        return self._commit(item, 200)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class LembagaApi(SafePkApiMixin, ModelRestApi):
    resource_name = "lembaga"
    datamodel = SQLAInterface(Lembaga)
    include_route_methods = {"get_list", "get", "get_malformed", "info", "post", "put"}
    list_columns = ["id", "nama", "jenis", "alamat", "kelurahan.kode", "latitude", "longitude",
                    "kontak", "jam_buka", "kapasitas", "aktif"]
    show_columns = list_columns
    add_columns = ["nama", "jenis", "alamat", "kelurahan", "latitude", "longitude", "kontak",
                   "jam_buka", "kapasitas", "aktif"]
    edit_columns = add_columns


class WilayahApi(ModelRestApi):
    resource_name = "wilayah"
    datamodel = SQLAInterface(Wilayah)
    include_route_methods = {"get_list", "get", "info", "get_by_kode"}
    list_columns = ["kode", "nama", "level", "parent.kode"]
    show_columns = list_columns
    page_size = 100

    # FAB routes `get` as /<int:pk>; regions are keyed by a Kemendagri code string.
    @expose("/<string:kode>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_by_kode(self, kode):
        return self.get_headless(kode)
