"""The OpenAPI document and Swagger UI, served from the app's own static files."""

import re

from django.test import Client


def test_schema_is_openapi_3_and_lists_the_accounts_endpoints(client: Client) -> None:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/token/" in schema["paths"]
    assert "/api/v1/users/me/" in schema["paths"]


def test_swagger_ui_loads_only_local_assets_and_no_inline_script_or_style(client: Client) -> None:
    response = client.get("/api/v1/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r'(?:src|href)="([^"#]+)"', html)
    assert urls, html
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert re.search(r"<script>(?!\s*</script>)", html) is None
    assert re.search(r"<style[\s>]|\sstyle=", html) is None
    assert "/static/css/swagger_ui.css" in urls
