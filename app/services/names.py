"""Indonesian-aware person-name normalisation for matching.

Stored names stay as entered; these functions only build comparison keys.

Pipeline (see docs/matching.md):
1. ASCII-fold, lower-case, split on whitespace, commas and dots.
2. Drop titles (H., Hj., Drs., S.Pd., Ir., ...) and honorifics (Bpk, Ibu, Mbah,
   Pak, Bu, ...) while at least one other token remains.
3. Canonical spelling per token: old spellings (oe->u, dj->j, tj->c, ch->kh,
   plus dh->d, th->t, ph->f, q->k), then ``j`` and ``y`` are folded into one
   symbol (``y``) so old "Jusuf" and modern "Yusuf" meet without having to
   guess which ``j`` is old; nj->ny and sj->sy then follow automatically.
   Doubled letters are collapsed.
4. Variant dictionary: Muhammad (20+ spellings/abbreviations), Siti, Nur,
   Abdul (including sun-letter compounds like Abdurrahman -> abdul rahman),
   Ahmad.
5. Balinese birth-order/caste names (Wayan, Made, Nyoman, Ketut, Putu, Gede,
   Kadek, Komang, I/Ni, ...) are dropped as non-distinguishing.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from rapidfuzz.distance import JaroWinkler, Levenshtein

__all__ = [
    "normalize_name",
    "name_tokens",
    "consonant_skeleton",
    "name_similarity",
    "canonical_token",
    "token_similarity",
    "WEAK_TOKENS",
]

_CHUNK_RE = re.compile(r"[\s,;:()\[\]{}|\\_+=\-/]+")
_SPLIT_RE = re.compile(r"[.]+")
_DROP_RE = re.compile(r"['`\u2019\"]")
_NON_ALPHA_RE = re.compile(r"[^a-z]")
_DOUBLE_RE = re.compile(r"([a-z])\1+")
_VOWELS_RE = re.compile(r"[aeiou]")
_FINAL_Y_RE = re.compile(r"(?<=[^aeiouy])y$")

# Old -> modern spelling, applied in this order ("dj" before "j").
_OLD_SPELLING = (
    ("oe", "u"),
    ("dj", "j"),
    ("tj", "c"),
    ("ch", "kh"),
    ("dh", "d"),
    ("th", "t"),
    ("ph", "f"),
    ("q", "k"),
    ("j", "y"),  # fold j/y: old "j" is modern "y"; nj->ny, sj->sy follow
)

# Titles written before or after the name (dots already removed).
_TITLES = frozenset(
    """h hj hjh haji hajjah drs dra dr ir prof ssos spd spdi sag sh se st skom
    skm sked spsi sip sth sthi ssi sp ssn sds amd amk mm mpd msi mag mh mkes mkom
    mt ba bsc lc ma phd kh""".split()
)
# Titles that are also given-name abbreviations when they lead ("St." = Siti).
_LEADING_ABBREV = {"st": "siti", "sti": "siti"}
_HONORIFICS = frozenset(
    """bpk bapak pak pa ibu ib bu bunda mbah embah mbok mak emak nyai nyi kyai kiai
    ki ust ustad ustadz ustaz ustadzah ustazah tuan nona sdr sdri saudara saudari
    kak kakak bang abang mas mbak neng teh akang kang aa om tante opa oma nenek
    kakek engkong encang encing cak mamak ning gus almarhum alm almh""".split()
)
# Balinese birth-order and caste/title names: shared by many, not distinguishing.
_BALINESE = frozenset(
    """wayan made nyoman ketut putu gede kadek komang nengah iluh luh gusti ngurah
    agung ida bagus dewa desak cokorda""".split()
)
_BALINESE_ARTICLES = frozenset({"i", "ni"})

# Canonical forms (keys are already spelling-canonicalised, see _spell).
_VARIANTS = {
    **dict.fromkeys(
        """muhamad muhamed muhamat muhammad mohamad mohamed mohamat mukhamad mokhamad
        muhamat mukhamat mohd moh mokh mhd mhmd muh mukh mch mu m mamad muhd mochd
        mohamad mahamad muhamadd md""".split(),
        "muhamad",
    ),
    **dict.fromkeys("siti sitti siiti""".split(), "siti"),
    **dict.fromkeys("nur nurr nuur nor nour""".split(), "nur"),
    **dict.fromkeys("abdul abd abdu abdoel abdol""".split(), "abdul"),
    **dict.fromkeys("ahmad akhmad ahmat akhmat amad ahmed".split(), "ahmad"),
}
# Common name parts that carry little identifying power on their own.
WEAK_TOKENS = frozenset({"muhamad", "siti", "nur", "abdul", "ahmad"})
_ABDUL_SUN = frozenset("rsznt d".replace(" ", ""))
_ABDUL_WHOLE = frozenset({"abdulah", "abdulloh", "abdula"})


def _ascii_lower(s: str) -> str:
    """ASCII-fold and lower-case ``s``."""
    s = unicodedata.normalize("NFKD", s)
    return s.encode("ascii", "ignore").decode("ascii").lower()


@lru_cache(maxsize=200_000)
def _spell(tok: str) -> str:
    """Modern, canonical spelling of one lower-case alphabetic token."""
    for old, new in _OLD_SPELLING:
        if old in tok:
            tok = tok.replace(old, new)
    tok = _FINAL_Y_RE.sub("i", tok)  # Rizky -> rizki, Dewy -> dewi
    return _DOUBLE_RE.sub(r"\1", tok)


@lru_cache(maxsize=200_000)
def canonical_token(tok: str) -> tuple[str, ...]:
    """Canonical form(s) of one raw lower-case token (may split Abdul- compounds)."""
    tok = _NON_ALPHA_RE.sub("", tok)
    if not tok:
        return ()
    tok = _spell(tok)
    if tok in _VARIANTS:
        return (_VARIANTS[tok],)
    if tok.startswith("abd") and tok not in _ABDUL_WHOLE and len(tok) >= 7:
        rest = _split_abdul(tok)
        if rest:
            return ("abdul", rest)
    return (tok,)


def _split_abdul(tok: str) -> str | None:
    """Second part of an Abdul- compound (Abdurrahman -> rahman), else None."""
    if tok.startswith("abdul") and len(tok) > 7:
        return tok[5:]
    if tok.startswith("abdu") and tok[4] in _ABDUL_SUN:
        return tok[4:]
    return None


def _raw_tokens(s: str) -> list[str]:
    """Lower-case raw tokens; dotted titles ("S.Pd.") are recognised whole."""
    s = _DROP_RE.sub("", _ascii_lower(s))
    out: list[str] = []
    for chunk in _CHUNK_RE.split(s):
        if not chunk:
            continue
        undotted = chunk.replace(".", "")
        if undotted in _TITLES or undotted in _HONORIFICS:
            out.append(undotted)
        else:
            out.extend(t for t in _SPLIT_RE.split(chunk) if t)
    return out


def _strip_titles(raw: list[str]) -> list[str]:
    """Remove titles anywhere and honorifics in front; leading 'St.' is Siti."""
    out: list[str] = []
    for t in raw:
        if not out and t in _LEADING_ABBREV:
            out.append(_LEADING_ABBREV[t])
        elif t in _TITLES or (t in _HONORIFICS and not out):
            continue
        else:
            out.append(t)
    return out or raw[-1:]


def _strip_balinese(toks: list[str]) -> list[str]:
    """Drop Balinese birth-order/caste names and a leading I/Ni."""
    kept = [t for t in toks if t not in _BALINESE]
    if kept and kept[0] in _BALINESE_ARTICLES and (len(kept) > 1 or len(toks) > 1):
        kept = kept[1:]
    return kept or [t for t in toks if t not in _BALINESE_ARTICLES] or toks


@lru_cache(maxsize=500_000)
def _tokens_cached(s: str) -> tuple[str, ...]:
    """Canonical tokens of a name (cached)."""
    toks: list[str] = []
    for t in _strip_titles(_raw_tokens(s)):
        toks.extend(canonical_token(t))
    return tuple(_strip_balinese(toks))


def name_tokens(s: str | None) -> list[str]:
    """Canonical name tokens in written order, without titles or noise."""
    if not s:
        return []
    return list(_tokens_cached(s))


def normalize_name(s: str | None) -> str:
    """Canonical spelling of a name for search and matching.

    ``normalize_name("H. Soedjono, S.Pd.") == normalize_name("sujono")``.
    """
    if not s:
        return ""
    return " ".join(_tokens_cached(s))


@lru_cache(maxsize=200_000)
def consonant_skeleton(token: str) -> str:
    """First letter plus the token's consonants (h dropped, runs collapsed).

    Robust to vowel changes and most typos' effect on vowels:
    ``consonant_skeleton("sutrisno") == consonant_skeleton("sutresno")``.
    """
    if not token:
        return ""
    tok = token.replace("kh", "h")
    head, tail = tok[0], _VOWELS_RE.sub("", tok[1:]).replace("h", "")
    return _DOUBLE_RE.sub(r"\1", head + tail)


def _token_sim(a: str, b: str) -> float:
    """Similarity of two canonical tokens in [0, 1]."""
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:  # initial vs full token
        return 0.85 if a[0] == b[0] else 0.0
    jw = JaroWinkler.normalized_similarity(a, b)
    if consonant_skeleton(a) == consonant_skeleton(b):
        jw = max(jw, 0.93)
    elif Levenshtein.distance(a, b) == 1 and min(len(a), len(b)) >= 4:
        jw = max(jw, 0.9)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and len(long) - len(short) >= 2 and long.endswith(short):
        jw = max(jw, 0.86)  # nickname from the last syllables: Mulyanto ~ Yanto, Maryani ~ Yani
    return jw


_token_sim_raw = _token_sim
_token_sim = lru_cache(maxsize=500_000)(_token_sim_raw)  # pure function of two tokens: cached


def token_similarity(a: str, b: str) -> float:
    """Similarity of two canonical tokens in [0, 1] (public alias of the token scorer)."""
    return _token_sim(a, b)


def _best_alignment(short: list[str], long: list[str]) -> float:
    """Mean best-match similarity of ``short`` tokens against ``long`` tokens."""
    total = 0.0
    weight = 0.0
    used: set[int] = set()
    for t in short:
        best, best_j = 0.0, -1
        for j, u in enumerate(long):
            if j in used:
                continue
            s = _token_sim(t, u)
            if s > best:
                best, best_j = s, j
        if best_j >= 0:
            used.add(best_j)
        w = 0.4 if t in WEAK_TOKENS else 1.0
        total += w * best
        weight += w
    return total / weight if weight else 0.0


def name_similarity(a_tokens: list[str] | tuple[str, ...], b_tokens: list[str] | tuple[str, ...]) -> float:
    """Token-set aware similarity of two canonical token lists, in [0, 1].

    Order-independent; a dropped name part costs little (subset match);
    joined forms ("Nur Hayati" vs "Nurhayati") compare as one string.
    Cached per pair of token tuples (a pure function).
    """
    if not a_tokens or not b_tokens:
        return 0.0
    return _name_similarity(tuple(a_tokens), tuple(b_tokens))


@lru_cache(maxsize=300_000)
def _name_similarity(a_tokens: tuple[str, ...], b_tokens: tuple[str, ...]) -> float:
    a, b = list(a_tokens), list(b_tokens)
    if sorted(a) == sorted(b):
        return 1.0
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    core_s = [t for t in short if t not in WEAK_TOKENS] or short
    core_l = [t for t in long if t not in WEAK_TOKENS] or long
    sim = _best_alignment(core_s, core_l) if len(core_s) <= len(core_l) else _best_alignment(core_l, core_s)
    extra = abs(len(core_l) - len(core_s))
    sim -= 0.03 * extra
    joined = JaroWinkler.normalized_similarity("".join(a), "".join(b))
    return max(0.0, min(1.0, max(sim, joined if joined >= 0.9 else 0.0)))
