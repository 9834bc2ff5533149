"""The package: content types, relationships, workbook, styles, properties, and the active content they may carry
(macros, external links, DDE, data connections, embedded objects, dangerous hyperlinks)."""

from __future__ import annotations

import contextlib
import posixpath
import re
from collections.abc import Callable
from typing import Any

from zedxl.intake.common import (
    _CLEAN_PARTS,
    _SHALLOW_BYTES,
    _dangerous_target,
    _local,
    _Rel,
    _rid,
    _short,
    _Stop,
    _truthy,
)
from zedxl.intake.result import READABLE_KINDS, DefinedName, ExternalLink, Hyperlink, SheetInfo
from zedxl.intake.sheets import _Sheets

_XML_CONTENT_TYPE = re.compile(r"(\+xml|/xml)\s*(;.*)?\Z", re.IGNORECASE)

_STRICT_PREFIX = "http://purl.oclc.org/ooxml/"

# The tables of styles.xml that are bounded, each with the element of its items (Limits.max_cell_formats...).
_STYLE_TABLES = {"cellXfs": "xf", "cellStyleXfs": "xf", "numFmts": "numFmt", "fonts": "font", "fills": "fill",
                 "borders": "border", "dxfs": "dxf"}

# Those items in the words.
_STYLE_WORDS = {"xf": "formatos de celda", "numFmt": "formatos de número personalizados", "font": "fuentes",
                "fill": "rellenos", "border": "bordes", "dxf": "formatos condicionales o de tabla"}


class _Package(_Sheets):
    """The package's parts and their active content."""

    def inspect_package(self) -> None:
        # [Content_Types].xml
        overrides: dict[str, str] = {}
        defaults: dict[str, str] = {}
        if self.member("[Content_Types].xml") is None:
            self.add("paquete-parte-faltante", part="[Content_Types].xml", detail="tipos de contenido")
        else:
            def ct_start(tag: str, attrs: dict[str, str]) -> None:
                local = _local(tag)
                if local == "Override" and len(overrides) < self.limits.max_zip_members * 4:
                    overrides[attrs.get("PartName", "").lstrip("/").lower()] = attrs.get("ContentType", "")
                elif local == "Default" and len(defaults) < 1000:
                    defaults[attrs.get("Extension", "").lower()] = attrs.get("ContentType", "")

            self.parse_xml("[Content_Types].xml", ct_start)

        def content_type(part: str) -> str:
            ct = overrides.get(part.lower())
            if ct is None:
                ct = defaults.get(posixpath.splitext(part)[1].lstrip(".").lower(), "")
            return ct

        # _rels/.rels -> the workbook part
        root_rels = self.parse_rels("")
        strict = False
        wb_part = ""
        if root_rels is None:
            self.add("paquete-parte-faltante", part="_rels/.rels", detail="relaciones del paquete")
        else:
            for rel in root_rels:
                if rel.type.startswith(_STRICT_PREFIX):
                    strict = True
                if rel.kind == "officeDocument" and not rel.external and not wb_part:
                    wb_part = rel.part or ""
        if not wb_part:
            wb_part = "xl/workbook.xml"
        ct_low = overrides.get(wb_part.lower(), "").lower()
        if "macroenabled" in ct_low and "binary" not in ct_low:
            self.kind = "xlsm"
        elif "spreadsheetml" in ct_low:
            self.kind = "xlsx"
        elif "sheet.binary" in ct_low or wb_part.lower().endswith(".bin"):
            self.kind = "unknown"
            self.add("formato-xlsb")
            return
        elif "wordprocessingml" in ct_low or "presentationml" in ct_low:
            self.kind = "unknown"
            self.add("formato-desconocido", detail="es un documento de Word o PowerPoint")
            return
        elif self.kind not in READABLE_KINDS:
            self.kind = "xlsx"
        if self.member(wb_part) is None:
            self.add("paquete-parte-faltante", part=wb_part, detail="el libro mismo")
            return
        if root_rels is not None:
            self.check_dangling([r for r in root_rels if r.kind != "officeDocument"], "_rels/.rels", severity="aviso")

        wb_ok, strict_ns = self.parse_workbook(wb_part)
        if strict or strict_ns:
            self.add("formato-strict-ooxml")
        wb_rels = self.parse_rels(wb_part)
        if wb_rels is None:
            rels_name = posixpath.join(posixpath.dirname(wb_part), "_rels", posixpath.basename(wb_part) + ".rels")
            self.add("paquete-parte-faltante", part=rels_name, detail="relaciones del libro")
            wb_rels = []
        self.check_dangling(wb_rels, wb_part)
        by_id = {r.id: r for r in wb_rels}

        if len(self.sheets) > self.limits.max_sheets:
            self.add("libro-demasiadas-hojas", count=len(self.sheets), limit=self.limits.max_sheets)
            return
        # sheets -> parts
        resolved: list[SheetInfo] = []
        for s in self.sheets:
            sheet_rel = by_id.get(s.rel_id)
            kind = "unknown"
            part = ""
            if sheet_rel is None:
                self.add("paquete-parte-faltante", part=f"hoja «{s.name}»",
                         detail=f"el libro no tiene la relación {s.rel_id or '(vacía)'}")
            else:
                kind = {"worksheet": "worksheet", "chartsheet": "chartsheet", "dialogsheet": "dialogsheet",
                        "xlMacrosheet": "macrosheet", "xlIntlMacrosheet": "macrosheet"}.get(sheet_rel.kind, "unknown")
                info = self.member(sheet_rel.part) if sheet_rel.part is not None else None
                if info is not None:
                    part = info.filename
            resolved.append(SheetInfo(s.name, s.sheet_id, s.state, kind, s.rel_id, part))
        self.sheets = resolved

        for rel in wb_rels:
            k = rel.kind
            if k == "sharedStrings" and rel.part:
                self.facts["shared_strings_part"] = rel.part
            elif k == "styles" and rel.part:
                self.facts["styles_part"] = rel.part
            elif rel.external:
                self.add("activo-recurso-externo", part=wb_part, target=_short(rel.target), what=k)

        # active content found by part names and relationships
        self.find_active_parts(wb_rels, content_type)

        # sheets, one by one
        scanned: list[SheetInfo] = []
        for s in self.sheets:
            if s.part and s.kind in ("worksheet", "macrosheet", "dialogsheet"):
                scanned.append(self.scan_sheet(s))
            else:
                if s.part:
                    self.parse_xml(s.part)
                    self.sheet_rels(s.part, s.name, {})
                scanned.append(s)
        self.sheets = scanned

        # external links, connections, properties
        for info in list(self.members.values()):
            low = info.filename.lower()
            if re.match(r"(.*/)?externallinks/[^/]+\.xml\Z", low):
                self.parse_external_link(info.filename)
        self.parse_connections()
        self.parse_properties()

        # every other XML part: DTDs and well-formedness
        for info in list(self.members.values()):
            low = info.filename.lower()
            if low in self.parsed:
                continue
            ct = content_type(info.filename)
            if low.endswith(".rels"):
                self.other_rels(info.filename)
            elif low.endswith(".vml"):
                self.scan_dtd_bytes(info.filename)
            elif low == self.facts.get("styles_part", "").lower():
                self.parse_styles(info.filename)
            elif low == self.facts.get("shared_strings_part", "").lower():
                self.parse_shared_strings(info.filename)
            elif low.endswith((".xml", ".rels")) or _XML_CONTENT_TYPE.search(ct or ""):
                self.parse_xml(info.filename)
        self.complete = wb_ok

    def parse_styles(self, part: str) -> None:
        """styles.xml, its tables bounded (cell formats, number formats, fonts, fills, borders, differential formats:
        ``_STYLE_TABLES``) and so are number format codes; also noting the number format of every cell style
        (``cellXfs``): its id, and the codes of the custom formats (built-in ones are the reader's business)."""
        lim = self.limits
        bounds = {"xf": lim.max_cell_formats, "numFmt": lim.max_number_formats, "font": lim.max_fonts,
                  "fill": lim.max_fills, "border": lim.max_borders, "dxf": lim.max_dxfs}
        custom: dict[int, str] = {}
        xf_ids: list[int] = []
        counts = dict.fromkeys(bounds, 0)
        open_elements: list[str] = []  # local names, outermost first

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            table = open_elements[-1] if open_elements else ""
            open_elements.append(local)
            if local != _STYLE_TABLES.get(table):  # a table's own items only (a dxf holds a font, a fill...)
                return
            counts[local] = n = counts[local] + 1
            if n > bounds[local]:
                raise _Stop("estilos-excesivos", part=part, what=f"{n:,} {_STYLE_WORDS[local]} o más",
                            limit=f"{bounds[local]:,}")
            if local == "numFmt":
                code = attrs.get("formatCode", "")
                if len(code) > lim.max_number_format_chars:
                    raise _Stop("estilos-excesivos", part=part,
                                what=f"un formato de número de {len(code):,} caracteres",
                                limit=f"{lim.max_number_format_chars:,} caracteres")
                with contextlib.suppress(ValueError):
                    custom[int(attrs.get("numFmtId", ""))] = code
            elif local == "xf" and table == "cellXfs":
                try:
                    xf_ids.append(int(attrs.get("numFmtId", "0") or 0))
                except ValueError:
                    xf_ids.append(-1)

        def end(tag: str) -> None:
            open_elements.pop()

        # the returns of one entity share their styles byte for byte: what a clean parse found (and its element
        # count) is remembered by the part's bytes and the bounds it was found within; when found, the part counts
        # as parsed, as the parse would
        info = self.member(part)
        assert info is not None
        data = self.small_bytes(info) if info.file_size <= self.limits.max_xml_part_bytes else None
        key = ("styles", tuple(bounds.values()), lim.max_number_format_chars, data)
        seen = _CLEAN_PARTS.get(key) if data is not None else None
        if seen is not None and self.elements + seen[0] <= self.limits.max_xml_elements:
            self.parsed.add(info.filename.lower())
            self.elements += seen[0]
            self.number_formats = seen[1]
            return
        before = self.elements
        if self.parse_xml(part, start, end, data=data):
            self.number_formats = (tuple(xf_ids), tuple(custom.items()))
            if data is not None:
                _CLEAN_PARTS.put(key, len(data), (self.elements - before, self.number_formats))

    def parse_shared_strings(self, part: str) -> None:
        """The shared-string table, its strings bounded (``Limits.max_shared_strings``) when it is over 1 MiB: the
        reader keeps them all. A smaller one is parsed as any small part, at C speed."""
        info = self.member(part)
        assert info is not None
        if info.file_size <= _SHALLOW_BYTES:
            self.parse_xml(part)
            return
        limit = self.limits.max_shared_strings
        count = [0]

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag.endswith("}si"):
                count[0] += 1
                if count[0] > limit:
                    raise _Stop("xml-parte-demasiado-grande", part=part,
                                detail=f"más de {limit:,} textos compartidos")

        self.parse_xml(part, start)

    def parse_workbook(self, part: str) -> tuple[bool, bool]:
        """(parsed cleanly, in Strict Open XML's namespace)"""
        lim = self.limits
        sheets: list[SheetInfo] = []
        state: dict[str, Any] = {"name": None, "text": [], "left": 0, "names": 0, "strict": False}

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "workbook":
                if tag.startswith(_STRICT_PREFIX):
                    state["strict"] = True
            elif local == "sheet":
                if len(sheets) <= lim.max_sheets:
                    sheets.append(SheetInfo(attrs.get("name", ""), attrs.get("sheetId", ""),
                                            attrs.get("state", "visible") or "visible", "unknown", _rid(attrs), ""))
                else:
                    raise _Stop("libro-demasiadas-hojas", count=f"más de {lim.max_sheets}", limit=lim.max_sheets)
            elif local == "workbookPr":
                self.facts["date1904"] = _truthy(attrs.get("date1904"))
            elif local == "calcPr":
                self.facts["calc_mode"] = attrs.get("calcMode", "auto") or "auto"
            elif local == "definedName":
                state["names"] += 1
                if state["names"] > lim.max_defined_names:
                    raise _Stop("libro-demasiados-nombres", limit=lim.max_defined_names)
                local_sheet = attrs.get("localSheetId")
                state["name"] = (attrs.get("name", ""),
                                 int(local_sheet) if local_sheet and local_sheet.isdigit() else None,
                                 _truthy(attrs.get("hidden")))
                state["text"] = []
                state["left"] = 2000

        def chars(data: str) -> None:
            if state["name"] is not None and state["left"] > 0:
                state["text"].append(data[: state["left"]])
                state["left"] -= len(data)

        def end(tag: str) -> None:
            if state["name"] is not None and _local(tag) == "definedName":
                name, local_sheet, hidden = state["name"]
                self.record(self.defined_names, DefinedName(name, "".join(state["text"]), local_sheet, hidden))
                state["name"] = None

        ok = self.parse_xml(part, start, end, chars)
        self.sheets = sheets
        return ok, state["strict"]

    def find_active_parts(self, wb_rels: list[_Rel], content_type: Callable[[str], str]) -> None:
        macros: list[str] = []
        embedded: list[str] = []
        for info in self.members.values():
            name = info.filename
            low = name.lower()
            ct = content_type(name).lower()
            base = posixpath.basename(low)
            if base.startswith("vbaproject") or "vbaproject" in ct or "/macrosheets/" in f"/{low}" or (
                    "macrosheet" in ct):
                macros.append(name)
            elif "/embeddings/" in f"/{low}" or "/activex/" in f"/{low}" or "oleobject" in ct:
                embedded.append(name)
        for rel in wb_rels:
            if rel.kind == "vbaProject" and rel.part and rel.part not in macros:
                macros.append(rel.part)
        macro_sheets = [s.name for s in self.sheets if s.kind == "macrosheet"]
        if macros or macro_sheets:
            self.has_macros = True
            detail = ", ".join(_short(m, 60) for m in (macros + [f"hoja de macros «{n}»" for n in macro_sheets])[:4])
            if self.kind == "xlsx":
                detail += "; ocultas en un archivo .xlsx"
            self.add("activo-macros", detail=detail)
        if embedded:
            for e in embedded:
                self.record(self.embeddings, e)
            self.add("activo-objeto-incrustado", detail=", ".join(_short(e, 60) for e in embedded[:4])
                     + (f" y {len(embedded) - 4} más" if len(embedded) > 4 else ""))

    def other_rels(self, rels_part: str) -> None:
        """Relationships of parts not handled above (drawings, charts...): external targets and dangling ones."""
        directory, base = posixpath.split(rels_part)
        parent = posixpath.dirname(directory) if posixpath.basename(directory) == "_rels" else directory
        source = posixpath.join(parent, base[: -len(".rels")]) if base != ".rels" else ""
        rels = self.parse_rels(source) if source else None
        if rels is None:
            if rels_part.lower() not in self.parsed:
                self.parse_xml(rels_part)
            return
        self.check_dangling(rels, source, severity="aviso")
        for rel in rels:
            if not rel.external:
                continue
            if rel.kind == "hyperlink":
                dangerous = _dangerous_target(rel.target)
                self.record(self.hyperlinks, Hyperlink("", "", rel.target, dangerous))
                if dangerous:
                    self.add("activo-recurso-externo", part=source, target=_short(rel.target), what="hipervínculo")
            elif rel.kind != "externalLinkPath":
                self.add("activo-recurso-externo", part=source, target=_short(rel.target), what=rel.kind)

    def parse_external_link(self, part: str) -> None:
        found: list[tuple[str, str, str | None]] = []  # (kind, detail, r:id of the target)

        def start(tag: str, attrs: dict[str, str]) -> None:
            local = _local(tag)
            if local == "externalBook":
                found.append(("book", "", _rid(attrs)))
            elif local == "ddeLink":
                found.append(("dde", f"servicio «{_short(attrs.get('ddeService', ''), 60)}», tema "
                                     f"«{_short(attrs.get('ddeTopic', ''), 80)}»", None))
            elif local == "oleLink":
                found.append(("ole", f"vínculo OLE «{_short(attrs.get('progId', ''), 60)}»", _rid(attrs)))

        self.parse_xml(part, start)
        rels = {r.id: r for r in (self.parse_rels(part) or [])}
        for kind, detail, rid in found or [("unknown", "", None)]:
            rel = rels.get(rid) if rid is not None else None
            if kind == "book":
                target = rel.target if rel is not None else "(destino desconocido)"
                self.record(self.external_links, ExternalLink(part, "book", target))
                self.add("activo-vinculo-externo", detail=f"{_short(target)}, en {part}")
            elif kind == "unknown":
                self.record(self.external_links, ExternalLink(part, "unknown", ""))
                self.add("activo-vinculo-externo", detail=part)
            else:  # DDE, or OLE with its target when the relationship is there
                target = f"{detail} → {_short(rel.target)}" if rel is not None else detail
                self.record(self.external_links, ExternalLink(part, kind, target))
                self.add("activo-vinculo-dde", detail=f"{target}, en {part}")

    def parse_connections(self) -> None:
        names: list[str] = []
        for info in list(self.members.values()):
            low = info.filename.lower()
            if posixpath.basename(low) == "connections.xml":
                def start(tag: str, attrs: dict[str, str]) -> None:
                    local = _local(tag)
                    if local == "connection" and len(names) < 50:
                        names.append(attrs.get("name", "") or f"conexión {attrs.get('id', '')}")
                    elif local in ("dbPr", "webPr", "textPr", "olapPr") and names:
                        src = attrs.get("connection") or attrs.get("url") or attrs.get("sourceFile") or ""
                        if src:
                            names[-1] += f" ({_short(src, 60)})"

                self.parse_xml(info.filename, start)
                if not names:
                    names.append(info.filename)
            elif "/querytables/" in f"/{low}":
                names.append(info.filename)
        if names:
            for n in names:
                self.record(self.connections, n)
            self.add("activo-conexion-datos", detail="; ".join(_short(n, 80) for n in names[:3])
                     + (f" y {len(names) - 3} más" if len(names) > 3 else ""))

    def parse_properties(self) -> None:
        custom = self.member("docProps/custom.xml")
        if custom is not None:
            state: dict[str, Any] = {"name": None, "text": [], "raw": [], "type": ""}

            def start(tag: str, attrs: dict[str, str]) -> None:
                local = _local(tag)
                if local == "property":
                    state["name"] = attrs.get("name", "")
                    state["text"] = []
                    state["raw"] = []
                    state["type"] = ""
                elif state["name"] is not None and not state["type"]:
                    state["type"] = local

            def chars(data: str) -> None:
                if state["name"] is not None and sum(map(len, state["text"])) < 500:
                    state["text"].append(data[:500])
                if self.keep_cells and state["name"] is not None and sum(map(len, state["raw"])) < 40_000:
                    state["raw"].append(data)

            def end(tag: str) -> None:
                if _local(tag) == "property" and state["name"] is not None:
                    if len(self.custom_properties) < 200:
                        self.custom_properties.append((state["name"], "".join(state["text"]).strip()[:500]))
                        if self.keep_cells:
                            self.property_values.append((state["name"], state["type"], "".join(state["raw"])))
                    state["name"] = None

            self.parse_xml(custom.filename, start, end, chars)
        app = self.member("docProps/app.xml")
        if app is not None:
            app_state: dict[str, Any] = {"on": False, "text": []}

            def a_start(tag: str, attrs: dict[str, str]) -> None:
                app_state["on"] = _local(tag) == "Application"

            def a_chars(data: str) -> None:
                if app_state["on"] and sum(map(len, app_state["text"])) < 200:
                    app_state["text"].append(data)

            def a_end(tag: str) -> None:
                app_state["on"] = False

            self.parse_xml(app.filename, a_start, a_end, a_chars)
            self.facts["application"] = "".join(app_state["text"]).strip()[:200]
