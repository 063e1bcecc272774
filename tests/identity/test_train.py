"""`flask dedup train`: EM on the registry plus reviewers' decisions; the saved model is preferred."""
from app.services import dedup
from app.services.matching import MatchModel
from tests.identity.helpers import letters


def test_train_saves_model_that_is_preferred(app, make_person, session_ctx, tmp_path, monkeypatch):
    tag = letters()
    a = make_person(nama=f"Soedjono {tag}", tahun_lahir=1970, jenis_kelamin="L")
    b = make_person(nama=f"Sujono {tag}", tahun_lahir=1971, jenis_kelamin="L")
    with session_ctx() as s:
        pair = dedup.upsert_pair(s, a, b, 5.0, 0.9, [], "scan")
        s.flush()
        dedup.decide(s, pair, "berbeda", None, "beda orang")
        s.commit()
    out = tmp_path / "model.json"
    r = app.test_cli_runner().invoke(args=["dedup", "train", "--max-records", "3000", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "keputusan peninjau" in r.output and out.is_file()
    trained = MatchModel.load(out)
    assert trained.trained_on.startswith("EM on")
    monkeypatch.setattr(dedup, "MODEL_PATH", str(out))
    assert dedup.model().trained_on == trained.trained_on  # the trained file wins over the default
    monkeypatch.setattr(dedup, "MODEL_PATH", str(tmp_path / "missing.json"))
    assert dedup.model().trained_on == MatchModel.default().trained_on
