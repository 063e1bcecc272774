"""The review queue's page query: both plans of a date filter give the same rows."""
import datetime as dt

import pytest
from sqlalchemy import select

from app.models import CandidatePair
from app.services import dedup
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
