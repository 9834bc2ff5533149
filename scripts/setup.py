"""Idempotent set-up of a zedxl working copy: ``.venv``, zedxl installed editable with ``[dev]``, LibreOffice.

Run it directly (``python scripts/setup.py``) or import it: ``scripts/test.py`` and ``scripts/demo.py`` call
``ensure()``, which returns the virtual environment's Python. Only the standard library is used, so any Python
3.11+ runs it, on Linux, macOS and Windows.

What it does, skipping every step that is already done:

1. creates ``.venv`` in the repository root (stdlib ``venv``), or re-creates it if its Python no longer runs;
2. ``<venv python> -m pip install -e ".[dev]"`` unless a stamp in ``.venv`` holds the hash of the current
   ``pyproject.toml`` and zedxl is installed (zedxl is pure Python: no compiler is needed);
3. if LibreOffice (or ``pdftotext``) is missing: on Linux as root with ``apt-get``, installs the Debian
   packages ``libreoffice-calc libreoffice-writer poppler-utils``; elsewhere prints how to get LibreOffice;
4. on Linux, if the fonts metric-compatible with Arial and Calibri (Liberation Sans, Carlito) are missing, installs
   ``fonts-liberation fonts-crosextra-carlito`` the same way, so that a PDF keeps the line breaks and page breaks
   Word would give (without them LibreOffice sets the report in DejaVu Sans, which is wider). Windows has the
   originals.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
#: the environment with every dependency at the lowest version pyproject.toml allows (``test.py --minimos``)
LOWEST_VENV = ROOT / ".venv-minimos"
STAMP_NAME = ".zedxl-pyproject.sha256"
APT_PACKAGES = ["libreoffice-calc", "libreoffice-writer", "poppler-utils"]
#: font family that must be installed -> the Debian package that brings it (metric-compatible with Arial, Calibri)
FONT_PACKAGES = {"Liberation Sans": "fonts-liberation", "Carlito": "fonts-crosextra-carlito"}


def venv_python(folder: Path = VENV) -> Path:
    """Path of a virtual environment's Python (it may not exist yet)."""
    if os.name == "nt":
        return folder / "Scripts" / "python.exe"
    return folder / "bin" / "python"


def _runs(python: Path, *code: str) -> bool:
    """True when ``python -c code`` exits 0 (the interpreter exists and works)."""
    if not python.exists():
        return False
    try:
        done = subprocess.run([str(python), "-c", ";".join(code) or "pass"], cwd=ROOT,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              check=False)
    except OSError:
        return False
    return done.returncode == 0


def _ensure_venv(folder: Path = VENV) -> Path:
    python = venv_python(folder)
    if _runs(python):
        return python
    if folder.exists():
        print(f"El entorno {folder.name} no funciona; se vuelve a crear.", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    else:
        print(f"Creando el entorno virtual {folder} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(folder)
    if not _runs(python):
        sys.exit(f"No se pudo crear el entorno virtual en {folder}.")
    return python


#: what the install is built from: a change to any of them reinstalls
BUILD_INPUTS = ("pyproject.toml",)


def _pyproject_hash() -> str:
    h = hashlib.sha256()
    for name in BUILD_INPUTS:
        path = ROOT / name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    return h.hexdigest()


def lowest_versions() -> list[str]:
    """``name==version`` for every dependency of pyproject.toml, at the lower bound it allows (``>=``)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    listed = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]
    pins = []
    for text in listed:
        m = re.match(r"\s*([A-Za-z0-9._-]+)[^>]*>=\s*([0-9][^,;\s]*)", text)
        if m is None:
            sys.exit(f"pyproject.toml: «{text}» no tiene cota inferior (>=).")
        pins.append(f"{m.group(1)}=={m.group(2)}")
    return pins


def _ensure_packages(python: Path, folder: Path = VENV, lowest: bool = False) -> None:
    stamp_file = folder / STAMP_NAME
    wanted = _pyproject_hash()
    stamp = stamp_file.read_text(encoding="utf-8").strip() if stamp_file.is_file() else ""
    if stamp == wanted and _runs(python, "import importlib.metadata as m", "m.version('zedxl')"):
        return
    print('Instalando zedxl y sus dependencias de desarrollo (pip install -e ".[dev]")'
          + (" en sus versiones mínimas" if lowest else "") + " ...", flush=True)
    cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-e", ".[dev]"]
    if lowest:
        constraints = folder / "minimos.txt"
        constraints.write_text("\n".join(lowest_versions()) + "\n", encoding="utf-8")
        cmd += ["-c", str(constraints)]
    if subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, check=False).returncode != 0:
        stamp_file.unlink(missing_ok=True)
        sys.exit("Falló «pip install -e .[dev]»: revise los mensajes de pip de arriba.")
    stamp_file.write_text(wanted + "\n", encoding="utf-8")


def _find_soffice(python: Path) -> str:
    """Ask zedxl itself (same search as at run time: ZEDXL_SOFFICE, PATH, usual install folders)."""
    code = "from zedxl.libreoffice import find_soffice; print(find_soffice() or '')"
    done = subprocess.run([str(python), "-c", code], cwd=ROOT, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return done.stdout.strip()
    return shutil.which("soffice") or shutil.which("libreoffice") or ""


def _can_apt() -> bool:
    return (sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0
            and shutil.which("apt-get") is not None)


def _apt_install(packages: list[str]) -> bool:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    print(f"Instalando con apt-get: {' '.join(packages)} ...", flush=True)
    for cmd in (["apt-get", "update"],
                ["apt-get", "install", "-y", "--no-install-recommends", *packages]):
        if subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, check=False).returncode != 0:
            print(f"Aviso: falló «{' '.join(cmd)}».", flush=True)
            return False
    return True


def _ensure_libreoffice(python: Path) -> None:
    soffice = _find_soffice(python)
    pdftotext = shutil.which("pdftotext")
    if soffice and pdftotext:
        return
    if _can_apt():
        _apt_install(APT_PACKAGES)
        soffice = _find_soffice(python)
    if soffice:
        return
    print(
        "Nota: no se encontró LibreOffice. zedxl lo usa para recalcular libros y exportar PDF "
        "(y las pruebas marcadas «libreoffice» lo necesitan).\n"
        "  - Debian/Ubuntu: sudo apt-get install --no-install-recommends "
        "libreoffice-calc libreoffice-writer poppler-utils\n"
        "  - Windows o macOS: descárguelo de https://es.libreoffice.org/descarga/\n"
        "  - Si ya está instalado en otra carpeta, indique la ruta de «soffice» "
        "en la variable ZEDXL_SOFFICE.",
        flush=True,
    )


def missing_fonts() -> list[str]:
    """The font families of ``FONT_PACKAGES`` fontconfig does not know (none where there is no fontconfig)."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return []
    done = subprocess.run([fc_list, ":", "family"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          check=False)
    families = {name.strip() for line in done.stdout.splitlines() for name in line.split(",")}
    return [family for family in FONT_PACKAGES if family not in families]


def _ensure_fonts() -> None:
    missing = missing_fonts()
    if not missing:
        return
    if _can_apt() and _apt_install([FONT_PACKAGES[f] for f in missing]):
        return
    print(f"Nota: faltan las fuentes {', '.join(missing)} (compatibles con Arial y Calibri); el PDF del informe "
          f"usará otra fuente. En Debian/Ubuntu: sudo apt-get install {' '.join(FONT_PACKAGES[f] for f in missing)}",
          flush=True)


def ensure(*, lowest: bool = False) -> Path:
    """Bring the working copy up to date and return the virtual environment's Python (``lowest``: the environment
    with every dependency at its lowest allowed version, ``.venv-minimos``)."""
    folder = LOWEST_VENV if lowest else VENV
    python = _ensure_venv(folder)
    _ensure_packages(python, folder, lowest)
    _ensure_libreoffice(python)
    if sys.platform.startswith("linux"):
        _ensure_fonts()
    return python


def main() -> int:
    python = ensure()
    print(f"Entorno listo: {python}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
