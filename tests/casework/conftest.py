"""Helpers for casework tests: build a case in a given state with the data each step needs."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select


def user_id(session, username: str) -> int:
    from app.security import PaluUser

    return session.scalar(select(PaluUser.id).where(PaluUser.username == username))


@pytest.fixture()
def uid(session_ctx):
    """uid('peksos') -> that demo user's id."""

    def _uid(username: str) -> int:
        with session_ctx() as s:
            return user_id(s, username)

    return _uid


@pytest.fixture()
def build_case(app, make_person, session_ctx):
    """build_case(state, pending=None, full=True) -> (case_id, person_id)."""

    def _build(state: str = "terjangkau", pending: str | None = None, full: bool = True,
               **person_fields):
        from app.models import Case, JenisLayanan, Lembaga
        from app.services import casework

        person_id = make_person(**person_fields)
        with session_ctx() as s:
            case = casework.open_case(s, person_id, None)
            if full:
                case.state = "asesmen"
                layanan = s.execute(select(JenisLayanan).where(JenisLayanan.spm_group == "gepeng")
                                    .order_by(JenisLayanan.urutan).limit(2)).scalars().all()
                casework.save_assessment(s, case, {"spm_group": "gepeng",
                                                   "layanan_ids": [j.id for j in layanan]}, None)
                lembaga = s.execute(select(Lembaga).limit(1)).scalar_one_or_none()
                casework.add_referral(s, case, {"lembaga_id": lembaga.id if lembaga else None,
                                                "tujuan_lain": "RSUD", "alasan": "perawatan",
                                                "dasar_persetujuan": "setuju lisan"})
                casework.add_pemulangan(s, case, {"tujuan_kabkota": "Kab. Garut",
                                                  "penerima_nama": "Kepala Desa"})
            case.state, case.pending_approval = state, pending
            case.approval_requested_by_id = user_id(s, "peksos") if pending else None
            if state == "hilang_kontak":
                case.state_before_hilang = "layanan_berjalan"
                case.closed_at = dt.datetime.now()
            s.commit()
            return case.id, person_id

    return _build


FULL_DATA = {"note": "catatan uji", "alasan_terminasi": "tujuan_tercapai",
             "ringkasan_terminasi": "Layanan selesai dan orang kembali ke keluarga."}
