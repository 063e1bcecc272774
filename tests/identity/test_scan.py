"""Batch scan: same score as the real-time check, decided pairs never re-suggested, --since, export."""
import csv

from sqlalchemy import select

from app.models import CandidatePair
from app.services import dedup
from app.services.scope import Scope
from tests.identity.helpers import letters


def _pair(s, a, b):
    a, b = dedup.ordered(a, b)
    return s.scalar(select(CandidatePair).where(CandidatePair.person_a_id == a, CandidatePair.person_b_id == b))


def test_scan_cli_since_decided_and_export(app, make_person, session_ctx, tmp_path):
    tag = letters()
    a = make_person(nama=f"Muhammad Soedjono {tag}", tahun_lahir=1970, jenis_kelamin="L")
    b = make_person(kelurahan="32.75.01.1002", nama=f"Moch Sujono {tag}", tahun_lahir=1971, jenis_kelamin="L")
    runner = app.test_cli_runner()
    r = runner.invoke(args=["dedup", "scan"])
    assert r.exit_code == 0, r.output
    with session_ctx() as s:
        pair = _pair(s, a, b)
        assert pair is not None and pair.status == "baru" and pair.source == "scan"
        live = dedup.find_candidates(s, dedup.load_records(s, [a])[a], Scope.everything(), exclude_ids=[a])
        assert any(c.person_id == b and abs(c.score - pair.score) < 0.01 for c in live)  # same score
        dedup.decide(s, pair, "berbeda", None, "orang lain")
        s.commit()
        pair_id = pair.id
    c = make_person(nama=f"Mochamad Sujono {tag}", tahun_lahir=1970, jenis_kelamin="L")
    r = runner.invoke(args=["dedup", "scan", "--since", "last"])
    assert r.exit_code == 0, r.output
    with session_ctx() as s:
        assert s.get(CandidatePair, pair_id).status == "berbeda"  # decided: not re-suggested
        assert _pair(s, a, c) is not None and _pair(s, b, c) is not None
    out = tmp_path / "pairs.csv"
    assert runner.invoke(args=["dedup", "export-pairs", "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader(out.open()))
    assert {"person_a_id", "person_b_id", "score", "status", "reasons"} <= set(rows[0])
    assert any(r["status"] == "berbeda" and int(r["person_a_id"]) == min(a, b) for r in rows)
    assert runner.invoke(args=["dedup", "scan", "--since", "kemarin"]).exit_code != 0


def test_scan_second_pass_scores_records_linked_through_a_common_record(make_person, session_ctx):
    """A nickname-only record and the real name share no key; both meet the record that carries
    the nickname as alias, so the scan's closure pass scores them too."""
    import re

    from app.services.candidates import closure_pairs  # noqa: F401  (the pass under test)

    nick, name = letters(), letters()
    a = make_person(nama=nick.capitalize(), tahun_lahir=1980, jenis_kelamin="L")
    b = make_person(nama=f"Sutarman {name}", aliases=[nick.capitalize()], tahun_lahir=1980, jenis_kelamin="L")
    c = make_person(nama=f"Sutarman {name}", tahun_lahir=1981, jenis_kelamin="L")
    lines: list[str] = []
    with session_ctx() as s:
        from app.services.identity_keys import key_record, keys_for

        keys = {pid: keys_for(rec) for pid, rec in key_record(s, [a, b, c]).items()}
        assert not keys[a] & keys[c] and keys[a] & keys[b] and keys[b] & keys[c]
        dedup.scan_all(s, log=lines.append, workers=1)
        s.rollback()
    closure = [line for line in lines if line.startswith("closure:")]
    assert closure and int(re.search(r"closure: (\d+) pairs", closure[0]).group(1)) >= 1
