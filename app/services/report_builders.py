"""Turn report query results into `reports.document.ReportDocument` (e-SPM layout).

No Flask here: labels are plain Indonesian strings, config comes as a mapping.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from reports.document import (
    BarChart, Column, KeyValue, Paragraph, ReportDocument, Section, Signature, Table,
)
from reports.formatting import period_label

from app.services.report_queries import UNSET, Period

GENDER_COLS = [Column("L", "int"), Column("P", "int"), Column("Tidak diketahui", "int"),
               Column("Jumlah", "int")]
SOURCE_LABELS = {"razia": "Razia Satpol PP", "patroli": "Patroli Dinsos",
                 "laporan": "Laporan masyarakat", "datang_sendiri": "Datang sendiri",
                 "rujukan": "Rujukan"}
SPM_GROUP_LABELS = {"disabilitas": "Penyandang disabilitas telantar", "anak": "Anak telantar",
                    "lansia": "Lanjut usia telantar", "gepeng": "Gelandangan dan pengemis"}
OUTCOME_LABELS = {"tujuan_tercapai": "Tujuan layanan tercapai",
                  "dirujuk_tuntas": "Rujukan (diterima lembaga)",
                  "dipulangkan": "Pemulangan ke daerah asal", "reunifikasi": "Reunifikasi keluarga",
                  "meninggal": "Meninggal dunia", "menolak_layanan": "Menolak layanan",
                  "lainnya": "Lainnya", "hilang_kontak": "Hilang kontak"}
SPM_INDICATOR = ("Jumlah Warga Negara {g} yang memperoleh rehabilitasi sosial dasar di luar panti")
SPM_GROUP_INDICATOR = {"disabilitas": "penyandang disabilitas telantar",
                       "anak": "anak telantar", "lansia": "lanjut usia telantar",
                       "gepeng": "gelandangan dan pengemis"}
NO_TYPE = "(Jenis PPKS belum dicatat)"
NO_AREA = "(Kecamatan belum dicatat)"


def _g(d: Mapping[str, int] | None) -> list[int]:
    d = d or {}
    return [d.get("L", 0), d.get("P", 0), d.get("U", 0), d.get("J", 0)]


def signature(config: Mapping[str, Any], today: dt.date | None = None) -> Signature:
    return Signature(place="Bekasi", date=today, caption="Mengetahui,",
                     title_line="Kepala Dinas Sosial Kota Bekasi",
                     name=config.get("KEPALA_DINAS_NAMA") or "",
                     nip=config.get("KEPALA_DINAS_NIP") or None)


def _meta(period: Period, kecamatan: str | None, kec_names: Mapping[str, str]) -> list:
    return [("Periode", period_label(period.year, period.month)),
            ("Wilayah", kec_names.get(kecamatan, kecamatan) if kecamatan else "Seluruh Kota Bekasi")]


def rekap_document(data: dict, period: Period, kecamatan: str | None,
                   kec_names: Mapping[str, str], config: Mapping[str, Any],
                   generated_at: dt.datetime | None = None) -> ReportDocument:
    """The monthly PPKS recap (rekap PPKS) document."""
    total = data["total"]
    jenis_rows = sorted(data["by_jenis"].items(), key=lambda kv: (kv[0] == UNSET, kv[0]))
    t_jenis = Table("Per Jenis PPKS", [Column("No", "int"), Column("Jenis PPKS")] + GENDER_COLS,
                    [[i, NO_TYPE if k == UNSET else k, *_g(v)] for i, (k, v) in enumerate(jenis_rows, 1)],
                    total_row=[None, "Jumlah orang (unik)", *_g(total)],
                    title="Jumlah PPKS per jenis (orang unik)")
    kec_rows = sorted(data["by_kecamatan"].items(), key=lambda kv: (kv[0] == UNSET, kv[0]))
    kname = lambda k: NO_AREA if k == UNSET else kec_names.get(k, k)  # noqa: E731
    t_kec = Table("Per Kecamatan", [Column("No", "int"), Column("Kecamatan")] + GENDER_COLS,
                  [[i, kname(k), *_g(v)] for i, (k, v) in enumerate(kec_rows, 1)],
                  total_row=[None, "Jumlah", *_g(total)], title="Jumlah PPKS per kecamatan (orang unik)")
    mat_rows = sorted(data["matrix"].items(), key=lambda kv: (kname(kv[0][0]), kv[0][1]))
    t_mat = Table("Jenis x Kecamatan",
                  [Column("No", "int"), Column("Kecamatan"), Column("Jenis PPKS")] + GENDER_COLS,
                  [[i, kname(k), NO_TYPE if j == UNSET else j, *_g(v)]
                   for i, ((k, j), v) in enumerate(mat_rows, 1)],
                  title="Jenis PPKS per kecamatan (orang unik)")
    src = data["by_source"]
    src_keys = list(SOURCE_LABELS) + sorted(k for k in src if k not in SOURCE_LABELS)
    t_src = Table("Sumber Penjangkauan",
                  [Column("No", "int"), Column("Sumber"), Column("Jumlah penjangkauan", "int"),
                   Column("Orang unik", "int")],
                  [[i, SOURCE_LABELS.get(k, k), src.get(k, {}).get("encounters", 0),
                    src.get(k, {}).get("persons", 0)] for i, k in enumerate(src_keys, 1)],
                  total_row=[None, "Jumlah", sum(v["encounters"] for v in src.values()), total["J"]],
                  title="Penjangkauan menurut sumber")
    t_new = Table("Baru dan Berulang", [Column("Uraian"), Column("Jumlah orang", "int")],
                  [["PPKS baru (pertama kali ditemui)", data["new"]],
                   ["PPKS berulang (pernah ditemui sebelumnya)", data["returners"]]],
                  total_row=["Jumlah", total["J"]], title="PPKS baru dan berulang")
    blocks: list = [KeyValue([("Jumlah PPKS ditemui (orang unik)", total["J"]),
                              ("Laki-laki", total["L"]), ("Perempuan", total["P"]),
                              ("PPKS baru", data["new"]), ("PPKS berulang", data["returners"])]),
                    t_jenis, t_kec, t_mat, t_src, t_new]
    cases = data.get("cases")
    if cases is not None:
        closed = sorted(cases["closed"].items())
        blocks.append(Table(
            "Kasus", [Column("Uraian"), Column("Jumlah kasus", "int"), Column("Orang unik", "int")],
            [["Kasus dibuka", cases["opened"], cases["opened_persons"]]]
            + [[f"Kasus ditutup: {OUTCOME_LABELS.get(k, k)}", v["cases"], v["persons"]]
               for k, v in closed],
            total_row=["Jumlah kasus ditutup", sum(v["cases"] for _, v in closed), None],
            title="Kasus dibuka dan ditutup menurut hasil"))
    if jenis_rows:
        blocks.append(BarChart("PPKS per jenis (orang unik)",
                               [NO_TYPE if k == UNSET else k for k, _ in jenis_rows],
                               [("Laki-laki", [v["L"] for _, v in jenis_rows]),
                                ("Perempuan", [v["P"] for _, v in jenis_rows])]))
    blocks.append(Paragraph(
        "Catatan: semua angka menghitung orang unik setelah penggabungan data ganda, kecuali "
        "kolom penjangkauan. Satu orang dapat tercatat pada lebih dari satu jenis PPKS, sehingga "
        "baris jumlah pada tabel per jenis menghitung orang unik. Data yang diarsipkan tidak "
        "dihitung. Kecamatan = wilayah PPKS.", style="note"))
    return ReportDocument(
        title="Rekapitulasi PPKS Jalanan", subtitle="Dinas Sosial Kota Bekasi",
        period_label=period_label(period.year, period.month),
        metadata=_meta(period, kecamatan, kec_names), sections=[Section(None, blocks)],
        signature=signature(config, (generated_at or dt.datetime.now()).date()),
        generated_at=generated_at, orientation="landscape")


KINDS = {"spm": "Laporan SPM", "rekap": "Rekap PPKS"}
FORMATS = ("pdf", "xlsx")


def build_document(session, kind: str, period: Period, scope, kecamatan: str | None,
                   config: Mapping[str, Any], kendala: str | None = None,
                   solusi: str | None = None,
                   generated_at: dt.datetime | None = None) -> ReportDocument:
    """Query and build one report document ("spm" or "rekap")."""
    from app.services import report_queries as q

    names = q.kecamatan_names(session)
    if kecamatan and kecamatan not in names:
        raise q.PeriodError("Kecamatan tidak dikenal.")
    if kind == "rekap":
        return rekap_document(q.rekap_ppks(session, period, scope, kecamatan), period, kecamatan,
                              names, config, generated_at)
    if kind == "spm":
        return spm_document(q.spm_report(session, period, scope, kecamatan), period, kecamatan,
                            names, config, kendala, solusi, generated_at)
    raise q.PeriodError("Jenis laporan tidak dikenal.")


def render(doc: ReportDocument, fmt: str, config: Mapping[str, Any]) -> bytes:
    from reports.document import Letterhead
    from reports.pdf import render_pdf
    from reports.xlsx import render_xlsx

    if fmt == "pdf":
        return render_pdf(doc, Letterhead.from_config(config))
    if fmt == "xlsx":
        return render_xlsx(doc)
    raise ValueError("Format harus pdf atau xlsx.")


def filename(kind: str, period: Period, kecamatan: str | None, fmt: str) -> str:
    area = kecamatan.replace(".", "") if kecamatan else "kota"
    return f"{'laporan-spm' if kind == 'spm' else 'rekap-ppks'}-{period.code}-{area}.{fmt}"


def _pct(x: int, y: int) -> float | None:
    return round(x / y * 100, 2) if y else None


def spm_document(data: dict, period: Period, kecamatan: str | None,
                 kec_names: Mapping[str, str], config: Mapping[str, Any],
                 kendala: str | None = None, solusi: str | None = None,
                 generated_at: dt.datetime | None = None) -> ReportDocument:
    """SPM bidang sosial report laid out like a city e-SPM printout."""
    groups, targets = data["groups"], data["targets"]
    order = list(SPM_GROUP_LABELS)
    rows = [(g, groups.get(g, {}).get("harus", 0), groups.get(g, {}).get("terlayani", 0)) for g in order]
    t_jenis = Table("Jenis Pelayanan Dasar", [Column("No", "int"), Column("Jenis pelayanan dasar")],
                    [[i, f"Rehabilitasi sosial dasar {SPM_GROUP_INDICATOR[g]} di luar panti"]
                     for i, g in enumerate(order, 1)], title="1. Jenis pelayanan dasar")
    t_target = Table("Target Pencapaian",
                     [Column("No", "int"), Column("Jenis pelayanan dasar"),
                      Column("Indikator pencapaian"), Column("Target (%)", "percent")],
                     [[i, SPM_GROUP_LABELS[g], SPM_INDICATOR.format(g=SPM_GROUP_INDICATOR[g]),
                       targets.get(g)] for i, g in enumerate(order, 1)],
                     title="2. Target pencapaian")
    t_real = Table("Realisasi Pencapaian",
                   [Column("No", "int"), Column("Indikator SPM"), Column("Terlayani (X)", "int"),
                    Column("Harus dilayani (Y)", "int"), Column("Belum terlayani", "int"),
                    Column("Perhitungan X/Y"), Column("Nilai (%)", "percent"),
                    Column("Capaian thd target (%)", "percent")],
                   [[i, SPM_INDICATOR.format(g=SPM_GROUP_INDICATOR[g]), x, y, y - x, f"{x}/{y}",
                     _pct(x, y), _pct(_pct(x, y) or 0, targets[g]) if targets.get(g) and y else None]
                    for i, (g, y, x) in enumerate(rows, 1)],
                   total_row=[None, "Jumlah", sum(r[2] for r in rows), sum(r[1] for r in rows),
                              sum(r[1] - r[2] for r in rows),
                              f"{sum(r[2] for r in rows)}/{sum(r[1] for r in rows)}",
                              _pct(sum(r[2] for r in rows), sum(r[1] for r in rows)), None],
                   title="3. Realisasi pencapaian (kumulatif sejak 1 Januari)")
    t_srv = Table("Per Layanan", [Column("No", "int"), Column("Kelompok sasaran"),
                                  Column("Jenis layanan"), Column("Jumlah orang", "int")],
                  [[i, SPM_GROUP_LABELS.get(g, g), nama, data["services"].get(jid, 0)]
                   for i, (jid, g, nama) in enumerate(data["layanan"], 1)],
                  title="4. Penerima per jenis layanan SPM (orang unik)")
    kname = lambda k: "(Kecamatan belum dicatat)" if k == UNSET else kec_names.get(k, k)  # noqa: E731
    kec_rows = sorted(data["per_kecamatan"].items(),
                      key=lambda kv: (order.index(kv[0][0]) if kv[0][0] in order else 99, kname(kv[0][1])))
    t_kec = Table("Per Kecamatan", [Column("No", "int"), Column("Kelompok sasaran"), Column("Kecamatan"),
                                    Column("Harus dilayani", "int"), Column("Terlayani", "int"),
                                    Column("Belum terlayani", "int"), Column("Capaian (%)", "percent")],
                  [[i, SPM_GROUP_LABELS.get(g, g), kname(k), v["harus"], v["terlayani"],
                    v["harus"] - v["terlayani"], _pct(v["terlayani"], v["harus"])]
                   for i, ((g, k), v) in enumerate(kec_rows, 1)],
                  title="5. Rincian per kecamatan")
    chart = BarChart("Capaian SPM per kelompok sasaran (%)", [SPM_GROUP_LABELS[g] for g in order],
                     [("Capaian", [_pct(x, y) or 0 for _, y, x in rows])], value_kind="percent")
    kendala_blocks = [Paragraph("Kendala:", "heading"), Paragraph(kendala or "-"),
                      Paragraph("Solusi:", "heading"), Paragraph(solusi or "-")]
    note = Paragraph(
        "Catatan: harus dilayani = orang unik (setelah penggabungan data ganda, tidak diarsipkan) "
        "yang diasesmen sejak 1 Januari sampai akhir bulan laporan membutuhkan rehabilitasi sosial "
        "dasar di luar panti; terlayani = yang seluruh layanan hasil asesmennya telah diberikan "
        f"sampai {data['as_of']:%d-%m-%Y}.", style="note")
    return ReportDocument(
        title="Laporan Penerapan SPM Bidang Sosial", subtitle="Dinas Sosial Kota Bekasi",
        period_label=f"Januari - {period_label(period.year, period.month)}",
        metadata=_meta(period, kecamatan, kec_names) + [("Dasar", "Permensos Nomor 9 Tahun 2018")],
        sections=[Section(None, [t_jenis, t_target, t_real, chart]),
                  Section("Rincian", [t_srv, t_kec, note]),
                  Section("Kendala dan solusi", kendala_blocks)],
        signature=signature(config, (generated_at or dt.datetime.now()).date()),
        generated_at=generated_at, orientation="landscape")


def export_bytes(session, headers: list[str], query, fmt: str) -> bytes:
    """Stream a raw export query into CSV or XLSX (write-only workbook) bytes."""
    import csv
    import io

    rows = session.execute(query.execution_options(yield_per=2000))
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(headers)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
        return buf.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.freeze_panes = "A2"
    ws.append(headers)
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def archive_report(session, *, kind: str, fmt: str, period: Period, kecamatan: str | None,
                   content: bytes, name: str, kendala: str | None = None,
                   solusi: str | None = None, user_id: int | None = None,
                   user_name: str | None = None):
    """Keep a generated report for re-download (and audit it)."""
    import json

    from app.models import ReportArchive
    from app.services import audit

    rec = ReportArchive(kind=kind, fmt=fmt, period=period.code, kecamatan_kode=kecamatan or None,
                        parameters=json.dumps({"period": period.code, "kecamatan": kecamatan}),
                        kendala=kendala, solusi=solusi, filename=name, size_bytes=len(content),
                        content=content, created_by_id=user_id, created_by_name=user_name)
    session.add(rec)
    session.flush()
    audit.record(session, "report", "report_archive", rec.id,
                 {"kind": kind, "fmt": fmt, "period": period.code, "kecamatan": kecamatan},
                 f"Laporan {KINDS.get(kind, kind)} {period.code} dibuat")
    return rec
