"""Short-TTL cache of the dashboard aggregates, one row per scope (table `dashboard_cache`).

Since the report summary (`report_summary`) a cold computation is a few small aggregates,
so the cache is an extra, not a requirement: the page shows figures at most `ttl` seconds
old (default 60, config `DASHBOARD_CACHE_DETIK`; 0 = always fresh).  A miss (or a stale
row) computes `report_queries.dashboard` once and stores it; `refresh_all` (CLI
`flask report refresh-dashboard`) recomputes the city-wide and per-kecamatan rows.
The row lives in the database, so every worker process shares it.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.models.reporting import DashboardCache
from app.services import report_queries as rq
from app.services.scope import Scope

DEFAULT_TTL = 60


def scope_key(scope: Scope) -> str:
    if scope.citywide:
        return "kota"
    return f"kel:{scope.kelurahan_kode}" if scope.kelurahan_kode else f"kec:{scope.kecamatan_kode or '-'}"


def _dump(data: dict) -> str:
    out = {k: v for k, v in data.items() if k not in ("spm", "month")}
    out["spm"] = {"groups": data["spm"]["groups"]}
    out["month"] = [data["month"].year, data["month"].month]
    return json.dumps(out)


def _load(text: str) -> dict:
    data = json.loads(text)
    data["month"] = rq.Period(*data["month"])
    return data


def compute(session, scope: Scope, now: dt.datetime, limits: dict | None = None) -> dict:
    """Recompute and store one scope's row (committed); returns the figures."""
    data = rq.dashboard(session, scope, now, limits)
    key, payload = scope_key(scope), _dump(data)
    row = session.get(DashboardCache, key)
    try:
        if row is None:
            session.add(DashboardCache(scope_key=key, computed_at=now, payload=payload))
        else:
            row.computed_at, row.payload = now, payload
        session.commit()
    except IntegrityError:  # another worker stored the same scope meanwhile: keep theirs
        session.rollback()
    data["computed_at"] = now
    return data


def get(session, scope: Scope, now: dt.datetime, limits: dict | None = None,
        ttl: int = DEFAULT_TTL) -> dict:
    """The scope's figures, from the cache when at most `ttl` seconds old."""
    row = session.execute(select(DashboardCache.computed_at, DashboardCache.payload)
                          .where(DashboardCache.scope_key == scope_key(scope))).first()
    if row is not None and dt.timedelta(0) <= now - row.computed_at <= dt.timedelta(seconds=ttl):
        data = _load(row.payload)
        data["computed_at"] = row.computed_at
        return data
    return compute(session, scope, now, limits)


def _store(session, key: str, data: dict, now: dt.datetime) -> None:
    row = session.get(DashboardCache, key)
    if row is None:
        session.add(DashboardCache(scope_key=key, computed_at=now, payload=_dump(data)))
    else:
        row.computed_at, row.payload = now, _dump(data)


def refresh_all(session, now: dt.datetime, limits: dict | None = None) -> list[str]:
    """Recompute the city-wide row and every kecamatan's row
    (`report_queries.dashboard_all`); returns the keys."""
    keys = []
    for kode, data in rq.dashboard_all(session, now, limits).items():
        scope = Scope.everything() if kode is None else Scope(citywide=False, kecamatan_kode=kode)
        _store(session, scope_key(scope), data, now)
        keys.append(scope_key(scope))
    session.commit()
    return keys
