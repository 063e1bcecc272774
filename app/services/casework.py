"""Casework operations other than state changes: opening cases, scope, work
queues, assessment/service/referral/pemulangan records (aid applications:
`services/aid.py`), automatic
hilang-kontak closing and reopening.  Pure: session + plain values.

State changes go through `workflow.apply_transition` only.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, event, false, func, or_, select
from sqlalchemy.orm import Session, lazyload

from app.models.base import now_local
from app.models.casework import (
    Assessment, Case, CaseTransition, Pemulangan, Referral, ServiceDelivery,
)
from app.models.master import JenisLayanan, Lembaga
from app.models.registry import Encounter, Person
from app.services import workflow
from app.services.scope import Scope, allows_area, area_clause
from app.services.workflow import APPROVERS, OPEN_STATES, SYSTEM, WorkflowError

# Days a case may stay in a state before it shows as overdue (config KASUS_BATAS_HARI overrides).
DEFAULT_STATE_LIMITS = {"terjangkau": 7, "asesmen": 14, "rencana_layanan": 7,
                        "layanan_berjalan": 90, "rujukan": 30, "pemulangan": 14,
                        "reunifikasi": 30}
REFERRAL_FLOW = {"dikirim": {"diterima", "ditolak", "dibatalkan"},
                 "diterima": {"selesai", "dibatalkan"}}
RISIKO = ("rendah", "sedang", "tinggi")
URGENSI = ("biasa", "segera", "darurat")
SPM_GROUPS = ("disabilitas", "anak", "lansia", "gepeng")
ASSESSMENT_TEXT = ("dokumen_identitas", "kesehatan", "pangan", "sandang", "tempat_tinggal",
                   "keluarga_kontak", "pendidikan", "pekerjaan", "disabilitas",
                   "dasar_persetujuan")


class CaseworkError(ValueError):
    """Refused casework input; `str(err)` is an Indonesian message."""


def case_clause(scope: Scope):
    """Cases visible to the scope: through the person's area copied onto the case."""
    return area_clause(scope, Case.kecamatan_kode, Case.kelurahan_kode)


def ensure_in_scope(scope: Scope, case: Case) -> None:
    if not allows_area(scope, case.kecamatan_kode, case.kelurahan_kode):
        raise CaseworkError("Kasus di luar wilayah Anda.")


def _date(value, label: str, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise CaseworkError(f"{label} wajib diisi.")
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CaseworkError(f"{label} tidak valid (format TTTT-BB-HH).") from None


def _int(value, label: str) -> int | None:
    """An optional id from a form/API; a non-number is an Indonesian error."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CaseworkError(f"{label} tidak valid.") from None


def _need_open(case: Case) -> None:
    if case.state not in OPEN_STATES:
        raise CaseworkError("Kasus sudah ditutup.")


# -- a person's cases ------------------------------------------------------------

# A case ends with terminasi; any other state (hilang_kontak included: it reopens on the
# next contact) keeps it the person's active case, and a person may open only one.
ENDED_STATE = "terminasi"


def cases_of(session, person_ids, scope: Scope) -> dict[int, list[Case]]:
    """Each person's cases visible to ``scope``, newest first (one statement)."""
    ids = sorted({int(p) for p in person_ids})
    out: dict[int, list[Case]] = {p: [] for p in ids}
    if not ids:
        return out
    rows = session.execute(select(Case).options(lazyload(Case.person))
                           .where(Case.person_id.in_(ids), case_clause(scope))
                           .order_by(Case.id.desc())).scalars()
    for case in rows:
        out[case.person_id].append(case)
    return out


def active_cases(cases) -> list[Case]:
    """The cases among ``cases`` that have not ended (after a merge a person can hold two)."""
    return [c for c in cases if c.state != ENDED_STATE]


# -- opening ---------------------------------------------------------------------

def open_case(session, person_id: int, actor_id: int | None, *, worker_id: int | None = None,
              actor_name: str | None = None, scope: Scope | None = None) -> Case:
    person = session.get(Person, person_id)
    if person is None or person.merged_into_id or person.is_archived:
        raise CaseworkError("Data PPKS tidak ditemukan.")
    if scope is not None and not allows_area(scope, person.kecamatan_kode, person.kelurahan_kode):
        raise CaseworkError("Data PPKS di luar wilayah Anda.")
    existing = session.execute(select(Case.id, Case.state).where(
        Case.person_id == person_id, Case.state != ENDED_STATE)).first()
    if existing:
        raise CaseworkError(f"Orang ini masih memiliki kasus KASUS-{existing.id:06d} "
                            f"({workflow.STATES[existing.state]}); buka kembali kasus tersebut.")
    now = now_local()
    case = Case(person_id=person.id, state="terjangkau", state_since=now, opened_at=now,
                assigned_worker_id=worker_id, kecamatan_kode=person.kecamatan_kode,
                kelurahan_kode=person.kelurahan_kode)
    session.add(case)
    session.flush()
    session.add(CaseTransition(case_id=case.id, waktu=now, actor_id=actor_id,
                               actor_name=actor_name, action="buka", from_state=None,
                               to_state="terjangkau", note="Kasus dibuka"))
    session.flush()
    return case


def assign(session, case: Case, worker_id: int | None, *, actor_id: int | None = None,
           actor_name: str | None = None, allowed: dict[int, str] | None = None,
           expected_version: int | None = None) -> None:
    """(Re)assign the case's worker; with `allowed` ({user id: name} of eligible
    workers) the choice is checked and the change is written to the history."""
    if expected_version is not None and int(expected_version) != case.version:
        raise CaseworkError("Kasus telah diubah oleh pengguna lain. Muat ulang halaman lalu coba lagi.")
    if allowed is not None and worker_id is not None and worker_id not in allowed:
        raise CaseworkError("Petugas yang dipilih bukan pekerja sosial aktif.")
    if worker_id == case.assigned_worker_id:
        raise CaseworkError("Kasus sudah ditugaskan kepada petugas tersebut.")
    _need_open(case)
    case.assigned_worker_id = worker_id
    if allowed is not None:
        who = allowed.get(worker_id) if worker_id is not None else None
        session.add(CaseTransition(case_id=case.id, waktu=now_local(), actor_id=actor_id,
                                   actor_name=actor_name, action="tugaskan",
                                   from_state=case.state, to_state=case.state,
                                   note=f"Ditugaskan kepada {who}" if who else "Penugasan dilepas"))
    session.flush()


# -- records -------------------------------------------------------------------

def save_assessment(session, case: Case, data: dict, actor_id: int | None) -> Assessment:
    _need_open(case)
    if case.pending_approval:
        raise CaseworkError("Asesmen tidak dapat diubah selama menunggu persetujuan.")
    if case.state in ("terjangkau",):
        raise CaseworkError("Mulai asesmen terlebih dahulu.")
    risiko, urgensi = data.get("risiko") or "rendah", data.get("urgensi") or "biasa"
    if risiko not in RISIKO or urgensi not in URGENSI:
        raise CaseworkError("Tingkat risiko/urgensi tidak valid.")
    group = data.get("spm_group") or None
    if group is not None and group not in SPM_GROUPS:
        raise CaseworkError("Kelompok sasaran SPM tidak valid.")
    cannot_consent = bool(data.get("tidak_dapat_menyetujui"))
    if cannot_consent and len((data.get("dasar_persetujuan") or "").strip()) < 3:
        raise CaseworkError("Dasar persetujuan wajib diisi untuk anak atau orang yang "
                            "tidak dapat memberi persetujuan.")
    try:
        ids = {int(i) for i in data.get("layanan_ids") or []}
    except (TypeError, ValueError):
        raise CaseworkError("Layanan SPM tidak valid.") from None
    layanan = list(session.execute(select(JenisLayanan).where(JenisLayanan.id.in_(ids))).scalars())
    if len(layanan) != len(ids):
        raise CaseworkError("Layanan SPM tidak ditemukan.")
    if group and any(j.spm_group != group for j in layanan):
        raise CaseworkError("Layanan SPM harus sesuai kelompok sasaran.")
    a = Assessment(case_id=case.id, tanggal=_date(data.get("tanggal") or dt.date.today(), "Tanggal"),
                   petugas_id=actor_id, risiko=risiko, urgensi=urgensi, spm_group=group,
                   butuh_rehab_luar_panti=bool(data.get("butuh_rehab_luar_panti")),
                   tidak_dapat_menyetujui=cannot_consent, layanan=layanan,
                   **{k: (data.get(k) or None) for k in ASSESSMENT_TEXT})
    session.add(a)
    case.assessments.append(a)
    session.flush()
    return a


def add_service(session, case: Case, data: dict, actor_id: int | None,
                actor_name: str | None = None) -> ServiceDelivery:
    _need_open(case)
    jl = session.get(JenisLayanan, _int(data.get("jenis_layanan_id"), "Jenis layanan") or 0)
    if jl is None:
        raise CaseworkError("Jenis layanan wajib dipilih.")
    try:
        qty = int(data.get("jumlah") or 1)
    except (TypeError, ValueError):
        raise CaseworkError("Jumlah harus angka.") from None
    if qty < 1 or qty > 10_000:
        raise CaseworkError("Jumlah harus antara 1 dan 10.000.")
    lembaga_id = _int(data.get("lembaga_id"), "Lembaga")
    if lembaga_id and session.get(Lembaga, lembaga_id) is None:
        raise CaseworkError("Lembaga tidak ditemukan.")
    s = ServiceDelivery(case_id=case.id, jenis_layanan_id=jl.id, jumlah=qty,
                        tanggal=_date(data.get("tanggal"), "Tanggal layanan"),
                        lembaga_id=lembaga_id or None, petugas_id=actor_id,
                        petugas_nama=data.get("petugas_nama") or actor_name,
                        catatan=data.get("catatan") or None)
    session.add(s)
    session.flush()
    return s


def add_referral(session, case: Case, data: dict) -> Referral:
    _need_open(case)
    lembaga_id = _int(data.get("lembaga_id"), "Lembaga")
    if lembaga_id and session.get(Lembaga, lembaga_id) is None:
        raise CaseworkError("Lembaga tidak ditemukan.")
    if not lembaga_id and not (data.get("tujuan_lain") or "").strip():
        raise CaseworkError("Tujuan rujukan wajib diisi.")
    if len((data.get("alasan") or "").strip()) < 3:
        raise CaseworkError("Alasan rujukan wajib diisi.")
    if len((data.get("dasar_persetujuan") or "").strip()) < 3:
        raise CaseworkError("Persetujuan atau dasar rujukan wajib dicatat.")
    r = Referral(case_id=case.id, lembaga_id=lembaga_id or None,
                 tujuan_lain=data.get("tujuan_lain") or None, alasan=data["alasan"].strip(),
                 dasar_persetujuan=data["dasar_persetujuan"].strip(), status="dikirim",
                 tanggal_kirim=_date(data.get("tanggal_kirim") or dt.date.today(), "Tanggal"),
                 catatan=data.get("catatan") or None)
    session.add(r)
    case.referrals.append(r)
    session.flush()
    return r


def set_referral_status(session, referral: Referral, status: str, on: dt.date | None = None) -> None:
    if status not in REFERRAL_FLOW.get(referral.status, set()):
        raise CaseworkError(f"Status rujukan tidak dapat diubah dari {referral.status} ke {status}.")
    on = on or dt.date.today()
    if status in ("diterima", "ditolak"):
        referral.tanggal_respon = on
    if status == "selesai":
        referral.tanggal_selesai = on
    referral.status = status
    session.flush()


def add_pemulangan(session, case: Case, data: dict) -> Pemulangan:
    _need_open(case)
    for key, label in (("tujuan_kabkota", "Kabupaten/kota tujuan"), ("penerima_nama", "Pihak penerima")):
        if not (data.get(key) or "").strip():
            raise CaseworkError(f"{label} wajib diisi.")
    try:
        biaya = float(data["biaya"]) if data.get("biaya") not in (None, "") else None
    except (TypeError, ValueError):
        raise CaseworkError("Biaya harus angka.") from None
    p = Pemulangan(case_id=case.id, tujuan_kabkota=data["tujuan_kabkota"].strip(),
                   penerima_nama=data["penerima_nama"].strip(),
                   penerima_kontak=data.get("penerima_kontak") or None,
                   transportasi=data.get("transportasi") or None, biaya=biaya,
                   pendamping=data.get("pendamping") or None,
                   tanggal_berangkat=_date(data.get("tanggal_berangkat"), "Tanggal berangkat", False),
                   tanggal_serah_terima=_date(data.get("tanggal_serah_terima"),
                                              "Tanggal serah terima", False))
    session.add(p)
    case.pemulangan.append(p)
    session.flush()
    return p


# -- queues --------------------------------------------------------------------

def queue_clause(name: str, *, user_id: int | None, roles, limits: dict | None = None,
                 now: dt.datetime | None = None):
    """WHERE clause of a work queue: saya | persetujuan | terlambat | belum_ditugaskan."""
    open_ = Case.state.in_(OPEN_STATES)
    if name == "saya":
        return and_(open_, Case.assigned_worker_id == user_id)
    if name == "persetujuan":
        if not set(roles) & APPROVERS:
            return false()
        # `> ''` (= not null: values are 'rencana'/'terminasi') is a range SQLite
        # answers from ix_kasus_pending; for IS NOT NULL it scans (skewed stats)
        return and_(Case.pending_approval > "",
                    or_(Case.approval_requested_by_id.is_(None),
                        Case.approval_requested_by_id != user_id))
    if name == "terlambat":
        now = now or now_local()
        limits = DEFAULT_STATE_LIMITS | (limits or {})
        return or_(*[and_(Case.state == s, Case.state_since < now - dt.timedelta(days=d))
                     for s, d in limits.items() if s in OPEN_STATES])
    if name == "belum_ditugaskan":
        return and_(open_, Case.assigned_worker_id.is_(None))
    raise CaseworkError("Antrean tidak dikenal.")


def overdue_page_ids(session, scope: Scope, *, limits: dict | None = None, offset: int = 0,
                     limit: int = 25, now: dt.datetime | None = None) -> list[int]:
    """Ids of one page of the overdue queue, oldest first.

    One index range per state (`ix_kasus_state`: state, state_since), each cut
    at offset+limit, merged: bounded work however many cases are overdue.
    """
    now = now or now_local()
    limits = DEFAULT_STATE_LIMITS | (limits or {})
    parts = [select(Case.id, Case.state_since).where(
        case_clause(scope), Case.state == state,
        Case.state_since < now - dt.timedelta(days=days)).order_by(Case.state_since)
        .limit(offset + limit) for state, days in limits.items() if state in OPEN_STATES]
    if not parts:
        return []
    rows = []
    for part in parts:
        rows += session.execute(part).all()
    rows.sort(key=lambda r: (r.state_since, r.id))
    return [r.id for r in rows[offset:offset + limit]]


QUEUES = {"saya": "Kasus saya", "persetujuan": "Menunggu persetujuan saya",
          "terlambat": "Melewati batas waktu", "belum_ditugaskan": "Belum ditugaskan"}


def queue_count_columns(scope: Scope, *, user_id, roles, limits=None, cap: int = 1000) -> list:
    """One capped COUNT scalar subquery per queue, labelled with the queue name."""
    cols = []
    for name in QUEUES:
        sub = select(Case.id).where(case_clause(scope),
                                    queue_clause(name, user_id=user_id, roles=roles,
                                                 limits=limits)).limit(cap + 1).subquery()
        cols.append(select(func.count()).select_from(sub).scalar_subquery().label(name))
    return cols


def queue_counts(session, scope: Scope, *, user_id, roles, limits=None, cap: int = 1000,
                 extra: list | None = None) -> dict:
    """Counts per queue (capped, so the menu stays fast on large tables), in ONE
    statement; `extra` adds more labelled scalar subqueries (e.g. overdue aid)."""
    cols = queue_count_columns(scope, user_id=user_id, roles=roles, limits=limits, cap=cap)
    row = session.execute(select(*cols, *(extra or []))).one()
    return dict(row._mapping)


# -- hilang kontak ------------------------------------------------------------------

def last_contact_subquery():
    return (select(Encounter.person_id, func.max(Encounter.waktu).label("last"))
            .where(Encounter.is_archived.is_(False)).group_by(Encounter.person_id).subquery())


def auto_close(session, days: int, now: dt.datetime | None = None) -> list[int]:
    """Close open cases whose person had no encounter (nor case start) for `days` days."""
    now = now or now_local()
    cutoff = now - dt.timedelta(days=days)
    last = (select(func.max(Encounter.waktu)).where(Encounter.person_id == Case.person_id,
                                                    Encounter.is_archived.is_(False))
            .correlate(Case).scalar_subquery())
    ids = list(session.execute(select(Case.id).where(
        Case.state.in_(OPEN_STATES), Case.pending_approval.is_(None), Case.opened_at < cutoff,
        or_(last.is_(None), last < cutoff))).scalars())
    closed = []
    for case_id in ids:
        case = session.get(Case, case_id)
        try:
            workflow.apply_transition(session, case, "hilang_kontak", {SYSTEM}, None,
                                      {"note": f"Tidak ada kontak selama {days} hari"},
                                      actor_name="sistem")
            closed.append(case_id)
        except WorkflowError:
            continue
    return closed


def reopen_contacted(session) -> list[int]:
    """Reopen hilang-kontak cases whose person was met after the case was closed."""
    met = select(Encounter.id).where(Encounter.person_id == Case.person_id,
                                     Encounter.waktu > Case.closed_at,
                                     Encounter.is_archived.is_(False)).exists()
    ids = list(session.execute(select(Case.id).where(Case.state == "hilang_kontak", met)).scalars())
    for case_id in ids:
        workflow.apply_transition(session, session.get(Case, case_id), "buka_kembali", {SYSTEM},
                                  None, {"note": "Ditemui kembali"}, actor_name="sistem")
    return ids


@event.listens_for(Session, "before_flush")
def _reopen_on_encounter(session, flush_context, instances) -> None:
    """A new encounter with a person whose case is hilang kontak reopens that case."""
    reopen_on_contact(session, {o.person_id or (o.person.id if o.person else None)
                                for o in session.new if isinstance(o, Encounter)} - {None})


def reopen_on_contact(session, person_ids) -> None:
    """Reopen the hilang-kontak cases of these persons (just met again); also called by
    writers that insert encounters with Core (the batch import)."""
    if not person_ids:
        return
    with session.no_autoflush:
        cases = session.execute(select(Case).where(Case.person_id.in_(person_ids),
                                                   Case.state == "hilang_kontak")).scalars()
        now = now_local()
        for case in cases:
            before, target = case.state, case.state_before_hilang or "terjangkau"
            case.state, case.state_since, case.closed_at = target, now, None
            case.state_before_hilang = None
            session.add(CaseTransition(case_id=case.id, waktu=now, actor_name="sistem",
                                       action="buka_kembali", from_state=before, to_state=target,
                                       note="Ditemui kembali (penjangkauan baru)"))
