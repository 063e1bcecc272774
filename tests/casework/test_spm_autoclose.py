"""The SPM 'terpenuhi' rule on edge cases, and automatic hilang-kontak closing/reopening."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.services import casework, spm

D = dt.date


def _case_with_plan(session_ctx, build_case):
    from app.models import Case

    case_id, person_id = build_case("layanan_berjalan")
    with session_ctx() as s:
        ids = [j.id for j in s.get(Case, case_id).latest_assessment.layanan]
    return case_id, person_id, ids


def _deliver(session_ctx, case_id, jl_id, on):
    from app.models import Case

    with session_ctx() as s:
        casework.add_service(s, s.get(Case, case_id), {"jenis_layanan_id": jl_id, "tanggal": on}, None)
        s.commit()


def _both(session_ctx, case_id, as_of=None):
    """The Python and the SQL form of the rule, which must agree."""
    from app.models import Assessment, Case

    with session_ctx() as s:
        a = s.get(Case, case_id).latest_assessment
        py = spm.is_terpenuhi(s, a, as_of)
        sql = s.scalar(select(func.count()).select_from(Assessment).where(
            Assessment.id == a.id, spm.terpenuhi_clause(as_of=as_of)))
    assert py == bool(sql)
    return py


def test_split_over_months_and_before_assessment(session_ctx, build_case):
    case_id, _, (first, second) = _case_with_plan(session_ctx, build_case)
    assert _both(session_ctx, case_id) is False
    _deliver(session_ctx, case_id, first, D(2020, 1, 5))  # long before the assessment date
    assert _both(session_ctx, case_id) is False
    _deliver(session_ctx, case_id, second, D(2026, 3, 2))
    assert _both(session_ctx, case_id) is True
    assert _both(session_ctx, case_id, as_of=D(2026, 2, 28)) is False
    assert _both(session_ctx, case_id, as_of=D(2026, 3, 31)) is True


def test_no_required_service_is_never_terpenuhi(session_ctx, build_case):
    from app.models import Case

    case_id, _ = build_case("asesmen", full=False)
    with session_ctx() as s:
        casework.save_assessment(s, s.get(Case, case_id), {"spm_group": "gepeng"}, None)
        s.commit()
    assert _both(session_ctx, case_id) is False


def test_merged_mid_case_counts_once(session_ctx, build_case, make_person):
    from app.models import Assessment, Case, Person

    case_id, person_id, (first, second) = _case_with_plan(session_ctx, build_case)
    survivor = make_person()
    _deliver(session_ctx, case_id, first, D(2026, 4, 1))
    with session_ctx() as s:
        s.get(Person, person_id).merged_into_id = survivor
        s.commit()
    _deliver(session_ctx, case_id, second, D(2026, 5, 1))
    assert _both(session_ctx, case_id) is True
    with session_ctx() as s:
        ids = s.execute(select(spm.surviving_person_id()).select_from(Assessment)
                        .join(Case, Case.id == Assessment.case_id)
                        .join(Person, Person.id == Case.person_id)
                        .where(Case.id == case_id, spm.terpenuhi_clause())).scalars().all()
    assert set(ids) == {survivor}


def test_consent_basis_required_for_child(session_ctx, build_case):
    import pytest

    from app.models import Case

    case_id, _ = build_case("asesmen", full=False)
    with session_ctx() as s:
        with pytest.raises(casework.CaseworkError, match="Dasar persetujuan"):
            casework.save_assessment(s, s.get(Case, case_id), {"tidak_dapat_menyetujui": True}, None)


def test_auto_close_and_reopen_on_new_encounter(app, session_ctx, build_case):
    from app.models import Case, Encounter, Person
    from app.services import intake
    from app.services.scope import Scope

    case_id, person_id = build_case("layanan_berjalan")
    fresh_id, _ = build_case("asesmen")
    old = dt.datetime.now() - dt.timedelta(days=200)
    with session_ctx() as s:
        for e in s.execute(select(Encounter).where(Encounter.person_id == person_id)).scalars():
            e.waktu = old
        s.get(Case, case_id).opened_at = old
        s.commit()
    with session_ctx() as s:
        closed = casework.auto_close(s, 90)
        s.commit()
    assert case_id in closed and fresh_id not in closed
    with session_ctx() as s:
        case = s.get(Case, case_id)
        assert case.state == "hilang_kontak" and case.closed_at is not None
        assert case.transitions[-1].action == "hilang_kontak"
    with session_ctx() as s:  # met again through the intake door
        intake.add_encounter(s, s.get(Person, person_id), {"kelurahan_kode": "32.75.01.1001", "sumber": "patroli"},
                             scope=Scope.everything())
        s.commit()
    with session_ctx() as s:
        case = s.get(Case, case_id)
        assert case.state == "layanan_berjalan" and case.closed_at is None
        assert case.transitions[-1].action == "buka_kembali"
