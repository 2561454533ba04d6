"""The one place that reads the environment (django-environ).

Everything else reads ``django.conf.settings``.  A ``.env`` file in the project
root is read too, so a developer can keep local overrides out of their shell.
"""
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
