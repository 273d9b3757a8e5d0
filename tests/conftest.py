import os
from functools import partial

import pytest
from django.conf import settings

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _isolated_channel_layer(settings):
    """Each test gets its own in-memory layer unless REDIS_URL asks for the real one."""
    if not os.environ.get("REDIS_URL"):
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _start_daphne(django_db_blocker):
    """A real daphne server (HTTP and websockets) in a child process, on a free port."""
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync
    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
    from django.db import connections

    if not os.path.exists(CHROMIUM_PATH):
        if IN_CI:
            pytest.fail(f"Chromium is required under CI=true but {CHROMIUM_PATH} is missing")
        pytest.skip(f"Chromium not found at {CHROMIUM_PATH}")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1", "localhost"]
    with django_db_blocker.unblock():
        # The child is forked with the test database already in settings; it must not share
        # the parent's open database sockets, so close them before forking: the plain ones and
        # the PostgreSQL pool's, which is held per process and would otherwise be inherited
        # (two processes talking on one socket corrupt the protocol).
        connections.close_all()
        for connection in connections.all():
            if hasattr(connection, "close_pool"):
                connection.close_pool()
        # Nor may it inherit asgiref's thread-sensitive executor once the asyncio tests used it:
        # its worker thread does not survive the fork, so every consumer database call would hang.
        SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
        process = DaphneProcess(
            "127.0.0.1", partial(make_application, static_wrapper=ASGIStaticFilesHandler)
        )
        process.start()
        while not process.ready.wait(timeout=1):
            if not process.is_alive():
                raise RuntimeError("The live daphne server stopped while starting")
    return process


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker):
    process = _start_daphne(django_db_blocker)
    yield f"http://127.0.0.1:{process.port.value}"
    process.terminate()
    process.join()


@pytest.fixture(scope="session")
def second_live_server_url(live_server_url, django_db_blocker):
    """Another daphne worker on the same database and channel layer, as in production."""
    process = _start_daphne(django_db_blocker)
    yield f"http://127.0.0.1:{process.port.value}"
    process.terminate()
    process.join()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (never `playwright install`)."""
    if not os.path.exists(CHROMIUM_PATH):
        if IN_CI:
            pytest.fail(f"Chromium is required under CI=true but {CHROMIUM_PATH} is missing")
        pytest.skip(f"Chromium not found at {CHROMIUM_PATH}")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between page actions are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server_url):
    """Opens a page in a fresh browser context: one context per person."""
    contexts = []

    def open_page():
        context = browser.new_context(
            base_url=live_server_url, viewport={"width": 1280, "height": 860}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def login(live_server_url):
    def do_login(page, username, password="pw"):
        page.goto(f"{live_server_url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return do_login


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright's sync API keeps an event loop running in this
    thread for the rest of the session, which the asyncio (websocket) tests cannot share."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
