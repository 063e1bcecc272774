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


def _pair_id(session_ctx, a, b):
    from app.models import CandidatePair
    from app.services import dedup

    with session_ctx() as s:
        dedup.upsert_pair(s, a, b, 1000.0, 0.999, ["nama mirip"], "scan")  # first page of the queue
        s.commit()
        return s.scalar(select(CandidatePair.id).where(CandidatePair.person_a_id == min(a, b),
                                                       CandidatePair.person_b_id == max(a, b)))


def test_review_page_reads_like_a_form_and_warns_of_two_active_cases(login, session_ctx, build_case):
    from app.models import Case

    case_a, a = build_case("layanan_berjalan", nama_ibu="Sarinah")
    case_b, b = build_case("asesmen", full=False, kelurahan="32.75.01.1002")
    pair_id = _pair_id(session_ctx, a, b)
    c = login("peksos")
    page = c.get(f"/review/pair/{pair_id}").get_data(as_text=True)
    assert 'id="cases-warning"' in page
    assert f"KASUS-{case_a:06d}" in page and f"KASUS-{case_b:06d}" in page
    assert "Nama ibu kandung" in page and ">nama_ibu<" not in page  # labels, not column names
    assert "Kelurahan Kode" not in page  # FAB's made-up labels stay in FAB's views
    assert "Bekasi Timur" in page  # region names, not codes
    r = c.post(f"/review/merge/{pair_id}", data={"survivor": "a"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "2 kasus aktif" in page and 'id="cases-warning"' in page
    assert "Data yang dipindahkan" in page and "1 kasus" in page  # the merge in the survivor's history
    with session_ctx() as s:
        assert sorted(s.scalars(select(Case.id).where(Case.person_id == a))) == sorted([case_a, case_b])


def test_no_warning_when_one_case_has_ended(login, session_ctx, build_case, make_person):
    _, a = build_case("terminasi")
    b = make_person(kelurahan="32.75.01.1002")
    pair_id = _pair_id(session_ctx, a, b)
    c = login("peksos")
    assert 'id="cases-warning"' not in c.get(f"/review/pair/{pair_id}").get_data(as_text=True)
    r = c.post(f"/review/merge/{pair_id}", data={"survivor": "b"}, follow_redirects=True)
    assert r.status_code == 200 and "kasus aktif" not in r.get_data(as_text=True)


def test_person_page_lists_cases_and_opens_one(login, session_ctx, make_person):
    from app.models import Case

    pid = make_person()
    c = login("peksos")
    page = c.get(f"/personview/show/{pid}").get_data(as_text=True)
    assert "Belum ada kasus." in page and 'id="open-case"' in page
    r = c.post(f"/kasus/buka/{pid}")
    assert r.status_code == 302
    with session_ctx() as s:
        case_id = s.scalar(select(Case.id).where(Case.person_id == pid))
    page = c.get(f"/personview/show/{pid}").get_data(as_text=True)
    assert f"KASUS-{case_id:06d}" in page and 'id="open-case"' not in page  # one active case at a time
    # a role without case pages sees no case panel
    assert "person-cases" not in login("satpolpp").get(f"/personview/show/{pid}").get_data(as_text=True)
