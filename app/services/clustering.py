"""Best-first, constraint-aware clustering of scored pairs.

Pairs are merged strongest first (decisive NIK matches before everything
else). A union involving an existing cluster also needs a good average score
over all its cross pairs (average linkage). A merge is refused when the two clusters together would hold two
different valid NIKs, both genders, two different exact birth dates, two
clearly different mothers' names, or birth years that no record's estimate
window can reconcile.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping, Sequence

from app.services.matching import Features, features, score_features
from app.services.names import name_similarity

__all__ = ["cluster_pairs", "clusters_to_pairs", "ClusterState"]

MOTHER_SIM_MIN = 0.8


@dataclass
class ClusterState:
    """Accumulated identity constraints of one cluster."""

    members: list = field(default_factory=list)
    niks: set[str] = field(default_factory=set)
    genders: set[str] = field(default_factory=set)
    birth_dates: set[date] = field(default_factory=set)
    mothers: list[tuple[str, ...]] = field(default_factory=list)
    year_lo: int = -10_000
    year_hi: int = 10_000

    @classmethod
    def of(cls, rid, f: Features) -> "ClusterState":
        """Singleton cluster for one record."""
        st = cls(members=[rid])
        if f.nik_valid:
            st.niks.add(f.nik)
        if f.gender:
            st.genders.add(f.gender)
        if f.birth_date:
            st.birth_dates.add(f.birth_date)
        if f.mother:
            st.mothers.append(f.mother)
        if f.year is not None:
            st.year_lo, st.year_hi = f.year - f.year_tol, f.year + f.year_tol
        return st

    def conflicts_with(self, other: "ClusterState") -> list[str]:
        """Reasons why the union of the two clusters would be inconsistent."""
        out = []
        if len(self.niks | other.niks) > 1:
            out.append("nik")
        if len(self.genders | other.genders) > 1:
            out.append("jenis_kelamin")
        if len(self.birth_dates | other.birth_dates) > 1:
            out.append("tanggal_lahir")
        if max(self.year_lo, other.year_lo) > min(self.year_hi, other.year_hi):
            out.append("tahun_lahir")
        if any(name_similarity(a, b) < MOTHER_SIM_MIN for a in self.mothers for b in other.mothers):
            out.append("nama_ibu")
        return out

    def absorb(self, other: "ClusterState") -> None:
        """Merge ``other`` into this cluster."""
        self.members.extend(other.members)
        self.niks |= other.niks
        self.genders |= other.genders
        self.birth_dates |= other.birth_dates
        self.mothers.extend(m for m in other.mothers if m not in self.mothers)
        self.year_lo, self.year_hi = max(self.year_lo, other.year_lo), min(self.year_hi, other.year_hi)


EDGE_MARGIN = 1.0  # edges down to threshold - 1 may join clusters (if the cluster-level check agrees)
LINK_MARGIN = 1.5  # a union of clusters needs a mean cross-pair score >= threshold - 1.5


def cluster_pairs(
    pairs: Iterable[tuple],
    records: Mapping | Sequence,
    threshold: float,
    model=None,
    edge_margin: float = EDGE_MARGIN,
    link_margin: float = LINK_MARGIN,
) -> list[list]:
    """Cluster record ids from scored pairs ``(id_a, id_b, score[, decisive])``.

    ``records`` maps id -> PersonRecord or Features (a sequence is indexed by
    position). Pairs with score >= threshold - ``edge_margin`` (or decisive) are
    tried strongest first. Two single records join on their edge alone; when
    either side already holds several records, the union also needs the *mean*
    score over all cross pairs >= threshold - ``link_margin`` (average linkage:
    one strong edge cannot chain a common name into someone else's cluster).
    Cross pairs not among ``pairs`` are scored with ``model`` when given (else
    the mean is over the given cross pairs only). Any union with conflicting identity fields is
    refused. Returns clusters with at least two members, each a list of ids.
    """
    edges, known = [], {}
    for p in pairs:
        a, b, s = p[0], p[1], p[2]
        decisive = bool(p[3]) if len(p) > 3 else False
        known[(a, b) if a <= b else (b, a)] = s
        if decisive or s >= threshold - edge_margin:
            edges.append((not decisive, -s, a, b))
    edges.sort()
    parent: dict = {}
    state: dict = {}

    def find(x):
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def feat(x):
        f = records[x]
        return f if isinstance(f, Features) else features(f)

    def get_state(x):
        if x not in state:
            state[x] = ClusterState.of(x, feat(x))
        return state[x]

    def link(sa: ClusterState, sb: ClusterState) -> float:
        """Mean score over the cross pairs of two clusters."""
        vals = []
        for x in sa.members:
            for y in sb.members:
                key = (x, y) if x <= y else (y, x)
                if key not in known and model is not None:
                    known[key] = score_features(feat(x), feat(y), model, explain=False).score
                if key in known:
                    vals.append(known[key])
        return sum(vals) / len(vals)

    for not_decisive, neg_s, a, b in edges:
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        sa, sb = get_state(ra), get_state(rb)
        if sa.conflicts_with(sb):
            continue
        if not_decisive and -neg_s < threshold and len(sa.members) + len(sb.members) == 2:
            continue  # a weak edge only joins records into a cluster, never pairs them alone
        if not_decisive and len(sa.members) + len(sb.members) > 2:
            if link(sa, sb) < threshold - link_margin:
                continue
        if len(sa.members) < len(sb.members):
            ra, rb, sa, sb = rb, ra, sb, sa
        sa.absorb(sb)
        parent[rb] = ra
        del state[rb]
    return [st.members for st in state.values() if len(st.members) > 1]


def clusters_to_pairs(clusters: Iterable[Sequence]) -> set[tuple]:
    """All unordered pairs (sorted tuples) implied by the clusters."""
    out = set()
    for c in clusters:
        m = sorted(c)
        for i, a in enumerate(m):
            for b in m[i + 1 :]:
                out.add((a, b))
    return out
