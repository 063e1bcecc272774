"""docs/roles.md is generated from app/roles.py and must not drift."""
from pathlib import Path

from app.services.roles_doc import render_roles_doc


def test_roles_doc_matches_code(app):
    with app.app_context():
        expected = render_roles_doc(app.appbuilder)
    actual = (Path(__file__).resolve().parents[1] / "docs" / "roles.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/roles.md is stale: run `flask ppks roles-doc`"
