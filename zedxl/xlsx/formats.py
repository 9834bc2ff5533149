"""The cell formats every zedxl workbook shares: fills, number formats and the semáforo colours."""

from __future__ import annotations

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from zedxl.xlsx import layout as L

INPUT_FILL = "#FFF2CC"
HEADER_FILL = "#1F4E78"
OEI_FILL = "#D9E1F2"
AEI_FILL = "#EDF2F9"
CALC_FILL = "#F2F2F2"
#: soles as the report writes them, S/ 2'901,520.00: literal separators for a million or more (Excel's own
#: thousands separator is one character); the last section takes the negatives, which Excel and LibreOffice show
#: without their sign there
MONEY_FORMAT = '[>=1000000]"S/ "#\'###\\,##0.00;[>=0]"S/ "#,##0.00;"S/ -"#,##0.00'
COUNT_FORMAT = "#,##0"  # counts of AO: whole numbers
QTY_FORMAT = "#,##0.0"  # the seed's office table: one decimal (5.0, 10.4)


class Formats:
    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base = {"font_name": "Calibri", "font_size": 10, "valign": "top", "border": 1, "border_color": "#BFBFBF"}
        self.title = wb.add_format({"bold": True, "font_size": 14, "font_color": HEADER_FILL})
        self.subtitle = wb.add_format({"italic": True, "font_size": 10, "font_color": "#595959"})
        self.header = wb.add_format({**base, "bold": True, "font_color": "white", "bg_color": HEADER_FILL,
                                     "text_wrap": True, "align": "center", "valign": "vcenter"})
        self.text = wb.add_format({**base, "text_wrap": True})
        self.code = wb.add_format({**base, "bold": True})
        self.number = wb.add_format({**base, "num_format": "General"})
        self.input_num = wb.add_format({**base, "bg_color": INPUT_FILL, "num_format": "General", "locked": False})
        self.input_text = wb.add_format({**base, "bg_color": INPUT_FILL, "text_wrap": True, "locked": False})
        self.input_date = wb.add_format({**base, "bg_color": INPUT_FILL, "num_format": "dd/mm/yyyy", "locked": False})
        self.calc = wb.add_format({**base, "bg_color": CALC_FILL, "num_format": "General"})
        self.pct = wb.add_format({**base, "bg_color": CALC_FILL, "num_format": "0.00"})
        self.state = wb.add_format({**base, "bg_color": CALC_FILL})
        self.money = wb.add_format({**base, "num_format": MONEY_FORMAT, "bg_color": INPUT_FILL, "locked": False})
        self.money_calc = wb.add_format({**base, "num_format": MONEY_FORMAT, "bg_color": CALC_FILL})
        self.money_total = wb.add_format({**base, "num_format": MONEY_FORMAT, "bg_color": CALC_FILL, "bold": True})
        self.count = wb.add_format({**base, "bg_color": CALC_FILL, "num_format": COUNT_FORMAT})
        self.count_total = wb.add_format({**base, "bg_color": CALC_FILL, "num_format": COUNT_FORMAT, "bold": True})
        self.qty = wb.add_format({**base, "bg_color": CALC_FILL, "num_format": QTY_FORMAT})
        self.qty_total = wb.add_format({**base, "bg_color": CALC_FILL, "num_format": QTY_FORMAT, "bold": True})
        self.pct_total = wb.add_format({**base, "num_format": "0.00", "bg_color": CALC_FILL, "bold": True})
        self.total_label = wb.add_format({**base, "bold": True, "bg_color": CALC_FILL})
        self.oei_code = wb.add_format({**base, "bold": True, "bg_color": OEI_FILL})
        self.oei_text = wb.add_format({**base, "bold": True, "bg_color": OEI_FILL, "text_wrap": True})
        self.aei_code = wb.add_format({**base, "bold": True, "bg_color": AEI_FILL})
        self.aei_text = wb.add_format({**base, "bg_color": AEI_FILL, "text_wrap": True})
        self.empty = wb.add_format({**base, "bg_color": CALC_FILL})
        self.green = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        self.yellow = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.red = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.note = wb.add_format({"italic": True, "font_size": 9, "font_color": "#595959", "text_wrap": True,
                                   "valign": "top"})
        self.label = wb.add_format({**base, "bold": True, "bg_color": CALC_FILL, "text_wrap": True})
        self.section = wb.add_format({"bold": True, "font_size": 11, "font_color": HEADER_FILL})
        self.plain = wb.add_format({"font_name": "Calibri", "font_size": 10})


def traffic_lights(ws: Worksheet, rng: str, f: Formats, neutral: str = "") -> None:
    """Semáforo colours on the numbers of ``rng``, except where ``neutral`` (relative to its first cell) holds:
    a period not due yet is never red, yellow or green."""
    top = rng.split(":")[0]
    for bound, fmt in ((L.NAME_VERDE, f.green), (L.NAME_AMARILLO, f.yellow), ("", f.red)):
        tests = [f"ISNUMBER({top})", *([f"{top}>={bound}"] if bound else []), *([f"NOT({neutral})"] if neutral else [])]
        criteria = f"=AND({','.join(tests)})" if len(tests) > 1 else f"={tests[0]}"
        ws.conditional_format(rng, {"type": "formula", "criteria": criteria, "format": fmt})
