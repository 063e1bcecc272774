"""Aid applications (permohonan bantuan): submit for a person, move through
diajukan -> diverifikasi -> diteruskan -> disetujui / ditolak -> disalurkan
(each step dated), scoped lists and the overdue queue.  Pure: session + values.

Who may do what is the role matrix's business (app/roles.py): staff and pilar
sosial submit (pilar only for persons in their area, via the scope rule);
staff move the status.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, func, select

from app.models.casework import AidApplication, Case
from app.models.registry import Person
from app.services.casework import CaseworkError, _date
from app.services.scope import Scope, allows_area, area_clause
from app.services.workflow import OPEN_STATES

AID_LIMIT_DAYS = 30  # days in one non-final status before an application is overdue
AID_TYPES = {"bpjs_pbi": "BPJS PBI", "pkh": "PKH", "bpnt": "BPNT",
             "bansos_daerah": "Bantuan sosial daerah", "alat_bantu": "Alat bantu",
             "lainnya": "Lainnya"}
AID_STATUS = {"diajukan": "Diajukan", "diverifikasi": "Diverifikasi", "diteruskan": "Diteruskan",
              "disetujui": "Disetujui", "ditolak": "Ditolak", "disalurkan": "Disalurkan"}
AID_FLOW = {"diajukan": {"diverifikasi", "ditolak"}, "diverifikasi": {"diteruskan", "ditolak"},
            "diteruskan": {"disetujui", "ditolak"}, "disetujui": {"disalurkan"}}
AID_DATE = {"diverifikasi": "tanggal_diverifikasi", "diteruskan": "tanggal_diteruskan",
            "disetujui": "tanggal_keputusan", "ditolak": "tanggal_keputusan",
            "disalurkan": "tanggal_disalurkan"}
STALE = "Permohonan telah diubah oleh pengguna lain. Muat ulang halaman lalu coba lagi."


def aid_clause(scope: Scope):
    """Aid applications visible to the scope: by the person's area (join Person)."""
    return area_clause(scope, Person.kecamatan_kode, Person.kelurahan_kode)


def aid_query(scope: Scope, *, status: str | None = None, overdue: bool = False,
              person_id: int | None = None, today: dt.date | None = None):
    """Scoped SELECT of aid applications (newest first), optionally one status / overdue only."""
    q = select(AidApplication).join(Person, Person.id == AidApplication.person_id).where(
        aid_clause(scope))
    if status:
        if status not in AID_STATUS:
            raise CaseworkError("Status permohonan tidak dikenal.")
        q = q.where(AidApplication.status == status)
    if overdue:
        q = q.where(overdue_aid_clause(today))
        return q.order_by(AidApplication.status_since, AidApplication.id)
    if person_id is not None:
        q = q.where(AidApplication.person_id == person_id)
    return q.order_by(AidApplication.id.desc())


def overdue_aid_clause(today: dt.date | None = None):
    """Applications longer than AID_LIMIT_DAYS in a status that still expects a next step."""
    today = today or dt.date.today()
    return and_(AidApplication.status.in_(tuple(AID_FLOW)),
                AidApplication.status_since < today - dt.timedelta(days=AID_LIMIT_DAYS))


def overdue_count_column(scope: Scope, cap: int = 1000, today: dt.date | None = None):
    """Capped COUNT of overdue applications as a labelled scalar subquery."""
    sub = aid_query(scope, overdue=True, today=today).with_only_columns(
        AidApplication.id).order_by(None).limit(cap + 1).subquery()
    return select(func.count()).select_from(sub).scalar_subquery().label("bantuan_terlambat")


def overdue_count(session, scope: Scope, cap: int = 1000, today: dt.date | None = None) -> int:
    return session.execute(select(overdue_count_column(scope, cap, today))).scalar_one()


def get_aid(session, scope: Scope, aid_id) -> AidApplication | None:
    """One application if visible to the scope, else None (forged/out-of-area ids)."""
    try:
        aid_id = int(aid_id)
    except (TypeError, ValueError):
        return None
    if not 0 < aid_id < 2**53:
        return None
    return session.execute(aid_query(scope).where(AidApplication.id == aid_id)).scalar()


def add_aid(session, person_id: int, data: dict, case_id: int | None = None, *,
            scope: Scope | None = None, today: dt.date | None = None) -> AidApplication:
    """Submit an application for a person (in scope); links the person's open case by default."""
    today = today or dt.date.today()
    person = session.get(Person, person_id) if isinstance(person_id, int) else None
    if person is None or person.merged_into_id or person.is_archived:
        raise CaseworkError("Data PPKS tidak ditemukan.")
    if scope is not None and not allows_area(scope, person.kecamatan_kode, person.kelurahan_kode):
        raise CaseworkError("Data PPKS di luar wilayah Anda.")
    if data.get("jenis") not in AID_TYPES:
        raise CaseworkError("Jenis bantuan wajib dipilih.")
    on = _date(data.get("tanggal_diajukan") or today, "Tanggal pengajuan")
    if on > today:
        raise CaseworkError("Tanggal pengajuan tidak boleh di masa depan.")
    if case_id is None:
        case_id = session.scalar(select(Case.id).where(
            Case.person_id == person.id, Case.state.in_(OPEN_STATES)).order_by(Case.id.desc()).limit(1))
    elif session.scalar(select(Case.person_id).where(Case.id == case_id)) != person.id:
        raise CaseworkError("Kasus tidak sesuai dengan orang yang dimohonkan.")
    for key, limit in (("dokumen", 2000), ("instansi_tujuan", 200), ("catatan", 2000)):
        if len(data.get(key) or "") > limit:
            raise CaseworkError(f"Isian {key.replace('_', ' ')} terlalu panjang (maks. {limit}).")
    aid = AidApplication(person_id=person.id, case_id=case_id, jenis=data["jenis"],
                         dokumen=(data.get("dokumen") or "").strip() or None,
                         instansi_tujuan=(data.get("instansi_tujuan") or "").strip() or None,
                         status="diajukan", status_since=on, tanggal_diajukan=on,
                         catatan=(data.get("catatan") or "").strip() or None)
    session.add(aid)
    session.flush()
    return aid


def set_aid_status(session, aid: AidApplication, status: str, on: dt.date | str | None = None, *,
                   expected_version: int | None = None, note: str | None = None,
                   instansi_tujuan: str | None = None, today: dt.date | None = None) -> None:
    """Move to the next status with its date (not before the previous step, not in the future)."""
    today = today or dt.date.today()
    if expected_version is not None and int(expected_version) != aid.version:
        raise CaseworkError(STALE)
    if status not in AID_FLOW.get(aid.status, set()):
        raise CaseworkError(f"Status permohonan tidak dapat diubah dari "
                            f"{AID_STATUS.get(aid.status, aid.status)} ke {AID_STATUS.get(status, status)}.")
    on = _date(on or today, "Tanggal")
    if on < aid.status_since:
        raise CaseworkError("Tanggal tidak boleh sebelum tanggal status sebelumnya.")
    if on > today:
        raise CaseworkError("Tanggal tidak boleh di masa depan.")
    if status == "diteruskan":
        target = (instansi_tujuan or aid.instansi_tujuan or "").strip()
        if not target:
            raise CaseworkError("Instansi tujuan wajib diisi saat permohonan diteruskan.")
        aid.instansi_tujuan = target[:200]
    if status == "ditolak" and len((note or "").strip()) < 3:
        raise CaseworkError("Alasan penolakan wajib diisi.")
    if note and note.strip():
        stamp = f"[{on.isoformat()} {AID_STATUS[status]}] {note.strip()}"
        aid.catatan = f"{aid.catatan}\n{stamp}" if aid.catatan else stamp
    setattr(aid, AID_DATE[status], on)
    aid.status, aid.status_since = status, on
    session.flush()
