"""deploy/: the production setup holds together.

The environment files name only settings that exist, the example passes `check --deploy`, the
systemd unit starts the ASGI app that nginx proxies to, nginx upgrades websockets and outlasts
the heartbeat, and (where the tools are installed) nginx and systemd accept the files.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sessions.models import HEARTBEAT_SECONDS

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SETTINGS_SOURCE = (ROOT / "calibration" / "settings.py").read_text()
NGINX_SITE = (DEPLOY / "nginx" / "concord.conf").read_text()
UNIT = (DEPLOY / "systemd" / "concord@.service").read_text()
COMPOSE = (DEPLOY / "compose" / "compose.yaml").read_text()
COMPOSE_NGINX = (DEPLOY / "compose" / "nginx.conf").read_text()

ESSENTIAL = {
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "REDIS_URL",
    "CONCORD_DB_POOL_MAX_SIZE",
    "CONCORD_SECRETS_KEY",
}


def env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def locations(config: str) -> dict[str, str]:
    """location prefix -> its block's body (the blocks here hold no nested braces)."""
    return {
        match.group(1): match.group(2)
        for match in re.finditer(r"location\s+(?:=\s*)?(\S+)\s*\{([^}]*)\}", config)
    }


def seconds(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([sm]?)", value).groups()
    return int(number) * (60 if unit == "m" else 1)


@pytest.mark.parametrize("name", ["concord.env.example", "compose/compose.env"])
def test_environment_files_name_only_settings_that_exist_and_all_essentials(name):
    values = env_file(DEPLOY / name)

    unknown = [key for key in values if f'"{key}"' not in SETTINGS_SOURCE]
    assert unknown == [], f"{name} sets variables calibration/settings.py never reads"
    assert values.keys() >= ESSENTIAL
    assert values["DJANGO_DEBUG"] == "false"


def test_the_example_environment_passes_the_deployment_checks(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONCORD_"))},
        **env_file(DEPLOY / "concord.env.example"),
        # What the administrator replaces: a real key, and (here) a database that exists.
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'check.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "calibration.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_unit_serves_the_asgi_app_on_its_instance_port_and_restarts():
    exec_start = re.search(r"ExecStart=(.*?)(?:\n(?!\s))", UNIT, re.S).group(1)

    assert "daphne" in exec_start
    assert "--port %i" in exec_start and "--bind 127.0.0.1" in exec_start
    assert "--proxy-headers" in exec_start
    assert "calibration.asgi:application" in exec_start
    assert "EnvironmentFile=/etc/concord/concord.env" in UNIT
    assert "Restart=always" in UNIT


def test_nginx_upgrades_websockets_and_outlasts_the_heartbeat():
    blocks = locations(NGINX_SITE)
    ws = blocks["/ws/"]

    assert "proxy_set_header Upgrade $http_upgrade;" in ws
    assert "proxy_set_header Connection $connection_upgrade;" in ws
    assert "proxy_http_version 1.1;" in ws
    read_timeout = seconds(re.search(r"proxy_read_timeout\s+(\w+);", ws).group(1))
    # A quiet room sends only heartbeats; the proxy must not cut it between two of them.
    assert read_timeout > 3 * HEARTBEAT_SECONDS
    # Every proxied location says whether the client used HTTPS; Django trusts only that.
    for prefix, body in blocks.items():
        if "proxy_pass" in body:
            assert "proxy_set_header X-Forwarded-Proto $scheme;" in body, prefix
            assert "proxy_set_header Host" in body, prefix


def test_nginx_upstream_lists_worker_ports_and_static_comes_from_collectstatic():
    ports = re.findall(r"server 127\.0\.0\.1:(\d+)", NGINX_SITE)

    assert len(ports) >= 2 and len(set(ports)) == len(ports)
    assert "alias /srv/concord/staticfiles/;" in NGINX_SITE
    assert 'STATIC_ROOT = BASE_DIR / "staticfiles"' in SETTINGS_SOURCE


def test_the_release_step_migrates_and_collects_static():
    release = DEPLOY / "release.sh"
    text = release.read_text()

    assert os.access(release, os.X_OK)
    assert subprocess.run(["bash", "-n", str(release)]).returncode == 0
    assert "manage.py migrate --noinput" in text
    assert "manage.py collectstatic --noinput" in text


def test_compose_runs_two_checked_workers_behind_nginx_after_migrating():
    assert re.search(r"^  worker1:", COMPOSE, re.M) and re.search(r"^  worker2:", COMPOSE, re.M)
    assert "/healthz" in COMPOSE
    assert "service_completed_successfully" in COMPOSE
    assert "server worker1:8000" in COMPOSE_NGINX and "server worker2:8000" in COMPOSE_NGINX
    ws = locations(COMPOSE_NGINX)["/ws/"]
    assert "proxy_set_header Upgrade $http_upgrade;" in ws


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_site(tmp_path):
    # A throwaway certificate in place of Let's Encrypt's.
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "concord.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    site = NGINX_SITE.replace(
        "/etc/letsencrypt/live/concord.example.com/fullchain.pem", str(tmp_path / "cert.pem")
    ).replace("/etc/letsencrypt/live/concord.example.com/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n"
    )

    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
def test_systemd_accepts_the_units(tmp_path):
    # The unit as installed, with this checkout's daphne in place of /srv/concord's.
    daphne = Path(sys.executable).with_name("daphne")
    (tmp_path / "concord@.service").write_text(
        UNIT.replace("/srv/concord/.venv/bin/daphne", str(daphne))
    )
    shutil.copy(DEPLOY / "systemd" / "concord.target", tmp_path)

    result = subprocess.run(
        ["systemd-analyze", "verify", "concord@8001.service", "concord.target"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert "concord@" not in result.stderr, result.stderr
