"""The report's charts as PNG bytes (matplotlib, Agg backend), legible when printed in greyscale.

Series are told apart by hatch patterns and grey levels, and every bar carries its value as a label, so no
chart depends on colour. Texts are Spanish.
"""

from __future__ import annotations

import io
import textwrap
from decimal import Decimal
from typing import Any

from zedxl import fmt, rules
from zedxl.report.content import ReportContent

DPI = 200
# (face colour, hatch) per series: distinct in greyscale and in black-and-white print.
STYLES = [("#FFFFFF", "///"), ("#404040", ""), ("#BFBFBF", "..."), ("#FFFFFF", "xx"), ("#808080", "\\\\\\"),
          ("#E0E0E0", "oo"), ("#FFFFFF", "--")]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "hatch.linewidth": 0.6, "axes.spines.top": False,
                         "axes.spines.right": False})
    return plt


def _png(fig: Any) -> bytes:
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def _f(value: Decimal | None) -> float:
    return 0.0 if value is None else float(value)


def office_chart(c: ReportContent) -> bytes:
    """Programmed vs executed per office for the report period (plain sums, as in Anexo 02)."""
    plt = _pyplot()
    rows = c.ev.offices.rows
    labels = [r.instancia for r in rows]
    prog = [_f(r.programado[-1]) for r in rows]
    ejec = [_f(r.ejecutado[-1]) for r in rows]
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    width = 0.38
    xs = range(len(rows))
    for offset, values, (face, hatch), name in ((-width / 2, prog, STYLES[0], "Programado"),
                                                (width / 2, ejec, STYLES[1], "Ejecutado")):
        bars = ax.bar([x + offset for x in xs], values, width, label=name, color=face, hatch=hatch,
                      edgecolor="black", linewidth=0.7)
        ax.bar_label(bars, labels=[f"{v:.1f}" for v in values], padding=2, fontsize=8)
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("Suma de metas (unidades mixtas)")
    ax.margins(y=0.15)
    ax.legend(frameon=False, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    return _png(fig)


def status_chart(c: ReportContent) -> bytes:
    """AO status counts per OEI, as stacked horizontal bars with the count written in each segment."""
    plt = _pyplot()
    oeis = [o.codigo for o in c.plan.objetivos]
    present = [s for s in rules.STATUSES if any(c.ev.estados_por_oei.get(o, {}).get(s, 0) for o in oeis)]
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.55 * len(oeis)))
    left = [0.0] * len(oeis)
    ys = list(range(len(oeis)))[::-1]
    for i, s in enumerate(present):
        counts = [float(c.ev.estados_por_oei.get(o, {}).get(s, 0)) for o in oeis]
        face, hatch = STYLES[i % len(STYLES)]
        bars = ax.barh(ys, counts, left=left, color=face, hatch=hatch, edgecolor="black", linewidth=0.7,
                       label=s.capitalize(), height=0.6)
        ax.bar_label(bars, labels=[str(int(n)) if n else "" for n in counts], label_type="center",
                     fontsize=8, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
        left = [a + b for a, b in zip(left, counts, strict=True)]
    ax.set_yticks(ys, oeis)
    ax.set_xlabel("Número de Actividades Operativas")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False, ncols=min(3, max(1, len(present))), loc="upper center",
              bbox_to_anchor=(0.5, -0.28 if len(oeis) < 4 else -0.18), fontsize=8)
    return _png(fig)


def budget_chart(c: ReportContent) -> bytes | None:
    """Execution as % of PIM per budget line (income and spending), labelled with the amounts; None if empty."""
    plt = _pyplot()
    panels = [(t, name) for t, name in ((c.ev.ingresos, "Ingresos"), (c.ev.gastos, "Gastos"))
              if any(r.avance is not None for r in t.lineas)]
    if not panels:
        return None
    heights = [max(1, sum(1 for r in t.lineas if r.avance is not None)) for t, _ in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(6.4, 0.9 + 0.45 * sum(heights) + 0.5 * len(panels)),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (table, name) in zip(axes[:, 0], panels, strict=True):
        lines = [r for r in table.lineas if r.avance is not None]
        ys = list(range(len(lines)))[::-1]
        values = [_f(r.avance) for r in lines]
        face, hatch = STYLES[0] if name == "Ingresos" else STYLES[2]
        bars = ax.barh(ys, values, color=face, hatch=hatch, edgecolor="black", linewidth=0.7, height=0.6)
        ax.bar_label(bars, labels=[f"{fmt.pct(r.avance)} %  (S/ {fmt.money(r.ejecucion, False)} de "
                                   f"{fmt.money(r.pim, False)})" for r in lines], padding=3, fontsize=7.5,
                     bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"}, zorder=5)
        ax.axvline(100, color="black", linestyle="--", linewidth=0.8, zorder=1)
        ax.set_yticks(ys, [textwrap.fill(" ".join(r.rubro.split()), 34, break_long_words=False,
                                         break_on_hyphens=False) for r in lines], fontsize=8)
        ax.set_xlim(0, max(130.0, max(values) * 1.9))
        ax.set_title(f"{name}: ejecución respecto del PIM (%)", fontsize=9, loc="left")
        ax.set_xlabel("% del PIM (línea discontinua: 100 %)", fontsize=8)
    fig.tight_layout()
    return _png(fig)
