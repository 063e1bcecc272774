"""SQL aggregates for the monthly reports and the dashboard (never rows into Python).

Counting rule: unique persons after duplicate merging.  An encounter belongs to
the surviving record (`coalesce(merged_into_id, id)` of its person); the survivor
must be non-archived and non-merged and visible in the user's scope.  The
kecamatan of a person is the person's area (`Person.kecamatan_kode`).  Times are
naive Asia/Jakarta; a month runs from its first second up to (excluding) the
first second of the next month.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import and_, case, distinct, func, literal, select, text
from sqlalchemy.orm import aliased

from app.models import Encounter, JenisPPKS, Person, Wilayah
from app.services import report_summary
from app.services.scope import Scope, area_clause, person_clause

UNSET = "-"  # placeholder key for "no PPKS type recorded"


class PeriodError(ValueError):
    """An invalid period or filter, with an Indonesian message."""


@dataclass(frozen=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str | None) -> "Period":
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
        if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
            raise PeriodError("Periode harus berformat TTTT-BB, misalnya 2026-10.")
        return cls(int(m.group(1)), int(m.group(2)))

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1)

    @property
    def end(self) -> dt.datetime:
        """Exclusive end: the first second of the next month."""
        y, m = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return dt.datetime(y, m, 1)

    @property
    def year_start(self) -> dt.datetime:
        return dt.datetime(self.year, 1, 1)

    @property
    def code(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def no_jit(session) -> None:
    """PostgreSQL: no JIT for this transaction.  The report aggregates have high cost
    estimates, so the planner JIT-compiles them: ~3 s of compiling for ~0.5 s of work."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def survivor_id(p) -> object:
    """The surviving person id of a (possibly merged) person row."""
    return func.coalesce(p.merged_into_id, p.id)


def met_subquery(start: dt.datetime, end: dt.datetime):
    """Distinct surviving person ids with a non-archived encounter in [start, end)."""
    ep = aliased(Person)
    return (select(survivor_id(ep).label("pid")).select_from(Encounter)
            .join(ep, ep.id == Encounter.person_id)
            .where(Encounter.is_archived.is_(False), Encounter.waktu >= start,
                   Encounter.waktu < end)
            .distinct().subquery("met"))


def person_filter(scope: Scope, kecamatan: str | None):
    """Conditions on the surviving `Person`: scope, not archived/merged, kecamatan."""
    cond = person_clause(scope)
    if kecamatan:
        cond = and_(cond, Person.kecamatan_kode == kecamatan)
    return cond


def _add(d: dict, key, g, n: int) -> None:
    row = d.setdefault(key, {"L": 0, "P": 0, "U": 0, "J": 0})
    row[g if g in ("L", "P") else "U"] += n
    row["J"] += n


def _summary_counts(period_ym, scope: Scope, kecamatan: str | None, ym_from: int | None = None):
    """Select on `summary_count` for one month (or months `ym_from`..`period_ym`) in the
    person-area scope, optionally one kecamatan."""
    from app.models.reporting import SummaryCount as C

    cond = [area_clause(scope, C.kec, C.kel),
            C.ym == period_ym if ym_from is None else C.ym.between(ym_from, period_ym)]
    if kecamatan:
        cond.append(C.kec == kecamatan)
    return C, and_(*cond)


def jenis_names(session) -> dict[int, str]:
    """jenis id -> name; -1 (no type recorded) -> UNSET."""
    names = dict(session.execute(select(JenisPPKS.id, JenisPPKS.nama)).all())
    return {**names, -1: UNSET}


def rekap_ppks(session, period: Period, scope: Scope, kecamatan: str | None = None) -> dict:
    """Figures of the PPKS recap for one month (see module docstring for the rule).

    The unique met persons per kecamatan x gender (and returners) and per PPKS type come from
    the report summary (`report_summary`: one counter row per month, person area, gender and
    type, kept on every write); encounters and persons by source from its per person, month
    and source rows.
    """
    from app.models.reporting import SummaryPerson as SP, SummaryPersonSource as SS

    report_summary.apply_pending(session)
    no_jit(session)
    ym = period.year * 100 + period.month
    C, cond = _summary_counts(ym, scope, kecamatan)
    by_kecamatan: dict = {}
    total = {"L": 0, "P": 0, "U": 0, "J": 0}
    returners = 0
    for kec, jk, n, ret in session.execute(
            select(C.kec, C.jk, func.sum(C.n_met), func.sum(C.n_ret))
            .where(cond, C.jenis == 0).group_by(C.kec, C.jk)):
        if not n:
            continue
        _add(by_kecamatan, kec, jk, int(n))
        _add({"t": total}, "t", jk, int(n))
        returners += int(ret or 0)
    names = jenis_names(session)
    matrix: dict = {}
    by_jenis: dict = {}
    for kec, jenis, jk, n in session.execute(
            select(C.kec, C.jenis, C.jk, func.sum(C.n_met))
            .where(cond, C.jenis != 0).group_by(C.kec, C.jenis, C.jk)):
        if not n:
            continue
        _add(matrix, (kec, names.get(jenis, UNSET)), jk, int(n))
        _add(by_jenis, names.get(jenis, UNSET), jk, int(n))
    area = area_clause(scope, SP.kec, SP.kel)
    if kecamatan:
        area = and_(area, SP.kec == kecamatan)
    by_source = {s: {"encounters": int(e), "persons": p} for s, e, p in session.execute(
        select(SS.sumber, func.sum(SS.n), func.count()).join(SP, SP.pid == SS.pid)
        .where(area, SS.ym == ym).group_by(SS.sumber)).all()}
    return {
        "by_jenis": by_jenis, "by_kecamatan": by_kecamatan, "matrix": matrix,
        "total": total, "returners": returners,
        "new": total["J"] - returners, "by_source": by_source,
        "cases": case_counts(session, period, scope, kecamatan),
    }


def _case_base(scope: Scope, kecamatan: str | None):
    """Cases joined to their surviving person (scope, archived, merged, kecamatan)."""
    from app.models.casework import Case

    cp = aliased(Person)
    return (select().select_from(Case).join(cp, cp.id == Case.person_id)
            .join(Person, Person.id == survivor_id(cp)).where(person_filter(scope, kecamatan)))


def case_counts(session, period: Period, scope: Scope, kecamatan: str | None) -> dict:
    """Cases opened, and closed by outcome (alasan terminasi or hilang kontak), in the period."""
    from app.models.casework import Case

    base = _case_base(scope, kecamatan)
    opened = session.execute(base.add_columns(func.count(Case.id), func.count(distinct(Person.id)))
                             .where(Case.opened_at >= period.start, Case.opened_at < period.end)).one()
    outcome = case((Case.state == "hilang_kontak", literal("hilang_kontak")),
                   else_=func.coalesce(Case.alasan_terminasi, literal("lainnya")))
    closed = session.execute(base.add_columns(outcome, func.count(Case.id), func.count(distinct(Person.id)))
                             .where(Case.closed_at >= period.start, Case.closed_at < period.end)
                             .group_by(outcome)).all()
    return {"opened": opened[0], "opened_persons": opened[1],
            "closed": {k: {"cases": c, "persons": p} for k, c, p in closed}}


def spm_report(session, period: Period, scope: Scope, kecamatan: str | None = None,
               groups_only: bool = False) -> dict:
    """SPM figures year-to-date (1 January .. end of the period's month).

    harus dilayani = unique persons with an assessment dated in that window saying they
    need basic social rehabilitation outside a panti, per the assessment's SPM group;
    terlayani = those with such an assessment that is terpenuhi (`spm.terpenuhi_clause`)
    as of the month's last day.  Per service: unique persons with a delivery of that
    service in the window.  Targets come from `SpmTarget` of the year.
    """
    from app.models import JenisLayanan, SpmTarget
    from app.models.casework import Assessment, Case, ServiceDelivery
    from app.services.spm import terpenuhi_clause

    no_jit(session)
    last_day = (period.end - dt.timedelta(days=1)).date()
    first_day = period.year_start.date()
    cp = aliased(Person)
    assessed = (select().select_from(Assessment).join(Case, Case.id == Assessment.case_id)
                .join(cp, cp.id == Case.person_id).join(Person, Person.id == survivor_id(cp))
                .where(person_filter(scope, kecamatan), Assessment.butuh_rehab_luar_panti.is_(True),
                       Assessment.spm_group.isnot(None), Assessment.tanggal >= first_day,
                       Assessment.tanggal <= last_day))
    served = func.count(distinct(case((terpenuhi_clause(as_of=last_day), Person.id))))
    need = func.count(distinct(Person.id))
    if groups_only:
        return {"groups": {g: {"harus": y, "terlayani": x} for g, y, x in session.execute(
            assessed.add_columns(Assessment.spm_group, need, served)
            .group_by(Assessment.spm_group)).all()}, "as_of": last_day}
    # a person has one kecamatan, so per-group unique counts are sums over kecamatan
    kec_key = func.coalesce(Person.kecamatan_kode, literal(UNSET))
    per_kec = {(g, k): {"harus": y, "terlayani": x} for g, k, y, x in session.execute(
        assessed.add_columns(Assessment.spm_group, kec_key, need, served)
        .group_by(Assessment.spm_group, kec_key)).all()}
    groups: dict = {}
    for (g, _k), v in per_kec.items():
        row = groups.setdefault(g, {"harus": 0, "terlayani": 0})
        row["harus"] += v["harus"]
        row["terlayani"] += v["terlayani"]
    services = {j: n for j, n in session.execute(
        select(ServiceDelivery.jenis_layanan_id, func.count(distinct(Person.id)))
        .select_from(ServiceDelivery).join(Case, Case.id == ServiceDelivery.case_id)
        .join(cp, cp.id == Case.person_id).join(Person, Person.id == survivor_id(cp))
        .where(person_filter(scope, kecamatan), ServiceDelivery.tanggal >= first_day,
               ServiceDelivery.tanggal <= last_day)
        .group_by(ServiceDelivery.jenis_layanan_id)).all()}
    layanan = [(j.id, j.spm_group, j.nama) for j in session.execute(
        select(JenisLayanan).where(JenisLayanan.aktif.is_(True))
        .order_by(JenisLayanan.spm_group, JenisLayanan.urutan, JenisLayanan.id)).scalars()]
    targets = {t.spm_group: t.target_persen for t in session.execute(
        select(SpmTarget).where(SpmTarget.tahun == period.year)).scalars()}
    return {"groups": groups, "per_kecamatan": per_kec, "services": services,
            "layanan": layanan, "targets": targets, "as_of": last_day}


def spm_capaian(session, period: Period, scope: Scope) -> dict:
    """`spm_report(groups_only=True)` read from the report summary (`summary_assessment`: one
    row per SPM assessment with its survivor and the date it became terpenuhi)."""
    from app.models.reporting import SummaryAssessment as A

    last_day = (period.end - dt.timedelta(days=1)).date()
    served = func.count(distinct(case((A.done <= last_day, A.pid))))
    rows = session.execute(
        select(A.grp, func.count(distinct(A.pid)), served)
        .where(area_clause(scope, A.kec, A.kel),
               A.tanggal.between(period.year_start.date(), last_day))
        .group_by(A.grp)).all()
    return {"groups": {g: {"harus": y, "terlayani": x} for g, y, x in rows}, "as_of": last_day}


def kecamatan_names(session) -> dict[str, str]:
    return dict(session.execute(
        select(Wilayah.kode, Wilayah.nama).where(Wilayah.level == "kecamatan")).all())


def overdue_cases(session, scope: Scope, now: dt.datetime, limits: dict | None = None) -> int:
    """Open cases past their state's limit: the casework "terlambat" queue's rule and scope
    (`casework.DEFAULT_STATE_LIMITS` overridden per state by `limits`, i.e. config
    KASUS_BATAS_HARI), counted as one index range per state."""
    from app.models.casework import Case
    from app.services.casework import DEFAULT_STATE_LIMITS, case_clause
    from app.services.workflow import OPEN_STATES

    total = 0
    for state, days in (DEFAULT_STATE_LIMITS | (limits or {})).items():
        if state in OPEN_STATES:
            total += session.scalar(select(func.count(Case.id)).where(
                case_clause(scope), Case.state == state,
                Case.state_since < now - dt.timedelta(days=days))) or 0
    return total


def dashboard(session, scope: Scope, now: dt.datetime, limits: dict | None = None) -> dict:
    """Dashboard figures, all SQL aggregates within the user's scope (the page reads them
    through `dashboard_cache`).  Person and encounter counts come from the report summary
    (`report_summary`, kept on every write); open/overdue cases follow the casework queues
    (`casework.case_clause`, `overdue_cases`), SPM capaian and hotspots from their
    summaries (`spm_capaian`, `hotspots`)."""
    from app.models.casework import Case
    from app.models.reporting import SummaryEncounter as E
    from app.services.casework import case_clause
    from app.services.workflow import OPEN_STATES

    report_summary.apply_pending(session)
    no_jit(session)
    month = Period(now.year, now.month)
    ym = now.year * 100 + now.month
    C, cond = _summary_counts(0, scope, None)
    persons = session.scalar(select(func.sum(C.n_met)).where(cond, C.jenis == 0))
    C, cond = _summary_counts(ym, scope, None)
    met_month, returners = session.execute(
        select(func.sum(C.n_met), func.sum(C.n_ret)).where(cond, C.jenis == 0)).one()
    open_cases = session.scalar(select(func.count(Case.id)).where(
        case_clause(scope), Case.state.in_(sorted(OPEN_STATES))))
    overdue = overdue_cases(session, scope, now, limits)
    spm = spm_capaian(session, month, scope)

    e_area = area_clause(scope, E.kec, E.kel)
    per_month = [(y, m, int(n)) for y, m, n in (
        (ym_ // 100, ym_ % 100, n) for ym_, n in session.execute(
            select(E.ym, func.sum(E.n)).where(
                e_area, E.ym.between((now.year - 1) * 100 + now.month, ym))
            .group_by(E.ym).order_by(E.ym)).all()) if n]
    enc_month = sum(n for y, m, n in per_month if (y, m) == (now.year, now.month))
    C, cond = _summary_counts(ym, scope, None, ym_from=now.year * 100 + 1)
    names = jenis_names(session)
    jenis: dict = {}
    for j, n in session.execute(select(C.jenis, func.sum(C.n_first))
                                .where(cond, C.jenis != 0).group_by(C.jenis)):
        if n:
            key = names.get(j, UNSET)
            jenis[key] = jenis.get(key, 0) + int(n)
    kec_names = kecamatan_names(session)
    kec: dict = {}
    for k, n in session.execute(select(C.kec, func.sum(C.n_first))
                                .where(cond, C.jenis == 0).group_by(C.kec)):
        if n:
            key = kec_names.get(k, UNSET)
            kec[key] = kec.get(key, 0) + int(n)
    hot = hotspots(session, scope, now)
    return {
        "persons": int(persons or 0), "encounters_month": enc_month, "met_month": int(met_month or 0),
        "returners_month": int(returners or 0), "open_cases": open_cases or 0, "overdue_cases": overdue or 0,
        "spm": spm, "per_month": per_month,
        "per_jenis": sorted(jenis.items(), key=lambda kv: (-kv[1], kv[0])),
        "per_kecamatan": sorted(kec.items()),
        "hotspots": hot, "month": month,
    }


HOTSPOT_DAYS, HOTSPOT_LIMIT = 90, 300


def _hot_raw(scope: Scope, start: dt.datetime, end: dt.datetime | None = None):
    """(cell lat, cell lng, n) of the visible encounters with coordinates in [start, end)."""
    from app.services.scope import encounter_clause

    lat, lng = report_summary.cell_sql(Encounter.latitude), report_summary.cell_sql(Encounter.longitude)
    return (select(lat.label("lat"), lng.label("lng"), func.count().label("n")).select_from(Encounter)
            .where(encounter_clause(scope), Encounter.latitude.isnot(None),
                   Encounter.longitude.isnot(None), Encounter.waktu >= start,
                   *([Encounter.waktu < end] if end else []))
            .group_by(lat, lng))


def _top(session, rows) -> list:
    u = rows.subquery("hot")
    total = func.sum(u.c.n)
    return [(float(a), float(b), int(n)) for a, b, n in session.execute(
        select(u.c.lat, u.c.lng, total).group_by(u.c.lat, u.c.lng).having(total > 0)
        .order_by(total.desc(), u.c.lat, u.c.lng).limit(HOTSPOT_LIMIT))]


def hotspots_raw(session, scope: Scope, now: dt.datetime) -> list:
    """The 90-day hotspots from the encounter table (an index-only range scan of
    ix_encounter_geo): the most visited cells, most first (ties by coordinates)."""
    return _top(session, _hot_raw(scope, now - dt.timedelta(days=HOTSPOT_DAYS)))


def hotspots(session, scope: Scope, now: dt.datetime) -> list:
    """`hotspots_raw`; city-wide summed from `summary_hotspot`: the whole months after the
    window's first month, plus that month's days after the first day (or the whole month
    minus its days before, whichever is fewer rows), plus/minus the first day's part from
    the encounter table.  Area scopes scan the (smaller) raw range."""
    from app.models.reporting import SummaryHotspot as H

    if not scope.citywide:
        return hotspots_raw(session, scope, now)
    cut = now - dt.timedelta(days=HOTSPOT_DAYS)
    day0 = dt.datetime(cut.year, cut.month, cut.day)
    nxt = day0 + dt.timedelta(days=1)
    cym = cut.year * 100 + cut.month
    days_in_month = ((dt.date(cut.year + (cut.month == 12), cut.month % 12 + 1, 1)
                      - dt.timedelta(days=1)).day)
    cell = lambda *cond, sign=1: select(H.lat, H.lng, (H.n * sign).label("n")).where(*cond)  # noqa: E731
    parts = [cell(H.ym > cym, H.day == 0)]
    if days_in_month - cut.day <= cut.day:  # add the days after the first one
        parts += [cell(H.ym == cym, H.day > cut.day), _hot_raw(scope, cut, nxt)]
    else:  # the whole month minus the days before the cut
        raw = _hot_raw(scope, day0, cut).subquery("early")
        parts += [cell(H.ym == cym, H.day == 0), cell(H.ym == cym, H.day.between(1, cut.day - 1), sign=-1),
                  select(raw.c.lat, raw.c.lng, (-raw.c.n).label("n"))]
    return _top(session, parts[0].union_all(*parts[1:]))


def dashboard_all(session, now: dt.datetime, limits: dict | None = None) -> dict:
    """The dashboard of the whole city and of every kecamatan: {None: city, kode: kecamatan}.
    Each is `dashboard(scope)` (cheap since the report summary).  Used by the cache refresh."""
    out = {None: dashboard(session, Scope.everything(), now, limits)}
    for kode in sorted(kecamatan_names(session)):
        out[kode] = dashboard(session, Scope(citywide=False, kecamatan_kode=kode), now, limits)
    return out


IDENTIFYING = frozenset({"nik", "no_kk", "nama_ibu", "tanggal_lahir", "alamat_ktp"})
DATASETS = ("persons", "encounters", "cases", "services")


def raw_export(dataset: str, period: Period, scope: Scope, identifiers: bool):
    """(headers, select) for a raw data export of one period; identifying columns only
    when `identifiers`.  Rows are streamed by the caller (this is an export, not a report)."""
    from app.models.casework import Case, ServiceDelivery
    from app.models import JenisLayanan

    if dataset not in DATASETS:
        raise PeriodError("Jenis data ekspor tidak dikenal.")
    if dataset == "persons":
        met = met_subquery(period.start, period.end)
        cols = [("id", Person.id), ("nik", Person.nik), ("no_kk", Person.no_kk),
                ("nama", Person.nama), ("jenis_kelamin", Person.jenis_kelamin),
                ("tanggal_lahir", Person.tanggal_lahir), ("tahun_lahir", Person.tahun_lahir),
                ("nama_ibu", Person.nama_ibu), ("alamat_ktp", Person.alamat_ktp),
                ("kecamatan_kode", Person.kecamatan_kode), ("kelurahan_kode", Person.kelurahan_kode),
                ("status_dtks", Person.status_dtks)]
        cols = [(n, c) for n, c in cols if identifiers or n not in IDENTIFYING]
        q = (select(*[c for _, c in cols]).select_from(met).join(Person, Person.id == met.c.pid)
             .where(person_filter(scope, None)).order_by(Person.id))
        return [n for n, _ in cols], q
    ep = aliased(Person)
    if dataset == "encounters":
        cols = [("id", Encounter.id), ("person_id", Person.id), ("waktu", Encounter.waktu),
                ("sumber", Encounter.sumber), ("kecamatan_kode", Encounter.kecamatan_kode),
                ("kelurahan_kode", Encounter.kelurahan_kode), ("lokasi", Encounter.lokasi),
                ("latitude", Encounter.latitude), ("longitude", Encounter.longitude),
                ("aktivitas", Encounter.aktivitas), ("hasil", Encounter.hasil)]
        q = (select(*[c for _, c in cols]).select_from(Encounter).join(ep, ep.id == Encounter.person_id)
             .join(Person, Person.id == survivor_id(ep))
             .where(person_filter(scope, None), Encounter.is_archived.is_(False),
                    Encounter.waktu >= period.start, Encounter.waktu < period.end)
             .order_by(Encounter.waktu, Encounter.id))
        return [n for n, _ in cols], q
    if dataset == "cases":
        cols = [("id", Case.id), ("person_id", Person.id), ("state", Case.state),
                ("opened_at", Case.opened_at), ("closed_at", Case.closed_at),
                ("alasan_terminasi", Case.alasan_terminasi), ("kecamatan_kode", Case.kecamatan_kode)]
        q = (select(*[c for _, c in cols]).select_from(Case).join(ep, ep.id == Case.person_id)
             .join(Person, Person.id == survivor_id(ep))
             .where(person_filter(scope, None), Case.opened_at < period.end,
                    (Case.closed_at.is_(None)) | (Case.closed_at >= period.start))
             .order_by(Case.id))
        return [n for n, _ in cols], q
    cols = [("id", ServiceDelivery.id), ("case_id", ServiceDelivery.case_id), ("person_id", Person.id),
            ("tanggal", ServiceDelivery.tanggal), ("spm_group", JenisLayanan.spm_group),
            ("jenis_layanan", JenisLayanan.nama), ("jumlah", ServiceDelivery.jumlah)]
    q = (select(*[c for _, c in cols]).select_from(ServiceDelivery)
         .join(JenisLayanan, JenisLayanan.id == ServiceDelivery.jenis_layanan_id)
         .join(Case, Case.id == ServiceDelivery.case_id).join(ep, ep.id == Case.person_id)
         .join(Person, Person.id == survivor_id(ep))
         .where(person_filter(scope, None), ServiceDelivery.tanggal >= period.start.date(),
                ServiceDelivery.tanggal < period.end.date())
         .order_by(ServiceDelivery.tanggal, ServiceDelivery.id))
    return [n for n, _ in cols], q
