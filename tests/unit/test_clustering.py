"""Constraint-aware best-first clustering."""
from datetime import date

from app.services.clustering import cluster_pairs, clusters_to_pairs
from app.services.matching import PersonRecord

NIK_A = "3275014506900003"
NIK_B = "3275014506900004"


def r(i, **kw):
    return PersonRecord(id=i, nama=kw.pop("nama", "Budi"), **kw)


def test_conflicting_nik_is_refused():
    recs = {1: r(1, nik=NIK_A), 2: r(2), 3: r(3, nik=NIK_B)}
    clusters = cluster_pairs([(1, 2, 9.0), (2, 3, 8.0)], recs, threshold=2.0)
    assert clusters_to_pairs(clusters) == {(1, 2)}


def test_transitive_merge_without_conflicts():
    recs = {i: r(i) for i in (1, 2, 3)}
    clusters = cluster_pairs([(1, 2, 9.0), (2, 3, 8.0)], recs, threshold=2.0)
    assert clusters_to_pairs(clusters) == {(1, 2), (1, 3), (2, 3)}


def test_best_pair_wins_the_conflict():
    recs = {1: r(1, jenis_kelamin="L"), 2: r(2), 3: r(3, jenis_kelamin="P")}
    clusters = cluster_pairs([(1, 2, 3.0), (2, 3, 9.0)], recs, threshold=2.0)
    assert clusters_to_pairs(clusters) == {(2, 3)}


def test_birth_date_mother_and_year_spread_refused():
    recs = {
        1: r(1, tanggal_lahir=date(1980, 1, 1)), 2: r(2), 3: r(3, tanggal_lahir=date(1981, 1, 1)),
        4: r(4, nama_ibu="Sumiati"), 5: r(5, nama_ibu="Kartini"),
        6: r(6, tahun_lahir=1950), 7: r(7, tahun_lahir=1980, tahun_lahir_perkiraan=True),
    }
    pairs = [(1, 2, 9.0), (2, 3, 9.0), (4, 5, 9.0), (6, 7, 9.0)]
    assert clusters_to_pairs(cluster_pairs(pairs, recs, threshold=2.0)) == {(1, 2)}


def test_decisive_pairs_first_and_threshold_applies():
    recs = {1: r(1, nik=NIK_A), 2: r(2, nik=NIK_A), 3: r(3, nik=NIK_B)}
    pairs = [(2, 3, 20.0), (1, 2, 15.0, True), (1, 3, 0.5)]
    assert clusters_to_pairs(cluster_pairs(pairs, recs, threshold=2.0)) == {(1, 2)}


def test_average_linkage_refuses_a_chain_through_one_record():
    """One good edge cannot pull a record into a cluster whose other members score it low."""
    recs = {i: r(i) for i in (1, 2, 3)}
    refused = cluster_pairs([(1, 2, 9.0), (2, 3, 5.0), (1, 3, -20.0)], recs, threshold=2.0)
    assert clusters_to_pairs(refused) == {(1, 2)}
    joined = cluster_pairs([(1, 2, 9.0), (2, 3, 5.0), (1, 3, 1.0)], recs, threshold=2.0)
    assert clusters_to_pairs(joined) == {(1, 2), (1, 3), (2, 3)}


def test_weak_edge_joins_a_cluster_but_never_pairs_two_records_alone():
    recs = {i: r(i) for i in (1, 2, 3, 4, 5)}
    # 1.0 is below the threshold 2.0 but within the edge margin: joins the {1, 2} cluster
    clusters = cluster_pairs([(1, 2, 9.0), (2, 3, 1.0), (1, 3, 1.0), (4, 5, 1.0)], recs, threshold=2.0)
    assert clusters_to_pairs(clusters) == {(1, 2), (1, 3), (2, 3)}


def test_missing_cross_pairs_are_scored_with_the_model():
    from app.services.matching import MatchModel

    model = MatchModel.default()
    recs = {1: r(1, nama="Sutrisno Wibowo"), 2: r(2, nama="Soetrisno Wibowo"), 3: r(3, nama="Agus")}
    # a (forged) strong edge 2-3: the model scores 1-3 (Sutrisno vs Agus) far below, so 3 stays out
    clusters = cluster_pairs([(1, 2, 12.0), (2, 3, 6.0)], recs, threshold=0.0, model=model)
    assert clusters_to_pairs(clusters) == {(1, 2)}
