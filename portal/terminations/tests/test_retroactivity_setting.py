"""RETROACTIVE_MAX_DAYS is read from the environment, its former name as a fallback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def setting_with(**environment: str) -> int:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"RETROACTIVE_MAX_DAYS", "TERMINATION_MAX_RETROACTIVE_DAYS"}
    }
    env.update(PORTAL_ENV="test", DJANGO_SETTINGS_MODULE="config.settings", **environment)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.RETROACTIVE_MAX_DAYS)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, 62),
        ({"TERMINATION_MAX_RETROACTIVE_DAYS": "30"}, 30),
        ({"RETROACTIVE_MAX_DAYS": "90", "TERMINATION_MAX_RETROACTIVE_DAYS": "30"}, 90),
    ],
)
def test_the_retroactivity_limit_reads_its_new_name_then_its_former_one(
    environment: dict[str, str], expected: int
) -> None:
    assert setting_with(**environment) == expected
