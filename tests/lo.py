"""LibreOffice Calc/Writer headless, the stand-in for Excel and WPS in tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")


def convert(src: Path, out_dir: Path, to: str = "xlsx", timeout: float = 180) -> Path:
    """Open ``src`` in LibreOffice headless and save it as ``to`` in ``out_dir``.

    Each call uses its own user profile so parallel runs never share one; formula cells
    without a cached value are recalculated on load, so converting xlsx -> xlsx is
    "open, recalculate, save" as a unit (or an auditor) would do it.
    """
    if SOFFICE is None:
        pytest.skip("LibreOffice is not installed")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run(
            [
                SOFFICE,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                to,
                "--outdir",
                str(out_dir),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    result = out_dir / (src.stem + "." + to.split(":")[0])
    assert result.exists(), f"LibreOffice produced no {result}"
    return result
