"""Production static files: hashed names that the browser's module imports follow too."""

import re

from django.core.management import call_command

IMPORT = re.compile(r"""(?:import|export)[^;]*?\sfrom\s*"(\.[^"]+)";""", re.S)
HASHED = re.compile(r"\.[0-9a-f]{12}\.js$")


def test_hashed_modules_import_hashed_modules(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "calibration.storage.StaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)

    js = tmp_path / "js"
    entry = next(js.glob("session_room.*.js"))
    hashed = [p for p in js.rglob("*.js") if HASHED.search(p.name)]
    imports = [url for path in hashed for url in IMPORT.findall(path.read_text())]
    assert "./live/session.js" in IMPORT.findall((js / "session_room.js").read_text())
    assert any(url.startswith("./live/session.") for url in IMPORT.findall(entry.read_text()))
    # Every relative import of every hashed module names a hashed file that exists.
    assert imports
    for path in hashed:
        for url in IMPORT.findall(path.read_text()):
            assert HASHED.search(url), f"{path.name} imports the unhashed {url}"
            assert (path.parent / url).resolve().is_file(), f"{path.name}: {url} is missing"
