"""Helpers for identity tests."""
import random
import string


def letters(n: int = 9) -> str:
    """A random letters-only name token (digits are dropped by name normalisation)."""
    rng = random.SystemRandom()
    cons, vow = "bcdfgklmprstw", "aiueo"
    return "".join(rng.choice(cons) + rng.choice(vow) for _ in range(n // 2 + 1)).capitalize()
