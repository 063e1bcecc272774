"""The transition matrix generated from the one table, approvals, history, concurrency."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.services import workflow
from app.services.workflow import ACTIONS, STATES, WorkflowError
from tests.casework.conftest import FULL_DATA

ROLES = ["Admin", "Operator", "Pekerja Sosial", "Pimpinan", "Satpol PP", "Pilar Sosial",
         "Koordinator Pekerja Sosial", "Sistem"]
# every state, plus the two "waiting for approval" variants
SITUATIONS = [(s, None) for s in STATES] + [("rencana_layanan", "rencana"),
                                            ("layanan_berjalan", "terminasi"),
                                            ("rujukan", "terminasi")]


def expected(action, state, pending, role) -> bool:
    a = ACTIONS[action]
    if role not in a.roles or state not in a.sources:
        return False
    if a.pending:
        return pending == a.pending
    return pending is None if ("not_pending" in a.requires or a.sets_pending) else True


def test_table_spot_checks():
    """Hand-written facts the table must keep (guards against a wrong table)."""
    assert not expected("setujui_rencana", "rencana_layanan", "rencana", "Pekerja Sosial")
    assert expected("setujui_rencana", "rencana_layanan", "rencana", "Pimpinan")
    assert not expected("mulai_asesmen", "terjangkau", None, "Pimpinan")
    assert not any(expected(a, s, p, "Operator") for a in ACTIONS for s, p in SITUATIONS)
    assert not any(expected(a, "terminasi", None, r) for a in ACTIONS for r in ROLES)
    assert expected("buka_kembali", "hilang_kontak", None, "Sistem")


@pytest.mark.parametrize("state,pending", SITUATIONS)
def test_transition_matrix(state, pending, build_case, session_ctx, uid):
    from app.models import Case, CaseTransition

    case_id, _ = build_case(state, pending)
    actor = uid("admin")
    outcomes = []
    with session_ctx() as s:
        for action in ACTIONS:
            for role in ROLES:
                case = s.get(Case, case_id)
                try:
                    entry = workflow.apply_transition(s, case, action, {role}, actor, FULL_DATA)
                    ok = True
                    assert entry.action == action and entry.from_state == state
                except WorkflowError as err:
                    ok = False
                    assert str(err)  # an Indonesian message, never empty
                s.rollback()
                outcomes.append((action, role, ok, expected(action, state, pending, role)))
        assert s.scalar(select(CaseTransition.id).where(
            CaseTransition.case_id == case_id, CaseTransition.action != "buka")) is None
    wrong = [o for o in outcomes if o[2] != o[3]]
    assert not wrong, wrong


def _apply(session_ctx, case_id, action, roles, actor_id, data=None):
    from app.models import Case

    with session_ctx() as s:
        workflow.apply_transition(s, s.get(Case, case_id), action, roles, actor_id, data or {})
        s.commit()


def test_plan_approval_refusal_then_approval(build_case, session_ctx, uid):
    W_ID, A_ID = uid("peksos"), uid("pimpinan")
    from app.models import Case

    case_id, _ = build_case("rencana_layanan")
    _apply(session_ctx, case_id, "ajukan_rencana", {"Pekerja Sosial"}, W_ID)
    with pytest.raises(WorkflowError, match="pengaju sendiri"):
        _apply(session_ctx, case_id, "setujui_rencana", {"Koordinator Pekerja Sosial"}, W_ID)
    with pytest.raises(WorkflowError, match="Alasan"):
        _apply(session_ctx, case_id, "tolak_rencana", {"Pimpinan"}, A_ID)
    _apply(session_ctx, case_id, "tolak_rencana", {"Pimpinan"}, A_ID, {"note": "Tambah layanan"})
    with session_ctx() as s:
        case = s.get(Case, case_id)
        assert (case.state, case.pending_approval) == ("rencana_layanan", None)
        assert case.catatan_penolakan == "Tambah layanan"
    _apply(session_ctx, case_id, "ajukan_rencana", {"Pekerja Sosial"}, W_ID)
    _apply(session_ctx, case_id, "setujui_rencana", {"Pimpinan"}, A_ID)
    with session_ctx() as s:
        case = s.get(Case, case_id)
        assert case.state == "layanan_berjalan"
        history = [(t.action, t.from_state, t.to_state) for t in case.transitions]
    assert history == [("buka", None, "terjangkau"),
                       ("ajukan_rencana", "rencana_layanan", "rencana_layanan"),
                       ("tolak_rencana", "rencana_layanan", "rencana_layanan"),
                       ("ajukan_rencana", "rencana_layanan", "rencana_layanan"),
                       ("setujui_rencana", "rencana_layanan", "layanan_berjalan")]


def test_termination_needs_reason_summary_and_approval(build_case, session_ctx, uid):
    W_ID, A_ID = uid("peksos"), uid("pimpinan")
    from app.models import Case

    case_id, _ = build_case("pemulangan")
    with pytest.raises(WorkflowError, match="Alasan terminasi"):
        _apply(session_ctx, case_id, "ajukan_terminasi", {"Pekerja Sosial"}, W_ID, {})
    _apply(session_ctx, case_id, "ajukan_terminasi", {"Pekerja Sosial"}, W_ID, FULL_DATA)
    with pytest.raises(WorkflowError, match="menunggu persetujuan"):
        _apply(session_ctx, case_id, "kembali_layanan", {"Pekerja Sosial"}, W_ID)
    _apply(session_ctx, case_id, "tolak_terminasi", {"Pimpinan"}, A_ID, {"note": "Belum serah terima"})
    with session_ctx() as s:
        case = s.get(Case, case_id)
        assert case.state == "pemulangan" and case.closed_at is None
        assert case.alasan_terminasi is None and case.catatan_penolakan == "Belum serah terima"
    _apply(session_ctx, case_id, "ajukan_terminasi", {"Pekerja Sosial"}, W_ID, FULL_DATA)
    _apply(session_ctx, case_id, "setujui_terminasi", {"Pimpinan"}, A_ID)
    with session_ctx() as s:
        case = s.get(Case, case_id)
        assert case.state == "terminasi" and case.closed_at is not None
        assert case.alasan_terminasi == "tujuan_tercapai"


def test_plan_needs_assessment(build_case, session_ctx, uid):
    W_ID, A_ID = uid("peksos"), uid("pimpinan")
    case_id, _ = build_case("asesmen", full=False)
    with pytest.raises(WorkflowError, match="Asesmen belum diisi"):
        _apply(session_ctx, case_id, "susun_rencana", {"Pekerja Sosial"}, W_ID)


def test_two_concurrent_transitions_only_one_wins(app, build_case, session_ctx, uid):
    """Two sessions load the same case version; the second to apply is refused."""
    from app.extensions import db
    from app.models import Case, CaseTransition

    case_id, _ = build_case("terjangkau", full=False)
    peksos_id, admin_id = uid("peksos"), uid("admin")
    with app.app_context():
        engine = db.engine
        from sqlalchemy.orm import Session

        s1, s2 = Session(engine), Session(engine)
        try:
            c1, c2 = s1.get(Case, case_id), s2.get(Case, case_id)
            v1, v2 = c1.version, c2.version
            s2.rollback()  # s2 keeps nothing open: on SQLite s1 must be able to write
            workflow.apply_transition(s1, c1, "mulai_asesmen", {"Pekerja Sosial"}, peksos_id,
                                      expected_version=v1)
            s1.commit()
            with pytest.raises(WorkflowError):
                workflow.apply_transition(s2, s2.get(Case, case_id), "mulai_asesmen",
                                          {"Pekerja Sosial"}, admin_id, expected_version=v2)
            s2.rollback()
            # without a version from the form, the fresh state under the lock refuses it too
            with pytest.raises(WorkflowError, match="tidak dapat dilakukan"):
                workflow.apply_transition(s2, s2.get(Case, case_id), "mulai_asesmen",
                                          {"Pekerja Sosial"}, admin_id)
            s2.rollback()
        finally:
            s1.close()
            s2.close()
    with session_ctx() as s:
        n = s.scalar(select(db.func.count()).select_from(CaseTransition).where(
            CaseTransition.case_id == case_id, CaseTransition.action == "mulai_asesmen"))
        assert n == 1


def test_two_threads_racing_only_one_wins(app, build_case, session_ctx, uid):
    """Two threads apply the same transition at the same moment: one row in the history."""
    import threading

    from sqlalchemy.orm import Session

    from app.extensions import db
    from app.models import Case, CaseTransition

    case_id, _ = build_case("terjangkau", full=False)
    actor = uid("peksos")
    with app.app_context():
        engine = db.engine
    barrier, results = threading.Barrier(2), []

    def worker():
        with Session(engine) as s:
            case = s.get(Case, case_id)
            barrier.wait()
            try:
                workflow.apply_transition(s, case, "mulai_asesmen", {"Pekerja Sosial"}, actor)
                s.commit()
                results.append("ok")
            except Exception as err:  # WorkflowError, or SQLite's busy snapshot
                s.rollback()
                results.append(type(err).__name__)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results.count("ok") == 1, results
    with session_ctx() as s:
        n = s.scalar(select(db.func.count()).select_from(CaseTransition).where(
            CaseTransition.case_id == case_id, CaseTransition.action == "mulai_asesmen"))
        assert n == 1 and s.get(Case, case_id).state == "asesmen"
