"""Excel/CSV import of field data: each row is an encounter with its person (see docs/import.md)."""
from __future__ import annotations

import datetime as dt
import json
import re

_DATE_FORMATS = (("%Y-%m-%d", re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")),
                 ("%d-%m-%Y", re.compile(r"^\d{1,2}-\d{1,2}-\d{4}$")),
                 ("%d/%m/%Y", re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")))


class DateParseError(ValueError):
    pass


def parse_date(value) -> dt.date | None:
    """YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY (or an Excel date) -> date; blank -> None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if " " in text and re.match(r"^\d{4}-\d{2}-\d{2} 00:00(:00)?$", text):
        text = text.split()[0]
    for fmt, pattern in _DATE_FORMATS:
        if pattern.match(text):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                raise DateParseError(f"Tanggal '{text}' tidak ada di kalender.") from None
    raise DateParseError(f"Format tanggal '{text}' tidak dikenal; gunakan YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY.")


# ----------------------------------------------------------------- reading files

import csv  # noqa: E402
import io  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

COLUMNS = ("ref", "nama", "alias", "nik", "no_kk", "jenis_kelamin", "tempat_lahir", "tanggal_lahir",
           "perkiraan_umur", "nama_ibu", "asal_daerah", "alamat", "kelurahan", "jenis_ppks",
           "tanggal_penjangkauan", "lokasi", "sumber", "petugas", "catatan")
MAX_COLUMNS = 60
MAX_ROWS = 20_000
MAX_BYTES = 20 * 1024 * 1024


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (Indonesian message)."""


def read_rows(filename: str, content: bytes) -> list[tuple[int, dict]]:
    """(row number, {column: text}) of a .xlsx or .csv file; raises ImportFileError."""
    name = (filename or "").lower()
    if not content:
        raise ImportFileError("Berkas kosong.")
    if len(content) > MAX_BYTES:
        raise ImportFileError("Berkas terlalu besar (maksimal 20 MB).")
    if name.endswith(".xlsx"):
        table = _xlsx(content)
    elif name.endswith(".csv"):
        table = _csv(content)
    else:
        raise ImportFileError("Jenis berkas tidak didukung: gunakan .xlsx atau .csv (lihat templat).")
    if not table:
        raise ImportFileError("Berkas kosong: tidak ada baris judul kolom.")
    header = [str(h or "").strip().lower().replace(" ", "_") for h in table[0][1]]
    while header and not header[-1]:
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise ImportFileError(f"Terlalu banyak kolom ({len(header)}); maksimal {MAX_COLUMNS}.")
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        raise ImportFileError("Judul kolom tidak dikenal: " + ", ".join(unknown[:10])
                              + ". Gunakan judul kolom dari templat.")
    if "nama" not in header and "alias" not in header:
        raise ImportFileError("Kolom 'nama' (atau 'alias') wajib ada.")
    dupes = {h for h in header if h and header.count(h) > 1}
    if dupes:
        raise ImportFileError("Judul kolom ganda: " + ", ".join(sorted(dupes)))
    rows = []
    for number, cells in table[1:]:
        values = {h: cells[i] if i < len(cells) else None for i, h in enumerate(header) if h}
        if any(v not in (None, "") and str(v).strip() for v in values.values()):
            rows.append((number, values))
    if not rows:
        raise ImportFileError("Berkas tidak berisi baris data.")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"Terlalu banyak baris ({len(rows)}); maksimal {MAX_ROWS} per berkas.")
    return rows


def _xlsx(content: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # zip/xml errors of every kind: not a real workbook
        raise ImportFileError("Berkas .xlsx rusak atau bukan berkas Excel.") from None
    ws = wb.worksheets[0]
    if (ws.max_column or 0) > MAX_COLUMNS:
        raise ImportFileError(f"Terlalu banyak kolom ({ws.max_column}); maksimal {MAX_COLUMNS}.")
    out = []
    for number, row in enumerate(ws.iter_rows(values_only=False, max_col=MAX_COLUMNS + 1), start=1):
        cells = []
        for cell in row:
            v = cell.value
            if getattr(cell, "data_type", None) == "f" or (isinstance(v, str) and v.startswith("=")):
                raise ImportFileError(f"Baris {number}: berisi rumus ({v}); simpan sebagai nilai saja.")
            cells.append(v)
        out.append((number, cells))
        if number > MAX_ROWS + 1:
            raise ImportFileError(f"Terlalu banyak baris; maksimal {MAX_ROWS} per berkas.")
    wb.close()
    return out


def _csv(content: bytes) -> list[tuple[int, list]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError("Berkas CSV harus UTF-8.") from None
    if "\x00" in text:
        raise ImportFileError("Berkas bukan CSV teks.")
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") > first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delim)
        rows = []
        for number, r in enumerate(reader, start=1):
            if len(r) > MAX_COLUMNS:
                raise ImportFileError(f"Terlalu banyak kolom ({len(r)}); maksimal {MAX_COLUMNS}.")
            for v in r:
                if v.startswith("="):
                    raise ImportFileError(f"Baris {number}: berisi rumus ({v[:30]}); simpan sebagai nilai saja.")
            rows.append((number, r))
            if number > MAX_ROWS + 1:
                raise ImportFileError(f"Terlalu banyak baris; maksimal {MAX_ROWS} per berkas.")
    except csv.Error as exc:
        raise ImportFileError(f"CSV tidak dapat dibaca: {exc}") from None
    return rows


# ----------------------------------------------------------------- planning (dry run)

ACTIONS = {"baru": "orang baru", "tambah": "ditambahkan ke orang yang sudah ada",
           "ganda": "kemungkinan ganda → antrean tinjauan", "lewati": "sudah pernah diimpor (dilewati)",
           "galat": "galat"}


@dataclass
class RowPlan:
    row: int
    ref: str | None
    nama: str
    action: str = "baru"
    person_id: int | None = None      # existing person to attach to
    same_as_row: int | None = None    # attach to a person created by an earlier row
    candidates: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # (column, message)
    person: dict = field(default_factory=dict)
    encounter: dict = field(default_factory=dict)
    jenis_ppks_id: int | None = None
    pair_row: int | None = None  # probable duplicate of a person created by an earlier row


def _s(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    text = str(v).strip()
    return text or None


def _lookups(session):
    from sqlalchemy import select

    from app.models import JenisPPKS, Wilayah

    kel = {}
    for kode, nama in session.execute(select(Wilayah.kode, Wilayah.nama).where(Wilayah.level == "kelurahan",
                                                                          Wilayah.kode.startswith("32.75."))):
        kel[kode] = kode
        kel[kode.replace(".", "")] = kode
        kel.setdefault(nama.lower(), kode)
    region = {}
    for kode, nama, level in session.execute(select(Wilayah.kode, Wilayah.nama, Wilayah.level)
                                             .where(Wilayah.level != "kelurahan")):
        region.setdefault(nama.lower(), kode)
        region.setdefault(nama.lower().replace("kabupaten ", "").replace("kota ", ""), kode)
    jenis = {}
    for jid, nama, kode in session.execute(select(JenisPPKS.id, JenisPPKS.nama, JenisPPKS.kode)):
        jenis[nama.lower()] = jid
        if kode:
            jenis[kode.lower()] = jid
    return kel, region, jenis


def _parse_row(number, values, lookups, today) -> RowPlan:
    from app.constants import ENCOUNTER_SOURCES

    kel, region, jenis = lookups
    v = {k: _s(values.get(k)) for k in COLUMNS}
    plan = RowPlan(row=number, ref=v["ref"], nama=v["nama"] or v["alias"] or "")
    err = plan.errors
    if not (v["nama"] or v["alias"]):
        err.append(("nama", "Isi nama atau alias."))
    person = {"nama": v["nama"], "aliases": v["alias"], "tempat_lahir": v["tempat_lahir"],
              "nama_ibu": v["nama_ibu"], "alamat_ktp": v["alamat"]}
    for col in ("nik", "no_kk"):
        if v[col]:
            digits = v[col].replace(" ", "").replace(".", "").replace("-", "")
            if not digits.isdigit():
                err.append((col, f"{col.upper().replace('_', '. ')} hanya boleh berisi angka: '{v[col]}'."))
            else:
                person[col] = digits
    g = (v["jenis_kelamin"] or "").lower()
    gender = {"l": "L", "laki-laki": "L", "laki": "L", "lk": "L", "p": "P", "perempuan": "P", "pr": "P",
              "": "U", "u": "U", "tidak diketahui": "U"}.get(g)
    if gender is None:
        err.append(("jenis_kelamin", f"Jenis kelamin '{v['jenis_kelamin']}' tidak dikenal (L/P)."))
    person["jenis_kelamin"] = gender or "U"
    for col, key in (("tanggal_lahir", "tanggal_lahir"), ("tanggal_penjangkauan", "waktu")):
        try:
            d = parse_date(values.get(col) if isinstance(values.get(col), (dt.date, dt.datetime)) else v[col])
        except DateParseError as exc:
            err.append((col, str(exc)))
            d = None
        if d and d > today:
            err.append((col, "Tanggal tidak boleh di masa depan."))
            d = None
        if key == "waktu":
            plan.encounter["waktu"] = dt.datetime.combine(d or today, dt.time(0, 0))
        else:
            person[key] = d
    if v["perkiraan_umur"]:
        try:
            person["perkiraan_umur"] = int(float(v["perkiraan_umur"]))
        except ValueError:
            err.append(("perkiraan_umur", "Perkiraan umur harus berupa angka."))
    if v["asal_daerah"]:
        person["asal_wilayah_kode"] = region.get(v["asal_daerah"].lower())  # unknown: left blank
    if v["kelurahan"]:
        kode = kel.get(v["kelurahan"].lower()) or kel.get(v["kelurahan"])
        if kode is None:
            err.append(("kelurahan", f"Kelurahan '{v['kelurahan']}' tidak dikenal di Kota Bekasi."))
        plan.encounter["kelurahan_kode"] = kode
    if v["jenis_ppks"]:
        plan.jenis_ppks_id = jenis.get(v["jenis_ppks"].lower())
        if plan.jenis_ppks_id is None:
            err.append(("jenis_ppks", f"Jenis PPKS '{v['jenis_ppks']}' tidak dikenal."))
    src = (v["sumber"] or "patroli").lower().replace(" ", "_")
    if src not in ENCOUNTER_SOURCES:
        err.append(("sumber", f"Sumber '{v['sumber']}' tidak dikenal ({', '.join(ENCOUNTER_SOURCES)})."))
    plan.encounter.update(sumber=src, lokasi=v["lokasi"], petugas_nama=v["petugas"], catatan=v["catatan"],
                          import_ref=v["ref"])
    plan.person = {k: val for k, val in person.items() if val not in (None, "")}
    return plan


def _pin_regions(session, plans) -> list:
    """Load the regions the rows name once and keep them referenced.

    The session's identity map holds objects weakly, so without this every
    `session.get(Wilayah, ...)` of the intake door re-reads the row.
    """
    from sqlalchemy import select

    from app.models import Wilayah

    codes = {c for p in plans for c in (p.encounter.get("kelurahan_kode"), p.person.get("asal_wilayah_kode"),
                                        p.person.get("domisili_kelurahan_kode")) if c}
    codes = sorted(codes)
    pinned = []
    for lo in range(0, len(codes), 500):
        pinned += session.scalars(select(Wilayah).where(Wilayah.kode.in_(codes[lo:lo + 500]))).all()
    return pinned


def plan_import(session, rows, scope, progress=None) -> list[RowPlan]:
    """Dry run: what each row would do. Never writes.

    Batched: one lookup of the file's refs and of their NIKs, one key-table lookup
    for all rows (`dedup.candidate_ids_many`), the candidates' stored features
    (`feature_store.load`) scored together (`candidates.score_candidates`, exact
    pre-filter) and ranked by those scores, and the in-file duplicates found by
    blocking the file's own rows (`candidates.candidate_pairs`).  Only the shown
    candidates are scored again, for their reasons.
    """
    from sqlalchemy import select

    from app.models import Encounter
    from app.services import dedup, intake

    today = dt.date.today()
    lookups = _lookups(session)
    seen_refs: dict[str, int] = {}
    plans = []
    for number, values in rows:
        plans.append(_parse_row(number, values, lookups, today))
        if progress:
            progress(1)
    pinned = _pin_regions(session, plans)  # noqa: F841 (kept referenced during the checks)
    refs = sorted({p.ref for p in plans if p.ref and len(p.ref) <= 160})
    known: set[str] = set()
    for lo in range(0, len(refs), 500):
        known.update(session.scalars(select(Encounter.import_ref).where(Encounter.import_ref.in_(refs[lo:lo + 500]))))
    owners = intake.nik_owners(session, [p.person.get("nik") for p in plans])
    hidden = _hidden_owners(session, owners, scope)
    checking = []
    for plan in plans:
        number = plan.row
        if plan.ref:
            if plan.ref in seen_refs:
                plan.errors.append(("ref", f"ref '{plan.ref}' sudah dipakai di baris {seen_refs[plan.ref]}."))
            seen_refs.setdefault(plan.ref, number)
            if len(plan.ref) > 160:
                plan.errors.append(("ref", "ref terlalu panjang (maksimal 160 karakter)."))
            elif plan.ref in known:
                plan.action = "lewati"
                continue
        if not plan.errors:
            check = intake.validate_person(session, dict(plan.person), today=today, nik_owners=owners)
            errors = {k: m for k, m in check.errors.items() if not (k == "nik" and check.existing_person_id)}
            if check.existing_person_id in hidden:  # the row could attach to nobody the user may change
                errors["nik"] = ("NIK ini sudah terdaftar pada data PPKS di luar wilayah tugas Anda; "
                                 "baris ini tidak dapat disimpan. Hubungi operator Dinsos.")
            _, enc_errors = intake.validate_encounter(session, dict(plan.encounter), scope=scope)
            plan.errors += [(_column(k), m) for k, m in {**errors, **enc_errors}.items()]
        if plan.errors:
            plan.action = "galat"
            continue
        checking.append(plan)
    data = {p.row: dict(p.person, kelurahan_kode=p.encounter.get("kelurahan_kode")) for p in checking}
    recs = {row: dedup.record_from_data(d, today) for row, d in data.items()}
    found = _registry_candidates(session, recs, scope, limit=3)
    _in_file(session, plans, checking, recs, found)
    return plans


def _hidden_owners(session, owners: dict, scope) -> set[int]:
    """The persons (merge survivors) owning the file's NIKs that this user may not see."""
    from sqlalchemy import select

    from app.models import Person
    from app.services.key_lookup import id_in
    from app.services.scope import person_clause

    ids = {o.merged_into_id or o.id for o in owners.values() if o is not None}
    if not ids:
        return set()
    visible = set(session.scalars(select(Person.id).where(id_in(session, Person.id, ids), person_clause(scope))))
    return ids - visible


def _registry_candidates(session, recs: dict, scope, limit: int) -> dict:
    """Top `limit` registry candidates of every row (as the real-time check finds them), in one batch."""
    import numpy as np

    from app.services import dedup, feature_store
    from app.services.candidates import score_candidates
    from app.services.matching import features, score_features
    from app.services.scope import person_clause

    if not recs:
        return {}
    cands = dedup.candidate_ids_many(session, recs)
    wanted = set().union(*cands.values())
    existing = feature_store.load(session, wanted, where=person_clause(scope))  # stored features
    rows = list(recs)
    ids = sorted(existing)
    feats = [features(recs[r]) for r in rows] + [existing[i] for i in ids]
    at = {pid: len(rows) + k for k, pid in enumerate(ids)}
    ia = np.array([k for k, r in enumerate(rows) for pid in cands[r] if pid in at], dtype=np.int64)
    ib = np.array([at[pid] for r in rows for pid in cands[r] if pid in at], dtype=np.int64)
    model = dedup.model()
    si, sj, sc = score_candidates(feats, ia, ib, model, workers=1 if len(ia) < 500_000 else None)
    per_row: dict = {}
    for x, y, score in zip(si.tolist(), sj.tolist(), sc.tolist()):  # scores as score_features gives them
        per_row.setdefault(rows[x], []).append((not _decisive(feats[x], feats[y]), -score, ids[y - len(rows)]))
    tops = {row: [pid for *_, pid in sorted(scored)[:limit]] for row, scored in per_row.items()}
    names = dedup.feature_place_names(session, [*(features(recs[r]) for r in tops),
                                                *(existing[p] for t in tops.values() for p in t)])
    results = {row: [(pid, score_features(features(recs[row]), existing[pid], model, names))
                     for pid in top] for row, top in tops.items()}
    return dedup.candidates_many(session, results, model)


def _in_file(session, plans, checking, recs, found) -> None:
    """Decide each checked row: attach to a registry or earlier-row person, probable duplicate, or new."""
    import numpy as np

    from app.services import dedup
    from app.services.candidates import candidate_pairs, score_candidates
    from app.services.matching import features, score_features

    model = dedup.model()
    rows = [p.row for p in checking]
    feats = [features(recs[r]) for r in rows]
    ia, ib, _ = candidate_pairs(feats)
    # score (later row, earlier row), as each row is checked against the rows before it
    si, sj, sc = score_candidates(feats, ib, ia, model, workers=1 if len(ia) < 500_000 else None)
    earlier: dict[int, list[tuple[int, float]]] = {}
    for x, y, score in zip(si.tolist(), sj.tolist(), sc.tolist()):  # scores as score_features gives them
        earlier.setdefault(x, []).append((y, score))
    planned: set[int] = set()
    for k, plan in enumerate(checking):
        plan.candidates = found.get(plan.row, [])
        if plan.candidates and plan.candidates[0].decisive:
            plan.action, plan.person_id = "tambah", plan.candidates[0].person_id
            continue
        best = None  # (row index, score, decisive): the first decisive earlier row, else the best score
        for y, score in sorted(earlier.get(k, ())):
            if y not in planned:
                continue
            decisive = _decisive(feats[k], feats[y])
            if best is None or decisive or score > best[1]:
                best = (y, score, decisive)
            if decisive:
                break
        if best and best[2]:
            other = checking[best[0]]
            plan.action, plan.same_as_row = "tambah", other.same_as_row or other.row
            continue
        if best:
            pair = (feats[k], feats[best[0]])
            other, res = checking[best[0]], score_features(*pair, model, dedup.feature_place_names(session, pair))
            plan.candidates.append(dedup.Candidate(
                person_id=0, nama=f"baris {other.row}: {other.nama}", score=round(res.score, 2),
                probability=res.probability, decisive=False, level="mungkin", reasons=res.reasons))
            plan.same_as_row = None
            plan.pair_row = other.row
        plan.action = "ganda" if plan.candidates else "baru"
        planned.add(k)


def _decisive(fa, fb) -> bool:
    """The decisive rule of `matching.score_features`: the same valid NIK (NIK level 1)."""
    return bool(fa.nik_valid and fb.nik_valid and fa.nik == fb.nik)


def _column(key: str) -> str:
    return {"aliases": "alias", "alamat_ktp": "alamat", "waktu": "tanggal_penjangkauan",
            "kelurahan_kode": "kelurahan", "asal_wilayah_kode": "asal_daerah"}.get(key, key)


def summary(plans) -> dict[str, int]:
    out = {k: 0 for k in ACTIONS}
    for p in plans:
        out[p.action] += 1
    return out


# ----------------------------------------------------------------- commit

class ImportCommitError(ValueError):
    pass


def commit_import(session, plans, scope, progress=None, row_by_row: bool = False) -> dict[str, int]:
    """Write a planned import in the caller's transaction; all or nothing (caller commits).

    The rows go through the intake door's batch form (`intake.register_many`: the
    same validation and placement, written set-wise with audit entries, match keys
    and summary kept); then the review-queue pairs.  `row_by_row` applies every row
    through `intake.register` / `intake.add_encounter` instead (the reference the
    batch form is tested against).
    """
    from app.services import intake

    if any(p.action == "galat" for p in plans):
        raise ImportCommitError("Masih ada baris dengan galat; perbaiki berkas lalu impor ulang.")
    todo = [p for p in plans if p.action != "lewati"]
    if row_by_row:
        created = _apply_rows(session, todo, scope, progress)
    else:
        index = {p.row: i for i, p in enumerate(todo)}
        rows = [intake.BatchRow(encounter=dict(p.encounter), jenis_ppks_id=p.jenis_ppks_id,
                                person=None if (p.person_id or p.same_as_row) else dict(p.person),
                                person_id=p.person_id,
                                same_as=index[p.same_as_row] if p.same_as_row and not p.person_id else None)
                for p in todo]
        try:
            ids = intake.register_many(session, rows, scope=scope)
        except intake.IntakeError as exc:
            if getattr(exc, "row", None) is not None:
                raise ImportCommitError(f"Baris {todo[exc.row].row}: {exc}") from None
            raise
        created = {p.row: pid for p, r, pid in zip(todo, rows, ids) if r.person is not None}
        if progress:
            progress(len(plans))
    _queue_pairs(session, plans, created)
    return summary(plans)


def _apply_rows(session, todo, scope, progress) -> dict[int, int]:
    """Every row through `intake.register` / `intake.add_encounter`, one flush; row -> new person id."""
    from app.models import JenisPPKS, Person
    from app.services import intake

    created: dict[int, Person] = {}
    existing = {pid: session.get(Person, pid) for pid in {p.person_id for p in todo if p.person_id}}
    pinned = _pin_regions(session, todo)  # noqa: F841 (kept referenced while the rows are applied)
    with session.no_autoflush:
        for p in todo:
            if progress:
                progress(1)
            if p.person_id or p.same_as_row:
                person = existing[p.person_id] if p.person_id else created[p.same_as_row]
                intake.add_encounter(session, person, dict(p.encounter), scope=scope)
            else:
                person = created[p.row] = intake.register(session, dict(p.person), dict(p.encounter),
                                                          scope=scope).person
            if p.jenis_ppks_id:
                jenis = session.get(JenisPPKS, p.jenis_ppks_id)
                if jenis not in person.jenis_ppks:
                    person.jenis_ppks.append(jenis)
    session.flush()
    return {row: person.id for row, person in created.items()}


def _queue_pairs(session, plans, created: dict[int, int]) -> None:
    """The probable duplicates of the new persons into the review queue (one executemany)."""
    from sqlalchemy import insert

    from app.models import CandidatePair
    from app.models.base import now_local
    from app.services import dedup

    queued: dict[tuple[int, int], dict] = {}
    for p in plans:
        if p.row not in created:
            continue
        pid = created[p.row]
        pairs = [(c.person_id, c) for c in p.candidates if c.person_id and c.person_id != pid]
        if p.pair_row and p.pair_row in created:
            pairs.append((created[p.pair_row], next(c for c in p.candidates if not c.person_id)))
        for other, c in pairs:
            a, b = dedup.ordered(pid, other)
            now = now_local()
            queued.setdefault((a, b), dict(  # new persons: no earlier pair can exist
                person_a_id=a, person_b_id=b, score=c.score, probability=c.probability,
                reasons=json.dumps(list(c.reasons), ensure_ascii=False), status="baru", source="import",
                created_at=now, updated_at=now))
    if queued:
        session.connection().execute(insert(CandidatePair.__table__), list(queued.values()))


# ----------------------------------------------------------------- a dry run's plan kept for its commit

PLAN_KEEP_HOURS = 24


def plan_stamp(session, content: bytes, scope) -> str:
    """What a plan depends on: the file, the scope, the day, the matching model and the
    registry's last write (audit entry, person, encounter, alias).  A kept plan is used only
    while all of them are unchanged; any registry write in between means planning again."""
    import hashlib

    from sqlalchemy import func, select

    from app.models import Encounter, Person, PersonAlias
    from app.models.audit import AuditLog
    from app.services import dedup

    last = session.execute(select(*[select(func.max(t.id)).scalar_subquery()
                                    for t in (AuditLog, Person, Encounter, PersonAlias)])).one()
    m = dedup.model()
    state = (tuple(last), repr(scope), dt.date.today().isoformat(), m.prior, sorted(m.m.items()),
             sorted(m.u.items()), m.review_threshold, m.likely_threshold, m.decisive_weight, m.trained_on)
    return hashlib.sha256(content + repr(state).encode()).hexdigest()


def plan_store(folder: str, secret_key) -> tuple[str, bytes]:
    """Where dry-run plans wait for their commit (config IMPORT_PLAN_DIR) and their signing key."""
    return folder, str(secret_key).encode()


def keep_plan(folder, stamp: str, plans, secret: bytes) -> None:
    """Keep a dry run's plan (signed with `secret`) so the commit of the same file need not
    plan again; plans older than PLAN_KEEP_HOURS are removed (they hold personal data)."""
    import hashlib
    import hmac
    import pickle
    import time
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.plan"):
        if old.stat().st_mtime < time.time() - PLAN_KEEP_HOURS * 3600:
            old.unlink(missing_ok=True)
    data = pickle.dumps(plans, protocol=pickle.HIGHEST_PROTOCOL)
    path = folder / f"{stamp}.plan"
    path.write_bytes(hmac.new(secret, data, hashlib.sha256).digest() + data)
    path.chmod(0o600)


def kept_plan(folder, stamp: str, secret: bytes, drop: bool = False):
    """The plan kept for this stamp (signature checked), else None; `drop` removes it."""
    import hashlib
    import hmac
    import pickle
    from pathlib import Path

    path = Path(folder) / f"{stamp}.plan"
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    if drop:
        path.unlink(missing_ok=True)
    sig, data = blob[:32], blob[32:]
    if not hmac.compare_digest(sig, hmac.new(secret, data, hashlib.sha256).digest()):
        return None
    try:
        return pickle.loads(data)  # noqa: S301 - signed by this server above
    except Exception:  # noqa: BLE001 - written by another version of the code: plan again
        return None


def template_csv() -> bytes:
    """The import template: the header row and one example row."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    w.writerow(["LAP-0001", "Soedjono", "Jono", "", "", "L", "Brebes", "", "45", "Sarinah", "Brebes",
                "", "32.75.01.1001", "", "28-11-2026", "Lampu merah Bulak Kapal", "patroli", "Budi", ""])
    return buf.getvalue().encode("utf-8-sig")


def export_refs(session):
    """(ref, person_id) of every imported encounter, following merges to the survivor."""
    from sqlalchemy import select

    from app.models import Encounter, Person

    rows = session.execute(select(Encounter.import_ref, Person.id, Person.merged_into_id)
                           .join(Person, Person.id == Encounter.person_id)
                           .where(Encounter.import_ref.is_not(None)).order_by(Encounter.id))
    return [(ref, merged or pid) for ref, pid, merged in rows]


def demo_rows(persons: int = 60, seed: int = 7, today: dt.date | None = None) -> list[list]:
    """A demo field sheet (Faker id_ID): persons met 1–4 times, spelled differently, some with NIK."""
    import random

    from faker import Faker

    rng, fake = random.Random(seed), Faker("id_ID")
    fake.seed_instance(seed)
    today = today or dt.date(2026, 11, 1)
    kel = ["32.75.01.1001", "32.75.01.1002", "32.75.01.1003", "32.75.02.1001", "32.75.09.1001"]
    variants = [lambda n: n, lambda n: n.replace("u", "oe", 1), lambda n: n.replace("j", "dj", 1),
                lambda n: n.upper(), lambda n: n.split()[0], lambda n: n.replace("Muhammad", "Moch.")]
    out, ref = [list(COLUMNS)], 0
    for i in range(persons):
        male = rng.random() < 0.6
        name = fake.name_male() if male else fake.name_female()
        name = " ".join(t for t in name.split() if not t.endswith(".") and t not in ("Hj", "H"))
        if male and rng.random() < 0.2:
            name = "Muhammad " + name.split()[-1]
        nick = rng.choice(["Ujang", "Asep", "Otong", "Mpok", "Iyem", "Jablay", "Gondrong", ""])
        age = rng.randint(8, 75)
        nik = None
        if rng.random() < 0.2:
            nik = f"3275{rng.randint(1, 12):02d}{rng.randint(1, 28) + (0 if male else 40):02d}" \
                  f"{rng.randint(1, 12):02d}{(today.year - age) % 100:02d}{rng.randint(1, 999):04d}"
        home, born, mother = rng.choice(kel), fake.city(), fake.first_name_female()
        for visit in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
            ref += 1
            day = today - dt.timedelta(days=rng.randint(0, 300))
            shown = rng.choice(variants)(name) if visit else name
            out.append([f"DEMO-{ref:04d}", shown, nick if rng.random() < 0.7 else "",
                        nik if (nik and rng.random() < 0.7) else "", "", "L" if male else "P",
                        born, "", age + rng.choice([-1, 0, 0, 1]), mother if rng.random() < 0.5 else "",
                        "", "", home if rng.random() < 0.7 else rng.choice(kel),
                        rng.choice(["Gelandangan", "Pengemis", "Pemulung", ""]),
                        rng.choice([day.strftime("%d-%m-%Y"), day.strftime("%d/%m/%Y"), day.isoformat()]),
                        fake.street_name(), rng.choice(["patroli", "razia", "laporan"]),
                        fake.first_name(), ""])
    return out
