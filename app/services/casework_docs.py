"""Case documents as PDF bytes: surat rujukan, berita acara serah terima
(pemulangan) and the case dossier, all through `reports.letters.render_letter`.
Pure: takes loaded model objects and plain values (photos as bytes).
"""
from __future__ import annotations

import datetime as dt
import os

from reports.document import Column, Section, Signature, Table
from reports.formatting import format_date
from reports.letters import render_letter

from app.services.workflow import ALASAN_TERMINASI, STATES


MAX_PHOTOS = 12
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def dossier_photos(person, encounters, photo_dir: str, limit: int = MAX_PHOTOS) -> list[tuple]:
    """(jpeg bytes, caption) of the person's photo and the encounter photos, oldest
    first, at most `limit`; missing or foreign file names are skipped."""
    from app.services.photos import photo_path

    items = [(person.photo, "Foto PPKS")] + [
        (e.photo, f"Penjangkauan {format_date(e.waktu.date())}"
                  f"{', ' + (e.lokasi or '')[:60] if e.lokasi else ''}") for e in encounters]
    out = []
    for name, caption in items:
        path = photo_path(photo_dir, name)
        if path is None or os.path.getsize(path) > MAX_PHOTO_BYTES:
            continue
        with open(path, "rb") as fh:
            out.append((fh.read(), caption))
        if len(out) >= limit:
            break
    return out


def _table(name: str, headers: list[str], rows: list[list]) -> Table:
    rows = [[("" if v is None else v) for v in r] for r in rows] or [["-"] * len(headers)]
    return Table(name, [Column(h) for h in headers], rows)


def _person_kv(person) -> list[tuple[str, str]]:
    born = person.tanggal_lahir and format_date(person.tanggal_lahir) or (
        str(person.tahun_lahir) if person.tahun_lahir else "tidak diketahui")
    return [("Nama", person.display_name), ("NIK", person.nik or "tidak diketahui"),
            ("Jenis kelamin", {"L": "Laki-laki", "P": "Perempuan"}.get(person.jenis_kelamin,
                                                                       "tidak diketahui")),
            ("Tanggal/tahun lahir", born)]


def _kepala(config: dict, today: dt.date, caption: str | None = None) -> Signature:
    return Signature(date=today, caption=caption, title_line="Kepala Dinas Sosial Kota Bekasi",
                     name=config.get("KEPALA_DINAS_NAMA", ""), nip=config.get("KEPALA_DINAS_NIP"))


def referral_letter(case, referral, config: dict, today: dt.date | None = None) -> bytes:
    today = today or dt.date.today()
    return render_letter(
        None, "SURAT RUJUKAN", f"460/{referral.id}/Dinsos.Rehsos/{today.year}",
        ["Dengan hormat,",
         "Bersama ini kami rujuk penerima layanan berikut untuk mendapatkan layanan lebih lanjut:"],
        key_values=_person_kv(case.person) + [
            ("Nomor kasus", str(case)), ("Alasan rujukan", referral.alasan),
            ("Dasar persetujuan", referral.dasar_persetujuan),
            ("Tanggal rujukan", format_date(referral.tanggal_kirim))],
        closing_paragraphs=["Demikian surat rujukan ini kami sampaikan. Atas perhatian dan "
                            "kerja samanya kami ucapkan terima kasih."],
        recipient=["Kepada Yth.", f"Pimpinan {referral.tujuan}", "di", "Tempat"],
        signature=_kepala(config, today))


def berita_acara(case, pemulangan, config: dict, today: dt.date | None = None) -> bytes:
    today = today or dt.date.today()
    on = pemulangan.tanggal_serah_terima or today
    return render_letter(
        None, "BERITA ACARA SERAH TERIMA", f"BA/{pemulangan.id}/Dinsos.Rehsos/{on.year}",
        [f"Pada hari ini, {format_date(on)}, telah dilakukan serah terima penerima layanan "
         f"berikut dari Dinas Sosial Kota Bekasi (PIHAK PERTAMA) kepada "
         f"{pemulangan.penerima_nama} (PIHAK KEDUA) di {pemulangan.tujuan_kabkota}:"],
        key_values=_person_kv(case.person) + [
            ("Nomor kasus", str(case)), ("Tujuan", pemulangan.tujuan_kabkota),
            ("Kontak penerima", pemulangan.penerima_kontak or "-"),
            ("Transportasi", pemulangan.transportasi or "-"),
            ("Pendamping", pemulangan.pendamping or "-")],
        closing_paragraphs=["Demikian berita acara ini dibuat untuk dipergunakan sebagaimana mestinya."],
        signature=[Signature(date=None, place=None, caption="PIHAK PERTAMA",
                             title_line="Dinas Sosial Kota Bekasi", name=pemulangan.pendamping or ""),
                   Signature(date=None, place=None, caption="PIHAK KEDUA",
                             title_line="Penerima", name=pemulangan.penerima_nama)],
        acknowledged_by=_kepala(config, today, "Mengetahui,"))


def dossier(case, encounters, photos, config: dict, today: dt.date | None = None) -> bytes:
    """The whole case for hand-over: person, encounters (+photos), assessment, services, history."""
    today = today or dt.date.today()
    a = case.latest_assessment
    sections = [
        Section("Riwayat penjangkauan", blocks=[_table("penjangkauan", ["Waktu", "Lokasi", "Hasil"], [
            [f"{e.waktu:%d-%m-%Y %H:%M}", e.lokasi or "-", e.hasil or "-"] for e in encounters])]),
        Section("Asesmen", blocks=[_table("asesmen", ["Aspek", "Keterangan"], [
            [k, v or "-"] for k, v in ([
                ("Tanggal", format_date(a.tanggal)), ("Dokumen identitas", a.dokumen_identitas),
                ("Kesehatan", a.kesehatan), ("Tempat tinggal", a.tempat_tinggal),
                ("Keluarga/kontak", a.keluarga_kontak), ("Risiko/urgensi", f"{a.risiko}/{a.urgensi}"),
                ("Layanan dibutuhkan", ", ".join(j.nama for j in a.layanan))] if a else
                [("Asesmen", "belum diisi")])])]),
        Section("Layanan diberikan", blocks=[_table("layanan", ["Tanggal", "Layanan", "Jumlah"], [
            [format_date(s.tanggal), s.jenis_layanan.nama, str(s.jumlah)] for s in case.services])]),
        Section("Rujukan", blocks=[_table("rujukan", ["Tanggal", "Tujuan", "Status"], [
            [format_date(r.tanggal_kirim), r.tujuan, r.status] for r in case.referrals])]),
        Section("Riwayat kasus", blocks=[_table("riwayat", ["Waktu", "Tindakan", "Status", "Oleh", "Catatan"], [
            [f"{t.waktu:%d-%m-%Y %H:%M}", t.action, STATES.get(t.to_state, t.to_state),
             t.actor_name or "-", t.note or ""] for t in case.transitions])]),
    ]
    closing = []
    if case.state == "terminasi":
        closing.append(f"Kasus ditutup: {ALASAN_TERMINASI.get(case.alasan_terminasi, '-')}. "
                       f"{case.ringkasan_terminasi or ''}")
    return render_letter(
        None, "DOSIER KASUS", str(case), [f"Status kasus: {STATES.get(case.state, case.state)}"],
        key_values=_person_kv(case.person), sections=sections, closing_paragraphs=closing,
        photos=photos or None, photos_heading="Dokumentasi penjangkauan",
        signature=_kepala(config, today))
