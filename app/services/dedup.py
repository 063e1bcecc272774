"""Finding the same person again: real-time candidate check, batch scan, review queue.

Every path scores `matching.features` with `matching.score_features` (or its
batch twin), so a pair always gets the same score in the intake screen, the
import and the scan. The real-time check and `--since` read the candidates'
features precomputed (`feature_store`); the full scan builds them from
`iter_records`.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from dataclasses import dataclass, field

from sqlalchemy import and_, func, literal, or_, select

from app.models import CandidatePair, DedupScan, Encounter, Person, PersonAlias, Wilayah
from app.models.base import now_local
from app.services import bulk_rows, feature_store
from app.services.identity_keys import keys_for
from app.services.key_lookup import block_heads, candidate_subquery, key_counts, key_members
from app.services.matching import Features, MatchModel, PersonRecord, features, score_features
from app.services.scope import Scope, person_clause

MAX_CANDIDATES = 400  # persons scored per real-time check (smallest blocks first)


MODEL_PATH = None  # set at app start: <instance>/match_model.json (written by `flask dedup train`)
_loaded: dict = {}


def model() -> MatchModel:
    """The matching model used by every path: the trained one in MODEL_PATH when present, else the default."""
    from pathlib import Path

    path = Path(MODEL_PATH) if MODEL_PATH else None
    if path is not None and path.is_file():
        stamp = (str(path), path.stat().st_mtime_ns)
        if _loaded.get("stamp") != stamp:
            _loaded.update(stamp=stamp, model=MatchModel.load(path))
        return _loaded["model"]
    return MatchModel.default()


def train(session, max_records: int = 200_000, max_pairs: int = 300_000, seed: int = 0, log=None):
    """Learn from the registry (EM on blocked pairs) and from reviewers' decisions.

    Returns (model, records used, decided pairs used). The caller saves it to MODEL_PATH.
    """
    import random

    from app.services.candidates import candidate_pairs, prepare
    from app.services.matching import train_em, update_from_decisions

    say = log or (lambda msg: None)
    records = []
    for rec in iter_records(session):
        records.append(rec)
        if len(records) >= max_records:
            break
    ia, ib, _ = candidate_pairs(prepare(records))
    pairs = list(zip(ia.tolist(), ib.tolist()))
    if len(pairs) > max_pairs:
        pairs = random.Random(seed).sample(pairs, max_pairs)
    say(f"EM on {len(records)} records, {len(pairs)} candidate pairs")
    trained = train_em(records, [(records[i].id, records[j].id) for i, j in pairs], model=MatchModel.default(),
                       seed=seed)
    decided = session.execute(select(CandidatePair.person_a_id, CandidatePair.person_b_id, CandidatePair.status)
                              .where(CandidatePair.status.in_(("sama", "berbeda")))).all()
    recs = load_records(session, {x for a, b, _ in decided for x in (a, b)})
    labelled = [(recs[a], recs[b], status == "sama") for a, b, status in decided if a in recs and b in recs]
    if labelled:
        trained = update_from_decisions(trained, labelled)
    say(f"{len(labelled)} reviewer decisions blended in")
    return trained, len(records), len(labelled)


# ----------------------------------------------------------------- records

_PERSON_COLS = (Person.id, Person.nama, Person.nik, Person.no_kk, Person.jenis_kelamin, Person.tanggal_lahir,
                Person.tahun_lahir, Person.tahun_lahir_perkiraan, Person.nama_ibu, Person.asal_wilayah_kode,
                Person.kelurahan_kode)


def _aliases_and_places(session, persons, dates: bool) -> tuple[dict[int, list[str]], dict[int, list]]:
    """Aliases and live-encounter (kelurahan, waktu) places of the persons that
    `persons(person_id_column)` selects; without `dates` one row per kelurahan."""
    aliases: dict[int, list[str]] = {}
    for pid, alias in session.execute(select(PersonAlias.person_id, PersonAlias.alias)
                                      .where(persons(PersonAlias.person_id)).order_by(PersonAlias.id)):
        aliases.setdefault(pid, []).append(alias)
    places: dict[int, list] = {}
    if dates:
        q = select(Encounter.person_id, Encounter.kelurahan_kode, Encounter.waktu)
    else:
        q = select(Encounter.person_id, Encounter.kelurahan_kode, literal(None)).distinct()
    for pid, kel, waktu in session.execute(
            q.where(persons(Encounter.person_id), Encounter.is_archived.is_(False))):
        places.setdefault(pid, []).append((kel, waktu))
    return aliases, places


def load_records(session, person_ids, where=None, dates: bool = True, chunk_size: int = 900
                 ) -> dict[int, PersonRecord]:
    """Full PersonRecords (names, aliases, facts, encounter places and dates).

    Three column-only queries per `chunk_size` ids (persons, aliases, encounters);
    `where` is an extra clause on Person (e.g. the user's scope); ``dates=False``
    reads only the distinct encounter kelurahan (all the scorer uses).
    """
    ids = sorted({int(i) for i in person_ids})
    out: dict[int, PersonRecord] = {}
    for lo in range(0, len(ids), chunk_size):
        chunk = ids[lo:lo + chunk_size]
        q = select(*_PERSON_COLS).where(Person.id.in_(chunk))
        if where is not None:
            q = q.where(where)
        persons = session.execute(q).all()
        if not persons:
            continue
        chunk = [p.id for p in persons]
        aliases, places = _aliases_and_places(session, lambda col: col.in_(chunk), dates)
        for p in persons:
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


PLACE_NAMES_TTL = 60.0  # seconds a process keeps the kelurahan names (master data, rarely edited)
_place_cache: dict = {}


def feature_place_names(session, feats) -> dict[str, str]:
    """Kelurahan names (code -> name) for the reasons of `Features`.

    All kelurahan of the database, read at most once a minute per process
    (the real-time check would otherwise spend a round trip on them).
    """
    import time

    if not any(f.kelurahan for f in feats):
        return {}
    bind = session.get_bind()
    at, names = _place_cache.get(id(bind), (None, None))
    if at is None or time.monotonic() - at > PLACE_NAMES_TTL:
        names = dict(session.execute(select(Wilayah.kode, Wilayah.nama).where(Wilayah.level == "kelurahan")).all())
        _place_cache[id(bind)] = (time.monotonic(), names)
    return names


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


def chosen_keys(keys, counts: dict[str, int], limit: int) -> list[str]:
    """The record's blocks to read: smallest first while their sizes add up to at most `limit`
    (the first always, so at most that first one is a giant block)."""
    chosen, total = [], 0
    for key in sorted((k for k in keys if k in counts), key=lambda k: (counts[k], k)):
        if chosen and total + counts[key] > limit:
            break
        chosen.append(key)
        total += counts[key]
    return chosen


def candidate_features(session, fa: Features, where=None, limit: int = MAX_CANDIDATES) -> dict[int, Features]:
    """Stored features of `candidate_ids(fa)` that match `where`: two statements.

    The block counts, then the chosen blocks' members (capped as in
    `candidate_ids_many`) joined to their persons and stored features.
    """
    keys = keys_for(fa)
    counts = key_counts(session, keys, limit + 1)
    chosen = chosen_keys(keys, counts, limit)
    if not chosen:
        return {}
    giant = chosen[0] if counts[chosen[0]] > limit else None
    small = [k for k in chosen if k != giant]
    return feature_store.load(session, (), where=where, among=candidate_subquery(session, small, giant, limit))


def candidate_ids(session, rec: PersonRecord | Features, limit: int = MAX_CANDIDATES) -> set[int]:
    """Persons sharing a blocking key with `rec`, taking the smallest blocks first.

    Block sizes are counted with a cap (a giant block of a common name costs
    no more than `limit` index entries); at most `limit` persons are returned.
    """
    return candidate_ids_many(session, {0: rec}, limit)[0]


def candidate_ids_many(session, recs: dict, limit: int = MAX_CANDIDATES) -> dict:
    """`candidate_ids` of many records: one count, one member and one giant-block statement per 5,000 keys.

    Each record takes its smallest blocks first until `limit` persons; a record
    whose smallest block is already larger gets the first `limit` persons of it.
    """
    from collections import defaultdict

    keys_of = {rid: keys_for(rec) for rid, rec in recs.items()}
    all_keys = sorted(set().union(*keys_of.values())) if keys_of else []
    counts: dict[str, int] = {}
    for lo in range(0, len(all_keys), 5000):
        counts.update(key_counts(session, all_keys[lo:lo + 5000], limit + 1))
    chosen_of, small, big = {}, set(), set()
    for rid, keys in keys_of.items():
        chosen_of[rid] = chosen = chosen_keys(keys, counts, limit)
        for key in chosen:
            (big if counts[key] > limit else small).add(key)
    members: dict[str, list[int]] = defaultdict(list)
    small_keys = sorted(small)
    for lo in range(0, len(small_keys), 5000):
        members.update(key_members(session, small_keys[lo:lo + 5000]))
    members.update(block_heads(session, big, limit))
    out = {}
    for rid, chosen in chosen_of.items():
        ids: set[int] = set()
        for key in chosen:
            ids.update(members[key])
        out[rid] = ids if len(ids) <= limit else set(sorted(ids)[:limit])
    return out


def find_candidates(session, person_data: dict | PersonRecord, scope: Scope, limit: int = 5,
                    exclude_ids=(), min_score: float | None = None) -> list[Candidate]:
    """Likely and possible existing persons for what was typed, best first.

    Only persons the user may see are returned; a same-valid-NIK match is
    `decisive` and always first.
    """
    rec = person_data if isinstance(person_data, PersonRecord) else record_from_data(person_data)
    fa = features(rec)
    found = candidate_features(session, fa, where=person_clause(scope))
    for pid in exclude_ids:
        found.pop(int(pid), None)
    if not found:
        return []
    import numpy as np

    from app.services.matching import score_batch

    m = model()
    threshold = m.review_threshold if min_score is None else min_score
    order = list(found)
    scores = score_batch([fa, *found.values()], np.zeros(len(order), np.int64), np.arange(1, len(order) + 1), m)
    scored = [(order[k], score_features(fa, found[order[k]], m, explain=False))
              for k in np.flatnonzero(scores >= threshold).tolist()]
    scored.sort(key=lambda t: (not t[1].decisive, -t[1].score, t[0]))
    top = [pid for pid, _ in scored[:limit]]
    names = feature_place_names(session, [fa, *(found[pid] for pid in top)])
    results = [(pid, score_features(fa, found[pid], m, names)) for pid in top]
    return _candidates(session, results, m)


def _candidates(session, results, m) -> list[Candidate]:
    """Display details (photo, aliases, last encounter) of the top candidates in three queries."""
    return candidates_many(session, {0: results}, m).get(0, [])


def persons_aliases_last(session, ids, persons: dict, aliases: dict, last: dict) -> None:
    """Name and photo, aliases (in order) and last live encounter (time, place, kelurahan name)
    of these persons, in one statement (a UNION ALL of the three row kinds)."""
    from sqlalchemy import DateTime, String, cast, null, union_all

    none_at, none_text = cast(null(), DateTime), cast(null(), String)
    rows = session.execute(union_all(
        select(literal("p"), Person.id, Person.nama, Person.photo, none_at, literal(0)).where(Person.id.in_(ids)),
        select(literal("a"), PersonAlias.person_id, PersonAlias.alias, none_text, none_at, PersonAlias.id)
        .where(PersonAlias.person_id.in_(ids)),
        select(literal("e"), Encounter.person_id, Encounter.lokasi, Wilayah.nama, Encounter.waktu, Encounter.id)
        .outerjoin(Wilayah, Wilayah.kode == Encounter.kelurahan_kode)
        .where(Encounter.person_id.in_(ids), Encounter.is_archived.is_(False)))).all()
    for kind, pid, text_a, text_b, waktu, row_id in sorted(rows, key=lambda r: (r[0], r[1], r[5])):
        if kind == "p":
            persons[pid] = (text_a, text_b)
        elif kind == "a":
            aliases.setdefault(pid, []).append(text_a)
        elif pid not in last or (waktu, row_id) > last[pid][3:]:
            last[pid] = (waktu, text_a, text_b, waktu, row_id)


def candidates_many(session, results_of: dict, m) -> dict:
    """`Candidate`s for many checks at once: {key: [(person_id, MatchResult)]} -> {key: [Candidate]}."""
    ids = sorted({pid for results in results_of.values() for pid, _ in results})
    persons, aliases, last = {}, {}, {}
    for lo in range(0, len(ids), 900):
        persons_aliases_last(session, ids[lo:lo + 900], persons, aliases, last)
    out = {}
    for key, results in results_of.items():
        out[key] = []
        for pid, res in results:
            (nama, photo), enc = persons[pid], last.get(pid)
            level = "pasti" if res.decisive else ("kuat" if res.score >= m.likely_threshold else "mungkin")
            out[key].append(Candidate(
                person_id=pid, nama=nama or (f'"{aliases[pid][0]}"' if aliases.get(pid) else "(tanpa nama)"),
                score=round(res.score, 2), probability=round(res.probability, 4), decisive=res.decisive,
                level=level, reasons=list(res.reasons), photo=photo, aliases=aliases.get(pid, []),
                last_encounter=enc[0] if enc else None,
                last_place=", ".join(x for x in (enc[1], enc[2]) if x) if enc else None))
    return out


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


@functools.cache
def _pair_persons():
    """The two aliases of Person in queue statements, made once: building an aliased class
    costs milliseconds, and the same aliases keep the statement's compiled-cache key stable."""
    from sqlalchemy.orm import aliased

    return aliased(Person, name="person_a"), aliased(Person, name="person_b")


def queue_query(scope: Scope, status: str | None = "baru", kecamatan: str | None = None,
                since: dt.date | None = None, until: dt.date | None = None, *, dates_selective: bool = True):
    """Review-queue pairs whose two persons are both visible to the user, best score first.

    With a date filter, ``dates_selective`` tells which index drives the query (see
    `queue_page`): the pair-creation index (then the score order is kept off its index,
    ``score + 0``) or the score-ordered queue index (then the date is kept off its index).
    The planners guess this wrong both ways: status and creation date are correlated.
    """
    pa, pb = _pair_persons()
    q = (select(CandidatePair, pa, pb)
         .join(pa, pa.id == CandidatePair.person_a_id).join(pb, pb.id == CandidatePair.person_b_id)
         .where(_visible(pa, scope), _visible(pb, scope)))
    if status:
        q = q.where(CandidatePair.status == status)
    if kecamatan:
        q = q.where(or_(pa.kecamatan_kode == kecamatan, pb.kecamatan_kode == kecamatan))
    score, created = CandidatePair.score, CandidatePair.created_at
    if since or until:
        if dates_selective:
            score = score + 0
        else:
            created = func.coalesce(created, created)
    for clause in _created_between(created, since, until):
        q = q.where(clause)
    return q.order_by(score.desc(), CandidatePair.id)


def _created_between(col, since: dt.date | None, until: dt.date | None) -> list:
    out = []
    if since:
        out.append(col >= dt.datetime.combine(since, dt.time()))
    if until:
        out.append(col < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    return out


DATE_PROBE = 10_000  # pairs: below this a date filter is selective enough to drive the query


def queue_page(session, scope: Scope, status: str = "baru", kecamatan: str | None = None,
               since: dt.date | None = None, until: dt.date | None = None, page: int = 0, size: int = 25) -> list:
    """One page of the review queue, ``(pair, person_a, person_b)`` rows.

    A date filter that matches few pairs is looked up through ``ix_candidate_pair_created``;
    one that matches many is applied while reading the queue in score order. Either plan alone
    is slow for the other case (SQLite sorted 2.4 M matching pairs for 8.7 s, or read the
    whole queue for 4.7 s to find none); a bounded count through the index picks the plan.
    """
    selective = True
    if since or until:
        probe = select(CandidatePair.id).where(CandidatePair.status == status,
                                               *_created_between(CandidatePair.created_at, since, until))
        found = session.scalar(select(func.count()).select_from(probe.limit(DATE_PROBE).subquery()))
        selective = found < DATE_PROBE
    q = queue_query(scope, status, kecamatan, since, until, dates_selective=selective)
    return session.execute(q.offset(page * size).limit(size)).all()


def open_pairs_of(session, person_ids, scope: Scope, *, exclude_pair_id: int | None = None,
                  limit: int = 10) -> list:
    """Open queue pairs involving any of the persons, best first, as plain rows
    ``(id, score, person_a_id, person_a_name, person_b_id, person_b_name)``.

    The person page lists a person's probable duplicates; the review screen lists the
    other pairs of the two persons it shows (a person met six times is up to fifteen
    pairs: the reviewer sees them together). Columns only (loading the persons as
    entities ran their alias and PPKS-type loads), from one statement per scope built
    once (building it cost more than running it).
    """
    rows = session.execute(_open_pairs_statement(scope),
                           {"ids": list(person_ids), "skip": exclude_pair_id or 0, "n": limit})
    return rows.all()


@functools.lru_cache(maxsize=256)
def _open_pairs_statement(scope: Scope):
    from sqlalchemy import bindparam

    pa, pb = _pair_persons()
    ids = bindparam("ids", expanding=True)
    return (queue_query(scope, "baru")
            .where(or_(CandidatePair.person_a_id.in_(ids), CandidatePair.person_b_id.in_(ids)),
                   CandidatePair.id != bindparam("skip"))
            .with_only_columns(CandidatePair.id, CandidatePair.score, pa.id, _shown_name(pa), pb.id, _shown_name(pb))
            .limit(bindparam("n")))


def _shown_name(alias):
    """`Person.display_name` in SQL: the name, else the first alias in quotes."""
    first_alias = (select(PersonAlias.alias).where(PersonAlias.person_id == alias.id)
                   .order_by(PersonAlias.id).limit(1).scalar_subquery())
    return func.coalesce(alias.nama, literal('"') + first_alias + literal('"'), literal("(tanpa nama)"))


def _visible(alias, scope: Scope):
    from app.services.scope import area_clause

    return and_(area_clause(scope, alias.kecamatan_kode, alias.kelurahan_kode),
                alias.merged_into_id.is_(None), alias.is_archived.is_(False))


# ----------------------------------------------------------------- batch scan

def scan(session, since: dt.datetime | None = None, progress=None, batch: int = 2000,
         workers: int | None = None) -> DedupScan:
    """Compare every live person (or those changed since `since`) with its candidates.

    A full scan (`since` None) runs in memory with `candidates.candidate_pairs`
    and `candidates.score_candidates` (see `scan_all`); `--since` checks only
    the changed persons against the key table, like the real-time check.
    Both write new pairs with status "baru" and never re-suggest decided pairs.
    """
    if since is None:
        return scan_all(session, progress=progress, workers=workers)
    run = DedupScan(started_at=now_local(), since=since, persons=0, pairs_new=0)
    session.add(run)
    ids = changed_person_ids(session, since)
    m = model()
    seen: set[tuple[int, int]] = set()
    for lo in range(0, len(ids), batch):
        chunk = ids[lo:lo + batch]
        n_new, n_checked = _scan_changed(session, chunk, m, seen)
        run.pairs_new += n_new
        run.persons += n_checked
        if progress:
            progress(len(chunk))
    session.flush()
    run.finished_at = now_local()
    return run


def _scan_changed(session, chunk, m, seen: set) -> tuple[int, int]:
    """Score changed persons against their key-table candidates; queue new pairs in bulk."""
    import numpy as np

    from app.services.candidates import score_candidates

    recs = feature_store.load(session, chunk)
    cands = candidate_ids_many(session, recs)
    wanted = set().union(*cands.values()) - recs.keys() if cands else set()
    recs.update(feature_store.load(session, wanted, where=_live(Person)))
    existing: dict[tuple[int, int], tuple[int, str]] = {}
    for ch in range(0, len(chunk), 2000):
        part = chunk[ch:ch + 2000]
        for pid, a, b, status in session.execute(
                select(CandidatePair.id, CandidatePair.person_a_id, CandidatePair.person_b_id, CandidatePair.status)
                .where(or_(CandidatePair.person_a_id.in_(part), CandidatePair.person_b_id.in_(part)))):
            existing[(a, b)] = (pid, status)
    pairs = []
    for pid, cand in cands.items():
        for cand_id in cand:
            key = ordered(pid, cand_id)
            if cand_id == pid or cand_id not in recs or key in seen:
                continue
            seen.add(key)
            if key in existing and existing[key][1] != "baru":
                continue  # decided pairs are never suggested again
            pairs.append(key)
    if not pairs:
        return 0, len(cands)
    order = sorted({x for pair in pairs for x in pair})
    index = {pid: i for i, pid in enumerate(order)}
    feats = [recs[pid] for pid in order]
    ia = np.array([index[a] for a, _ in pairs], dtype=np.int64)
    ib = np.array([index[b] for _, b in pairs], dtype=np.int64)
    si, sj, _ = score_candidates(feats, ia, ib, m, workers=1 if len(pairs) < 400_000 else None)
    names = feature_place_names(session, [feats[i] for i in set(si.tolist()) | set(sj.tolist())])
    now = now_local()
    inserts = []
    for x, y in zip(si.tolist(), sj.tolist()):
        a, b = order[x], order[y]
        res = score_features(feats[x], feats[y], m, names)
        reasons = json.dumps(list(res.reasons), ensure_ascii=False)
        if (a, b) in existing:
            pair = session.get(CandidatePair, existing[(a, b)][0])
            pair.score, pair.probability, pair.reasons = res.score, res.probability, reasons
        else:
            inserts.append((a, b, res.score, res.probability, reasons))
    _insert_scan_pairs(session, inserts, now)  # through the driver (COPY on PostgreSQL)
    return len(inserts), len(cands)


def _live(alias):
    return and_(alias.merged_into_id.is_(None), alias.is_archived.is_(False))


def _since_clause(session, col, since: dt.datetime):
    """`col >= since` that also holds for rows stored in other text formats on SQLite.

    Bulk-loaded SQLite rows carry '2026-11-01 08:00:00' (no microseconds, or a
    'T'), which a plain string comparison with SQLAlchemy's
    '2026-11-01 08:00:00.000000' gets wrong; compare as datetimes there.
    """
    if session.get_bind().dialect.name == "sqlite":
        return func.datetime(col) >= func.datetime(since.strftime("%Y-%m-%d %H:%M:%S"))
    return col >= since


def changed_person_ids(session, since: dt.datetime) -> list[int]:
    """Live persons whose record, aliases or encounters changed at or after `since`."""
    changed_alias = select(PersonAlias.person_id).where(_since_clause(session, PersonAlias.updated_at, since))
    changed_enc = select(Encounter.person_id).where(_since_clause(session, Encounter.updated_at, since))
    q = select(Person.id).where(_live(Person), or_(_since_clause(session, Person.updated_at, since),
                                                   Person.id.in_(changed_alias), Person.id.in_(changed_enc)))
    return list(session.scalars(q.order_by(Person.id)))


def iter_records(session, batch: int = 20000, dates: bool = True):
    """All live persons as PersonRecords, in id order, three column queries per id range.

    ``dates=False`` leaves out the encounter dates (the scorer does not use
    them) and reads only the distinct encounter kelurahan per person.
    """
    last = 0
    while True:
        persons = session.execute(select(*_PERSON_COLS).where(Person.id > last, _live(Person))
                                  .order_by(Person.id).limit(batch)).all()
        if not persons:
            return
        lo, hi = persons[0].id, persons[-1].id
        aliases, places = _aliases_and_places(session, lambda col: col.between(lo, hi), dates)
        for p in persons:
            yield record_of(p, aliases.get(p.id, ()), places.get(p.id, ()))
        last = hi


def scan_features(session, batch: int = 50_000):
    """(person id, Features) of every live person in id order, from the feature store where current.

    Rows written by other feature code, or missing, are built from the registry
    (`iter_records`' loaders), so a stale store is slower, never different.
    """
    from app.models import MatchFeature

    mf = MatchFeature.__table__
    current = feature_store.engine()
    raw = getattr(features, "__wrapped__", features)
    last = 0
    while True:
        rows = session.execute(select(Person.id, mf.c.engine, mf.c.data).outerjoin(mf, mf.c.person_id == Person.id)
                               .where(Person.id > last, _live(Person)).order_by(Person.id).limit(batch)).all()
        if not rows:
            return
        missing = [pid for pid, eng, _ in rows if eng != current]
        built = ({pid: raw(rec) for pid, rec in load_records(session, missing, dates=False, chunk_size=5000).items()}
                 if missing else {})
        for pid, eng, data in rows:
            yield pid, (feature_store.decode(data) if eng == current else built[pid])
        last = rows[-1][0]


def scan_params(n: int) -> dict:
    """Blocking caps for a registry of ``n`` persons.

    Up to 200,000 persons the quality-benchmark settings (compound blocks above
    300, sorted neighbourhood of 60 above 1,500); larger registries use
    tighter caps so the number of pairs grows linearly (measured recall in
    docs/performance.md, "Identity at scale").
    """
    if n <= 200_000:
        return dict(max_block=300, giant_block=1500, window=60)
    return dict(max_block=SCALE_MAX_BLOCK, giant_block=SCALE_GIANT_BLOCK, window=SCALE_WINDOW)


SCALE_MAX_BLOCK, SCALE_GIANT_BLOCK, SCALE_WINDOW = 50, 100, 10


def scan_all(session, progress=None, workers: int | None = None, log=None, params: dict | None = None) -> DedupScan:
    """Full scan in memory: stream records once, block with numpy, score in worker processes.

    Pairs already decided are dropped before scoring; queued ("baru") pairs get
    their score refreshed; the workers also build the kept pairs' reasons, and the parent writes
    each scored chunk's new pairs through the driver (COPY on PostgreSQL) while the workers go on.
    `progress(n)` is called per record loaded; `log(msg)` (optional) gets stage timings.
    With ``model().exclusivity`` the pairs to queue are chosen by the post-scoring
    exclusivity step instead (``_queue_exclusive``; docs/matching.md §3).
    A second blocking pass scores the pairs of records linked through a common record by
    scored edges >= review threshold - `CLOSURE_DROP` (`candidates.closure_pairs`: a
    nickname-only record and the real name, both met by a record carrying the nickname as alias).
    """
    import time

    import numpy as np

    from app.services.candidates import CLOSURE_DROP, candidate_pairs, closure_pairs, score_candidates

    t0 = time.perf_counter()
    say = log or (lambda msg: None)
    run = DedupScan(started_at=now_local(), since=None, persons=0, pairs_new=0)
    session.add(run)
    feats, id_list = [], []
    for pid, f in scan_features(session):
        feats.append(f)
        id_list.append(pid)
        if progress and len(feats) % 5000 == 0:
            progress(5000)
    if progress and len(feats) % 5000:
        progress(len(feats) % 5000)
    ids = np.array(id_list, dtype=np.int64)
    del id_list
    say(f"{len(feats)} records loaded and prepared in {time.perf_counter() - t0:.1f} s")
    ia, ib, _ = candidate_pairs(feats, workers=workers, **(params or scan_params(len(feats))))
    say(f"{len(ia)} candidate pairs at {time.perf_counter() - t0:.1f} s")
    pair_code = lambda a, b: (np.minimum(a, b) << 32) | np.maximum(a, b)  # noqa: E731
    existing = {}
    decided = []
    for pid, a, b, status in session.execute(select(CandidatePair.id, CandidatePair.person_a_id,
                                                    CandidatePair.person_b_id, CandidatePair.status)):
        if status == "baru":
            existing[(a << 32) | b] = pid
        else:
            decided.append((a << 32) | b)
    if decided and len(ia):
        keep = ~np.isin(pair_code(ids[ia], ids[ib]), np.array(decided, dtype=np.int64))
        ia, ib = ia[keep], ib[keep]
    m = model()
    stats: dict = {}
    names = dict(session.execute(select(Wilayah.kode, Wilayah.nama).where(Wilayah.level == "kelurahan")).all())
    table = CandidatePair.__table__
    now = now_local()
    updates: list[dict] = []
    kept = [0]

    def write(si, sj, scores, probs, reasons) -> None:  # one scored chunk, written while the workers go on
        inserts = []
        for a, b, score, prob, why in zip(ids[si].tolist(), ids[sj].tolist(), scores.tolist(), probs, reasons):
            a, b = (a, b) if a < b else (b, a)
            pid = existing.get((a << 32) | b)
            if pid is not None:
                updates.append({"pid": pid, "s": score, "p": prob, "r": why, "u": now})
            else:
                inserts.append((a, b, score, prob, why))
        _insert_scan_pairs(session, inserts, now)
        run.pairs_new += len(inserts)
        kept[0] += len(si)

    # pairwise scores down to the closure's edges (and the exclusivity step's near pairs)
    floor = m.review_threshold - CLOSURE_DROP
    if m.exclusivity:
        floor = min(floor, m.review_threshold + m.exclusivity["cut"])
    si, sj, sc = score_candidates(feats, ia, ib, m, min_score=floor, workers=workers, stats=stats)
    say(f"{len(si)} pairs at or above review {floor - m.review_threshold:+g} at {time.perf_counter() - t0:.1f} s")
    # second blocking pass: records linked through a common record (candidates.closure_pairs)
    ca, cb = closure_pairs(si, sj, sc, m.review_threshold - CLOSURE_DROP, exclude=(ia, ib))
    del ia, ib
    if decided and len(ca):
        keep = ~np.isin(pair_code(ids[ca], ids[cb]), np.array(decided, dtype=np.int64))
        ca, cb = ca[keep], cb[keep]
    closure_stats: dict = {}
    xi, xj, xs = score_candidates(feats, ca, cb, m, min_score=floor, workers=workers, stats=closure_stats)
    say(f"closure: {len(ca)} pairs of records linked through a common record, {len(xi)} at or above "
        f"review {floor - m.review_threshold:+g}, at {time.perf_counter() - t0:.1f} s")
    stats["scored"] = stats.get("scored", 0) + closure_stats.get("scored", 0)
    si, sj, sc = np.concatenate([si, xi]), np.concatenate([sj, xj]), np.concatenate([sc, xs])
    del ca, cb, xi, xj, xs
    if m.exclusivity:  # post-scoring step: the pairwise scores down to review + cut, adjusted together
        _queue_exclusive(feats, si, sj, sc, m, workers, names, write)
    else:  # the pairs at or above the review threshold, explained in the workers
        keep = np.flatnonzero(sc >= m.review_threshold)
        if len(keep):
            score_candidates(feats, si[keep], sj[keep], m, min_score=-np.inf, workers=workers, prefilter=False,
                             explain={"place_names": names}, sink=write)
    del si, sj, sc
    say(f"{stats.get('scored', 0)} pairs scored in full, {kept[0]} at or above the review threshold, "
        f"{run.pairs_new} new written, at {time.perf_counter() - t0:.1f} s")
    if updates:
        from sqlalchemy import bindparam, update

        session.execute(update(table).where(table.c.id == bindparam("pid"))
                        .values(score=bindparam("s"), probability=bindparam("p"), reasons=bindparam("r"),
                                updated_at=bindparam("u")).execution_options(synchronize_session=False),
                        updates)
    run.persons = len(feats)
    run.finished_at = now_local()
    session.flush()
    say(f"{run.pairs_new} new pairs written at {time.perf_counter() - t0:.1f} s")
    return run


def _queue_exclusive(feats, si, sj, sc, m: MatchModel, workers, names: dict, write) -> None:
    """The scan's exclusivity step (``match_batch.exclusivity_adjust``) and the writing of its pairs.

    ``(si, sj, sc)`` are all candidate pairs scoring >= ``review_threshold + cut``
    with their pairwise scores. The pairs whose *adjusted* score reaches the review
    threshold are queued, with their pairwise score, probability and reasons (what
    ``score_pair`` and the real-time check give), explained in the worker processes.
    """
    import numpy as np

    from app.services.candidates import score_candidates
    from app.services.match_batch import exclusivity_adjust, exclusivity_notes

    terms: dict = {}
    adjusted = exclusivity_adjust(si, sj, sc, m, terms)
    keep = np.flatnonzero(adjusted >= m.review_threshold)
    notes = {(a << 32) | b: note for a, b, note in zip(np.minimum(si[keep], sj[keep]).tolist(),
                                                        np.maximum(si[keep], sj[keep]).tolist(),
                                                        exclusivity_notes(sc, adjusted, terms, keep)) if note}
    si, sj = si[keep], sj[keep]
    del sc, keep, adjusted, terms

    def write_noted(ci, cj, scores, probs, reasons) -> None:  # the step's note joins the pairwise reasons
        reasons = list(reasons)
        for k, (a, b) in enumerate(zip(ci.tolist(), cj.tolist())):
            note = notes.get((min(a, b) << 32) | max(a, b))
            if note:
                reasons[k] = json.dumps([*json.loads(reasons[k]), note], ensure_ascii=False)
        write(ci, cj, scores, probs, reasons)

    if len(si):
        score_candidates(feats, si, sj, m, min_score=-np.inf, workers=workers, prefilter=False,
                         explain={"place_names": names}, sink=write_noted)


_PAIR_COLS = ("person_a_id", "person_b_id", "score", "probability", "reasons", "status", "source",
              "created_at", "updated_at")


def _insert_scan_pairs(session, rows: list[tuple], now: dt.datetime) -> None:
    """New scan pairs (a, b, score, probability, reasons JSON) through the driver: COPY on PostgreSQL."""
    if not rows:
        return
    session.flush()
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite DateTime format
        bulk_rows.insert_rows(conn, "candidate_pair", _PAIR_COLS,
                              [(*r, "baru", "scan", stamp, stamp) for r in rows])
        return
    stamp = now.isoformat(" ")
    bulk_rows.copy_lines(conn, "candidate_pair", _PAIR_COLS, (
        f"{a}\t{b}\t{score!r}\t{prob!r}\t{bulk_rows.copy_escape(why)}\tbaru\tscan\t{stamp}\t{stamp}\n"
        for a, b, score, prob, why in rows))


def _scan_candidates(session, rec, scope) -> set[int]:
    ids = candidate_ids(session, rec)
    if not ids:
        return set()
    return set(session.scalars(select(Person.id).where(Person.id.in_(ids), person_clause(scope))))


def last_scan_start(session) -> dt.datetime | None:
    return session.scalar(select(func.max(DedupScan.started_at)).where(DedupScan.finished_at.is_not(None)))


def gate_new_person(session, person_data: dict, encounter_data: dict | None, scope: Scope,
                    confirm_new: bool) -> dict | None:
    """Search-before-create for the API: None to go ahead, else a 409 body with candidates."""
    return screen_new_person(session, person_data, encounter_data, scope, confirm_new)[0]


def screen_new_person(session, person_data: dict, encounter_data: dict | None, scope: Scope,
                      confirm_new: bool) -> tuple[dict | None, list[Candidate]]:
    """Search-before-create: (409 body or None, near matches to queue once the person is created).

    A same-NIK match is left to the intake door, which refuses it (422); fuzzy
    matches answer 409 with the candidates unless the client sends confirm_new,
    in which case they are returned for `queue_candidates` (like the intake screen).
    """
    data = dict(person_data)
    if encounter_data and encounter_data.get("kelurahan_kode"):
        data.setdefault("kelurahan_kode", encounter_data["kelurahan_kode"])
    found = find_candidates(session, data, scope)
    if any(c.decisive for c in found):
        return None, []  # intake refuses a second person with the same NIK (422 naming the existing one)
    if found and not confirm_new:
        return {"message": "Ada data yang mirip. Periksa kandidat; kirim ulang dengan \"confirm_new\": true "
                           "jika memang orang baru.", "candidates": [c.as_dict() for c in found]}, []
    return None, found


def queue_candidates(session, person_id: int, candidates, source: str) -> int:
    """Put a confirmed-new person and its near matches into the review queue."""
    n = 0
    for c in candidates:
        if c.person_id != person_id and upsert_pair(session, person_id, c.person_id, c.score,
                                                    c.probability, c.reasons, source):
            n += 1
    return n
