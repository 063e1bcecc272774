"""Finding the same person again: real-time candidate check, batch scan, review queue.

Both paths build `PersonRecord`s with `load_records` and score them with
`matching.score_features` on `matching.features`, so a pair always gets the
same score in the intake screen, the import and the scan.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select

from app.models import CandidatePair, DedupScan, Encounter, MatchKey, Person, PersonAlias, Wilayah
from app.models.base import now_local
from app.services.identity_keys import keys_for
from app.services.matching import MatchModel, PersonRecord, features, score_features
from app.services.scope import Scope, person_clause

MAX_CANDIDATES = 400  # persons scored per real-time check (smallest blocks first)


def model() -> MatchModel:
    """The matching model used by every path (the shipped default)."""
    return MatchModel.default()


# ----------------------------------------------------------------- records

def load_records(session, person_ids) -> dict[int, PersonRecord]:
    """Full PersonRecords (names, aliases, facts, encounter places and dates)."""
    ids = sorted({int(i) for i in person_ids})
    out: dict[int, PersonRecord] = {}
    for lo in range(0, len(ids), 900):
        chunk = ids[lo:lo + 900]
        aliases: dict[int, list[str]] = {}
        for pid, alias in session.execute(select(PersonAlias.person_id, PersonAlias.alias)
                                          .where(PersonAlias.person_id.in_(chunk))
                                          .order_by(PersonAlias.id)):
            aliases.setdefault(pid, []).append(alias)
        places: dict[int, list] = {}
        for pid, kel, waktu in session.execute(
                select(Encounter.person_id, Encounter.kelurahan_kode, Encounter.waktu)
                .where(Encounter.person_id.in_(chunk), Encounter.is_archived.is_(False))):
            places.setdefault(pid, []).append((kel, waktu))
        for p in session.execute(select(Person).where(Person.id.in_(chunk))).scalars():
            out[p.id] = record_of(p, aliases.get(p.id, ()), places.get(p.id, ()))
    return out


def record_of(p, aliases, places) -> PersonRecord:
    kels = sorted({k for k, _ in places if k} | ({p.kelurahan_kode} if p.kelurahan_kode else set()))
    return PersonRecord(
        id=p.id, nama=p.nama or "", aliases=tuple(aliases), nik=p.nik, no_kk=p.no_kk,
        jenis_kelamin=p.jenis_kelamin or "U", tanggal_lahir=p.tanggal_lahir,
        tahun_lahir=p.tahun_lahir, tahun_lahir_perkiraan=bool(p.tahun_lahir_perkiraan),
        nama_ibu=p.nama_ibu, asal_wilayah_kode=p.asal_wilayah_kode, kelurahan_kodes=tuple(kels),
        encounter_dates=tuple(sorted({w.date() for _, w in places if w})),
    )


def record_from_data(data: dict, today: dt.date | None = None) -> PersonRecord:
    """A PersonRecord from what the operator typed (intake form / API / import row)."""
    from app.services.intake import split_aliases

    today = today or now_local().date()
    birth = data.get("tanggal_lahir")
    if isinstance(birth, dt.datetime):
        birth = birth.date()
    if not isinstance(birth, dt.date):
        birth = None
    year, estimated = data.get("tahun_lahir"), bool(data.get("tahun_lahir_perkiraan"))
    try:
        year = int(year) if year not in (None, "") else None
        if year is None and data.get("perkiraan_umur") not in (None, ""):
            year, estimated = today.year - int(data["perkiraan_umur"]), True
    except (TypeError, ValueError):
        year = None
    kel = data.get("kelurahan_kode") or data.get("domisili_kelurahan_kode")
    return PersonRecord(
        id="baru", nama=(data.get("nama") or "").strip(), aliases=tuple(split_aliases(data.get("aliases"))),
        nik=(str(data["nik"]).replace(" ", "") if data.get("nik") else None),
        no_kk=(str(data["no_kk"]).replace(" ", "") if data.get("no_kk") else None),
        jenis_kelamin=data.get("jenis_kelamin") or "U", tanggal_lahir=birth, tahun_lahir=year,
        tahun_lahir_perkiraan=estimated, nama_ibu=data.get("nama_ibu") or None,
        asal_wilayah_kode=data.get("asal_wilayah_kode") or None,
        kelurahan_kodes=(kel,) if kel else (),
    )


def place_names(session, records) -> dict[str, str]:
    codes = {k for r in records for k in r.kelurahan_kodes if k}
    if not codes:
        return {}
    return dict(session.execute(select(Wilayah.kode, Wilayah.nama).where(Wilayah.kode.in_(codes))).all())


# ----------------------------------------------------------------- real-time check

@dataclass
class Candidate:
    person_id: int
    nama: str
    score: float
    probability: float
    decisive: bool
    level: str  # "pasti" (same NIK) / "kuat" / "mungkin"
    reasons: list[str]
    photo: str | None = None
    aliases: list[str] = field(default_factory=list)
    last_encounter: dt.datetime | None = None
    last_place: str | None = None

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d["last_encounter"] = self.last_encounter.isoformat() if self.last_encounter else None
        return d


def candidate_ids(session, rec: PersonRecord, limit: int = MAX_CANDIDATES) -> set[int]:
    """Persons sharing a blocking key with `rec`, taking the smallest blocks first."""
    keys = list(keys_for(rec))
    if not keys:
        return set()
    counts = dict(session.execute(select(MatchKey.key, func.count()).where(MatchKey.key.in_(keys))
                                  .group_by(MatchKey.key)).all())
    out: set[int] = set()
    for key in sorted(counts, key=counts.get):
        if out and len(out) + counts[key] > limit:
            break
        out.update(session.scalars(select(MatchKey.person_id).where(MatchKey.key == key)))
    return out


def find_candidates(session, person_data: dict | PersonRecord, scope: Scope, limit: int = 5,
                    exclude_ids=(), min_score: float | None = None) -> list[Candidate]:
    """Likely and possible existing persons for what was typed, best first.

    Only persons the user may see are returned; a same-valid-NIK match is
    `decisive` and always first.
    """
    rec = person_data if isinstance(person_data, PersonRecord) else record_from_data(person_data)
    ids = candidate_ids(session, rec) - {int(i) for i in exclude_ids}
    if not ids:
        return []
    visible = set(session.scalars(select(Person.id).where(Person.id.in_(ids), person_clause(scope))))
    records = load_records(session, visible)
    m = model()
    names = place_names(session, [rec, *records.values()])
    fa = features(rec)
    threshold = m.review_threshold if min_score is None else min_score
    scored = []
    for pid, other in records.items():
        res = score_features(fa, features(other), m, names)
        if res.decisive or res.score >= threshold:
            scored.append((pid, res))
    scored.sort(key=lambda t: (not t[1].decisive, -t[1].score))
    scored = scored[:limit]
    return [_candidate(session, pid, res, m) for pid, res in scored]


def _candidate(session, pid, res, m) -> Candidate:
    p = session.get(Person, pid)
    last = session.execute(
        select(Encounter.waktu, Encounter.lokasi, Wilayah.nama)
        .outerjoin(Wilayah, Wilayah.kode == Encounter.kelurahan_kode)
        .where(Encounter.person_id == pid, Encounter.is_archived.is_(False))
        .order_by(Encounter.waktu.desc()).limit(1)).first()
    level = "pasti" if res.decisive else ("kuat" if res.score >= m.likely_threshold else "mungkin")
    return Candidate(
        person_id=pid, nama=p.display_name, score=round(res.score, 2),
        probability=round(res.probability, 4), decisive=res.decisive, level=level,
        reasons=list(res.reasons), photo=p.photo, aliases=[a.alias for a in p.aliases],
        last_encounter=last.waktu if last else None,
        last_place=", ".join(x for x in (last.lokasi, last.nama) if x) if last else None,
    )


# ----------------------------------------------------------------- review queue

def ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def upsert_pair(session, a: int, b: int, score: float, probability: float | None, reasons,
                source: str) -> CandidatePair | None:
    """Queue a pair unless it is already queued or decided (decided pairs are never re-suggested)."""
    a, b = ordered(a, b)
    pair = session.scalar(select(CandidatePair).where(CandidatePair.person_a_id == a,
                                                      CandidatePair.person_b_id == b))
    if pair is not None:
        if pair.status == "baru":
            pair.score, pair.probability = score, probability
            pair.reasons = json.dumps(list(reasons), ensure_ascii=False)
        return None
    pair = CandidatePair(person_a_id=a, person_b_id=b, score=score, probability=probability,
                         reasons=json.dumps(list(reasons), ensure_ascii=False), status="baru",
                         source=source)
    session.add(pair)
    return pair


def decide(session, pair: CandidatePair, status: str, user_id: int | None, note: str | None) -> None:
    if status not in ("sama", "berbeda", "tunda", "baru"):
        raise ValueError("Keputusan tidak dikenal.")
    from app.services import audit

    old = pair.status
    pair.status, pair.decided_by_id, pair.decided_at = status, user_id, now_local()
    pair.note = (note or "").strip() or None
    audit.record(session, "review", "candidate_pair", pair.id,
                 {"status": [old, status], "note": [None, pair.note]})


def pair_reasons(pair: CandidatePair) -> list[str]:
    try:
        return json.loads(pair.reasons or "[]")
    except ValueError:
        return []


def queue_query(scope: Scope, status: str | None = "baru", kecamatan: str | None = None,
                since: dt.date | None = None, until: dt.date | None = None):
    """Review-queue pairs whose two persons are both visible to the user, best score first."""
    from sqlalchemy.orm import aliased

    pa, pb = aliased(Person), aliased(Person)
    q = (select(CandidatePair, pa, pb)
         .join(pa, pa.id == CandidatePair.person_a_id).join(pb, pb.id == CandidatePair.person_b_id)
         .where(_visible(pa, scope), _visible(pb, scope)))
    if status:
        q = q.where(CandidatePair.status == status)
    if kecamatan:
        q = q.where(or_(pa.kecamatan_kode == kecamatan, pb.kecamatan_kode == kecamatan))
    if since:
        q = q.where(CandidatePair.created_at >= dt.datetime.combine(since, dt.time()))
    if until:
        q = q.where(CandidatePair.created_at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    return q.order_by(CandidatePair.score.desc(), CandidatePair.id)


def _visible(alias, scope: Scope):
    from app.services.scope import area_clause

    return and_(area_clause(scope, alias.kecamatan_kode, alias.kelurahan_kode),
                alias.merged_into_id.is_(None), alias.is_archived.is_(False))


# ----------------------------------------------------------------- batch scan

def scan(session, since: dt.datetime | None = None, progress=None, batch: int = 500) -> DedupScan:
    """Compare every live person (or those changed since `since`) with its candidates.

    Uses the same key table and scoring as `find_candidates`; writes new pairs
    with status "baru" and never re-suggests decided pairs.
    """
    run = DedupScan(started_at=now_local(), since=since, persons=0, pairs_new=0)
    session.add(run)
    q = select(Person.id).where(Person.merged_into_id.is_(None), Person.is_archived.is_(False))
    if since is not None:
        changed_alias = select(PersonAlias.person_id).where(PersonAlias.updated_at >= since)
        changed_enc = select(Encounter.person_id).where(Encounter.updated_at >= since)
        q = q.where(or_(Person.updated_at >= since, Person.id.in_(changed_alias), Person.id.in_(changed_enc)))
    ids = list(session.scalars(q.order_by(Person.id)))
    decided = {(a, b) for a, b in session.execute(select(CandidatePair.person_a_id, CandidatePair.person_b_id)
                                                  .where(CandidatePair.status != "baru"))}
    m = model()
    everyone = Scope.everything()
    seen: set[tuple[int, int]] = set()
    for lo in range(0, len(ids), batch):
        chunk = ids[lo:lo + batch]
        recs = load_records(session, chunk)
        cands = {pid: _scan_candidates(session, recs[pid], everyone) for pid in chunk if pid in recs}
        wanted = set().union(*cands.values()) - recs.keys() if cands else set()
        recs.update(load_records(session, wanted))
        names = place_names(session, recs.values())
        for pid, cand in cands.items():
            fa = features(recs[pid])
            for cand_id in cand:
                key = ordered(pid, cand_id)
                if cand_id == pid or key in decided or key in seen or cand_id not in recs:
                    continue
                seen.add(key)
                res = score_features(fa, features(recs[cand_id]), m, names)
                if res.decisive or res.score >= m.review_threshold:
                    if upsert_pair(session, pid, cand_id, res.score, res.probability, res.reasons, "scan"):
                        run.pairs_new += 1
            run.persons += 1
        session.flush()
        if progress:
            progress(len(chunk))
    run.finished_at = now_local()
    return run


def _scan_candidates(session, rec, scope) -> set[int]:
    ids = candidate_ids(session, rec)
    if not ids:
        return set()
    return set(session.scalars(select(Person.id).where(Person.id.in_(ids), person_clause(scope))))


def last_scan_start(session) -> dt.datetime | None:
    return session.scalar(select(func.max(DedupScan.started_at)).where(DedupScan.finished_at.is_not(None)))


# ----------------------------------------------------------------- proof of repeats

def frequent_persons(session, scope: Scope, since: dt.date | None = None, until: dt.date | None = None,
                     kecamatan: str | None = None, limit: int = 50) -> list:
    """Most frequently met persons ("sering terjaring"): (Person, count, first, last), visible only."""
    from app.services.scope import encounter_clause

    q = (select(Encounter.person_id, func.count().label("n"), func.min(Encounter.waktu).label("first"),
                func.max(Encounter.waktu).label("last"))
         .join(Person, Person.id == Encounter.person_id)
         .where(encounter_clause(scope), person_clause(scope)))
    if since:
        q = q.where(Encounter.waktu >= dt.datetime.combine(since, dt.time()))
    if until:
        q = q.where(Encounter.waktu < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    if kecamatan:
        q = q.where(Encounter.kecamatan_kode == kecamatan)
    rows = session.execute(q.group_by(Encounter.person_id).having(func.count() > 1)
                           .order_by(func.count().desc(), Encounter.person_id).limit(limit)).all()
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_([r.person_id for r in rows])))}
    back = returners(session, [r.person_id for r in rows])
    return [(persons[r.person_id], r.n, r.first, r.last, back.get(r.person_id)) for r in rows]


def returners(session, person_ids) -> dict[int, str]:
    """Why each person counts as a returner: met again after a service, or after the first month."""
    ids = list(person_ids)
    out: dict[int, str] = {}
    if not ids:
        return out
    for pid, first, last in session.execute(
            select(Encounter.person_id, func.min(Encounter.waktu), func.max(Encounter.waktu))
            .where(Encounter.person_id.in_(ids), Encounter.is_archived.is_(False))
            .group_by(Encounter.person_id)):
        if first and last and last - first > dt.timedelta(days=30):
            out[pid] = "terjaring lagi setelah bulan pertama"
    try:
        from app.models.casework import Case, ServiceDelivery
    except ImportError:  # casework not installed
        return out
    served = session.execute(
        select(Case.person_id, func.min(ServiceDelivery.tanggal))
        .join(ServiceDelivery, ServiceDelivery.case_id == Case.id)
        .where(Case.person_id.in_(ids)).group_by(Case.person_id)).all()
    for pid, first_service in served:
        later = session.scalar(select(func.count()).select_from(Encounter).where(
            Encounter.person_id == pid, Encounter.is_archived.is_(False),
            Encounter.waktu > dt.datetime.combine(first_service, dt.time(23, 59))))
        if later:
            out[pid] = "terjaring lagi setelah mendapat layanan"
    return out


def search_encounters(session, scope: Scope, *, kelurahan: str | None = None, kecamatan: str | None = None,
                      lokasi: str | None = None, since: dt.date | None = None, until: dt.date | None = None,
                      limit: int = 200) -> list:
    """Encounters by place and date range (visible only), newest first: (Encounter, kelurahan name)."""
    from app.services.scope import encounter_clause

    q = (select(Encounter, Wilayah.nama).outerjoin(Wilayah, Wilayah.kode == Encounter.kelurahan_kode)
         .join(Person, Person.id == Encounter.person_id)
         .where(encounter_clause(scope), Person.merged_into_id.is_(None)))
    if kelurahan:
        q = q.where(Encounter.kelurahan_kode == kelurahan)
    if kecamatan:
        q = q.where(Encounter.kecamatan_kode == kecamatan)
    if lokasi:
        q = q.where(func.lower(Encounter.lokasi).contains(lokasi.strip().lower()))
    if since:
        q = q.where(Encounter.waktu >= dt.datetime.combine(since, dt.time()))
    if until:
        q = q.where(Encounter.waktu < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    return session.execute(q.order_by(Encounter.waktu.desc(), Encounter.id.desc()).limit(limit)).all()


def gate_new_person(session, person_data: dict, encounter_data: dict | None, scope: Scope,
                    confirm_new: bool) -> dict | None:
    """Search-before-create for the API: None to go ahead, else a 409 body with candidates.

    A same-NIK match is left to the intake door, which refuses it (422); fuzzy
    matches answer 409 with the candidates unless the client sends confirm_new.
    """
    data = dict(person_data)
    if encounter_data and encounter_data.get("kelurahan_kode"):
        data.setdefault("kelurahan_kode", encounter_data["kelurahan_kode"])
    found = find_candidates(session, data, scope)
    if any(c.decisive for c in found):
        return None  # intake refuses a second person with the same NIK (422 naming the existing one)
    if found and not confirm_new:
        return {"message": "Ada data yang mirip. Periksa kandidat; kirim ulang dengan \"confirm_new\": true "
                           "jika memang orang baru.", "candidates": [c.as_dict() for c in found]}
    return None


def queue_candidates(session, person_id: int, candidates, source: str) -> int:
    """Put a confirmed-new person and its near matches into the review queue."""
    n = 0
    for c in candidates:
        if c.person_id != person_id and upsert_pair(session, person_id, c.person_id, c.score,
                                                    c.probability, c.reasons, source):
            n += 1
    return n
