"""Merge safety: a merge moves the tombstone's cases and aid applications, unmerge restores them."""
from sqlalchemy import select


def _rows(s, model, pid):
    t = model.__table__
    return [dict(r._mapping) for r in s.execute(select(t).where(t.c.person_id == pid).order_by(t.c.id))]


def test_merge_moves_cases_and_unmerge_restores_them(make_person, session_ctx, build_case):
    from app.models import AidApplication, Case, CaseTransition, Person
    from app.services import aid
    from app.services.merge import CHILD_TABLES, merge_persons, unmerge
    from app.services.scope import Scope

    assert (Case, "person_id") in CHILD_TABLES and (AidApplication, "person_id") in CHILD_TABLES
    case_a, a = build_case("layanan_berjalan")
    case_b, b = build_case("asesmen", full=False, kelurahan="32.75.01.1002")
    with session_ctx() as s:
        aid.add_aid(s, b, {"jenis": "pkh"}, case_id=case_b)
        s.commit()
        before = {pid: (_rows(s, Case, pid), _rows(s, AidApplication, pid)) for pid in (a, b)}
        history_b = [dict(r._mapping) for r in s.execute(
            select(CaseTransition.__table__).where(CaseTransition.case_id == case_b))]
        rec = merge_persons(s, a, b, scope=Scope.everything(), note="uji kasus")
        s.commit()
        rec_id = rec.id
        assert s.get(Person, b).merged_into_id == a
        assert sorted(s.scalars(select(Case.id).where(Case.person_id == a))) == sorted([case_a, case_b])
        assert not s.scalars(select(Case.id).where(Case.person_id == b)).all()
        assert s.scalar(select(AidApplication.person_id).where(AidApplication.case_id == case_b)) == a
    with session_ctx() as s:
        unmerge(s, rec_id, scope=Scope.everything(), note="batal")
        s.commit()
        after = {pid: (_rows(s, Case, pid), _rows(s, AidApplication, pid)) for pid in (a, b)}
        assert after == before  # every column, incl. version and updated_at
        assert [dict(r._mapping) for r in s.execute(
            select(CaseTransition.__table__).where(CaseTransition.case_id == case_b))] == history_b
