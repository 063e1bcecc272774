"""Register every view and API with a stable English name and an Indonesian label."""
from __future__ import annotations

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l


def init_views(appbuilder: AppBuilder) -> None:
    from app.api.registry import EncounterApi, LembagaApi, PersonApi, WilayahApi
    from app.views.audit import AuditLogView
    from app.views.master import (
        JenisLayananView, JenisPPKSView, JenisPSKSView, LembagaView, WilayahView,
    )
    from app.views.photos import PhotoView
    from app.views.registry import (
        ArchivedEncounterView, ArchivedPersonView, EncounterView, PersonView, PilarSosialView,
    )

    reg = dict(category="Registry", category_label=_l("Registrasi PPKS"), category_icon="fa-users")
    appbuilder.add_view(PersonView, "Persons", label=_l("Daftar PPKS"), icon="fa-user", **reg)
    appbuilder.add_view(EncounterView, "Encounters", label=_l("Penjangkauan"),
                        icon="fa-map-marker", **reg)
    appbuilder.add_view(PilarSosialView, "Pilar Sosial", label=_l("Pilar Sosial"),
                        icon="fa-handshake-o", **reg)
    appbuilder.add_view(ArchivedPersonView, "Archived Persons", label=_l("Arsip PPKS"),
                        icon="fa-archive", **reg)
    appbuilder.add_view(ArchivedEncounterView, "Archived Encounters",
                        label=_l("Arsip Penjangkauan"), icon="fa-archive", **reg)

    master = dict(category="Master Data", category_label=_l("Data Master"), category_icon="fa-database")
    appbuilder.add_view(LembagaView, "Lembaga", label=_l("Lembaga & Tempat Layanan"),
                        icon="fa-building", **master)
    appbuilder.add_view(JenisPPKSView, "PPKS Types", label=_l("Jenis PPKS"), icon="fa-tags", **master)
    appbuilder.add_view(JenisPSKSView, "PSKS Types", label=_l("Jenis PSKS"), icon="fa-tags", **master)
    appbuilder.add_view(JenisLayananView, "SPM Services", label=_l("Jenis Layanan SPM"),
                        icon="fa-list", **master)
    appbuilder.add_view(WilayahView, "Regions", label=_l("Wilayah"), icon="fa-globe", **master)

    appbuilder.add_view(AuditLogView, "Audit Log", label=_l("Log Audit"), icon="fa-history",
                        category="Security", category_label=_l("Security"))
    appbuilder.add_view_no_menu(PhotoView)

    for api in (PersonApi, EncounterApi, LembagaApi, WilayahApi):
        appbuilder.add_api(api)

    # Each capability module registers its own views: `register(appbuilder)`.
    import importlib

    for name in CAPABILITY_VIEW_MODULES:
        importlib.import_module(name).register(appbuilder)


CAPABILITY_VIEW_MODULES = [
    "app.views.identity",
    # "app.views.identity", "app.views.casework", "app.views.reports" are added here
    # by their capabilities, in menu order.
    "app.views.dashboard",
    "app.views.casework",
    "app.views.reports",
]
