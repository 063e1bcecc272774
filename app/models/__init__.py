"""All models, imported here so that Alembic and FAB see every table.

Import this package before `AppBuilder.init_app()` (FAB trap #4).
"""
from app.models.audit import AuditLog  # noqa: F401
from app.models.master import JenisLayanan, JenisPPKS, JenisPSKS, Lembaga, Wilayah  # noqa: F401
from app.models.registry import Encounter, Person, PersonAlias, PilarSosial, person_ppks  # noqa: F401
from app.models.identity import CandidatePair, DedupScan, MatchFeature, MatchKey, MergeRecord  # noqa: F401
from app.models.reporting import DashboardCache, ReportArchive, SpmTarget  # noqa: F401
from app.models.casework import (  # noqa: F401
    AidApplication, Assessment, Case, CaseTransition, Pemulangan, Referral, ServiceDelivery,
)
