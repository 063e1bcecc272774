"""Issue 5: the dashboard in a real browser — Chart.js charts and the Leaflet map render
from the app's own static files (no CDN), with no console errors.

Map tiles (MAP_TILE_URL, an external tile server) are answered with a blank PNG by the
test so the test runs offline; every script and stylesheet must come from the app.
"""
from __future__ import annotations

import base64

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


def test_dashboard_charts_and_map_render_locally(page, live_server, ui_login):
    errors, assets, foreign = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        url = r.request.url
        if url.startswith(live_server):
            if r.request.resource_type in ("script", "stylesheet"):
                assets.append(url)
            return r.continue_()
        foreign.append((r.request.resource_type, url))
        if r.request.resource_type == "image":  # map tiles: offline stand-in
            return r.fulfill(status=200, content_type="image/png", body=BLANK_PNG)
        return r.abort()

    page.route("**/*", route)
    ui_login(page, "pimpinan")
    page.goto("/dasbor/")
    page.wait_for_load_state("load")
    expect(page.locator("#stat-persons")).to_be_visible()
    for cid in ("chart-month", "chart-jenis", "chart-kecamatan"):
        # Chart.js registered a chart on the canvas and drew it at a real size
        assert page.evaluate(f"!!(window.Chart && Chart.getChart('{cid}'))"), cid
        assert page.evaluate(f"document.getElementById('{cid}').width") > 0
    expect(page.locator("#map.leaflet-container")).to_have_count(1)
    expect(page.locator("#map .leaflet-tile-pane img").first).to_be_attached()
    expect(page.locator("#dashboard-freshness")).to_contain_text("detik")
    assert any(a.endswith("vendor/chartjs/chart.umd.min.js") for a in assets)
    assert any(a.endswith("vendor/leaflet/leaflet.js") for a in assets)
    assert [f for f in foreign if f[0] != "image"] == [], foreign
    assert errors == [], errors
