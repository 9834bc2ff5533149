"""Run LibreOffice headless as zedxl's independent spreadsheet engine: recalculate, convert to ODS/PDF.

Every call runs ``soffice`` with a private user profile of this process, so that a LibreOffice window the user has
open is not disturbed and every formula is recalculated on load (otherwise the cached values of an ``.xlsx`` are
kept and a "LibreOffice agrees" check could never fail).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections.abc import Sequence
from pathlib import Path

from zedxl.errors import ToolMissingError, ZedxlError

__all__ = ["ENV_VAR", "PROFILE_XCU", "ConversionError", "convert", "export_pdf", "find_soffice", "recalculate",
           "recalculate_many"]

#: Environment variable that names the LibreOffice program to use (a path, or a name looked up in PATH).
ENV_VAR = "ZEDXL_SOFFICE"

#: ``user/registrymodifications.xcu`` of the private profile. Recalc modes: 0 = always, 1 = never, 2 = ask.
PROFILE_XCU = """\
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

#: Files per LibreOffice run in ``recalculate_many``: LibreOffice 7.4 was seen to stop after 245 files of one command
#: line, exiting 0 with the rest not converted.
BATCH = 100

# Output formats that need an explicit filter to get the file we want.
_FILTERS = {"xlsx": "xlsx:Calc MS Excel 2007 XML"}

_INSTALL_HELP = ("Instale LibreOffice: en Debian/Ubuntu con «sudo apt-get install --no-install-recommends "
                 "libreoffice-calc libreoffice-writer»; en Windows o macOS descárguelo de "
                 "https://es.libreoffice.org/descarga/ . Si ya está instalado en otra carpeta, indique la ruta del "
                 f"programa «soffice» en la variable de entorno {ENV_VAR}.")

# Lines LibreOffice prints on stderr on every run that say nothing about the conversion.
_NOISE = ("failed to launch javaldx",)
# How many lines of LibreOffice's output a ConversionError message quotes.
_DETAIL_LINES = 12

_lock = threading.Lock()
_profile: Path | None = None


class ConversionError(ZedxlError, RuntimeError):
    """LibreOffice failed, timed out or produced no output file; the message quotes the last lines it printed."""

    def __init__(self, message: str, *, stderr: str = "", returncode: int | None = None) -> None:
        self.stderr = stderr
        self.returncode = returncode
        detail = [ln for ln in stderr.splitlines() if ln.strip() and not any(n in ln for n in _NOISE)]
        if len(detail) > _DETAIL_LINES:
            detail = ["[...]", *detail[-_DETAIL_LINES:]]
        super().__init__("\n".join([message, "Salida de LibreOffice:", *detail]) if detail else message)


def _candidates() -> list[Path]:
    """Usual install locations of ``soffice`` on this platform, most likely first."""
    if sys.platform == "win32":
        roots = [*(os.environ.get(v) for v in ("PROGRAMFILES", "PROGRAMW6432", "PROGRAMFILES(X86)", "LOCALAPPDATA")),
                 r"C:\Program Files", r"C:\Program Files (x86)"]
        return [Path(root, *sub, "LibreOffice", "program", "soffice.exe")
                for root in roots if root for sub in ((), ("Programs",))]
    if sys.platform == "darwin":
        app = Path("LibreOffice.app") / "Contents" / "MacOS" / "soffice"
        return [Path("/Applications") / app, Path.home() / "Applications" / app]
    return [Path("/usr/bin/soffice"), Path("/usr/local/bin/soffice"), Path("/usr/lib/libreoffice/program/soffice"),
            Path("/snap/bin/libreoffice"), *sorted(Path("/opt").glob("libreoffice*/program/soffice"), reverse=True)]


def find_soffice() -> str | None:
    """The LibreOffice program: the one ``ZEDXL_SOFFICE`` names when set (else None), or ``soffice`` or
    ``libreoffice`` in PATH, or in the usual install folders; None when not found."""
    configured = os.environ.get(ENV_VAR, "").strip().strip('"')
    if configured:
        path = Path(configured).expanduser()
        return str(path) if path.is_file() else shutil.which(configured)
    return (shutil.which("soffice") or shutil.which("libreoffice")
            or next((str(path) for path in _candidates() if path.is_file()), None))


def _require_soffice() -> str:
    program = find_soffice()
    if program is not None:
        return program
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        raise ToolMissingError(f"No se encontró LibreOffice: la variable de entorno {ENV_VAR} indica «{configured}», "
                               f"pero ese programa no existe. {_INSTALL_HELP}")
    raise ToolMissingError("No se encontró LibreOffice (el programa «soffice»), que zedxl necesita para recalcular y "
                           f"convertir libros. {_INSTALL_HELP}")


def _profile_dir() -> Path:
    """This process's private profile, created on first use and removed when the interpreter exits."""
    global _profile
    if _profile is None or not (_profile / "user" / "registrymodifications.xcu").is_file():
        profile = Path(tempfile.mkdtemp(prefix="zedxl-libreoffice-"))
        (profile / "user").mkdir()
        (profile / "user" / "registrymodifications.xcu").write_text(PROFILE_XCU, encoding="utf-8")
        atexit.register(shutil.rmtree, profile, ignore_errors=True)
        _profile = profile
    return _profile


def _forget_profile() -> None:
    """Drop the current profile (after a killed run it may be left locked or half written)."""
    global _profile
    if _profile is not None:
        shutil.rmtree(_profile, ignore_errors=True)
        _profile = None


def _kill_tree(proc: subprocess.Popen[str]) -> None:
    """Kill ``proc`` and what it started (``soffice`` is a launcher for ``soffice.bin``)."""
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.kill()


def convert(src: Path, ext: str, outdir: Path, *, timeout: float = 180) -> Path:
    """Convert ``src`` with LibreOffice headless, recalculating on load.

    Args:
        src: The document to convert (``.xlsx``, ``.ods``, ``.docx``...).
        ext: The target's extension: ``"xlsx"``, ``"ods"``, ``"pdf"``...
        outdir: Folder for the result (created if missing); not ``src``'s when ``ext`` is its own.
        timeout: Seconds to wait before LibreOffice is killed.

    Returns:
        ``outdir / (src.stem + "." + ext)``, replaced if it existed.

    Raises:
        ToolMissingError: LibreOffice is not installed (or ``ZEDXL_SOFFICE`` names a missing program).
        ConversionError: ``src`` does not exist, the output would overwrite it, LibreOffice timed out, failed,
            or produced no file.
    """
    return _convert_all([src], ext, outdir, timeout=timeout)[0]


def _convert_all(sources: Sequence[Path], ext: str, outdir: Path, *, timeout: float) -> list[Path]:
    """Convert every file of ``sources`` in one LibreOffice run (one start-up, seconds, for all); as ``convert``."""
    srcs = [Path(src).resolve() for src in sources]
    if not srcs:
        return []
    outdir = Path(outdir).resolve()
    target = _FILTERS.get(ext, ext)
    outs = [outdir / f"{src.stem}.{ext}" for src in srcs]
    for src, out in zip(srcs, outs, strict=True):
        if not src.is_file():
            raise ConversionError(f"No se puede convertir «{src}»: el archivo no existe.")
        if out == src:
            raise ConversionError(f"No se puede convertir «{src}» a {ext} en su misma carpeta: se sobrescribiría el "
                                  "original. Indique otra carpeta de salida.")
    name = srcs[0].name if len(srcs) == 1 else f"{len(srcs)} archivos"
    program = _require_soffice()
    outdir.mkdir(parents=True, exist_ok=True)

    # One conversion at a time per process: two soffice runs sharing a profile would hand work to each other.
    with _lock:
        for out in outs:  # so that "LibreOffice produced nothing" cannot be mistaken for success
            out.unlink(missing_ok=True)
        profile = _profile_dir()
        cmd = [program, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={profile.as_uri()}",
               "--convert-to", target, "--outdir", str(outdir),
               *(src.as_uri() for src in srcs)]  # URLs, so odd names (leading "-", non-ASCII under a C locale) pass
        try:
            output, returncode = _run(cmd, f"convertir «{name}» a {ext}", timeout)
        except ConversionError:
            for out in outs:  # never hand back a half-written file
                out.unlink(missing_ok=True)
            raise

    for src, out in zip(srcs, outs, strict=True):
        if not out.is_file() or out.stat().st_size == 0:
            raise ConversionError(f"LibreOffice no produjo «{out.name}» al convertir «{src.name}» a {ext}.",
                                  stderr=output, returncode=returncode)
    return outs


def recalculate(src: Path, outdir: Path) -> Path:
    """A copy of the ``.xlsx`` ``src`` in ``outdir`` (not its own folder) with every formula's value computed by
    LibreOffice; raises as ``convert``."""
    return convert(src, "xlsx", outdir)


def recalculate_many(sources: Sequence[Path], outdir: Path, *, timeout: float = 600) -> list[Path]:
    """Copies of the ``.xlsx`` files ``sources`` in ``outdir``, recalculated by LibreOffice as ``recalculate`` does,
    in one run per ``BATCH`` files; returned in the order of ``sources``. Their names must differ (the copies share
    ``outdir``); raises as ``convert``."""
    names = [Path(src).stem.casefold() for src in sources]
    if len(set(names)) < len(names):  # one copy would replace the other (casefolded: Windows and macOS ignore case)
        raise ConversionError("No se pueden recalcular a la vez dos archivos con el mismo nombre: "
                              f"{', '.join(sorted({n for n in names if names.count(n) > 1}))}.")
    return [out for i in range(0, len(sources), BATCH)
            for out in _convert_all(sources[i:i + BATCH], "xlsx", outdir, timeout=timeout)]


#: A Basic module of the private profile: open a Writer document hidden, update its indexes (the contents page, whose
#: page numbers only a layout engine knows), export it to PDF. Basic in the user's own library runs at any macro
#: security level; the document's own macros, if any, never run.
_MACRO_MODULE = "ZedxlPdf"
_MACRO_XBA = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="{_MACRO_MODULE}" \
script:language="StarBasic">
Sub ExportPdf(src As String, dst As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot;
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(src, &quot;_blank&quot;, 0, load())
  indexes = doc.getDocumentIndexes()
  For i = 0 To indexes.getCount() - 1
    indexes.getByIndex(i).update()
  Next i
  Dim store(0) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot;
  store(0).Value = &quot;writer_pdf_Export&quot;
  doc.storeToURL(dst, store())
  doc.close(True)
End Sub
</script:module>
"""
_MACRO_XLB = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" \
library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Module1"/>
 <library:element library:name="{_MACRO_MODULE}"/>
</library:library>
"""


def _run(cmd: list[str], what: str, timeout: float) -> tuple[str, int]:
    """Run ``soffice`` in its own process group (so a timeout can kill the launcher and the soffice.bin it started);
    returns its output and exit code. A failure or a timeout raises ``ConversionError`` quoting its output and drops
    the profile (a killed or crashed run may leave it locked, half written or with recovery data)."""
    creationflags = 0
    if sys.platform == "win32":
        creationflags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8", errors="replace", creationflags=creationflags,
                                start_new_session=sys.platform != "win32")
    except OSError as err:
        raise ToolMissingError(f"No se pudo ejecutar LibreOffice («{cmd[0]}»): {err}. {_INSTALL_HELP}") from err
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        failure = f"LibreOffice falló al {what} (código {proc.returncode})." if proc.returncode else ""
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        stdout, stderr = proc.communicate()
        failure = f"LibreOffice no terminó de {what} en {timeout:g} segundos y se detuvo."
    if failure:
        _forget_profile()
        raise ConversionError(failure, stderr=stderr + stdout, returncode=proc.returncode)
    return stderr + stdout, proc.returncode


def _macro_arg(path: Path) -> str:
    """``path`` as a URL that a macro call's argument list holds whole: LibreOffice unquotes the call once before
    reading it, so the file URL (spaces, ``"``, non-ASCII quoted) is quoted once more, the call's separators too."""
    return urllib.parse.quote(path.as_uri(), safe=":/")


def export_pdf(src: Path, outdir: Path, *, timeout: float = 180) -> Path:
    """``src`` (a Writer document: ``.docx``, ``.odt``) as PDF in ``outdir``, its indexes updated first, so the
    contents page lists each heading's page number. Raises as ``convert``."""
    src, outdir = Path(src).resolve(), Path(outdir).resolve()
    if not src.is_file():
        raise ConversionError(f"No se puede convertir «{src}»: el archivo no existe.")
    out = outdir / f"{src.stem}.pdf"
    program = _require_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    with _lock:
        out.unlink(missing_ok=True)
        profile = _profile_dir()
        env = f"-env:UserInstallation={profile.as_uri()}"
        basic = profile / "user" / "basic" / "Standard"
        if not (basic / f"{_MACRO_MODULE}.xba").is_file():
            if not (basic / "script.xlb").is_file():  # a first start writes the default library over ours
                _run([program, "--headless", "--norestore", "--nolockcheck", "--terminate_after_init", env],
                     "preparar su perfil", timeout)
            basic.mkdir(parents=True, exist_ok=True)
            (basic / f"{_MACRO_MODULE}.xba").write_text(_MACRO_XBA, encoding="utf-8")
            (basic / "script.xlb").write_text(_MACRO_XLB, encoding="utf-8")
        call = f'macro:///Standard.{_MACRO_MODULE}.ExportPdf("{_macro_arg(src)}","{_macro_arg(out)}")'
        try:
            _run([program, "--headless", "--norestore", "--nolockcheck", env, call],
                 f"convertir «{src.name}» a pdf", timeout)
        except ConversionError:
            out.unlink(missing_ok=True)  # never hand back a half-written file
            raise
    if not out.is_file() or out.stat().st_size == 0:
        raise ConversionError(f"LibreOffice no produjo «{out.name}» al convertir «{src.name}» a pdf.")
    return out
