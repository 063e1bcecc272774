"""Security: the user with an assigned area, the security manager, user screens."""
from __future__ import annotations

from flask import g, has_request_context
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import User, assoc_permissionview_role
from flask_appbuilder.security.views import UserDBModelView
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.master import Wilayah
from app.services.scope import Scope, scope_for


class PaluUser(User):
    """FAB's user plus the area (kecamatan, optionally kelurahan) an admin assigns."""

    __tablename__ = None  # single-table: the columns live on ab_user
    kecamatan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    kelurahan_kode: Mapped[str | None] = mapped_column(String(13), ForeignKey("wilayah.kode"))
    kecamatan: Mapped[Wilayah | None] = relationship(foreign_keys=[kecamatan_kode])
    kelurahan: Mapped[Wilayah | None] = relationship(foreign_keys=[kelurahan_kode])

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(r.name for r in self.roles)


AREA_LABELS = {"kecamatan": _l("Kecamatan tugas"), "kelurahan": _l("Kelurahan tugas")}
AREA_DESCRIPTIONS = {
    "kecamatan": _l("Wajib untuk Pilar Sosial dan Satpol PP: mereka hanya melihat data wilayah ini."),
    "kelurahan": _l("Opsional: membatasi lebih sempit ke satu kelurahan."),
}


class PaluUserDBModelView(UserDBModelView):
    """FAB's user screens with the area fields added."""

    class_permission_name = "UserDBModelView"  # keep FAB's standard permission names

    list_columns = ["first_name", "last_name", "username", "email", "active", "roles", "kecamatan"]
    add_columns = UserDBModelView.add_columns + ["kecamatan", "kelurahan"]
    edit_columns = UserDBModelView.edit_columns + ["kecamatan", "kelurahan"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "active", "roles", "kecamatan", "kelurahan",
                                      "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email"], "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "created_on",
                                       "changed_on"], "expanded": False}),
    ]
    label_columns = {**UserDBModelView.label_columns, **AREA_LABELS}
    description_columns = {**UserDBModelView.description_columns, **AREA_DESCRIPTIONS}
    add_form_query_rel_fields = {
        "kecamatan": [["level", FilterEqual, "kecamatan"]],
        "kelurahan": [["level", FilterEqual, "kelurahan"]],
    }
    edit_form_query_rel_fields = add_form_query_rel_fields
    search_columns = ["first_name", "last_name", "username", "email", "active", "roles"]

    def pre_add(self, item):
        _check_area_pair(item)
        super().pre_add(item)  # FAB hashes the password here

    def pre_update(self, item):
        _check_area_pair(item)
        super().pre_update(item)


def _check_area_pair(user: PaluUser) -> None:
    if user.kelurahan_kode and user.kelurahan and user.kecamatan_kode \
            and user.kelurahan.parent_kode != user.kecamatan_kode:
        raise ValueError("Kelurahan tugas tidak berada di kecamatan tugas yang dipilih.")
    if user.kelurahan is not None and not user.kecamatan_kode:
        user.kecamatan_kode = user.kelurahan.parent_kode


class PaluSecurityManager(SecurityManager):
    user_model = PaluUser
    userdbmodelview = PaluUserDBModelView

    def _has_view_access(self, user, permission_name, view_name) -> bool:
        """FAB re-reads the user's roles for each of ~30 checks a page; resolve them once per request."""
        if not has_request_context():
            return super()._has_view_access(user, permission_name, view_name)
        memo = g.setdefault("_palu_roles", {})
        key = (id(user), getattr(user, "id", None), bool(getattr(user, "is_authenticated", False)))
        if key not in memo:
            roles = self.get_user_roles(user)
            memo[key] = (any(r.name in self.builtin_roles for r in roles),
                         [r.id for r in roles if r.name not in self.builtin_roles])
        builtin, role_ids = memo[key]
        if builtin:
            return super()._has_view_access(user, permission_name, view_name)
        return bool(role_ids) and self.exist_permission_on_roles(view_name, permission_name, role_ids)

    def exist_permission_on_roles(self, view_name, permission_name, role_ids) -> bool:
        """FAB asks once per menu item (~25 queries a page); load the roles' pairs once per request."""
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        cache = g.setdefault("_palu_permissions", {})
        key = tuple(sorted(role_ids))
        if key not in cache:
            pv, perm, vm = self.permissionview_model, self.permission_model, self.viewmenu_model
            cache[key] = set(self.session.execute(
                select(perm.name, vm.name).select_from(pv)
                .join(perm, pv.permission_id == perm.id).join(vm, pv.view_menu_id == vm.id)
                .join(assoc_permissionview_role,
                      assoc_permissionview_role.c.permission_view_id == pv.id)
                .where(assoc_permissionview_role.c.role_id.in_(key))).all())
        return (permission_name, view_name) in cache[key]


def current_scope() -> Scope:
    """The scope of the user of this request (anonymous: nothing)."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope.nothing()
    return scope_for(frozenset(r.name for r in user.roles),
                     getattr(user, "kecamatan_kode", None), getattr(user, "kelurahan_kode", None))
