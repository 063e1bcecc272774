"""A leaner list widget for the big registry lists (issue 2 §10 speed).

FAB's list template calls `btn_crud` for every row: three `url_for`, link
filters and two macros with gettext each.  This widget renders the row
buttons once per page and substitutes the primary key; the markup and the
links are the same.
"""
from flask_appbuilder.widgets import ListWidget


class LeanListWidget(ListWidget):
    template = "palu/widgets/lean_list.html"
