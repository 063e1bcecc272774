"""THE one SPM rule: when is a person "terpenuhi kebutuhan dasarnya"?

An assessment is *terpenuhi* when it lists at least one required SPM service
and every one of them has at least one delivery recorded in the same case
(on or before `as_of`, when given).  `is_terpenuhi` (Python, for screens) and
`terpenuhi_clause` (SQL, for reports) implement the same rule; a test checks
they agree.

Edge cases, decided:
- Service delivered before the assessment (e.g. permakanan on the day of
  outreach): counts — it belongs to the same case; only `as_of` cuts off.
- Services split over months: cumulative — a person becomes terpenuhi in the
  month the last required service is delivered (`as_of` = end of that month)
  and stays so afterwards.
- Person merged mid-case: the rule is per case, so deliveries recorded under
  the old (tombstone) person's case still count; reports count persons as
  `COALESCE(person.merged_into_id, person.id)` (`surviving_person_id`) so the
  merged pair is one person.
- An assessment listing no service is never terpenuhi (nothing was planned).
- Deliveries in another case of the same person do not count (a returner's
  new case starts from zero).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, exists, func, select

from app.models.casework import Assessment, ServiceDelivery, assessment_layanan
from app.models.registry import Person


def is_terpenuhi(session, assessment: Assessment, as_of: dt.date | None = None) -> bool:
    """Python form of the rule for one assessment."""
    required = {j.id for j in assessment.layanan}
    if not required:
        return False
    query = select(ServiceDelivery.jenis_layanan_id).where(
        ServiceDelivery.case_id == assessment.case_id,
        ServiceDelivery.jenis_layanan_id.in_(required))
    if as_of is not None:
        query = query.where(ServiceDelivery.tanggal <= as_of)
    delivered = set(session.execute(query.distinct()).scalars())
    return required <= delivered


def missing_services(session, assessment: Assessment, as_of: dt.date | None = None) -> list:
    """The required JenisLayanan not yet delivered (for the case page)."""
    query = select(ServiceDelivery.jenis_layanan_id).where(
        ServiceDelivery.case_id == assessment.case_id)
    if as_of is not None:
        query = query.where(ServiceDelivery.tanggal <= as_of)
    delivered = set(session.execute(query).scalars())
    return [j for j in assessment.layanan if j.id not in delivered]


def terpenuhi_clause(assessment_id=Assessment.id, case_id=Assessment.case_id,
                     as_of: dt.date | None = None):
    """SQL form of the rule: a boolean expression correlated to an assessment row.

    Use in a report query over `Assessment` (or pass the columns of an alias):
    `select(func.count()).where(terpenuhi_clause(as_of=end_of_month))`.
    """
    req = assessment_layanan.alias("spm_req")
    delivered = select(ServiceDelivery.id).where(
        ServiceDelivery.case_id == case_id,
        ServiceDelivery.jenis_layanan_id == req.c.jenis_layanan_id)
    if as_of is not None:
        delivered = delivered.where(ServiceDelivery.tanggal <= as_of)
    # Correlate the outer assessment too (auto-correlation only sees the enclosing select).
    delivered = delivered.correlate_except(ServiceDelivery)
    has_required = exists(select(req.c.asesmen_id).where(req.c.asesmen_id == assessment_id))
    missing = exists(select(req.c.asesmen_id).where(
        and_(req.c.asesmen_id == assessment_id, ~exists(delivered))))
    return and_(has_required, ~missing)


def surviving_person_id():
    """The person a (possibly merged) person record counts as in reports."""
    return func.coalesce(Person.merged_into_id, Person.id)
