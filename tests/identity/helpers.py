"""Helpers for identity tests."""
import random
import string


def letters(n: int = 9) -> str:
    """A random letters-only name token (digits are dropped by name normalisation)."""
    rng = random.SystemRandom()
    cons, vow = "bcdfgklmprstw", "aiueo"
    return "".join(rng.choice(cons) + rng.choice(vow) for _ in range(n // 2 + 1)).capitalize()


def nik(female: bool = False) -> str:
    """A random structurally valid NIK of Bekasi Timur (birth 1970)."""
    rng = random.SystemRandom()
    day = rng.randint(1, 28) + (40 if female else 0)
    return f"327501{day:02d}{rng.randint(1, 12):02d}70{rng.randint(1, 9999):04d}"
