"""Casework screens: case list (scoped ModelView), case page with the allowed
transition buttons, record forms, documents, and the work queues.

Thin: every change goes through `services.workflow` / `services.casework`;
every lookup re-checks the scope rule (`casework.case_clause`).
"""
from __future__ import annotations

from flask import Response, abort, current_app, flash, g, has_request_context, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import AidApplication, Case, Encounter, JenisLayanan, Lembaga, Person
from app.security import current_scope
from app.services import aid as aid_svc
from app.services import casework, casework_docs, spm, workflow
from app.services.audit import set_actor
from app.views.base import CappedCountInterface, ClauseFilter, ScopedModelView, safe_pk

CASE_LABELS = {"id": _l("No."), "person": _l("PPKS"), "state": _l("Status"),
               "opened_at": _l("Dibuka"), "state_since": _l("Sejak"),
               "pending_approval": _l("Menunggu persetujuan"), "closed_at": _l("Ditutup")}


# history labels: every workflow action, plus the opening of the case
ACTION_LABELS = {"buka": "Kasus dibuka", "tugaskan": "Penugasan petugas"} | {
    a.name: a.label for a in workflow.ACTIONS.values()}
WORKER_ROLE = workflow.WORKER


def can(permission: str, view: str) -> bool:
    """Permission check of the current user, served from the security manager's
    per-request permission cache (the one the menu already filled)."""
    return current_app.appbuilder.sm.has_access(permission, view)


def menu_counts() -> dict:
    """Queue counts of the current user, once per request, in one statement
    (one capped COUNT subquery per queue, for the queues the user may see)."""
    if not has_request_context() or not getattr(getattr(g, "user", None), "is_authenticated", False):
        return {}
    if "_palu_queue_counts" not in g:
        cases, aid = can("can_queue", "CaseworkView"), can("can_list", "AidView")
        extra = [aid_svc.overdue_count_column(current_scope())] if aid else []
        if cases:
            counts = casework.queue_counts(db.session, current_scope(), user_id=g.user.id,
                                           roles=_roles(), extra=extra,
                                           limits=current_app.config.get("KASUS_BATAS_HARI"))
        elif extra:
            counts = dict(db.session.execute(select(*extra)).one()._mapping)
        else:
            counts = {}
        g._palu_queue_counts = counts
    return g._palu_queue_counts


class CountLabel:
    """A menu label with the live count of a queue, e.g. "Kasus saya (3)" (FAB renders str())."""

    def __init__(self, key: str, text: str):
        self.key, self.text = key, text

    def __str__(self) -> str:
        base = str(_l(self.text))
        n = menu_counts().get(self.key)
        return f"{base} ({n if n <= 1000 else '1000+'})" if n else base

    def __hash__(self) -> int:  # gettext looks the label up in its catalog
        return hash(str(self))

    def __eq__(self, other) -> bool:
        return str(self) == str(other)


def _workers(only_id: int | None = None) -> dict[int, str]:
    """Active users holding the Pekerja Sosial role: {id: name} (or just the name of one user)."""
    from flask_appbuilder.security.sqla.models import Role

    from app.security import PaluUser

    q = select(PaluUser.id, PaluUser.first_name, PaluUser.last_name, PaluUser.username)
    if only_id is not None:
        q = q.where(PaluUser.id == only_id)
    else:
        q = q.join(PaluUser.roles).where(Role.name == WORKER_ROLE, PaluUser.active.is_(True))
    rows = db.session.execute(q.order_by(PaluUser.first_name, PaluUser.id)).all()
    return {r.id: f"{r.first_name or ''} {r.last_name or ''}".strip() or r.username for r in rows}


def _case_scope():
    return casework.case_clause(current_scope())


def _roles() -> set[str]:
    return {r.name for r in g.user.roles}


def _actor():
    set_actor(db.session, g.user.id, g.user.username)
    return g.user.id, g.user.username


def _lean_person(loader):
    """The case's person without its PPKS types and aliases (not shown on case screens)."""
    return (loader(Case.person).lazyload(Person.jenis_ppks),
            loader(Case.person).lazyload(Person.aliases))


def load_case(pk) -> Case:
    case = db.session.execute(select(Case).options(*_lean_person(joinedload))
        .where(Case.id == safe_pk(pk), _case_scope())).scalar()
    if case is None:
        abort(404)
    return case


class CaseView(ScopedModelView):
    """Daftar kasus (read-only list; the case page is CaseworkView.case)."""

    datamodel = CappedCountInterface(Case)
    base_filters = [["id", ClauseFilter, _case_scope]]
    base_permissions = ["can_list", "can_show"]
    list_title = _l("Daftar Kasus")
    show_title = _l("Kasus")
    list_columns = ["id", "person", "state", "pending_approval", "state_since", "opened_at"]
    show_columns = list_columns + ["closed_at"]
    search_columns = ["state", "pending_approval"]
    order_columns = ["id", "state_since", "opened_at"]
    label_columns = CASE_LABELS
    formatters_columns = {"state": lambda v: workflow.STATES.get(v, v),
                          "id": lambda v: f"KASUS-{v:06d}"}


class CaseworkView(BaseView):
    """Case page, transitions, records, documents and queues."""

    route_base = "/kasus"
    default_view = "queue"
    base_permissions = ["can_case", "can_transition", "can_record", "can_document", "can_queue",
                        "can_open", "can_service", "can_assign"]

    @expose("/antrean/")
    @expose("/antrean/<name>")
    @has_access
    def queue(self, name="saya"):
        if name not in casework.QUEUES:
            abort(404)
        roles, page = _roles(), max(0, request.args.get("page", 0, type=int) or 0)
        clause = casework.queue_clause(name, user_id=g.user.id, roles=roles,
                                       limits=current_app.config.get("KASUS_BATAS_HARI"))
        page = min(page, 400)
        if name == "terlambat":  # bounded per-state index ranges, oldest first
            ids = casework.overdue_page_ids(db.session, current_scope(), offset=page * 25,
                                            limits=current_app.config.get("KASUS_BATAS_HARI"))
            found = {c.id: c for c in db.session.execute(select(Case).options(
                *_lean_person(selectinload)).where(Case.id.in_(ids))).scalars()}
            cases = [found[i] for i in ids if i in found]
        else:
            cases = db.session.execute(
                select(Case).options(*_lean_person(selectinload)).where(_case_scope(), clause)
                .order_by(Case.id.desc()).offset(page * 25).limit(25)).scalars().all()
        counts = menu_counts()
        return self.render_template("palu/case_queue.html", cases=cases, name=name, page=page,
                                    counts=counts, queues=casework.QUEUES, states=workflow.STATES)

    @expose("/buka", methods=["POST"])
    @expose("/buka/<person_id>", methods=["POST"])
    @has_access
    def open(self, person_id=None):
        """Open a case for a person (id in the URL or the form field person_id)."""
        person_id = person_id or (request.form.get("person_id") or "").strip().lstrip("#")
        actor_id, actor_name = _actor()
        try:
            case = casework.open_case(db.session, safe_pk(person_id), actor_id, worker_id=actor_id,
                                      actor_name=actor_name, scope=current_scope())
        except casework.CaseworkError as err:
            db.session.rollback()
            flash(str(err), "danger")
            return redirect(request.referrer or url_for("CaseView.list"))
        db.session.commit()
        return redirect(url_for("CaseworkView.case", pk=case.id))

    @expose("/<pk>")
    @has_access
    def case(self, pk):
        case = load_case(pk)
        a = case.latest_assessment
        workers = _workers() if can("can_assign", "CaseworkView") and \
            case.state in workflow.OPEN_STATES else {}
        if case.assigned_worker_id and case.assigned_worker_id not in workers:
            workers_all = _workers(case.assigned_worker_id)
        else:
            workers_all = workers
        return self.render_template(
            "palu/case_show.html", case=case, states=workflow.STATES,
            actions=workflow.available_actions(case, _roles()), assessment=a,
            terpenuhi=a is not None and spm.is_terpenuhi(db.session, a),
            missing=spm.missing_services(db.session, a) if a else [],
            alasan=workflow.ALASAN_TERMINASI, action_labels=ACTION_LABELS, workers=workers,
            worker_name=workers_all.get(case.assigned_worker_id),
            can_add_aid=can("can_add", "AidView"),
            aids=db.session.execute(select(AidApplication).where(AidApplication.case_id == case.id)
                                    .order_by(AidApplication.id).limit(20)).scalars().all()
            if can("can_list", "AidView") else [], aid_types=aid_svc.AID_TYPES,
            aid_statuses=aid_svc.AID_STATUS,
            layanan=db.session.execute(select(JenisLayanan).where(JenisLayanan.aktif.is_(True))
                                       .order_by(JenisLayanan.spm_group, JenisLayanan.urutan)).scalars().all(),
            lembaga=db.session.execute(select(Lembaga).where(Lembaga.aktif.is_(True))
                                       .order_by(Lembaga.nama)).scalars().all())

    @expose("/<pk>/transisi", methods=["POST"])
    @has_access
    def transition(self, pk):
        case = load_case(pk)
        actor_id, actor_name = _actor()
        try:
            workflow.apply_transition(db.session, case, request.form.get("action", ""), _roles(),
                                      actor_id, request.form.to_dict(), actor_name=actor_name,
                                      expected_version=request.form.get("version", type=int))
            db.session.commit()
            flash(_("Tindakan berhasil dicatat."), "success")
        except workflow.WorkflowError as err:
            db.session.rollback()
            flash(str(err), "danger")
        return redirect(url_for("CaseworkView.case", pk=pk))

    @expose("/<pk>/tugaskan", methods=["POST"])
    @has_access
    def assign(self, pk):
        """Reassign the case to another social worker (or release it)."""
        case = load_case(pk)
        actor_id, actor_name = _actor()
        try:
            raw = request.form.get("worker_id", "")
            worker_id = None if raw == "" else safe_pk(raw)
            casework.assign(db.session, case, worker_id, actor_id=actor_id, actor_name=actor_name,
                            allowed=_workers(), expected_version=request.form.get("version", type=int))
            db.session.commit()
            flash(_("Penugasan kasus diperbarui."), "success")
        except (casework.CaseworkError, StaleDataError) as err:
            db.session.rollback()
            flash(str(err) if isinstance(err, casework.CaseworkError) else _(
                "Kasus telah diubah oleh pengguna lain. Muat ulang halaman lalu coba lagi."), "danger")
        return redirect(url_for("CaseworkView.case", pk=pk))

    @expose("/<pk>/catat/<kind>", methods=["POST"])
    @has_access
    def record(self, pk, kind):
        case = load_case(pk)
        actor_id, actor_name = _actor()
        form = request.form.to_dict()
        try:
            if kind == "asesmen":
                form["layanan_ids"] = request.form.getlist("layanan_ids")
                casework.save_assessment(db.session, case, form, actor_id)
            elif kind == "rujukan":
                casework.add_referral(db.session, case, form)
            elif kind == "pemulangan":
                casework.add_pemulangan(db.session, case, form)
            elif kind == "status_rujukan":
                ref = next((r for r in case.referrals if str(r.id) == form.get("referral_id")), None)
                if ref is None:
                    abort(404)
                casework.set_referral_status(db.session, ref, form.get("status", ""))
            else:
                abort(404)
            db.session.commit()
            flash(_("Data tersimpan."), "success")
        except (casework.CaseworkError, ValueError) as err:
            db.session.rollback()
            flash(str(err), "danger")
        return redirect(url_for("CaseworkView.case", pk=pk))

    @expose("/<pk>/layanan", methods=["POST"])
    @has_access
    def service(self, pk):
        """Record a delivered SPM service (also open to Operator)."""
        case = load_case(pk)
        actor_id, actor_name = _actor()
        try:
            casework.add_service(db.session, case, request.form.to_dict(), actor_id, actor_name)
            db.session.commit()
            flash(_("Layanan tercatat."), "success")
        except (casework.CaseworkError, ValueError) as err:
            db.session.rollback()
            flash(str(err), "danger")
        return redirect(url_for("CaseworkView.case", pk=pk))

    @expose("/<pk>/dokumen/<kind>")
    @expose("/<pk>/dokumen/<kind>/<int:item>")
    @has_access
    def document(self, pk, kind, item=None):
        case = load_case(pk)
        if kind == "dosier":
            encounters = db.session.execute(
                select(Encounter).where(Encounter.person_id == case.person_id,
                                        Encounter.is_archived.is_(False))
                .order_by(Encounter.waktu.desc(), Encounter.id.desc()).limit(50)).scalars().all()[::-1]
            photos = casework_docs.dossier_photos(case.person, encounters,
                                                  current_app.config["PHOTO_DIR"])
            pdf = casework_docs.dossier(case, encounters, photos, current_app.config)
        elif kind == "rujukan":
            ref = next((r for r in case.referrals if r.id == item), None) or abort(404)
            pdf = casework_docs.referral_letter(case, ref, current_app.config)
        elif kind == "berita-acara":
            p = next((p for p in case.pemulangan if p.id == item), None) or abort(404)
            pdf = casework_docs.berita_acara(case, p, current_app.config)
        else:
            abort(404)
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{kind}-{case.id}.pdf"'})


def register(appbuilder) -> None:
    from app.api.casework import CaseApi
    from app.services.merge import register_child_table

    # a merge moves the tombstone's cases and aid applications to the survivor; unmerge restores them
    register_child_table(Case, "person_id")
    register_child_table(AidApplication, "person_id")

    cat = dict(category="Casework", category_label=_l("Penanganan Kasus"), category_icon="fa-briefcase")
    appbuilder.add_view(CaseView, "Cases", label=_l("Daftar Kasus"), icon="fa-folder-open", **cat)
    appbuilder.add_view_no_menu(CaseworkView)
    for name, label in casework.QUEUES.items():
        appbuilder.add_link(f"Queue {name}", label=CountLabel(name, label),
                            href=f"/kasus/antrean/{name}", icon="fa-inbox", category="Casework")
    appbuilder.add_api(CaseApi)

    from app.api.aid import AidApi
    from app.views.aid import AidView

    appbuilder.add_view(AidView, "Aid applications", label=_l("Permohonan Bantuan"),
                        icon="fa-hand-holding-heart", **cat)
    appbuilder.add_link("Aid overdue", label=CountLabel("bantuan_terlambat", "Bantuan terlambat"),
                        href="/bantuan/antrean/terlambat", icon="fa-clock", category="Casework")
    appbuilder.add_api(AidApi)
