"""Identity views: search-before-create intake, review queue with merge/unmerge, repeats.

Thin: every rule lives in app.services.dedup / merge / intake / importer; every
query goes through the scope rule; every write is audited by the services.
"""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.views.base import safe_pk
from app.views.labels import PERSON_LABELS, display, enum_label
from app.views.registry import wilayah_label
from app.models import CandidatePair, MergeRecord, Person, Wilayah
from app.security import current_scope
from app.services import casework, dedup, intake, repeats, workflow
from app.services.importer import DateParseError, parse_date
from app.services.merge import MERGE_FIELDS, MergeError, merge_persons, unmerge
from app.services.scope import person_clause

INTAKE_FIELDS = ("nama", "aliases", "nik", "no_kk", "jenis_kelamin", "tanggal_lahir", "perkiraan_umur",
                 "nama_ibu", "kelurahan_kode", "lokasi", "sumber", "catatan")


def _user_id():
    user = getattr(g, "user", None)
    return getattr(user, "id", None)


def _kelurahan_options():
    scope = current_scope()
    q = select(Wilayah.kode, Wilayah.nama).where(Wilayah.level == "kelurahan", Wilayah.kode.startswith("32.75."))
    if not scope.citywide:
        q = q.where(Wilayah.kode.startswith((scope.kelurahan_kode or scope.kecamatan_kode or "-")))
    return db.session.execute(q.order_by(Wilayah.nama)).all()


def _kecamatan_options():
    return db.session.execute(select(Wilayah.kode, Wilayah.nama).where(
        Wilayah.level == "kecamatan", Wilayah.kode.startswith("32.75.")).order_by(Wilayah.nama)).all()


def _date_arg(name):
    try:
        return parse_date(request.args.get(name))
    except DateParseError:
        flash(_("Tanggal tidak valid: %(v)s", v=request.args.get(name)), "warning")
        return None


def _field_text(field: str, value) -> str:
    """A person field's value as the reviewer reads it (region names, Indonesian labels, dates)."""
    if field.endswith("_kode"):
        return wilayah_label(value)
    if field in ("jenis_kelamin", "nik_status", "status_dtks"):
        return enum_label(field, value) if value not in (None, "") else "-"
    if field == "photo":
        return _("ada") if value else "-"
    return display(value)


def field_rows(a: Person, b: Person) -> list[tuple]:
    """Per mergeable field: (field, label, text of A, text of B, differs, A is the default pick).

    The default is A's value unless only B has one (as `merge_persons` defaults)."""
    rows = []
    for f in MERGE_FIELDS:
        va, vb = getattr(a, f), getattr(b, f)
        empty_a, empty_b = va in (None, ""), vb in (None, "")
        label = _("Foto") if f == "photo" else PERSON_LABELS.get(f, f)
        rows.append((f, label, _field_text(f, va), _field_text(f, vb), va != vb, not empty_a or empty_b))
    return rows


def _visible_person(pk) -> Person:
    person = db.session.scalar(select(Person).where(Person.id == safe_pk(pk),
                                                    person_clause(current_scope())))
    if person is None:
        abort(404)
    return person


class IntakeView(BaseView):
    """Search before create: type what is known, see likely matches, then decide."""

    route_base = "/intake"
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        form = {k: (request.form.get(k) or "").strip() for k in INTAKE_FIELDS}
        errors, candidates, searched = {}, [], False
        if request.method == "POST":
            data, errors = self._person_data(form)
            action = request.form.get("action", "cari")
            if not errors:
                candidates = dedup.find_candidates(db.session, data, current_scope(), limit=8)
                searched = True
                if action == "tambah":
                    return self._add_to_existing(request.form.get("person_id"), form, data)
                if action == "baru":
                    if any(c.decisive for c in candidates):
                        flash(_("Orang ini sudah terdaftar dengan NIK yang sama; tambahkan penjangkauan pada data tersebut."), "danger")
                    else:
                        return self._register(form, data, candidates)
        return self.render_template("palu/identity_intake.html", form=form, errors=errors,
                                    candidates=candidates, searched=searched,
                                    kelurahan=_kelurahan_options())

    @staticmethod
    def _person_data(form):
        errors = {}
        data = {k: form[k] for k in ("nama", "aliases", "nik", "no_kk", "jenis_kelamin", "nama_ibu",
                                     "perkiraan_umur", "kelurahan_kode") if form.get(k)}
        try:
            data["tanggal_lahir"] = parse_date(form.get("tanggal_lahir"))
        except DateParseError as exc:
            errors["tanggal_lahir"] = str(exc)
        if not (data.get("nama") or data.get("aliases")):
            errors["nama"] = _("Isi nama atau alias.")
        return data, errors

    @staticmethod
    def _encounter(form):
        return {"kelurahan_kode": form.get("kelurahan_kode") or None, "lokasi": form.get("lokasi"),
                "sumber": form.get("sumber") or "patroli", "catatan": form.get("catatan"),
                "petugas_id": _user_id(), "petugas_nama": getattr(getattr(g, "user", None), "username", None)}

    def _add_to_existing(self, person_id, form, data):
        person = _visible_person(person_id)
        try:
            intake.add_encounter(db.session, person, self._encounter(form), scope=current_scope())
            db.session.commit()
        except intake.IntakeError as exc:
            db.session.rollback()
            flash("; ".join(exc.errors.values()), "danger")
            return redirect(url_for(".index"))
        flash(_("Penjangkauan ditambahkan pada data %(n)s.", n=person.display_name), "success")
        return redirect(url_for("PersonView.show", pk=person.id))

    def _register(self, form, data, candidates):
        person_data = {k: v for k, v in data.items() if k != "kelurahan_kode"}
        person_data.pop("perkiraan_umur", None)
        if data.get("perkiraan_umur"):
            person_data["perkiraan_umur"] = data["perkiraan_umur"]
        try:
            result = intake.register(db.session, person_data, self._encounter(form), scope=current_scope())
            db.session.flush()
            dedup.queue_candidates(db.session, result.person.id, candidates, "intake")
            db.session.commit()
        except intake.IntakeError as exc:
            db.session.rollback()
            flash("; ".join(exc.errors.values()), "danger")
            return self.render_template("palu/identity_intake.html", form=form, errors=exc.errors,
                                        candidates=candidates, searched=True,
                                        kelurahan=_kelurahan_options())
        flash(_("Data PPKS baru disimpan."), "success")
        return redirect(url_for("PersonView.show", pk=result.person.id))


class ReviewView(BaseView):
    """Duplicate review queue: side by side, decide sama/berbeda/tunda, merge and unmerge."""

    route_base = "/review"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        status = request.args.get("status", "baru")
        status = status if status in ("baru", "sama", "berbeda", "tunda") else "baru"
        page = max(request.args.get("page", 0, type=int), 0)
        rows = dedup.queue_page(db.session, current_scope(), status, request.args.get("kecamatan") or None,
                                _date_arg("dari"), _date_arg("sampai"), page)
        return self.render_template("palu/identity_review_list.html", rows=rows, status=status,
                                    page=page, kecamatan=_kecamatan_options(), reasons=dedup.pair_reasons)

    def _pair(self, pk) -> tuple[CandidatePair, Person, Person]:
        pair = db.session.get(CandidatePair, pk)
        if pair is None:
            abort(404)
        row = db.session.execute(dedup.queue_query(current_scope(), None)
                                 .where(CandidatePair.id == pair.id)).first()
        if row is None:
            abort(404)  # out of area, or one of them already merged
        return row

    @expose("/pair/<int:pk>")
    @has_access
    def pair(self, pk):
        pair, a, b = self._pair(pk)
        from app.services.timeline import person_timeline

        cases = casework.cases_of(db.session, [a.id, b.id], current_scope())
        return self.render_template(
            "palu/identity_review_pair.html", pair=pair, a=a, b=b, rows=field_rows(a, b),
            reasons=dedup.pair_reasons(pair), states=workflow.STATES,
            cases_a=cases[a.id], cases_b=cases[b.id],
            related=dedup.open_pairs_of(db.session, (a.id, b.id), current_scope(), exclude_pair_id=pair.id),
            both_active=bool(casework.active_cases(cases[a.id]) and casework.active_cases(cases[b.id])),
            timeline_a=person_timeline(db.session, a.id, current_scope(), limit=20),
            timeline_b=person_timeline(db.session, b.id, current_scope(), limit=20),
            can_merge=self.appbuilder.sm.has_access("can_merge", "ReviewView"))

    @expose("/decide/<int:pk>", methods=["POST"])
    @has_access
    def decide(self, pk):
        pair, a, b = self._pair(pk)
        status = request.form.get("status")
        if status not in ("berbeda", "tunda"):
            flash(_("Keputusan tidak dikenal."), "danger")
            return redirect(url_for(".pair", pk=pk))
        dedup.decide(db.session, pair, status, _user_id(), request.form.get("note"))
        db.session.commit()
        flash(_("Keputusan disimpan."), "success")
        return redirect(url_for(".list"))

    @expose("/merge/<int:pk>", methods=["POST"])
    @has_access
    def merge(self, pk):
        pair, a, b = self._pair(pk)
        survivor, other = (b, a) if request.form.get("survivor") == "b" else (a, b)
        choices = {}
        for f in MERGE_FIELDS:
            pick = request.form.get(f"f_{f}")
            if pick in ("a", "b"):
                choices[f] = "survivor" if (pick == "a") == (survivor is a) else "merged"
        try:
            rec = merge_persons(db.session, survivor.id, other.id, scope=current_scope(), choices=choices,
                                user_id=_user_id(), note=request.form.get("note"), pair_id=pair.id)
            db.session.commit()
        except MergeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for(".list"))
        flash(_("Data digabungkan. Penggabungan dapat dibatalkan dari daftar penggabungan (#%(id)s).", id=rec.id),
              "success")
        active = casework.active_cases(casework.cases_of(db.session, [rec.survivor_id], current_scope())
                                       [rec.survivor_id])
        if len(active) > 1:
            flash(_("Orang ini sekarang memiliki %(n)s kasus aktif (%(cases)s): teruskan satu kasus dan akhiri "
                    "yang lain.", n=len(active), cases=", ".join(str(c) for c in active)), "warning")
        return redirect(url_for("PersonView.show", pk=rec.survivor_id))

    @expose("/merges/")
    @has_access
    def merges(self):
        scope = current_scope()
        rows = db.session.execute(
            select(MergeRecord, Person).join(Person, Person.id == MergeRecord.survivor_id)
            .where(person_clause(scope)).order_by(MergeRecord.id.desc()).limit(100)).all()
        return self.render_template("palu/identity_merges.html", rows=rows)

    @expose("/unmerge/<int:pk>", methods=["POST"])
    @has_access
    def unmerge(self, pk):
        try:
            rec = unmerge(db.session, pk, scope=current_scope(), user_id=_user_id(),
                          note=request.form.get("note"))
            db.session.commit()
        except MergeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for(".merges"))
        flash(_("Penggabungan dibatalkan; kedua data kembali seperti semula."), "success")
        return redirect(url_for("PersonView.show", pk=rec.merged_id))


class RepeatsView(BaseView):
    """Proof of repeats: most frequently met persons and an encounter search by place and dates."""

    route_base = "/repeats"
    default_view = "list"

    @expose("/")
    @has_access
    def list(self):
        rows = repeats.frequent_persons(db.session, current_scope(), _date_arg("dari"), _date_arg("sampai"),
                                        request.args.get("kecamatan") or None)
        return self.render_template("palu/identity_repeats.html", rows=rows, kecamatan=_kecamatan_options())

    @expose("/encounters/")
    @has_access
    def encounters(self):
        lokasi = (request.args.get("lokasi") or "").strip() or None
        if lokasi and len(lokasi) < 3:  # the place index works on three letters and more
            flash(_("Kata lokasi paling sedikit 3 huruf."), "warning")
            rows = []
        else:
            rows = repeats.search_encounters(
                db.session, current_scope(), kelurahan=request.args.get("kelurahan") or None,
                kecamatan=request.args.get("kecamatan") or None, lokasi=lokasi,
                since=_date_arg("dari"), until=_date_arg("sampai"))
        back = repeats.returners(db.session, {e.person_id for e, _n in rows})
        return self.render_template("palu/identity_encounters.html", rows=rows, back=back,
                                    kecamatan=_kecamatan_options(), kelurahan=_kelurahan_options())


class ImportView(BaseView):
    """Upload screen for field data: dry run first, then commit the same file."""

    route_base = "/import"
    default_view = "index"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        from flask import current_app

        from app.services import importer

        plans, counts, error, committed = None, None, None, False
        if request.method == "POST":
            upload = request.files.get("berkas")
            try:
                if upload is None or not upload.filename:
                    raise importer.ImportFileError(_("Pilih berkas .xlsx atau .csv."))
                content = upload.read(importer.MAX_BYTES + 1)
                rows = importer.read_rows(upload.filename, content)
                commit = request.form.get("commit") == "1"
                folder, secret = importer.plan_store(current_app.config["IMPORT_PLAN_DIR"], current_app.config["SECRET_KEY"])
                stamp = importer.plan_stamp(db.session, content, current_scope())
                plans = importer.kept_plan(folder, stamp, secret, drop=True) if commit else None
                if plans is None:
                    plans = importer.plan_import(db.session, rows, current_scope())
                counts = importer.summary(plans)
                if commit and not counts["galat"]:
                    importer.commit_import(db.session, plans, current_scope())
                    db.session.commit()
                    committed = True
                    flash(_("Impor disimpan."), "success")
                else:
                    db.session.rollback()
                    if not counts["galat"]:
                        importer.keep_plan(folder, stamp, plans, secret)
            except (importer.ImportFileError, importer.ImportCommitError, intake.IntakeError) as exc:
                db.session.rollback()
                error = str(exc)
        return self.render_template("palu/identity_import.html", plans=plans, counts=counts, error=error,
                                    committed=committed, actions=importer.ACTIONS)

    @expose("/template")
    @has_access
    def template(self):
        from flask import Response

        from app.services.importer import template_csv

        return Response(template_csv(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=templat_impor_ppks.csv"})


def register(appbuilder) -> None:
    from app.services import identity_keys

    identity_keys.install()
    cat = dict(category="Identity", category_label=_l("Identitas & Data Ganda"), category_icon="fa-clone")
    appbuilder.add_view(IntakeView, "Intake", label=_l("Cari lalu Daftarkan"), icon="fa-search-plus", **cat)
    appbuilder.add_view(ReviewView, "Duplicate Review", label=_l("Tinjauan Data Ganda"), icon="fa-clone", **cat)
    appbuilder.add_view(ImportView, "Field Data Import", label=_l("Impor Data Lapangan"), icon="fa-upload", **cat)
    appbuilder.add_view(RepeatsView, "Frequently Met", label=_l("Sering Terjaring"), icon="fa-repeat", **cat)
    from flask import current_app

    current_app.jinja_env.globals["returner_reason"] = returner_reason


def returner_reason(person_id) -> str | None:
    """Why a person counts as a returner (`repeats.returners`), for the person page badge."""
    try:
        return repeats.returners(db.session, [int(person_id)]).get(int(person_id))
    except (TypeError, ValueError):
        return None
