"""A lean list page for the big registry lists (issue 2 §10 speed).

FAB renders a list page through four nested widget templates: per-cell lazy
gettext, per-page permission look-ups over every registered view, link filters
and macros per row, and the search widget's form rendered on every request.
`LeanListMixin.list` does the same work once per request in Python (labels,
links, permissions, cell text) and renders one template, `palu/lean_list.html`,
with FAB's markup, links and scripts.  The search widget's HTML is cached per
view, language and active filters (it depends on nothing else).
"""
from __future__ import annotations

import json
import math
from collections import OrderedDict
from urllib.parse import urlencode

from flask import request, url_for
from flask_appbuilder.baseviews import expose
from flask_appbuilder.const import PERMISSION_PREFIX
from flask_appbuilder.models.filters import Filters
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.urltools import get_filter_args, get_order_args, get_page_args, get_page_size_args
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from app.views.base import COUNT_CAP, bare_filters

_SEARCH_CACHE: "OrderedDict[tuple, Markup]" = OrderedDict()
_SEARCH_CACHE_MAX = 256
_LABELS: dict[tuple, dict[str, str]] = {}
_TEXT: dict[str, dict[str, str]] = {}


def page_texts() -> dict[str, str]:
    """FAB's list-page strings in the current language, translated once per language."""
    locale = str(get_locale())
    if locale not in _TEXT:
        _TEXT[locale] = {
            "search": _("Search"), "page_size": _("Page size"), "add": _("Add"),
            "add_title": _("Add a new record"), "back": _("Back"), "count": _("Record Count"),
            "show": _("Show"), "show_title": _("Show record"), "edit": _("Edit"),
            "edit_title": _("Edit record"), "delete": _("Delete"),
            "delete_title": _("Delete record"), "none": _("No records found"),
            "delete_confirm": _("Are you sure you want to delete this item?"),
        }
    return _TEXT[locale]


def joined_filters(view_filters: Filters, base: Filters) -> Filters:
    """`view_filters.get_joined_filters(base)` without FAB's per-column filter catalogue."""
    return bare_filters(view_filters.datamodel, view_filters.filters + base.filters,
                        view_filters.values + base.values)


def self_url(**changes) -> str:
    """This page's URL with some query arguments changed (FAB's link_page / link_order);
    the path is built once per request."""
    cached = getattr(request, "_palu_self_url", None)
    if cached is None:
        cached = request._palu_self_url = (url_for(request.endpoint, **request.view_args),
                                           request.args.to_dict())
    path, args = cached
    query = urlencode([(k, v) for k, v in {**args, **changes}.items() if v is not None],
                      safe="!$'()*,/:;?@")
    return f"{path}?{query}" if query else path


def pagination(page: int, page_size: int, count: int, name: str) -> list[tuple]:
    """FAB's `render_pagination` as (text, href or None, css class) items."""
    pages = math.ceil(count / page_size)
    if pages <= 1:
        return []
    low, high = page - 3, page + 4
    if low < 0:
        high -= low
    if high >= pages:
        low = low - high + pages
    low, high = max(low, 0), min(high, pages)
    key = "page_" + name

    def link(text, target, enabled, active=False):
        if active:
            return (text, None, "active")
        return (text, self_url(**{key: target}), "") if enabled else (text, None, "disabled")

    items = [link("«", 0, low > 0), link("<", page - 1, page > 0)]
    items += [link(str(p + 1), p, True, active=(p == page)) for p in range(low, high)]
    items += [link(">", page + 1, page + 1 < pages), link("»", pages - 1, high < pages)]
    return items


class LeanListMixin:
    """`/list/` rendered by one template from values prepared once per request."""

    list_template = "palu/lean_list.html"

    @expose("/list/", methods=["GET", "POST"])
    @has_access
    def list(self):
        return self.render_template(self.list_template, title=self.list_title,
                                    lean=self.lean_list_context())

    def _can(self, method: str) -> bool:
        permission = PERMISSION_PREFIX + self.get_method_permission(method)
        return permission in self.base_permissions and \
            self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _column_labels(self) -> dict[str, str]:
        key = (type(self).__name__, str(get_locale()))
        if key not in _LABELS:
            _LABELS[key] = {c: str(self.label_columns.get(c, c)) for c in self.list_columns}
        return _LABELS[key]

    def lean_list_context(self) -> dict:
        name = type(self).__name__
        order_column, order_direction = get_order_args().get(name, ("", ""))
        if not order_column and self.base_order:
            order_column, order_direction = self.base_order
        page = get_page_args().get(name) or 0
        page_size = get_page_size_args().get(name) or self.page_size
        get_filter_args(self._filters)
        count, items = self.datamodel.query(
            joined_filters(self._filters, self._base_filters), order_column, order_direction,
            page=page, page_size=page_size)
        self.update_redirect()
        texts, labels = page_texts(), self._column_labels()
        return {
            "count": count, "count_text": f"{COUNT_CAP:,}+".replace(",", ".") if count > COUNT_CAP else count,
            "rows": self._rows(items), "texts": texts, "labels": labels,
            "header": self._header(labels, name),
            "pagination": pagination(page, page_size, count, name),
            "page_sizes": self._page_sizes(page, page_size, count, name),
            "can": {m: self._can(m) for m in ("add", "show", "edit", "delete")},
            "actions": {k: a for k, a in self.actions.items()
                        if a.multiple and self.appbuilder.sm.has_access(
                            self.get_action_permission_name(k), self.class_permission_name)},
            "filters": self._filters, "modelview_name": name,
            "search_html": self.lean_search_html(),
        }

    def _rows(self, items) -> list[tuple]:
        """(primary key, cell texts) per row; each formatter runs once per distinct value."""
        pk = self.datamodel.get_pk_name()
        cols, formatters = self.list_columns, self.formatters_columns
        memo: dict = {}
        rows = []
        for item in items:
            cells = []
            for col in cols:
                value = getattr(item, col)
                fmt = formatters.get(col)
                if fmt is not None:
                    try:
                        key = (col, value)
                        value = memo[key] if key in memo else memo.setdefault(key, fmt(value))
                    except TypeError:  # unhashable value
                        value = fmt(value)
                cells.append(value)
            rows.append((getattr(item, pk), cells))
        return rows

    def _header(self, labels: dict, name: str) -> list[tuple]:
        """(label, order link or None, icon) per column, as FAB's list header."""
        current = request.args.get("_oc_" + name)
        ascending = request.args.get("_od_" + name) == "asc"
        out = []
        for col in self.list_columns:
            if col not in self.order_columns:
                out.append((labels[col], None, None))
                continue
            direction = ("desc" if ascending else "asc") if current is not None else "asc"
            icon = ("fa-chevron-up" if ascending else "fa-chevron-down") if current == col \
                else "fa-arrows-v"
            out.append((labels[col], self_url(**{"_oc_" + name: col, "_od_" + name: direction}), icon))
        return out

    def _page_sizes(self, page: int, page_size: int, count: int, name: str) -> list[tuple]:
        if math.ceil(count / page_size) <= 1:
            return []
        return [(size, self_url(**{"psize_" + name: size}), size == page_size)
                for size in range(25, 125, 25) if page * size <= count]

    def lean_search_html(self) -> Markup:
        """FAB's search widget (filter form), cached per view, language and active filters."""
        active = json.dumps(self._filters.get_filters_values_tojson(), default=str)
        key = (type(self).__name__, str(get_locale()), active)
        # A POST fills the form from its body; a related column's choices depend on the
        # user's scope: neither is shared between requests.
        cacheable = request.method == "GET" and not any(
            self.datamodel.is_relation(col) for col in self.search_columns)
        html = _SEARCH_CACHE.get(key) if cacheable else None
        if html is None:
            html = Markup(self._get_search_widget(form=self.search_form.refresh())["search"]())
            if cacheable:
                _SEARCH_CACHE[key] = html
                while len(_SEARCH_CACHE) > _SEARCH_CACHE_MAX:
                    _SEARCH_CACHE.popitem(last=False)
        return html


class EnumTexts:
    """`enum_label` for templates with each (column, value) translated once per
    language (a timeline of 60 encounters asked gettext ~180 times a page)."""

    _by_locale: dict[str, dict] = {}

    def __init__(self, region=None):
        self.cache = self._by_locale.setdefault(str(get_locale()), {})
        self.region = region  # code -> name for the *_kode columns (e.g. in the change history)

    def __call__(self, value, column: str) -> str:
        if self.region is not None and column.endswith("_kode") and isinstance(value, str):
            return self.region(value)
        key = (column, value)
        try:
            hash(key)
        except TypeError:  # e.g. a list in an audit change
            from app.views.labels import enum_label

            return enum_label(column, value)
        if key not in self.cache:
            from app.views.labels import enum_label

            if len(self.cache) > 10_000:
                self.cache.clear()
            self.cache[key] = enum_label(column, value)
        return self.cache[key]


def show_fieldsets(view, item) -> list[tuple]:
    """A show page's fieldsets as (title, [(label, text)]), each value formatted once
    (what FAB's show widget computes inside its template, per field)."""
    out = []
    for title, spec in view.show_fieldsets:
        rows = []
        for col in spec["fields"]:
            fmt, value = view.formatters_columns.get(col), getattr(item, col)
            rows.append((view.label_columns.get(col), fmt(value) if fmt else value))
        out.append((title, rows, True if spec.get("expanded") is None else spec["expanded"]))
    return out
