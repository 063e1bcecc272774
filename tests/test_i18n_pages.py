"""Indonesian first: FAB's own screens and ours; English switchable."""


def test_login_page_indonesian(client):
    page = client.get("/login/").get_data(as_text=True)
    for text in ("Nama Pengguna", "Kata Sandi", "Masuk"):
        assert text in page, text
    assert "Username" not in page and "Password:" not in page


def test_person_list_indonesian_and_english_switch(login):
    c = login("operator")
    page = c.get("/personview/list/").get_data(as_text=True)
    assert "Daftar PPKS" in page
    assert "Tambah data baru" in page or "Tambah" in page
    assert "Add a new record" not in page
    assert c.get("/lang/en").status_code == 302
    page = c.get("/login/").get_data(as_text=True)  # logged-in users are redirected home
    page = c.get("/personview/list/").get_data(as_text=True)
    assert "Add a new record" in page or "Logout" in page
    c.get("/lang/id")
    assert "Keluar" in c.get("/personview/list/").get_data(as_text=True)
