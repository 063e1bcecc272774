"""Web flows: search-before-create intake, review queue, merge/unmerge, repeats; roles and areas."""
from sqlalchemy import select

from app.models import CandidatePair, Encounter, MergeRecord, Person
from app.services import dedup
from tests.identity.helpers import letters, nik


def test_intake_shows_candidates_then_adds_encounter(login, make_person, session_ctx):
    tag = letters()
    pid = make_person(nama=f"Muhammad Soedjono {tag}", tahun_lahir=1975)
    c = login("operator")
    r = c.post("/intake/", data={"nama": f"Moch Sujono {tag}", "perkiraan_umur": "50",
                                 "kelurahan_kode": "32.75.01.1001", "action": "cari"})
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert f"#{pid}" in html and "nama mirip" in html
    r = c.post("/intake/", data={"nama": f"Moch Sujono {tag}", "kelurahan_kode": "32.75.01.1001",
                                 "lokasi": "Lampu merah", "action": "tambah", "person_id": str(pid)})
    assert r.status_code == 302 and f"/show/{pid}" in r.headers["Location"]
    with session_ctx() as s:
        assert s.scalar(select(Encounter.id).where(Encounter.person_id == pid,
                                                   Encounter.lokasi == "Lampu merah"))


def test_intake_confirm_new_queues_pair_and_decisive_is_refused(login, make_person, session_ctx):
    tag, n = letters(), nik()
    pid = make_person(nama=f"Suparman {tag}", nik=n)
    c = login("peksos")
    r = c.post("/intake/", data={"nama": f"Soeparman {tag}", "kelurahan_kode": "32.75.01.1001",
                                 "action": "baru"})
    assert r.status_code == 302
    new_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with session_ctx() as s:
        a, b = dedup.ordered(pid, new_id)
        pair = s.scalar(select(CandidatePair).where(CandidatePair.person_a_id == a,
                                                    CandidatePair.person_b_id == b))
        assert pair is not None and pair.status == "baru" and pair.source == "intake"
        count = s.scalar(select(Person.id).order_by(Person.id.desc()).limit(1))
    r = c.post("/intake/", data={"nama": "Siapa Saja", "nik": n, "action": "baru"})
    assert r.status_code == 200 and "NIK yang sama" in r.get_data(as_text=True)
    with session_ctx() as s:
        assert s.scalar(select(Person.id).order_by(Person.id.desc()).limit(1)) == count


def test_review_merge_unmerge_via_web_and_permissions(login, make_person, session_ctx):
    tag = letters()
    a = make_person(nama=f"Ketut Wiryawan {tag}", tahun_lahir=1980)
    b = make_person(kelurahan="32.75.01.1002", nama=f"Wiryawan {tag}", tahun_lahir=1981)
    with session_ctx() as s:
        # above any real score, so the pair is on the queue's first page whatever other tests queued
        dedup.upsert_pair(s, a, b, 1000.0, 0.999, ["nama mirip"], "scan")
        s.commit()
        pair_id = s.scalar(select(CandidatePair.id).where(CandidatePair.person_a_id == min(a, b),
                                                          CandidatePair.person_b_id == max(a, b)))
    pim = login("pimpinan")
    assert pim.get("/review/").status_code == 200
    assert pim.get(f"/review/pair/{pair_id}").status_code == 200
    assert pim.post(f"/review/merge/{pair_id}", data={}).status_code == 403
    assert login("satpolpp").get("/review/").status_code == 403
    assert login("pilar.jatiasih").get(f"/review/pair/{pair_id}").status_code == 403
    op = login("operator")
    r = op.get("/review/")
    assert f"/review/pair/{pair_id}" in r.get_data(as_text=True)
    r = op.post(f"/review/merge/{pair_id}", data={"survivor": "a", "f_nama": "b", "note": "uji"})
    assert r.status_code == 302
    with session_ctx() as s:
        pa, pb = s.get(Person, min(a, b)), s.get(Person, max(a, b))
        assert pb.merged_into_id == pa.id and pa.nama == (f"Wiryawan {tag}" if b > a else f"Ketut Wiryawan {tag}")
        rec_id = s.scalar(select(MergeRecord.id).where(MergeRecord.merged_id == pb.id))
    assert op.get(f"/personview/show/{max(a, b)}").status_code == 302  # tombstone redirects
    page = op.get(f"/personview/show/{min(a, b)}").get_data(as_text=True)  # the survivor's history
    assert "Data yang dipindahkan" in page and "1 penjangkauan" in page
    assert op.get(f"/review/pair/{pair_id}").status_code == 404  # merged pairs leave the queue
    assert f"/review/unmerge/{rec_id}" in op.get("/review/merges/").get_data(as_text=True)
    assert pim.post(f"/review/unmerge/{rec_id}", data={}).status_code == 403
    assert op.post(f"/review/unmerge/{rec_id}", data={"note": "keliru"}).status_code == 302
    with session_ctx() as s:
        assert s.get(Person, max(a, b)).merged_into_id is None
        assert s.get(CandidatePair, pair_id).status == "berbeda"
    for pid in (a, b):  # both pages again, each with the unmerge in its history
        r = op.get(f"/personview/show/{pid}")
        assert r.status_code == 200 and "Penggabungan yang dibatalkan" in r.get_data(as_text=True)


def test_decide_and_repeats(login, make_person, session_ctx):
    tag = letters()
    a = make_person(nama=f"Tarjo {tag}")
    b = make_person(nama=f"Tarjo {tag}x")
    with session_ctx() as s:
        pair = dedup.upsert_pair(s, a, b, 6.0, 0.9, [], "scan")
        s.commit()
        pid = pair.id
    op = login("operator")
    assert op.post(f"/review/decide/{pid}", data={"status": "berbeda", "note": "beda ibu"}).status_code == 302
    with session_ctx() as s:
        p = s.get(CandidatePair, pid)
        assert p.status == "berbeda" and p.note == "beda ibu"
        from app.services import intake
        from app.services.scope import Scope
        import datetime as dt

        person = s.get(Person, a)
        intake.add_encounter(s, person, {"kelurahan_kode": "32.75.01.1001", "lokasi": f"Terminal {tag}",
                                         "waktu": dt.datetime.now() - dt.timedelta(days=60)},
                             scope=Scope.everything())
        s.commit()
    html = op.get("/repeats/?kecamatan=32.75.01").get_data(as_text=True)
    assert f"Tarjo {tag}" in html and "setelah bulan pertama" in html
    html = op.get(f"/repeats/encounters/?lokasi=terminal {tag.lower()}").get_data(as_text=True)
    assert f"Tarjo {tag}" in html
    assert login("pilar.jatiasih").get(f"/repeats/encounters/?lokasi=terminal {tag.lower()}").status_code == 403
    html = op.get(f"/personview/show/{a}").get_data(as_text=True)  # returner badge on the person page
    assert 'id="returner-badge"' in html and "setelah bulan pertama" in html
    assert 'id="returner-badge"' not in op.get(f"/personview/show/{b}").get_data(as_text=True)


def test_api_post_returns_candidates_unless_confirmed(app, make_person, session_ctx):
    from tests.conftest import PASSWORD

    tag, n = letters(), nik()
    pid = make_person(nama=f"Soedarsono {tag}", nik=n)
    token = app.test_client().post("/api/v1/security/login", json={
        "username": "operator", "password": PASSWORD, "provider": "db"}).get_json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    r = app.test_client().post("/api/v1/person/", json={"nama": f"Sudarsono {tag}"}, headers=h)
    assert r.status_code == 409
    assert r.get_json()["candidates"][0]["person_id"] == pid
    r = app.test_client().post("/api/v1/person/", json={"nama": "Lain", "nik": n}, headers=h)
    assert r.status_code == 422 and f"#{pid}" in r.get_json()["message"]["nik"]
    r = app.test_client().post("/api/v1/person/", json={"nama": f"Sudarsono {tag}", "confirm_new": True},
                               headers=h)
    assert r.status_code == 201
    new_id = r.get_json()["id"]
    with session_ctx() as s:  # the confirmed-new person and its near match wait in the review queue
        pair = s.scalar(select(CandidatePair).where(CandidatePair.person_a_id == min(pid, new_id),
                                                    CandidatePair.person_b_id == max(pid, new_id)))
        assert pair is not None and pair.status == "baru" and pair.source == "api"


def test_review_queue_paging_keeps_the_filters(login):
    page = login("operator").get("/review/?kecamatan=32.75.07&dari=01-11-2026&page=1").get_data(as_text=True)
    prev = page.split('id="prev-page" href="', 1)[1].split('"', 1)[0]
    assert "kecamatan=32.75.07" in prev and "dari=01-11-2026" in prev and "page=0" in prev


def test_review_page_lists_the_other_queued_pairs_of_both_persons(login, make_person, session_ctx):
    tag = letters()
    a, b, c, d = (make_person(nama=f"{n} {tag}") for n in ("Slamet", "Selamet", "Slamat", "Lain"))
    with session_ctx() as s:
        for x, y, score in ((a, b, 900.0), (b, c, 800.0), (a, c, 700.0)):
            dedup.upsert_pair(s, x, y, score, 0.99, ["nama mirip"], "scan")
        dedup.upsert_pair(s, c, d, 600.0, 0.9, ["nama mirip"], "scan")  # involves neither a nor b
        s.commit()
        ids = {key: s.scalar(select(CandidatePair.id).where(CandidatePair.person_a_id == min(key),
                                                           CandidatePair.person_b_id == max(key)))
               for key in ((a, b), (b, c), (a, c), (c, d))}
    page = login("operator").get(f"/review/pair/{ids[(a, b)]}").get_data(as_text=True)
    related = page.split('id="related-pairs"', 1)[1].split("</table>", 1)[0]
    assert f"/review/pair/{ids[(b, c)]}" in related and f"/review/pair/{ids[(a, c)]}" in related
    assert f"/review/pair/{ids[(c, d)]}" not in related and f"/review/pair/{ids[(a, b)]}" not in related


def test_person_page_lists_its_queued_duplicates(login, make_person, session_ctx):
    tag = letters()
    a, b, c = (make_person(nama=f"{n} {tag}") for n in ("Slamet", "Selamet", "Lain"))
    with session_ctx() as s:
        dedup.upsert_pair(s, a, b, 7.5, 0.99, ["nama mirip"], "scan")
        dedup.upsert_pair(s, b, c, 3.0, 0.9, ["nama mirip"], "scan")
        s.commit()
        ab = s.scalar(select(CandidatePair.id).where(CandidatePair.person_a_id == min(a, b),
                                                     CandidatePair.person_b_id == max(a, b)))
    page = login("operator").get(f"/personview/show/{a}").get_data(as_text=True)
    panel = page.split('id="person-duplicates"', 1)[1].split("</ul>", 1)[0]
    assert f"/review/pair/{ab}" in panel and f"Selamet {tag} (#{b})" in panel and f"#{c}" not in panel
    queue = login("operator").get("/review/?kecamatan=32.75.01").get_data(as_text=True)
    assert "Peluang" in queue and "99%" in queue
    # a role without the review screen sees no such panel
    page = login("pilar.bekasitimur").get(f"/personview/show/{a}").get_data(as_text=True)
    assert f"Slamet {tag}" in page and "person-duplicates" not in page
