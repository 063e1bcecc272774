"""Indonesian name normalisation."""
import pytest

from app.services.names import consonant_skeleton, name_similarity, name_tokens, normalize_name


@pytest.mark.parametrize("old,new", [
    ("Soedjono", "Sujono"),
    ("Jusuf", "Yusuf"),
    ("Djoko Tjahjono", "Joko Cahyono"),
    ("Sjarifuddin", "Syarifudin"),
    ("Tjipto Njoto", "Cipto Nyoto"),
    ("Achmad Chairul", "Akhmad Khairul"),
    ("Rizky", "Rizki"),
])
def test_old_spellings_meet_modern(old, new):
    assert normalize_name(old) == normalize_name(new)


@pytest.mark.parametrize("variant", [
    "Muhammad Rizki", "Muhamad Rizki", "Mohamad Rizki", "Mochammad Rizki", "Moh. Rizki",
    "Moch. Rizki", "Muh. Rizki", "M. Rizki", "M.Rizki", "Mhd Rizki", "MUHAMMAD RIZKI",
])
def test_muhammad_variants(variant):
    assert normalize_name(variant) == "muhamad rizki"


def test_titles_and_honorifics_removed():
    assert normalize_name("H. Soedjono, S.Pd.") == normalize_name("Sujono")
    assert normalize_name("Drs. Ir. Bambang") == "bambang"
    assert normalize_name("Bpk Budi") == normalize_name("Mbah Budi") == "budi"
    assert normalize_name("St. Aminah") == normalize_name("Sitti Aminah") == "siti aminah"


def test_honorific_alone_is_kept():
    assert normalize_name("Mbah") == "mbah"


def test_balinese_birth_order_names_do_not_distinguish():
    assert name_tokens("I Wayan Sudarta") == ["sudarta"]
    assert name_tokens("Ni Made Ayu") == ["ayu"]
    assert name_tokens("Wayan") == ["wayan"]


def test_abdul_compounds_and_joined_names():
    assert name_tokens("Abdurrahman") == ["abdul", "rahman"]
    assert name_tokens("Abdullah") == ["abdulah"]
    assert name_similarity(name_tokens("Nur Hayati"), name_tokens("Nurhayati")) >= 0.9


def test_similarity_order_and_dropped_parts():
    assert name_similarity(name_tokens("Budi Santoso"), name_tokens("Santoso Budi")) == 1.0
    assert name_similarity(name_tokens("Budi Santoso"), name_tokens("Budi")) >= 0.9
    assert name_similarity(name_tokens("Budi"), name_tokens("Agus")) < 0.75
    assert name_similarity(name_tokens("Muhammad Rizki"), name_tokens("Muhammad Fajar")) < 0.75


def test_skeleton_tolerates_vowel_changes():
    assert consonant_skeleton("sutrisno") == consonant_skeleton("sutresno")
    assert consonant_skeleton("fatimah") == consonant_skeleton("fatima")


def test_empty_inputs():
    assert normalize_name("") == "" and normalize_name(None) == ""
    assert name_tokens("  ,. ") == []
    assert name_similarity([], ["budi"]) == 0.0


def test_last_syllable_nickname_counts_as_similar():
    from app.services.names import token_similarity

    assert token_similarity("mulyanto", "yanto") >= 0.85
    assert token_similarity("maryani", "yani") >= 0.85
    assert token_similarity("budi", "agus") < 0.75
