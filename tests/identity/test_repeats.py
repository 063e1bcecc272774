"""Sering terjaring: the report summary's per-person counts give the list the aggregate gives."""
import datetime as dt

from sqlalchemy import select

from app.models import Encounter, Person
from app.services import archive, repeats
from app.services.merge import merge_persons
from app.services.scope import Scope
from tests.identity.helpers import letters

EVERY = Scope.everything()


def _both(s, mine):
    """This test's persons in the list, read from the summary and aggregated (the shared test
    database also holds rows other tests wrote with plain SQL, which a summary does not see)."""
    def rows(from_summary):
        return [(p.id, n, first, last, back)
                for p, n, first, last, back in repeats.frequent_persons(s, EVERY, from_summary=from_summary)
                if p.id in mine]

    return rows(True), rows(False)


def test_summary_and_aggregate_agree_through_merge_and_archive(make_person, session_ctx):
    tag = letters()
    a, b, c = (make_person(nama=f"{n} {tag}") for n in ("Slamet", "Selamet", "Sukri"))
    with session_ctx() as s:
        for pid, n in ((a, 60), (b, 58), (c, 59)):  # enough to be at the top of the list
            for day in range(n):
                s.add(Encounter(person_id=pid, waktu=dt.datetime(2022, 1, 1, 8) + dt.timedelta(days=day),
                                kelurahan_kode="32.75.01.1001", kecamatan_kode="32.75.01", sumber="patroli"))
        s.commit()
        by_summary, by_aggregate = _both(s, (a, b, c))
        assert by_summary == by_aggregate and [r[0] for r in by_summary] == [a, c, b]
        assert by_summary[0][1] == 61  # 60 + the intake's first encounter

        merge_persons(s, a, b, scope=EVERY)  # b's 59 encounters move to a
        s.commit()
        by_summary, by_aggregate = _both(s, (a, b, c))
        assert by_summary == by_aggregate and [r[:2] for r in by_summary] == [(a, 120), (c, 60)]

        enc = s.scalars(select(Encounter).where(Encounter.person_id == c)).first()
        archive.archive(s, enc, "salah input")
        archive.archive(s, s.get(Person, a), "uji")
        s.commit()
        by_summary, by_aggregate = _both(s, (a, b, c))
        assert by_summary == by_aggregate and [r[:2] for r in by_summary] == [(c, 59)]
