"""Render report documents to PDF/XLSX and read them back.

XLSX is checked cell by cell with openpyxl; PDF text with ``pdftotext
-layout`` and every page is rasterised with ``pdftoppm`` (poppler-utils).
"""
import datetime as dt
import io
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PIL import Image, ImageDraw

from reports.document import (
    BarChart, Column, HeaderCell, KeyValue, Letterhead, Paragraph, ReportDataError,
    ReportDocument, Section, Signature, Table,
)
from reports.formatting import (
    format_date, format_date_long, format_datetime, format_decimal, format_number,
    format_percent, month_name, percent, period_label,
)
from reports.letters import Photos, render_letter
from reports.pdf import render_pdf
from reports.xlsx import render_xlsx, sanitize_sheet_name

HAVE_POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
needs_poppler = pytest.mark.skipif(
    not HAVE_POPPLER,
    reason="poppler-utils (pdftotext/pdftoppm) not installed: PDF text/raster checks skipped",
)

KECAMATAN = [
    "Bantargebang", "Bekasi Barat", "Bekasi Selatan", "Bekasi Timur", "Bekasi Utara",
    "Jatiasih", "Jatisampurna", "Medan Satria", "Mustikajaya", "Pondokgede",
    "Pondok Melati", "Rawalumbu",
]
JENIS_PPKS = ["Gelandangan", "Pengemis", "Anak jalanan", "Lanjut usia telantar",
              "Penyandang disabilitas telantar", "Anak telantar"]
GROUPS = [
    ("Penyandang disabilitas telantar", 80.0),
    ("Anak telantar", 90.0),
    ("Lanjut usia telantar", 100.0),
    ("Gelandangan dan pengemis", 100.0),
]
GENERATED_AT = dt.datetime(2026, 11, 28, 14, 5)
TITLE = "LAPORAN PENERAPAN SPM BIDANG SOSIAL"


# --------------------------------------------------------------------------- #
# formatting
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("fn,arg,expected", [
    (format_date, dt.date(2026, 11, 28), "28 Nov 2026"),
    (format_date, dt.date(2026, 8, 1), "1 Agu 2026"),
    (format_date_long, dt.date(2026, 11, 28), "28 November 2026"),
    (format_datetime, dt.datetime(2026, 11, 28, 14, 5), "28 Nov 2026 14.05"),
    (format_number, 1234, "1.234"),
    (format_number, 1234567, "1.234.567"),
    (format_number, 0, "0"),
    (format_number, -1500, "-1.500"),
    (format_number, 999, "999"),
    (format_percent, 87.5, "87,50%"),
    (format_percent, 100, "100,00%"),
    (month_name, 10, "Oktober"),
    (format_date, None, "-"),
    (format_date_long, None, "-"),
    (format_datetime, None, "-"),
    (format_number, None, "-"),
    (format_percent, None, "-"),
    (month_name, None, "-"),
])
def test_formatting(fn, arg, expected):
    assert fn(arg) == expected


def test_formatting_decimal_and_period():
    assert format_decimal(12.5, 2) == "12,50"
    assert format_decimal(1234.5, 1) == "1.234,5"
    assert format_decimal(2.675, 2) == "2,68"  # half-up, not float/banker's rounding
    assert format_decimal(-0.001, 2) == "0,00"
    assert format_decimal(None) == "-"
    assert format_decimal(float("nan")) == "-"
    assert period_label(2026, 10) == "Oktober 2026"
    assert period_label(2026) == "2026"
    assert percent(1, 0) is None and percent(1, 4) == 25.0
    with pytest.raises(ValueError):
        month_name(13)


# --------------------------------------------------------------------------- #
# realistic documents
# --------------------------------------------------------------------------- #
def _spm_document():
    rnd = random.Random(20261028)
    realisasi = []
    for i, (group, _target) in enumerate(GROUPS, start=1):
        y = rnd.randint(300, 2500)
        x = rnd.randint(0, y)
        realisasi.append([
            i,
            f"Jumlah Warga Negara {group.lower()} yang memperoleh rehabilitasi sosial dasar di luar panti",
            x, y, x * 100.0 / y,
        ])
    target_rows = [[i, g, f"Persentase {g.lower()} yang memperoleh rehabilitasi sosial dasar di luar panti", t]
                   for i, (g, t) in enumerate(GROUPS, start=1)]

    # 12 kecamatan x 6 jenis PPKS x 2 = 144 rows -> breaks across pages
    rows = []
    n = 0
    for kec in KECAMATAN:
        for jenis in JENIS_PPKS:
            for status in ("Baru", "Berulang"):
                n += 1
                lk, pr = rnd.randint(0, 1500), rnd.randint(0, 1500)
                rows.append([n, kec, f"{jenis} ({status.lower()})", lk, pr, lk + pr,
                             round(rnd.uniform(0, 100), 2)])
    rows[0][3], rows[0][4], rows[0][5] = 1234, 10, 1244  # a known thousands value
    rows[5][6] = None  # capaian not computable -> "-" / empty cell
    total = ["Jumlah", None, None, sum(r[3] for r in rows), sum(r[4] for r in rows),
             sum(r[5] for r in rows), None]
    cols = [Column("No", "int"), Column("Kecamatan"), Column("Jenis PPKS"),
            Column("Laki-laki", "int"), Column("Perempuan", "int"), Column("Jumlah", "int"),
            Column("Capaian", "percent")]
    header = [
        [HeaderCell("No", rowspan=2), HeaderCell("Kecamatan", rowspan=2),
         HeaderCell("Jenis PPKS", rowspan=2), HeaderCell("Jumlah orang (unik)", colspan=3),
         None, None, HeaderCell("Capaian", rowspan=2)],
        [None, None, None, "Laki-laki", "Perempuan", "Jumlah", None],
    ]
    rekap = Table("Rekap/PPKS*per:kecamatan [jenis] dan status", cols, rows, total_row=total,
                  header_rows=header, title="Tabel 3. Rekap PPKS per kecamatan dan jenis")
    layanan = Table("Layanan", [Column("No", "int"), Column("Jenis layanan"), Column("Jumlah orang", "int"),
                                Column("Rata-rata per orang", "decimal", places=2)],
                    [[1, "Permakanan", 812, 2.5], [2, "Sandang", 455, 1.25],
                     [3, "Alat bantu", 37, 1.0], [4, "Pemulangan ke daerah asal", 64, 1.0]],
                    total_row=["Jumlah", None, 1368, None])
    empty = Table("Layanan", [Column("No", "int"), Column("Keterangan")], [])  # duplicate name
    return ReportDocument(
        title=TITLE,
        subtitle="Dinas Sosial Kota Bekasi",
        period_label="Januari s.d. " + period_label(2026, 10),
        metadata=[("Kecamatan", "Semua kecamatan"), ("Dicetak oleh", "pimpinan")],
        generated_at=GENERATED_AT,
        sections=[
            Section("A. Target Pencapaian", [
                Table("Target", [Column("No", "int", 0.5), Column("Jenis pelayanan dasar", "text", 2.5),
                                 Column("Indikator pencapaian", "text", 4), Column("Target (%)", "percent", 1.2)],
                      target_rows, title="Tabel 1. Target pencapaian"),
            ]),
            Section("B. Realisasi Pencapaian", [
                Paragraph("Capaian dihitung kumulatif sejak 1 Januari sesuai Permensos Nomor 9 Tahun 2018."),
                Table("Realisasi", [Column("No", "int"), Column("Indikator SPM"), Column("Terlayani (X)", "int"),
                                    Column("Harus dilayani (Y)", "int"), Column("Nilai (%)", "percent")],
                      realisasi, title="Tabel 2. Realisasi pencapaian"),
                BarChart("Grafik 1. Capaian SPM per kelompok sasaran", [g for g, _ in GROUPS],
                         [("Capaian (%)", [r[4] for r in realisasi]), ("Target (%)", [t for _, t in GROUPS])],
                         value_kind="percent"),
            ]),
            Section("C. Rekap PPKS", [rekap, layanan, empty]),
            Section("D. Kendala dan Solusi", [
                Paragraph("Kendala: keterbatasan petugas penjangkauan malam hari.\nSolusi: patroli terpadu dengan Satpol PP."),
                Paragraph("Angka adalah jumlah orang unik setelah penggabungan data ganda.", "note"),
            ]),
        ],
        signature=Signature("Bekasi", dt.date(2026, 11, 28), "Kepala Dinas Sosial Kota Bekasi",
                            "Dr. H. Nama Pejabat, M.Si.", "19700101 199503 1 001", rank="Pembina Utama Muda"),
    )


@pytest.fixture(scope="module")
def spm_doc():
    return _spm_document()


@pytest.fixture(scope="module")
def spm_pdf(spm_doc):
    return render_pdf(spm_doc)


@pytest.fixture(scope="module")
def spm_xlsx(spm_doc):
    return load_workbook(io.BytesIO(render_xlsx(spm_doc)))


# --------------------------------------------------------------------------- #
# XLSX
# --------------------------------------------------------------------------- #
def test_xlsx_sheets(spm_xlsx):
    assert spm_xlsx.sheetnames == [
        "Keterangan", "Target", "Realisasi", "Rekap-PPKS-per-kecamatan -jenis",
        "Layanan", "Layanan (2)", "Grafik 1",
    ]
    for name in spm_xlsx.sheetnames:
        assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_xlsx_keterangan(spm_xlsx):
    ws = spm_xlsx["Keterangan"]
    pairs = {r[0]: r[1] for r in ws.iter_rows(values_only=True) if r[0]}
    assert pairs["Judul"] == TITLE
    assert pairs["Periode"] == "Januari s.d. Oktober 2026"
    assert pairs["Kecamatan"] == "Semua kecamatan"
    assert pairs["Dicetak oleh"] == "pimpinan"
    assert pairs["Dibuat pada"] == "28 Nov 2026 14.05 WIB"
    assert "patroli terpadu" in pairs["D. Kendala dan Solusi"]
    sheets_listed = [r[0] for r in ws.iter_rows(values_only=True)]
    assert "Realisasi" in sheets_listed and "Layanan (2)" in sheets_listed


def test_xlsx_rekap_cell_by_cell(spm_doc, spm_xlsx):
    table = spm_doc.tables()[2]
    ws = spm_xlsx["Rekap-PPKS-per-kecamatan -jenis"]
    # two header rows, merged spans, frozen below them, filter on the last header row
    assert ws["A1"].value == "No" and ws["D1"].value == "Jumlah orang (unik)"
    assert [ws.cell(2, c).value for c in (4, 5, 6)] == ["Laki-laki", "Perempuan", "Jumlah"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:A2", "D1:F1", "G1:G2"} <= merged
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:G{2 + len(table.rows)}"
    assert ws["D1"].font.b and ws["D1"].fill.fgColor.rgb.endswith("D9E2F3")
    assert len(table.rows) >= 120
    for i, row in enumerate(table.rows):
        r = 3 + i
        got = [ws.cell(r, c + 1).value for c in range(7)]
        assert got[:3] == row[:3]
        for c in (0, 3, 4, 5):
            assert type(got[c]) is int, (r, c, got[c])
            assert ws.cell(r, c + 1).number_format == "#,##0"
        if row[6] is None:
            assert got[6] is None
        else:
            assert got[6] == pytest.approx(row[6] / 100.0)
            assert ws.cell(r, 7).number_format == "0.00%"
    tr = 3 + len(table.rows)
    assert ws.cell(tr, 1).value == "Jumlah" and ws.cell(tr, 1).font.b
    assert f"A{tr}:C{tr}" in merged
    for c in (4, 5, 6):
        expected = sum(row[c - 1] for row in table.rows)
        assert ws.cell(tr, c).value == expected == table.total_row[c - 1]
    assert ws.cell(tr + 1, 1).value is None
    # widths estimated from content: the kecamatan/jenis columns are wider than "No"
    assert ws.column_dimensions["C"].width > ws.column_dimensions["A"].width
    assert ws.column_dimensions["C"].width >= len("Penyandang disabilitas telantar (berulang)")


def test_xlsx_other_tables(spm_doc, spm_xlsx):
    ws = spm_xlsx["Realisasi"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:E5"
    for i, row in enumerate(spm_doc.tables()[1].rows, start=2):
        assert ws.cell(i, 3).value == row[2] and ws.cell(i, 4).value == row[3]
        assert ws.cell(i, 5).value == pytest.approx(row[2] / row[3])
    ws = spm_xlsx["Layanan"]
    assert ws["D2"].value == 2.5 and ws["D2"].number_format == "#,##0.00"
    assert ws["C6"].value == 1368 == sum(ws.cell(r, 3).value for r in range(2, 6))
    ws = spm_xlsx["Layanan (2)"]
    assert ws.max_row == 1 and ws.freeze_panes == "A2"
    chart_ws = spm_xlsx["Grafik 1"]
    assert chart_ws["A2"].value == GROUPS[0][0]
    assert chart_ws["C5"].value == pytest.approx(1.0)  # target 100 % stored as 1.0


def test_sheet_name_sanitizing():
    taken = {"Keterangan"}
    assert sanitize_sheet_name("keterangan", taken) == "keterangan (2)"
    long = "Rekap PPKS per kecamatan dan jenis kelamin 2026"
    a = sanitize_sheet_name(long, taken)
    b = sanitize_sheet_name(long, taken)
    assert len(a) == 31 and len(b) <= 31 and a != b and b.endswith("(2)")
    assert sanitize_sheet_name("a/b:c*d?[e]", set()) == "a-b-c-d--e-"
    assert sanitize_sheet_name("''", set()) == "Tabel"


def test_document_validation():
    with pytest.raises(ReportDataError):
        Table("x", [Column("A"), Column("B", "int")], [["a"]])
    with pytest.raises(ReportDataError):
        Table("x", [Column("A"), Column("B")], [], header_rows=[[HeaderCell("A", colspan=3), None]])
    with pytest.raises(ReportDataError):
        Table("x", [Column("A"), Column("B")], [], header_rows=[["A", None]])
    with pytest.raises(ReportDataError):
        Column("A", "money")
    with pytest.raises(ReportDataError):
        BarChart("g", ["a", "b"], [("s", [1])])


def test_reports_package_does_not_import_flask():
    code = ("import sys, reports.pdf, reports.xlsx, reports.letters, reports.formatting;"
            "bad=[m for m in sys.modules if m.split('.')[0] in ('flask','flask_appbuilder','app')];"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(Path(__file__).resolve().parents[2]))


# --------------------------------------------------------------------------- #
# PDF
# --------------------------------------------------------------------------- #
def _pdf_pages_text(pdf: bytes, tmp_path: Path, name: str = "doc"):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    pages = out.split("\f")
    if pages and not pages[-1].strip():
        pages = pages[:-1]
    return path, pages


def _rasterise(path: Path, tmp_path: Path, n_pages: int):
    prefix = tmp_path / path.stem
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(prefix)], check=True)
    pngs = sorted(tmp_path.glob(f"{path.stem}-*.png"))
    assert len(pngs) == n_pages
    for png in pngs:
        assert png.stat().st_size > 2000, png
        with Image.open(png) as im:
            gray = im.convert("L")
            hist = gray.histogram()
            dark = sum(hist[:200])
            assert dark > 0.005 * gray.width * gray.height, f"{png.name} looks blank"
    return pngs


def test_pdf_is_pdf(spm_pdf):
    assert spm_pdf.startswith(b"%PDF") and len(spm_pdf) > 5000


@needs_poppler
def test_pdf_text_and_pages(spm_doc, spm_pdf, tmp_path):
    path, pages = _pdf_pages_text(spm_pdf, tmp_path)
    n = len(pages)
    assert n >= 3, "144-row table must break across pages"
    first = pages[0]
    assert "PEMERINTAH KOTA BEKASI" in first and "DINAS SOSIAL" in first
    assert TITLE in first
    assert "Periode: Januari s.d. Oktober 2026" in first
    for i, page in enumerate(pages, start=1):
        assert f"Halaman {i} dari {n}" in page
        assert "Dibuat pada 28 Nov 2026 14.05 WIB" in page
    text = "\n".join(pages)
    rekap = spm_doc.tables()[2]
    # Indonesian number formatting
    assert "1.234" in text
    assert format_number(rekap.total_row[5]) in text and "." in format_number(rekap.total_row[5])
    assert format_percent(rekap.rows[1][6]) in text
    assert "Sabtu" not in text  # no stray day names
    # the rekap header is repeated on every page the table spans
    rekap_pages = [p for p in pages if "Bantargebang" in p or "Rawalumbu" in p]
    assert len(rekap_pages) >= 2
    for p in rekap_pages:
        assert "Jumlah orang (unik)" in p and "Laki-laki" in p and "Perempuan" in p
    # last row, total and signature
    assert "Rawalumbu" in text
    last = pages[-1]
    assert "Bekasi, 28 November 2026" in last
    assert "Kepala Dinas Sosial Kota Bekasi" in last
    assert "NIP. 19700101 199503 1 001" in last
    assert "Kendala: keterbatasan petugas" in text
    assert "Tidak ada data untuk periode ini." in text
    _rasterise(path, tmp_path, n)


@needs_poppler
def test_pdf_landscape_without_letterhead(spm_doc, tmp_path):
    doc = _spm_document()
    doc.orientation = "landscape"
    doc.signature = None
    pdf = render_pdf(doc, Letterhead.none())
    path, pages = _pdf_pages_text(pdf, tmp_path, "landscape")
    assert "DINAS SOSIAL" not in pages[0].split(TITLE)[0]
    assert f"Halaman 1 dari {len(pages)}" in pages[0]
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout \
        if shutil.which("pdfinfo") else ""
    if out:
        assert "841.89 x 595.276" in out or "842 x 595" in out


# --------------------------------------------------------------------------- #
# letters
# --------------------------------------------------------------------------- #
def _jpeg(color, size=(640, 480)):
    im = Image.new("RGB", size, color)
    d = ImageDraw.Draw(im)
    d.rectangle([40, 40, size[0] - 40, size[1] - 40], outline="white", width=6)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return buf.getvalue()


KADIS = Signature("Bekasi", dt.date(2026, 11, 28), "Kepala Dinas Sosial Kota Bekasi",
                  "Dr. H. Nama Pejabat, M.Si.", "19700101 199503 1 001")


@needs_poppler
def test_letter_rujukan(tmp_path):
    pdf = render_letter(
        None, "SURAT RUJUKAN", "460/123/Dinsos.Rehsos/XI/2026",
        ["Dengan hormat,", "Bersama ini kami rujuk penerima manfaat berikut untuk pelayanan kesehatan:"],
        key_values=[("Nama", "Budi Santoso"), ("NIK", "3275010101800001"), ("Tanggal lahir", dt.date(1980, 1, 1))],
        signature=KADIS, recipient=["Kepada Yth.", "Direktur RSUD Kota Bekasi", "di", "Tempat"],
        generated_at=GENERATED_AT,
    )
    path, pages = _pdf_pages_text(pdf, tmp_path, "rujukan")
    text = "\n".join(pages)
    for s in ("SURAT RUJUKAN", "Nomor: 460/123/Dinsos.Rehsos/XI/2026", "Kepada Yth.", "Budi Santoso",
              "1 Januari 1980", "Bekasi, 28 November 2026", "NIP. 19700101 199503 1 001",
              "Halaman 1 dari 1"):
        assert s in text, s
    _rasterise(path, tmp_path, len(pages))


@needs_poppler
def test_letter_berita_acara_two_parties(tmp_path):
    pdf = render_letter(
        None, "BERITA ACARA SERAH TERIMA", "460/77/BAST/XI/2026",
        ["Pada hari ini Sabtu tanggal dua puluh delapan bulan November tahun dua ribu dua puluh enam:",
         KeyValue([("Nama", "Rina Marlina"), ("Jabatan", "Pekerja Sosial")]),
         "selanjutnya disebut PIHAK PERTAMA."],
        signature=[Signature(None, None, "PIHAK PERTAMA", "Rina Marlina", "19900202 201502 2 002"),
                   Signature(None, None, "PIHAK KEDUA", "Ahmad Fauzi", "19800303 200501 1 003")],
        acknowledged_by=Signature(None, None, "Kepala Dinas Sosial Kota Bekasi", "Dr. H. Nama Pejabat",
                                  "19700101 199503 1 001", caption="Mengetahui,"),
    )
    path, pages = _pdf_pages_text(pdf, tmp_path, "bast")
    text = "\n".join(pages)
    side_by_side = [ln for ln in text.splitlines() if "PIHAK PERTAMA" in ln and "PIHAK KEDUA" in ln]
    assert side_by_side, "the two signature blocks must be on the same line"
    assert any("Rina Marlina" in ln and "Ahmad Fauzi" in ln for ln in text.splitlines())
    assert "Mengetahui," in text and "NIP. 19700101 199503 1 001" in text
    _rasterise(path, tmp_path, len(pages))


@needs_poppler
def test_letter_dossier_with_photos(tmp_path):
    good = [(_jpeg("#336699"), "Penjangkauan 3 Okt 2026"), _jpeg("#993333", (480, 720))]
    timeline = Table("Riwayat", [Column("No", "int"), Column("Tanggal", "date"), Column("Kegiatan")],
                     [[i + 1, dt.date(2026, 10, 1) + dt.timedelta(days=i), f"Penjangkauan ke-{i + 1}"]
                      for i in range(30)])
    pdf = render_letter(
        Letterhead(lines=("PEMERINTAH KOTA BEKASI", "DINAS SOSIAL"), address_lines=("Jl. Contoh No. 1",),
                   logo=_jpeg("#888888", (200, 240))),
        "DOSIER KASUS", "KASUS-2026-00042", ["Dosier untuk serah terima ke UPTD."],
        key_values=KeyValue([("Nama", "Budi Santoso"), ("Jenis PPKS", "Gelandangan")]),
        tables=[timeline],
        signature=KADIS,
        photos=good + [b"\xff\xd8 not really a jpeg", b""],
        closing_paragraphs=[Photos([_jpeg("#339933")], heading="Foto asesmen", per_row=3)],
    )
    path, pages = _pdf_pages_text(pdf, tmp_path, "dossier")
    text = "\n".join(pages)
    assert "DOSIER KASUS" in text and "Penjangkauan ke-30" in text and "30 Okt 2026" in text
    assert "Penjangkauan 3 Okt 2026" in text
    assert "2 foto tidak dapat ditampilkan" in text
    assert "Jl. Contoh No. 1" in text
    if shutil.which("pdfimages"):
        listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True).stdout
        images = [ln for ln in listing.splitlines()[2:] if ln.strip()]
        assert len(images) == 4  # logo + 2 photos + 1 assessment photo
    _rasterise(path, tmp_path, len(pages))


def test_pdf_text_outside_winansi_is_transliterated():
    from reports.pdf import safe_text
    assert safe_text("Budi Santoso") == "Budi Santoso"
    assert safe_text("Ŝiti Ñur") == "Siti Ñur"
    assert safe_text("😀") == "?"
    doc = ReportDocument("Uji 😀", sections=[Section("Data", [
        Table("Data", [Column("No", "int"), Column("Nama")], [[1, "Ŝiti"]])])])
    assert render_pdf(doc).startswith(b"%PDF")
