"""Shared report fixtures: the isolated 2011 registry scenario, created once per session."""
from __future__ import annotations

import pytest

from tests.reports import scenario as sc


@pytest.fixture(scope="session")
def data(app):
    """(name -> person id, jenis PPKS nomor -> nama) of the rekap scenario."""
    from tests.conftest import app_session
    from app.models import JenisPPKS

    with app_session(app) as s:
        ids = sc.create(s)
        names = {j.nomor: j.nama for j in s.query(JenisPPKS)}
    return ids, names
