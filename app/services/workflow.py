"""THE one transition table of a case, and `apply_transition`, the only door
that changes a case's state.

Each action names the states it may start from, the state it leads to, the
roles allowed to take it, the data it needs and whether it is an approval step.
The service plan and termination need supervisory approval: a worker *asks*
(`ajukan_*`, the case keeps its state with `pending_approval` set), an approver
(Pimpinan or a coordinating Pekerja Sosial) *approves* (state moves) or
*refuses* (case returns with the reason).  Views, API and CLI only call
`apply_transition`; the transition matrix test is generated from `ACTIONS`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.exc import StaleDataError

from app.models.base import now_local
from app.models.casework import Case, CaseTransition

STATES = {
    "terjangkau": "Terjangkau",
    "asesmen": "Asesmen",
    "rencana_layanan": "Rencana Layanan",
    "layanan_berjalan": "Layanan Berjalan",
    "rujukan": "Rujukan",
    "pemulangan": "Pemulangan",
    "reunifikasi": "Reunifikasi",
    "terminasi": "Terminasi",
    "hilang_kontak": "Hilang Kontak",
}
CLOSED_STATES = frozenset({"terminasi", "hilang_kontak"})
OPEN_STATES = frozenset(STATES) - CLOSED_STATES
EXIT_STATES = frozenset({"layanan_berjalan", "rujukan", "pemulangan", "reunifikasi"})

WORKER = "Pekerja Sosial"
COORDINATOR = "Koordinator Pekerja Sosial"  # marker role, given on top of Pekerja Sosial
APPROVERS = frozenset({"Pimpinan", COORDINATOR})
SYSTEM = "Sistem"  # the scheduled command (`flask kasus tutup-otomatis`) and re-contact

ALASAN_TERMINASI = {
    "tujuan_tercapai": "Tujuan layanan tercapai",
    "dirujuk_tuntas": "Dirujuk dan diterima lembaga",
    "dipulangkan": "Dipulangkan ke daerah asal",
    "reunifikasi": "Kembali ke keluarga",
    "meninggal": "Meninggal dunia",
    "menolak_layanan": "Menolak layanan",
    "lainnya": "Lainnya",
}


class WorkflowError(ValueError):
    """A refused transition; `str(err)` is an Indonesian message for the user."""


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change (a request or a refusal)
    roles: frozenset[str]
    requires: tuple[str, ...] = ()  # keys of REQUIREMENTS
    pending: str | None = None  # needs case.pending_approval == this (approval steps)
    sets_pending: str | None = None
    approval: bool = False
    fields: tuple[str, ...] = field(default=())  # data keys the form shows


def _a(name, label, sources, target, roles, **kw) -> Action:
    return Action(name, label, frozenset(sources), target, frozenset(roles), **kw)


W, A, S = {WORKER}, APPROVERS, {SYSTEM}
ACTIONS: dict[str, Action] = {a.name: a for a in [
    _a("mulai_asesmen", "Mulai asesmen", {"terjangkau"}, "asesmen", W),
    _a("susun_rencana", "Susun rencana layanan", {"asesmen"}, "rencana_layanan", W,
       requires=("asesmen",)),
    _a("ajukan_rencana", "Ajukan persetujuan rencana", {"rencana_layanan"}, None, W,
       requires=("asesmen_layanan", "not_pending"), sets_pending="rencana"),
    _a("setujui_rencana", "Setujui rencana layanan", {"rencana_layanan"}, "layanan_berjalan", A,
       pending="rencana", approval=True, requires=("four_eyes",)),
    _a("tolak_rencana", "Tolak rencana layanan", {"rencana_layanan"}, None, A,
       pending="rencana", approval=True, requires=("reason",), fields=("note",)),
    _a("rujuk", "Rujuk ke lembaga", EXIT_STATES - {"rujukan"}, "rujukan", W,
       requires=("rujukan_aktif", "not_pending")),
    _a("pulangkan", "Pulangkan ke daerah asal", EXIT_STATES - {"pemulangan"}, "pemulangan", W,
       requires=("pemulangan_tercatat", "not_pending")),
    _a("reunifikasi", "Reunifikasi dengan keluarga", EXIT_STATES - {"reunifikasi"}, "reunifikasi",
       W, requires=("reason", "not_pending"), fields=("note",)),
    _a("kembali_layanan", "Kembali ke layanan berjalan", EXIT_STATES - {"layanan_berjalan"},
       "layanan_berjalan", W, requires=("not_pending",)),
    _a("ajukan_terminasi", "Ajukan terminasi", EXIT_STATES, None, W,
       requires=("termination_data", "not_pending"), sets_pending="terminasi",
       fields=("alasan_terminasi", "ringkasan_terminasi")),
    _a("setujui_terminasi", "Setujui terminasi", EXIT_STATES, "terminasi", A,
       pending="terminasi", approval=True, requires=("four_eyes",)),
    _a("tolak_terminasi", "Tolak terminasi", EXIT_STATES, None, A,
       pending="terminasi", approval=True, requires=("reason",), fields=("note",)),
    _a("hilang_kontak", "Tandai hilang kontak", OPEN_STATES, "hilang_kontak", W | S),
    _a("buka_kembali", "Buka kembali kasus", {"hilang_kontak"}, None, W | S),
]}


# -- requirements: each returns an Indonesian message when unmet --------------

def _req_asesmen(case, data, actor_id):
    if not case.assessments:
        return "Asesmen belum diisi. Isi asesmen sebelum menyusun rencana layanan."


def _req_asesmen_layanan(case, data, actor_id):
    a = case.latest_assessment
    if a is None or not a.layanan:
        return "Rencana layanan belum memuat layanan SPM yang dibutuhkan (isi pada asesmen)."


def _req_not_pending(case, data, actor_id):
    if case.pending_approval:
        return "Kasus sedang menunggu persetujuan pimpinan."


def _req_four_eyes(case, data, actor_id):
    if actor_id is not None and actor_id == case.approval_requested_by_id:
        return "Persetujuan tidak boleh diberikan oleh pengaju sendiri."


def _req_reason(case, data, actor_id):
    if len((data.get("note") or "").strip()) < 3:
        return "Alasan/catatan wajib diisi."


def _req_termination(case, data, actor_id):
    if data.get("alasan_terminasi") not in ALASAN_TERMINASI:
        return "Alasan terminasi wajib dipilih."
    if len((data.get("ringkasan_terminasi") or "").strip()) < 10:
        return "Ringkasan terminasi wajib diisi (minimal 10 karakter)."


def _req_rujukan(case, data, actor_id):
    if not any(r.status in ("dikirim", "diterima") for r in case.referrals):
        return "Belum ada rujukan yang dikirim/diterima. Catat rujukan terlebih dahulu."


def _req_pemulangan(case, data, actor_id):
    if not case.pemulangan:
        return "Data pemulangan belum dicatat."


REQUIREMENTS: dict[str, Callable] = {
    "asesmen": _req_asesmen, "asesmen_layanan": _req_asesmen_layanan,
    "not_pending": _req_not_pending, "four_eyes": _req_four_eyes, "reason": _req_reason,
    "termination_data": _req_termination, "rujukan_aktif": _req_rujukan,
    "pemulangan_tercatat": _req_pemulangan,
}


# -- queries on the table ------------------------------------------------------

def role_allows(action: Action, roles) -> bool:
    return bool(action.roles & set(roles))


def state_allows(action: Action, case_state: str, pending: str | None) -> bool:
    """Whether the action may start from this state (ignoring roles and data)."""
    if case_state not in action.sources:
        return False
    return pending == action.pending if action.pending else True


def available_actions(case: Case, roles) -> list[Action]:
    """Actions this user could take on the case now (data is checked on apply)."""
    return [a for a in ACTIONS.values()
            if role_allows(a, roles) and state_allows(a, case.state, case.pending_approval)
            and not (a.sets_pending and case.pending_approval)]


def check(case: Case, action_name: str, roles, actor_id=None, data=None) -> Action:
    """Raise WorkflowError unless the action is allowed; return the Action."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise WorkflowError("Tindakan tidak dikenal.")
    if not role_allows(action, roles):
        raise WorkflowError(f"Peran Anda tidak berwenang untuk tindakan '{action.label}'.")
    if not state_allows(action, case.state, case.pending_approval):
        state = STATES.get(case.state, case.state)
        if action.pending and case.pending_approval != action.pending:
            raise WorkflowError(f"Tidak ada pengajuan yang menunggu untuk '{action.label}'.")
        raise WorkflowError(f"Tindakan '{action.label}' tidak dapat dilakukan pada status {state}.")
    for key in action.requires:
        message = REQUIREMENTS[key](case, data or {}, actor_id)
        if message:
            raise WorkflowError(message)
    return action


def apply_transition(session, case: Case, action_name: str, actor_roles, actor_id: int | None,
                     data: dict | None = None, *, actor_name: str | None = None,
                     expected_version: int | None = None) -> CaseTransition:
    """Apply one action to a case and record it in the history (not committed).

    The case row is re-read under a row lock (`SELECT … FOR UPDATE` on
    PostgreSQL) and its version compared with `expected_version` (the version
    the user saw); the UPDATE itself is version-checked too, so of two people
    acting at once only one wins, the other gets a WorkflowError.
    """
    data = dict(data or {})
    locked = session.execute(
        select(Case).options(lazyload(Case.person)).where(Case.id == case.id)
        .with_for_update(of=Case).execution_options(populate_existing=True)).scalar_one_or_none()
    if locked is None:
        raise WorkflowError("Kasus tidak ditemukan.")
    case = locked
    if expected_version is not None and int(expected_version) != case.version:
        raise WorkflowError("Kasus telah diubah oleh pengguna lain. Muat ulang halaman lalu coba lagi.")
    action = check(case, action_name, actor_roles, actor_id, data)
    before, now = case.state, now_local()
    note = (data.get("note") or "").strip() or None
    target = action.target
    if action.name == "buka_kembali":
        target = case.state_before_hilang or "terjangkau"
    if action.sets_pending:
        case.pending_approval = action.sets_pending
        case.approval_requested_by_id = actor_id
        case.catatan_penolakan = None
        if action.name == "ajukan_terminasi":
            case.alasan_terminasi = data["alasan_terminasi"]
            case.ringkasan_terminasi = data["ringkasan_terminasi"].strip()
            note = note or f"{ALASAN_TERMINASI[case.alasan_terminasi]}: {case.ringkasan_terminasi}"
    if action.approval:
        case.pending_approval = None
        case.approval_requested_by_id = None
        if target is None:  # refusal: the case returns to the worker with the reason
            case.catatan_penolakan = note
            if action.name == "tolak_terminasi":
                case.alasan_terminasi = case.ringkasan_terminasi = None
    if target == "hilang_kontak":
        case.state_before_hilang = case.state
        case.closed_at = now
    if action.name == "buka_kembali":
        case.state_before_hilang = None
        case.closed_at = None
    if target == "terminasi":
        case.closed_at = now
    if target is not None and target != case.state:
        case.state = target
        case.state_since = now
    case.updated_at = now  # bumps the version even for requests that keep the state
    entry = CaseTransition(case_id=case.id, waktu=now, actor_id=actor_id,
                           actor_name=actor_name, action=action.name, from_state=before,
                           to_state=case.state, note=note)
    session.add(entry)
    try:
        session.flush()
    except StaleDataError as err:
        raise WorkflowError(
            "Kasus telah diubah oleh pengguna lain. Muat ulang halaman lalu coba lagi.") from err
    return entry
