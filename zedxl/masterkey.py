"""The master's key: a secret kept beside the master (``<master>.clave``) that seals every office workbook.

``split`` writes into each office workbook's manifest a seal: an HMAC-SHA256, made with this key, of the digest of
everything locked in that workbook (entity, year, period, office, template version, AO, programmed and earlier
executed values, budget lines, rules; ``office_layout.content_digest``). ``validate`` and ``consolidate`` recompute
it: a return whose locked content was changed, or that was turned into another office's or period's workbook, is
refused even when every visible label agrees. The key never enters an office workbook; whoever has it (the planning
unit) can seal workbooks, nobody else can.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import shutil
from pathlib import Path

from zedxl.errors import ZedxlError
from zedxl.fsutil import atomic_write

_HEADER = "zedxl-clave-1"
_NOTE = ("# Clave del maestro: sella los libros de las instancias. No la envíe a nadie; cópiela junto al maestro "
         "si lo mueve a otro equipo.")


class MissingKeyError(ZedxlError, OSError):
    """The master's key file is missing or unreadable."""


def key_path(master: Path) -> Path:
    return master.with_name(master.stem + ".clave")


def create_key(master: Path) -> bytes:
    """The master's key, made now (32 random bytes) when it has none; an existing key is never replaced."""
    path = key_path(master)
    if path.exists():
        return load_key(master)
    key = secrets.token_bytes(32)
    text = f"{_HEADER}\n{key.hex()}\n{_NOTE}\n"
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        # readable by its owner only where the system has such permissions
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # never over a key another run made meanwhile
        except FileExistsError:
            pass
        except OSError:  # a folder without hard links (a FAT drive, some network shares)
            if not path.exists():
                os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return load_key(master)


def load_key(master: Path) -> bytes:
    """The master's key; MissingKeyError (Spanish) when it is not beside the master or is damaged."""
    path = key_path(master)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()  # (as Notepad may save it: BOM, CRLF)
    except FileNotFoundError:
        raise MissingKeyError(
            f"Falta la clave del maestro ({path.name}) junto a {master.name}. Sin ella no se puede comprobar que "
            f"los libros de las instancias sean auténticos. Si movió el maestro, copie también {path.name} (está "
            f"junto al maestro original y en respaldos/). Si el maestro se creó con una versión anterior de zedxl, "
            f"genere de nuevo los libros con «zedxl split»: así se crea la clave.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise MissingKeyError(f"No se pudo leer la clave del maestro {path.name}: {e}") from e
    try:
        if lines[0].strip() != _HEADER:
            raise ValueError
        key = bytes.fromhex(lines[1].strip())
        if len(key) < 16:
            raise ValueError
    except (IndexError, ValueError):
        raise MissingKeyError(f"La clave del maestro {path.name} está dañada. Restáurela desde respaldos/.") from None
    return key


def backup_key(master: Path, folder: Path) -> None:
    """A copy of the master's key in the backups ``folder`` (once: the key never changes)."""
    path = key_path(master)
    target = folder / path.name
    if path.exists() and not target.exists():
        folder.mkdir(exist_ok=True)
        atomic_write(target, lambda tmp: shutil.copyfile(path, tmp))


def seal(key: bytes, digest: str) -> str:
    """The seal of an office workbook whose locked content has ``digest``."""
    return hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()


def seal_matches(key: bytes, digest: str, given: str) -> bool:
    """Whether ``given`` (read from a return: any text at all) is the seal of ``digest``."""
    return hmac.compare_digest(seal(key, digest).encode("ascii"), given.encode("utf-8", "surrogatepass"))
