"""Two-plan queries give the same rows either way: the review queue's date filter, the place search."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.models import CandidatePair
from app.services import dedup, repeats
from app.services.scope import Scope
from tests.identity.helpers import letters


@pytest.mark.parametrize("probe", [1, 10_000])  # 1: every date filter "matches many"; 10,000: "few"
def test_date_filter_plans_agree(make_person, session_ctx, monkeypatch, probe):
    tag = letters()
    ids = [make_person(kelurahan="32.75.07.1003", nama=f"{n} {tag}") for n in ("Slamet", "Selamet", "Slamat")]
    old, new = dt.datetime(2021, 3, 5, 10, 0), dt.datetime(2021, 3, 20, 9, 0)
    with session_ctx() as s:
        for (a, b), created, score in (((ids[0], ids[1]), old, 950.0), ((ids[1], ids[2]), new, 940.0),
                                       ((ids[0], ids[2]), new, 930.0)):
            dedup.upsert_pair(s, a, b, score, 0.99, ["nama mirip"], "scan")
            s.flush()
            pair = s.scalar(select(CandidatePair).where(CandidatePair.person_a_id == min(a, b),
                                                        CandidatePair.person_b_id == max(a, b)))
            pair.created_at = created
        s.commit()
    monkeypatch.setattr(dedup, "DATE_PROBE", probe)
    everything = Scope.everything()
    with session_ctx() as s:
        def names(since, until, kecamatan=None):
            rows = dedup.queue_page(s, everything, "baru", kecamatan, since, until)
            return [(a.nama, b.nama) for _, a, b in rows if tag in a.nama]

        assert names(dt.date(2021, 3, 1), dt.date(2021, 3, 10)) == [(f"Slamet {tag}", f"Selamet {tag}")]
        assert names(dt.date(2021, 3, 15), None) [:2] == [(f"Selamet {tag}", f"Slamat {tag}"),
                                                          (f"Slamet {tag}", f"Slamat {tag}")]
        assert names(None, dt.date(2021, 3, 19), "32.75.07") == [(f"Slamet {tag}", f"Selamet {tag}")]
        assert names(dt.date(2021, 4, 1), dt.date(2021, 4, 2)) == []


@pytest.mark.parametrize("probe", [1, 10_000])  # 1: every place word "matches many"; 10,000: "few"
def test_place_search_plans_agree_and_follow_edits(make_person, session_ctx, monkeypatch, probe, login):
    from app.models import Encounter

    tag = letters().lower()
    a = make_person(nama=f"Slamet {tag}")
    b = make_person(nama=f"Selamet {tag}")
    with session_ctx() as s:
        for pid, lokasi, day in ((a, f"Stasiun Kranji {tag}", 3), (b, f"stasiun KRANJI {tag} pintu 2", 5),
                                 (a, f"Pasar Baru {tag}", 7)):
            s.add(Encounter(person_id=pid, waktu=dt.datetime(2021, 6, day, 9), lokasi=lokasi,
                            kelurahan_kode="32.75.01.1001", kecamatan_kode="32.75.01", sumber="patroli"))
        s.commit()
    monkeypatch.setattr(repeats, "LOKASI_PROBE", probe)
    everything = Scope.everything()

    def places(word):
        with session_ctx() as s:
            return [e.lokasi for e, _ in repeats.search_encounters(s, everything, lokasi=word)]

    assert places(f"kranji {tag}") == [f"stasiun KRANJI {tag} pintu 2", f"Stasiun Kranji {tag}"]  # newest first
    assert places(f"{tag} pintu") == [f"stasiun KRANJI {tag} pintu 2"]
    assert places(f"gudang {tag}") == []
    assert places(f"100% {tag}") == []  # a LIKE wildcard in the word: searched literally, not through the index
    with session_ctx() as s:  # an edit moves the encounter out of one word and into another
        e = s.scalar(select(Encounter).where(Encounter.lokasi == f"Pasar Baru {tag}"))
        e.lokasi = f"Terminal Bekasi {tag}"
        s.commit()
    assert places(f"pasar baru {tag}") == [] and places(f"terminal bekasi {tag}") == [f"Terminal Bekasi {tag}"]
    page = login("operator").get("/repeats/encounters/?lokasi=ps").get_data(as_text=True)
    assert "paling sedikit 3 huruf" in page
