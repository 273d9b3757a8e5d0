from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run`: the `seed_demo` command and its files. On top of every app."""

    name = "demo"
    verbose_name = "Demo data"
