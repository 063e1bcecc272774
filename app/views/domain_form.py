"""Run domain validation (intake service) inside WTForms validation.

FAB's add/edit flow flashes exceptions from pre_add/pre_update and loses the
user's input; validating here instead re-renders the form with field errors.
"""
from __future__ import annotations

from flask import current_app, flash, g, request
from wtforms import HiddenField

from app.services.photos import PhotoError, store_photo


class DomainFormMixin:
    """Subclasses implement `domain_validate(form, is_add) -> dict[field, message]`."""

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
