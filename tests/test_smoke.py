def test_login_page_is_indonesian(client):
    page = client.get("/login/").get_data(as_text=True)
    assert "Nama Pengguna" in page and "Kata Sandi" in page


def test_operator_sees_person_list(login, make_person):
    person_id = make_person()
    c = login("operator")
    r = c.get("/personview/list/")
    assert r.status_code == 200
    assert "Daftar PPKS" in r.get_data(as_text=True)
    r = c.get(f"/personview/show/{person_id}")
    assert r.status_code == 200, r.get_data(as_text=True)[:2000]
