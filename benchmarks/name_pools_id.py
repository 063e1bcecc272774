"""Indonesian given-name pools for the synthetic registry (no Faker).

Pools are ranked lists (most frequent first); the generator draws from them
with a Zipf-like law, so a handful of names ("Budi", "Siti", "Slamet",
"Ujang") recur many times while the long tail is large — as in a real
Kota Bekasi registry. Javanese names are also *composed* from a stem and an
ending (Su+yanto, Mul+yono, Sri+wati), which gives thousands of plausible,
distinct names of the same shape (and similar-looking near-misses).
"""
from __future__ import annotations

import random

# Very common short/single given names (head of the distribution).
COMMON_M = """Budi Agus Slamet Joko Yanto Ujang Asep Dedi Udin Iwan Rudi Bambang Eko Heri Anto Jajang Wahyu
Hendra Andi Dadang Mamat Ade Usman Tono Sutrisno Suparman Supriyadi Sugiyanto Darmo Paijo Tarno Karno
Rohmat Jaenudin Saepudin Encep Cecep Dede Aep Oman Engkos Ojat Amin Rahmat Ali Umar""".split()
COMMON_F = """Siti Sri Dewi Ani Rina Wati Yati Sumiati Tini Eni Nining Yuli Ratna Lilis Euis Imas Neneng Ina
Atun Minah Saodah Mumun Ipeh Juju Entin Cucu Yayah Enok Iis Nenden Surti Painem Tumini Sarinah Aminah
Fatimah Aisyah Komariah Rohayati Nurhayati Maryam Halimah Sumarni Suwarni Sulastri""".split()

# Javanese composition (stem + ending).
_JV_STEM = """Su Sar Mul Har Wid Pur Sug Sut Kus Mar Sup Par Tar Wal Rah Yul Nar Sum Sur Sap Sal Sam Suk Sunar
Suwar Sudar Sugi Sumar Supar Subar Sukar Sutar Sukir Sular Suhar Sujar Suman Suyat Suwan Sukim Tukir
Darm Karn Pain Paij Tum Kas Kar Wag Was Wig Gun Hart Hend Kurn Set Prat Nug Wib Sant Hand Purw Sant
Triy Dwiy Ek Bud Agus Slam Jum Jok Ton Bam Heri Yud Dar Rus Ran Mis Mus Tris Win Wij Yos Tan Rud""".split()
_JV_END_M = """yanto yono yadi wanto tono ranto wardi mono man min jo to no di ri mo nto yo wiyono sono darto
anto ono adi at ijo man to iman idi""".split()
_JV_END_F = """wati ningsih yati yani sih nah ni tun rah mi yem inem iyah warni lastri marni iyem yanti wanti
asih ngsih tini ati""".split()

SUNDA_M = """Ujang Asep Dadang Jajang Cecep Encep Aep Oman Engkos Ojat Dede Ade Yayan Dudung Iyan Wawan
Nanang Ayi Opik Endang Ucup Entis Eman Acep Aang Didin Dindin Hendi Iyus Kurnia Suryana Sopyan Saepul
Ruhiyat Mulyana Rukmana Sumpena Wiharja Permana Supriatna Hidayat Sukmana Sunarya Komarudin""".split()
SUNDA_F = """Euis Imas Neneng Cucu Yayah Enok Iis Nenden Entin Juju Eti Titin Ela Enung Eneng Nining Cicih
Oneng Ai Iah Tati Lilis Elis Yeni Neni Yoyoh Ucu Ikah Dedeh Nunung Tuti Empat Onah""".split()
BETAWI_M = """Mamat Jaenudin Sarmili Rojali Saimin Mansur Mursidi Marzuki Entong Mat Sanip Rohim Somad
Kodir Ipul Sabeni Muhidin Jamhari Tohir Nasrul Zakaria""".split()
BETAWI_F = """Rohaya Minah Saodah Mumun Ipeh Atun Mpok Zaenab Romlah Sarmah Hindun Jamilah Munah""".split()
ARABIC_M = """Ahmad Rizki Fauzi Hasan Husein Ali Umar Usman Ismail Ibrahim Yusuf Yunus Ilham Arif Hidayat
Syaiful Saepudin Hamdani Ridwan Fathur Rahman Rohim Aziz Hakim Karim Latif Malik Zainal Zainudin
Hasanudin Jamaludin Nasrudin Syamsudin Burhanudin Imron Ikhsan Iqbal Habib Hamzah Ilyas Idris Anwar
Mansyur Munir Nasir Rasyid Salim Sholeh Taufik Toha Zakaria Zulkifli Fadil Faisal Firdaus Hafiz Hanafi
Kholil Luthfi Makmur Mahmud Mukhlis Mustofa Nawawi Rosyid Sahal Yahya Hadi Arifin Kamal""".split()
ARABIC_F = """Aisyah Fatimah Khadijah Maryam Zainab Halimah Aminah Rohmah Fitri Hasanah Jamilah Komariah
Nurhayati Nurjanah Nurlela Nurul Nuraini Masitoh Maemunah Muthmainah Rukayah Solehah Sofiah Syarifah
Umi Zulaikha Rahmawati Salamah Sakinah Latifah Laila Habibah Mardiyah Marfuah Munawaroh Nafisah Rabiah
Rofiah Siti Azizah Qomariah Hafsah Khotimah Lailatul Mutmainah""".split()
# Batak surname (marga) plus typical given names.
MARGA = """Siregar Simanjuntak Nasution Lubis Harahap Hutapea Sitompul Panjaitan Sinaga Situmorang Simatupang
Pardede Hutagalung Sihombing Manurung Silalahi Tambunan Pane Tampubolon Gultom Sibarani Napitupulu
Hasibuan Ritonga Daulay Pasaribu Purba Saragih Damanik Ginting Sembiring Tarigan Sitorus Marpaung
Hutabarat Simbolon Aritonang Butar-butar Sianturi Lumbantobing""".split()
BATAK_M = """Johannes Maruli Hotman Lamhot Martua Poltak Sahat Togar Tigor Binsar Parulian Darwin Robert
Jhonson Sabar Horas Bonar Jansen Marihot Ronald Hendrik""".split()
BATAK_F = """Tiurma Rosmawati Dameria Rospita Tionar Lasmaria Nurmala Rotua Hotmaida Sondang Roslina Dumaria
Ernawati Mariani Melati""".split()
# Chinese-Indonesian: Hokkien surname + given names, or Indonesianised names.
CHINESE_SUR = """Tan Lim Liem Oey Ong Gouw Kwee Tjhin Lie The Go Sie Tjoa Thio Liauw Yap Phang""".split()
CHINESE_GIVEN_M = """Ah Kiong|Kim Hok|Swie Liong|Tjoen|Hok Lay|Sin Tjie|Bun Hwa|Tek Siong|Ah Seng|Kok Wie""".split("|")
CHINESE_GIVEN_F = """Swie Hoa|Lian Nio|Giok Lan|Mei Ling|Siok Hwa|Kim Nio|Bwee Lan|Ai Lien""".split("|")
CHINESE_INDO = """Wijaya Gunawan Halim Salim Tanoto Santoso Kurniawan Setiawan Hartanto Tanujaya Sutanto
Hadinata Kusnadi Limanto Widjaja Susanto Lukito Tanuwijaya""".split()
CHINESE_FIRST_M = "Hendra Budi Yohanes Andreas Hendrik Felix Steven Kevin Rudy Benny Eddy Hengky".split()
CHINESE_FIRST_F = "Lina Susanti Meliana Yenny Lily Lanny Fenny Vivi Linda Mely Herlina".split()
BALI_ORDER = "Wayan Made Nyoman Ketut Putu Kadek Komang Gede Nengah".split()
BALI_M = """Sudarsana Suarta Arya Wirawan Sukadana Suardana Budiarta Mertayasa Artawan Sudiana Wiratama
Adnyana Parwata Sutama Darmawan Sanjaya""".split()
BALI_F = """Suartini Sukerti Wahyuni Ariani Sudiani Kartini Sariasih Widiastuti Suarni Juliantari""".split()
# Modern (post-1990) given names and second names/family-like surnames.
MODERN_M = """Rizky Dimas Fajar Aditya Bayu Andika Dian Reza Rangga Yoga Gilang Bagus Rendi Ilham Dani Riko
Fikri Arya Alif Rafi Farhan Gibran Ferdi Jefri Doni Roni Beni Toni Agung Putra Adi Eka Indra Ferry""".split()
MODERN_F = """Putri Nadia Dian Indah Ayu Intan Rani Novi Yuni Desi Mega Fitria Anisa Nabila Salsa Citra Dinda
Tiara Vina Ika Lia Rika Tika Sinta Bunga Melati Wulan Amelia Nurul""".split()
SECOND_M = """Kurniawan Saputra Pratama Permana Hidayat Setiawan Nugroho Wibowo Susanto Prasetyo Putra
Santoso Gunawan Firmansyah Ramadhan Hermawan Irawan Kusuma Wijaya Purnomo Sugiarto Hartono Haryanto
Suryadi Maulana Syahputra Hakim Rahmadi Saleh Effendi Sulaiman Hasibuan Siregar Nasution Lubis""".split()
SECOND_F = """Lestari Wulandari Rahayu Anggraini Handayani Kusumawati Safitri Puspita Permatasari Rahmawati
Sari Utami Pratiwi Novitasari Yuliani Susanti Maharani Oktaviani Ramadhani Fitriani Purnamasari
Hasanah Kurniasih Marlina Agustina Yulianti Setiawati Widyastuti""".split()

STREET_NICKS = """Ucok Gendut Kribo Item Bule Cepot Tole Unyil Gondrong Botak Acong Entong Ipul Jenggot Bewok
Kampret Dogol Pesek Kurus Cungkring Pendek Ompong Codet Belang Cemong Sableng Tompel Bonyok Cabe
Gepeng Brewok Kancil Bolot Jabrik Pincang Blewah Kutil Monyong Gembul Peyang Kecil Gundul""".split()


def _javanese(stems: list[str], ends: list[str], rng: random.Random) -> list[str]:
    """All stem+ending combinations that look like a name, shuffled for rank."""
    out = []
    for s in stems:
        for e in ends:
            low = s.lower()
            if low[-1] in "aiueo" and e[0] in "aiueo":
                continue
            if low[-1] not in "aiueo" and e[0] not in "aiueoy" and len(e) < 4:
                continue
            out.append((s + e).capitalize())
    out = sorted(set(out))
    rng.shuffle(out)
    return out


def given_pools(seed: int) -> dict[str, list[str]]:
    """Ranked given-name pools per gender (head: common names; tail: large)."""
    rng = random.Random(seed * 31 + 5)
    pools = {}
    for g, common, ends, region in (
        ("L", COMMON_M, _JV_END_M, SUNDA_M + BETAWI_M + ARABIC_M + MODERN_M + BATAK_M + CHINESE_FIRST_M + BALI_M),
        ("P", COMMON_F, _JV_END_F, SUNDA_F + BETAWI_F + ARABIC_F + MODERN_F + BATAK_F + CHINESE_FIRST_F + BALI_F),
    ):
        region = list(dict.fromkeys(region))
        rng.shuffle(region)
        jv = _javanese(_JV_STEM, ends, rng)
        tail, seen = [], set(common)
        # Interleave regional and composed Javanese names in the tail.
        for k in range(max(len(region), len(jv))):
            for src in (region, jv, jv):
                if k < len(src) and src[k] not in seen:
                    seen.add(src[k])
                    tail.append(src[k])
        pools[g] = list(common) + tail
    return pools


def zipf_cum(n: int, s: float = 1.0, q: float = 2.0) -> list[float]:
    """Cumulative Zipf–Mandelbrot weights 1/(rank+q)^s for ``n`` ranks."""
    acc, cum = 0.0, []
    for i in range(n):
        acc += 1.0 / (i + 1 + q) ** s
        cum.append(acc)
    return cum
