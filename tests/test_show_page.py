"""Person page: same content from fewer statements (issue 2 show-page target)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select

from app.extensions import db
from app.models import Encounter


def test_counts_from_the_timeline_equal_the_sql_counts(make_person, session_ctx):
    from app.models.base import now_local
    from app.services import timeline as tl
    from app.services.scope import Scope

    pid = make_person(encounter=False)
    now = now_local()
    with session_ctx() as s:
        for i, days in enumerate((1, 20, 45, 100, 200, 400, 800, 31)):
            s.add(Encounter(person_id=pid, waktu=now - dt.timedelta(days=days),
                            kelurahan_kode="32.75.01.1001", kecamatan_kode="32.75.01",
                            sumber="patroli", is_archived=(i == 7)))
        s.commit()
        rows = tl.person_timeline(s, pid, Scope.everything())
        assert len(rows) == 7  # the archived one is not on the timeline
        sql = tl.encounter_counts(s, pid)
        assert tl.encounter_counts(s, pid, timeline=rows) == sql
        assert sql == {"total": 7, 30: 2, 90: 3, 365: 5}
        # a truncated timeline is not the whole story: counted in SQL
        assert tl.encounter_counts(s, pid, timeline=rows[:3], limit=3) == sql


def test_show_page_loads_without_lazy_loads(app, make_person, login):
    pid = make_person(aliases="Ucok Baba")
    client = login("operator")
    assert client.get(f"/personview/show/{pid}").status_code == 200  # warm the region map
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        r = client.get(f"/personview/show/{pid}")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Ucok Baba" in page and "Bekasi Timur" in page
    history = page.split('id="history"', 1)[1]
    assert "Bekasijaya" in history and "32.75.01.1001" not in history  # region names in the change history
    froms = [s.split(" FROM ", 1)[1].split()[0] for s in seen if " FROM " in s]
    assert "wilayah" not in froms  # region names from the code -> name map
    assert "person_alias" not in froms and "person_ppks" not in froms  # joined to person
    assert sum(1 for s in seen if "FROM encounter" in s and "count(" in s) == 0
