"""The one intake door: every person and encounter write passes through here.

Form views, the REST API, the Excel import and the demo generator call
`validate_person` + `apply_person` (or `register` for both at once) and
`add_encounter`.  They normalise, validate NIK/KK, derive birth date and gender
from a valid NIK, refuse a second person with the same NIK, keep the match
keys (normalised names) and place the person in an area for scoping.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.constants import ACTIVITIES, ENCOUNTER_SOURCES, GENDERS, NIK_STATUSES, OUTCOMES
from app.models import Encounter, Person, PersonAlias, Wilayah
from app.models.base import now_local
from app.services.nik import NikError, check_against, clean_number, parse_kk, parse_nik
from app.services.scope import Scope, allows_area

PERSON_TEXT_FIELDS = (
    "nama", "tempat_lahir", "nama_ibu", "alamat_ktp", "disabilitas", "catatan_kesehatan",
    "ciri_fisik", "kontak_keluarga", "persetujuan_oleh", "persetujuan_alasan_tidak",
)


class IntakeError(ValueError):
    """Validation failed; `errors` maps field name -> Indonesian message."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


@dataclass
class PersonCheck:
    cleaned: dict[str, Any]
    aliases: list[str]
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    existing_person_id: int | None = None  # a person with the same NIK


def _text(value) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def split_aliases(raw) -> list[str]:
    """Aliases typed as 'Ujang, Jang' or one per line; duplicates dropped, order kept."""
    if not raw:
        return []
    if isinstance(raw, (list, tuple)):
        parts = raw
    else:
        parts = str(raw).replace(";", ",").replace("\n", ",").split(",")
    seen, result = set(), []
    for part in parts:
        alias = _text(part)
        if alias and alias.lower() not in seen:
            seen.add(alias.lower())
            result.append(alias)
    return result


def validate_person(session, data: dict, *, person_id: int | None = None,
                    today: dt.date | None = None, nik_owners: dict | None = None) -> PersonCheck:
    """Check and normalise a person's fields. Never writes.

    `nik_owners` (from `nik_owners`) answers the NIK check of a batch without a query per row.
    """
    today = today or now_local().date()
    cleaned: dict[str, Any] = {k: _text(data.get(k)) for k in PERSON_TEXT_FIELDS if k in data}
    check = PersonCheck(cleaned=cleaned, aliases=split_aliases(data.get("aliases")))
    errors = check.errors

    if not (cleaned.get("nama") or check.aliases or cleaned.get("ciri_fisik")):
        errors["nama"] = "Isi nama, alias, atau ciri-ciri fisik (minimal salah satu)."

    gender = data.get("jenis_kelamin") or "U"
    if gender not in GENDERS:
        errors["jenis_kelamin"] = "Jenis kelamin harus L, P, atau tidak diketahui."
    cleaned["jenis_kelamin"] = gender

    birth = data.get("tanggal_lahir") or None
    if isinstance(birth, dt.datetime):
        birth = birth.date()
    if birth is not None and not isinstance(birth, dt.date):
        errors["tanggal_lahir"] = "Format tanggal lahir tidak valid."
        birth = None
    if birth and birth > today:
        errors["tanggal_lahir"] = "Tanggal lahir tidak boleh di masa depan."
    elif birth and birth.year < 1900:
        errors["tanggal_lahir"] = "Tanggal lahir tidak masuk akal (sebelum 1900)."
    birth_year, estimated = _birth_year(data, birth, today, errors)

    nik_raw = data.get("nik")
    if nik_raw not in (None, ""):
        try:
            info = parse_nik(nik_raw, hint_year=birth.year if birth else birth_year, today=today)
        except NikError as exc:
            errors["nik"] = str(exc)
        else:
            cleaned["nik"] = info.nik
            check.warnings += check_against(info, gender=gender, birth_date=birth,
                                            birth_year=birth_year if estimated else None)
            if gender == "U":
                cleaned["jenis_kelamin"] = info.gender
            if not birth:
                birth = info.birth_date
                birth_year, estimated = birth.year, False
            if nik_owners is not None and info.nik in nik_owners:
                existing = nik_owners[info.nik]
            else:
                existing = session.execute(
                    select(Person.id, Person.nama, Person.merged_into_id).where(Person.nik == info.nik)
                ).first()
            if existing and existing.id != person_id:
                target = existing.merged_into_id or existing.id
                check.existing_person_id = target
                errors["nik"] = (
                    f"NIK ini sudah terdaftar atas nama {existing.nama or '(tanpa nama)'} "
                    f"(#{target}). Tambahkan penjangkauan pada data tersebut, jangan membuat data baru."
                )
    else:
        cleaned["nik"] = None

    status = data.get("nik_status") or ("ada" if cleaned.get("nik") else "tidak_diketahui")
    if cleaned.get("nik"):
        status = "ada"
    elif status == "ada":
        status = "tidak_diketahui"
    if status not in NIK_STATUSES:
        errors["nik_status"] = "Status NIK tidak dikenal."
    cleaned["nik_status"] = status

    kk_raw = data.get("no_kk")
    if kk_raw not in (None, ""):
        try:
            cleaned["no_kk"] = parse_kk(kk_raw)
        except NikError as exc:
            errors["no_kk"] = str(exc)
    else:
        cleaned["no_kk"] = None

    cleaned["tanggal_lahir"] = birth
    cleaned["tahun_lahir"] = birth.year if birth else birth_year
    cleaned["tahun_lahir_perkiraan"] = bool(estimated and not birth)
    for key in ("asal_wilayah_kode", "domisili_kelurahan_kode", "status_dtks",
                "persetujuan_tanggal", "photo"):
        if key in data:
            cleaned[key] = data.get(key) or None
    if cleaned.get("domisili_kelurahan_kode"):
        kel = session.get(Wilayah, cleaned["domisili_kelurahan_kode"])
        if kel is None or kel.level != "kelurahan":
            errors["domisili_kelurahan_kode"] = "Kelurahan domisili tidak dikenal."
    if cleaned.get("asal_wilayah_kode") and session.get(Wilayah, cleaned["asal_wilayah_kode"]) is None:
        errors["asal_wilayah_kode"] = "Daerah asal tidak dikenal."
    return check


def nik_owners(session, raw_niks) -> dict:
    """NIK -> (id, nama, merged_into_id) of its registered person, or None: the NIK check of
    `validate_person` for many rows in one query per 500 NIKs."""
    niks = sorted({n for n in map(clean_number, raw_niks) if n and len(n) == 16 and n.isdigit()})
    out: dict = dict.fromkeys(niks)
    for lo in range(0, len(niks), 500):
        for row in session.execute(select(Person.id, Person.nama, Person.merged_into_id, Person.nik)
                                   .where(Person.nik.in_(niks[lo:lo + 500]))):
            out[row.nik] = row
    return out


def _birth_year(data, birth, today, errors) -> tuple[int | None, bool]:
    """Birth year from an exact date, a stated year, or an estimated age."""
    if birth:
        return birth.year, False
    year = data.get("tahun_lahir")
    age = data.get("perkiraan_umur")
    try:
        if year not in (None, ""):
            year = int(year)
            if not 1900 <= year <= today.year:
                errors["tahun_lahir"] = f"Tahun lahir harus antara 1900 dan {today.year}."
                return None, False
            return year, bool(data.get("tahun_lahir_perkiraan", True))
        if age not in (None, ""):
            age = int(age)
            if not 0 <= age <= 120:
                errors["perkiraan_umur"] = "Perkiraan umur harus antara 0 dan 120 tahun."
                return None, False
            return today.year - age, True
    except (TypeError, ValueError):
        errors["tahun_lahir" if year not in (None, "") else "perkiraan_umur"] = "Harus berupa angka."
    return None, False


def apply_person(session, person: Person, check: PersonCheck, *, scope: Scope,
                 replace_aliases: bool = True) -> Person:
    """Write validated fields onto a Person (new or existing) and refresh its keys."""
    if check.errors:
        raise IntakeError(check.errors)
    from app.services.names import normalize_name

    for key, value in check.cleaned.items():
        setattr(person, key, value)
    person.nama_norm = normalize_name(person.nama) if person.nama else None
    if replace_aliases:
        wanted = {a.lower(): a for a in check.aliases}
        for alias in list(person.aliases):
            if alias.alias.lower() not in wanted:
                person.aliases.remove(alias)
        present = {a.alias.lower() for a in person.aliases}
        for key, alias in wanted.items():
            if key not in present:
                person.aliases.append(PersonAlias(alias=alias, alias_norm=normalize_name(alias)))
    _place_person(session, person, scope)
    if person not in session:
        session.add(person)
    return person


def _place_person(session, person: Person, scope: Scope, encounter_kelurahan: str | None = None) -> None:
    """The person's area: domisili, else where first met, else the user's own area."""
    area = _area(session, scope, person.domisili_kelurahan_kode, person.kecamatan_kode,
                 person.kelurahan_kode, encounter_kelurahan)
    if area != (person.kecamatan_kode, person.kelurahan_kode):
        person.kecamatan_kode, person.kelurahan_kode = area


def _area(session, scope: Scope, domisili, kecamatan, kelurahan, encounter_kelurahan=None) -> tuple:
    """(kecamatan, kelurahan) where `_place_person` puts a person now in (kecamatan, kelurahan)."""
    code = domisili or kelurahan or encounter_kelurahan
    if code:
        kel = session.get(Wilayah, code)
        kelurahan, kecamatan = code, kel.parent_kode if kel else kecamatan
    elif not kecamatan and not scope.citywide:
        kecamatan, kelurahan = scope.kecamatan_kode, scope.kelurahan_kode
    if not allows_area(scope, kecamatan, kelurahan):
        raise IntakeError({"domisili_kelurahan_kode": "Wilayah ini di luar wilayah tugas Anda."})
    return kecamatan, kelurahan


def area_errors(session, check: PersonCheck, *, scope: Scope, person_id: int | None = None,
                encounter_kelurahan: str | None = None) -> dict[str, str]:
    """Where `apply_person` would place the person, checked before anything is written."""
    if scope.citywide:
        return {}
    current = session.get(Person, person_id) if person_id else None
    kelurahan = check.cleaned.get("domisili_kelurahan_kode") \
        or (current.kelurahan_kode if current else None) or encounter_kelurahan
    if kelurahan:
        kel = session.get(Wilayah, kelurahan)
        kecamatan = kel.parent_kode if kel else None
    elif current is not None and current.kecamatan_kode:
        kecamatan = current.kecamatan_kode
    else:
        return {}  # placed in the user's own area
    if allows_area(scope, kecamatan, kelurahan):
        return {}
    return {"domisili_kelurahan_kode": "Wilayah ini di luar wilayah tugas Anda."}


def validate_encounter(session, data: dict, *, scope: Scope) -> tuple[dict, dict[str, str]]:
    """Check an encounter's fields; returns (cleaned, errors)."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    waktu = data.get("waktu") or now_local().replace(second=0, microsecond=0)
    if isinstance(waktu, dt.date) and not isinstance(waktu, dt.datetime):
        waktu = dt.datetime.combine(waktu, dt.time(0, 0))
    if not isinstance(waktu, dt.datetime):
        errors["waktu"] = "Format waktu penjangkauan tidak valid."
        waktu = now_local()
    elif waktu > now_local() + dt.timedelta(minutes=5):
        errors["waktu"] = "Waktu penjangkauan tidak boleh di masa depan."
    cleaned["waktu"] = waktu
    kel_kode = data.get("kelurahan_kode") or None
    cleaned["kelurahan_kode"] = kel_kode
    cleaned["kecamatan_kode"] = data.get("kecamatan_kode") or None
    if kel_kode:
        kel = session.get(Wilayah, kel_kode)
        if kel is None or kel.level != "kelurahan":
            errors["kelurahan_kode"] = "Kelurahan lokasi tidak dikenal."
        else:
            cleaned["kecamatan_kode"] = kel.parent_kode
    if not scope.citywide and not cleaned["kecamatan_kode"]:
        cleaned["kecamatan_kode"] = scope.kecamatan_kode
        cleaned["kelurahan_kode"] = cleaned["kelurahan_kode"] or scope.kelurahan_kode
    if not errors and not allows_area(scope, cleaned["kecamatan_kode"], cleaned["kelurahan_kode"]):
        errors["kelurahan_kode"] = "Lokasi penjangkauan di luar wilayah tugas Anda."
    for key, allowed, default in (("sumber", ENCOUNTER_SOURCES, "patroli"),
                                  ("aktivitas", ACTIVITIES, None), ("hasil", OUTCOMES, None)):
        value = data.get(key) or default
        if value is not None and value not in allowed:
            errors[key] = f"Nilai '{value}' tidak dikenal."
        cleaned[key] = value
    for key in ("lokasi", "tim", "petugas_nama", "kondisi", "catatan", "import_ref", "photo"):
        cleaned[key] = _text(data.get(key))
    for key in ("latitude", "longitude"):
        value = data.get(key)
        if value in (None, ""):
            cleaned[key] = None
            continue
        try:
            cleaned[key] = float(value)
        except (TypeError, ValueError):
            errors[key] = "Koordinat harus berupa angka."
            continue
        limit = 90 if key == "latitude" else 180
        if not -limit <= cleaned[key] <= limit:
            errors[key] = "Koordinat di luar jangkauan."
    if data.get("petugas_id"):
        cleaned["petugas_id"] = data["petugas_id"]
    return cleaned, errors


def add_encounter(session, person: Person, data: dict, *, scope: Scope) -> Encounter:
    """Record one more meeting with a person (validated, scoped)."""
    cleaned, errors = validate_encounter(session, data, scope=scope)
    if errors:
        raise IntakeError(errors)
    encounter = Encounter(**cleaned)
    encounter.person = person
    session.add(encounter)
    if not person.kecamatan_kode:
        _place_person(session, person, scope, encounter_kelurahan=encounter.kelurahan_kode)
    return encounter


@dataclass
class IntakeResult:
    person: Person
    encounter: Encounter | None
    warnings: list[str]
    created: bool


def register(session, person_data: dict, encounter_data: dict | None, *, scope: Scope,
             person: Person | None = None) -> IntakeResult:
    """Create a person (or update `person`) and optionally record an encounter."""
    check = validate_person(session, person_data, person_id=person.id if person else None)
    enc_errors: dict[str, str] = {}
    if encounter_data is not None:
        _, enc_errors = validate_encounter(session, encounter_data, scope=scope)
    if check.errors or enc_errors:
        raise IntakeError({**check.errors, **{f"encounter.{k}": v for k, v in enc_errors.items()}})
    created = person is None
    person = person or Person()
    if encounter_data and encounter_data.get("kelurahan_kode") and not person.kelurahan_kode \
            and not check.cleaned.get("domisili_kelurahan_kode"):
        _place_person(session, person, scope, encounter_kelurahan=encounter_data["kelurahan_kode"])
    apply_person(session, person, check, scope=scope)
    encounter = add_encounter(session, person, encounter_data, scope=scope) if encounter_data is not None else None
    return IntakeResult(person, encounter, check.warnings, created)


@dataclass
class BatchRow:
    """One row of `register_many`: an encounter with a new person, an existing person
    (`person_id`) or the new person of an earlier row (`same_as`, its index)."""
    encounter: dict
    person: dict | None = None
    person_id: int | None = None
    same_as: int | None = None
    jenis_ppks_id: int | None = None  # a PPKS type the person gets (kept if already there)


def register_many(session, rows: list[BatchRow], *, scope: Scope) -> list[int]:
    """`register` / `add_encounter` for many rows, written set-wise; each row's person id.

    Every row is validated, normalised and placed by the same functions as the
    single-row door, in row order; the first invalid row raises IntakeError
    (`.row` = its index) before anything is written.  Changes to existing persons
    go through the ORM; new persons, aliases and encounters are written with Core
    by `intake_batch.write` (audit entries, match keys, summary and case reopening kept).
    """
    from app.models import JenisPPKS
    from app.services import intake_batch

    owners = nik_owners(session, [r.person.get("nik") for r in rows if r.person])
    existing = intake_batch.load_persons(session, {r.person_id for r in rows if r.person_id})
    regions = intake_batch.load_regions(session, rows)  # noqa: F841 (kept referenced while validating)
    new: list[dict] = []   # the new persons, in row order
    done: list[tuple] = []  # per row: ("new", index in `new`) or ("old", person id), and the encounter
    with session.no_autoflush:
        for i, row in enumerate(rows):
            try:
                if row.person is not None:
                    new.append(_new_person(session, row, scope, owners))
                    kind, key, cleaned = "new", len(new) - 1, new[-1]["encounter"]
                else:
                    cleaned, errors = validate_encounter(session, row.encounter, scope=scope)
                    if errors:
                        raise IntakeError(errors)
                    kind, key = ("old", row.person_id) if row.person_id else done[row.same_as][:2]
                    if kind == "old" and key not in existing:
                        raise IntakeError({"person_id": f"Data PPKS #{key} tidak ditemukan."})
                    _place_met(session, existing[key] if kind == "old" else new[key]["person"], scope,
                               cleaned["kelurahan_kode"])
            except IntakeError as exc:
                exc.row = i
                raise
            done.append((kind, key, cleaned))
            if row.jenis_ppks_id and kind == "old":
                jenis = session.get(JenisPPKS, row.jenis_ppks_id)
                if jenis not in existing[key].jenis_ppks:
                    existing[key].jenis_ppks.append(jenis)
            elif row.jenis_ppks_id and row.jenis_ppks_id not in new[key]["jenis"]:
                new[key]["jenis"].append(row.jenis_ppks_id)
    return intake_batch.write(session, new, done)


def _place_met(session, person, scope: Scope, encounter_kelurahan) -> None:
    """`add_encounter`'s placement of a person not yet placed (an ORM Person or a new person's dict)."""
    if isinstance(person, Person):
        if not person.kecamatan_kode:
            _place_person(session, person, scope, encounter_kelurahan=encounter_kelurahan)
    elif not person["kecamatan_kode"]:
        person["kecamatan_kode"], person["kelurahan_kode"] = _area(
            session, scope, person.get("domisili_kelurahan_kode"), None, person["kelurahan_kode"],
            encounter_kelurahan)


def _new_person(session, row: BatchRow, scope: Scope, owners: dict) -> dict:
    """What `register` would write for a new person with an encounter (validated, placed)."""
    from app.services.names import normalize_name

    check = validate_person(session, row.person, nik_owners=owners)
    cleaned, enc_errors = validate_encounter(session, row.encounter, scope=scope)  # add_encounter: same again
    if check.errors or enc_errors:
        raise IntakeError({**check.errors, **{f"encounter.{k}": v for k, v in enc_errors.items()}})
    person = dict(check.cleaned, kecamatan_kode=None, kelurahan_kode=None)
    domisili, enc_kel = person.get("domisili_kelurahan_kode"), row.encounter.get("kelurahan_kode")
    if enc_kel and not domisili:
        person["kecamatan_kode"], person["kelurahan_kode"] = _area(session, scope, None, None, None, enc_kel)
    person["nama_norm"] = normalize_name(person["nama"]) if person.get("nama") else None
    person["kecamatan_kode"], person["kelurahan_kode"] = _area(
        session, scope, domisili, person["kecamatan_kode"], person["kelurahan_kode"])
    _place_met(session, person, scope, cleaned["kelurahan_kode"])
    aliases = [(a, normalize_name(a)) for a in {a.lower(): a for a in check.aliases}.values()]
    return {"person": person, "aliases": aliases, "encounter": cleaned, "jenis": []}


def normalise_nik_input(value) -> str | None:
    """Used by forms to show the cleaned NIK back to the user."""
    return clean_number(value)


def person_fields(person: Person) -> dict:
    """A person's current values in the shape `validate_person` takes."""
    data = {k: getattr(person, k) for k in PERSON_TEXT_FIELDS}
    for key in ("nik", "nik_status", "no_kk", "jenis_kelamin", "tanggal_lahir", "tahun_lahir",
                "tahun_lahir_perkiraan", "asal_wilayah_kode", "domisili_kelurahan_kode",
                "status_dtks", "persetujuan_tanggal", "photo"):
        data[key] = getattr(person, key)
    if person.tanggal_lahir:
        data["tahun_lahir"] = None
    data["aliases"] = [a.alias for a in person.aliases]
    return data


def coerce_dates(data: dict) -> dict:
    """Turn ISO strings from JSON/CSV into dates and datetimes; bad ones become errors later."""
    out = dict(data)
    for key in ("tanggal_lahir", "persetujuan_tanggal"):
        value = out.get(key)
        if isinstance(value, str) and value:
            try:
                out[key] = dt.date.fromisoformat(value)
            except ValueError:
                out[key] = value  # validate_person reports it
    value = out.get("waktu")
    if isinstance(value, str) and value:
        try:
            out["waktu"] = dt.datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            out["waktu"] = value
    return out
