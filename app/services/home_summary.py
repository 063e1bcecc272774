"""Figures for the home page, computed with SQL aggregates within the user's scope."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.models import Encounter, Person
from app.models.base import now_local
from app.services.scope import Scope, encounter_clause, person_clause


def summary(session, scope: Scope) -> dict:
    today = now_local().date()
    month_start = dt.datetime(today.year, today.month, 1)
    persons = session.scalar(select(func.count()).select_from(Person).where(person_clause(scope)))
    encounters_month = session.scalar(
        select(func.count()).select_from(Encounter)
        .where(encounter_clause(scope), Encounter.waktu >= month_start))
    return {"persons": persons or 0, "encounters_month": encounters_month or 0,
            "month_start": month_start}
