"""Run domain validation (intake service) inside WTForms validation.

FAB's add/edit flow flashes exceptions from pre_add/pre_update and loses the
user's input; validating here instead re-renders the form with field errors.
"""
from __future__ import annotations

from flask import current_app, flash, g, request
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField

from app.extensions import db
from app.services.photos import PhotoError, store_photo


def stale_message() -> str:
    return _("Data ini sudah diubah oleh pengguna lain sejak Anda membukanya. "
             "Muat ulang halaman untuk melihat data terbaru.")


class StaleEdit(Exception):
    """Another save won the race between the version check and this one's UPDATE."""


class DomainFormMixin:
    """Subclasses implement `domain_validate(form, is_add) -> dict[field, message]`
    and `domain_update(item)` (applied to the edited item before it is saved).

    Optimistic locking: the form carries the version it was read at
    (`lock_version`); `stale_version` refuses an old one during validation, and
    the save itself is atomic: the model's `version_id_col` makes the UPDATE
    `... WHERE version = <read>`, flushed in `pre_update`, so a concurrent save
    that slipped in after the check matches no row (StaleDataError): rolled
    back, nothing saved, the Indonesian message flashed instead of FAB's
    generic database error.
    """

    def _init_forms(self):
        super()._init_forms()
        self.add_form = self._wrap_form(self.add_form, is_add=True)
        self.edit_form = self._wrap_form(self.edit_form, is_add=False)

    def _wrap_form(self, form_cls, *, is_add: bool):
        view = self
        attrs = {} if is_add else {"lock_version": HiddenField()}  # no leading "_": WTForms ignores such fields

        def validate(form, extra_validators=None):
            ok = form_cls.validate(form, extra_validators=extra_validators)
            if not ok:
                return False
            errors = view.domain_validate(form, is_add)
            for name, message in errors.items():
                field = form._fields.get(name)
                if field is not None:
                    field.errors = list(field.errors) + [message]
                else:
                    flash(message, "danger")
            return not errors

        attrs["validate"] = validate
        return type(form_cls.__name__, (form_cls,), attrs)

    def pre_update(self, item):
        try:
            self.domain_update(item)
            db.session.flush()  # UPDATE ... WHERE version = :read, row locked until commit
        except StaleDataError:
            db.session.rollback()
            raise StaleEdit(stale_message()) from None

    def domain_update(self, item):
        """Apply the domain side of an edit (subclasses)."""

    def stale_version(self, form, item) -> bool:
        """An edit must say which version it was based on; a missing one counts as stale."""
        sent = form._fields.get("lock_version")
        return sent is None or not sent.data or str(item.version) != str(sent.data)

    def prefill_form(self, form, pk):
        item = self.datamodel.get(pk)
        if item is not None and "lock_version" in form._fields:
            form.lock_version.data = item.version

    @staticmethod
    def store_upload(field_name: str) -> str | None:
        """Store an uploaded photo from this request (validated beforehand)."""
        upload = request.files.get(field_name)
        if not upload or not upload.filename:
            return None
        cfg = current_app.config
        return store_photo(upload.read(), cfg["PHOTO_DIR"], max_bytes=cfg["PHOTO_MAX_BYTES"],
                           max_side=cfg["PHOTO_MAX_SIDE"])

    @classmethod
    def upload_error(cls, field_name: str) -> str | None:
        """Validate and store the upload now, keeping the file name for pre_add/pre_update."""
        try:
            g.stored_photo = cls.store_upload(field_name)
        except PhotoError as exc:
            return str(exc)
        return None

    @staticmethod
    def flash_warnings(warnings) -> None:
        for warning in warnings or ():
            flash(warning, "warning")
