"""Referral and aid-application status flows, and input refused with Indonesian messages."""
from __future__ import annotations

import datetime as dt

import pytest

from app.services import aid as aid_svc
from app.services import casework
from app.services.casework import CaseworkError


def test_referral_flow(build_case, session_ctx):
    from app.models import Case

    case_id, _ = build_case("layanan_berjalan")
    with session_ctx() as s:
        case = s.get(Case, case_id)
        with pytest.raises(CaseworkError, match="Persetujuan atau dasar"):
            casework.add_referral(s, case, {"tujuan_lain": "Puskesmas", "alasan": "periksa"})
        ref = casework.add_referral(s, case, {"tujuan_lain": "Puskesmas", "alasan": "periksa",
                                              "dasar_persetujuan": "wali: ketua RT"})
        with pytest.raises(CaseworkError, match="tidak dapat diubah"):
            casework.set_referral_status(s, ref, "selesai")
        casework.set_referral_status(s, ref, "diterima", dt.date(2026, 11, 2))
        casework.set_referral_status(s, ref, "selesai", dt.date(2026, 11, 9))
        assert (ref.status, ref.tanggal_respon, ref.tanggal_selesai) == (
            "selesai", dt.date(2026, 11, 2), dt.date(2026, 11, 9))
        with pytest.raises(CaseworkError):
            casework.set_referral_status(s, ref, "dibatalkan")


def test_aid_flow_and_overdue(build_case, session_ctx):
    from sqlalchemy import select

    from app.models import AidApplication

    case_id, person_id = build_case("layanan_berjalan")
    with session_ctx() as s:
        with pytest.raises(CaseworkError, match="Jenis bantuan"):
            aid_svc.add_aid(s, person_id, {"jenis": "emas"})
        aid = aid_svc.add_aid(s, person_id, {"jenis": "bpjs_pbi", "tanggal_diajukan": "2026-01-05",
                                              "instansi_tujuan": "BPJS Kesehatan"},
                               case_id)
        s.commit()
        overdue = s.scalars(select(AidApplication.id).where(
            aid_svc.overdue_aid_clause(dt.date(2026, 3, 1)))).all()
        assert aid.id in overdue
        with pytest.raises(CaseworkError):
            aid_svc.set_aid_status(s, aid, "disalurkan")
        for status in ("diverifikasi", "diteruskan", "disetujui", "disalurkan"):
            aid_svc.set_aid_status(s, aid, status, dt.date(2026, 3, 2))
        assert aid.tanggal_disalurkan == dt.date(2026, 3, 2) and aid.status == "disalurkan"
        s.commit()
        assert aid.id not in s.scalars(select(AidApplication.id).where(
            aid_svc.overdue_aid_clause(dt.date(2026, 9, 1)))).all()


@pytest.mark.parametrize("data,message", [
    ({"jenis_layanan_id": "x", "tanggal": "2026-01-01"}, "tidak valid|wajib"),
    ({"jenis_layanan_id": 0, "tanggal": "2026-01-01"}, "Jenis layanan"),
    ({"jenis_layanan_id": 1, "tanggal": "31/12/2026"}, "tidak valid"),
    ({"jenis_layanan_id": 1, "tanggal": "2026-01-01", "jumlah": "-3"}, "Jumlah"),
])
def test_bad_service_input_refused(data, message, build_case, session_ctx):
    from app.models import Case

    case_id, _ = build_case("layanan_berjalan")
    with session_ctx() as s:
        with pytest.raises((CaseworkError, ValueError), match=message):
            casework.add_service(s, s.get(Case, case_id), data, None)
