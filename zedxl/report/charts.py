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
#: At most this many offices in the office chart (those with most programmed); the office table holds them all.
MAX_OFFICES = 24
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


def overlaps(fig: Any) -> list[tuple[str, str]]:
    """Pairs of texts of ``fig`` (its labels, ticks, titles) whose boxes intersect, and texts crossed by a line
    drawn across an axes (a reference line, as the budget chart's 100 %): what a chart must never show."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    from matplotlib.text import Text

    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    found = [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:] if box_a.overlaps(box_b)]
    for ax in fig.axes:
        for line in ax.get_lines():
            path = line.get_transform().transform(line.get_xydata())
            x0, x1 = path[:, 0].min(), path[:, 0].max()
            if x1 - x0 > 1:  # only vertical reference lines are drawn in these charts
                continue
            found += [(text, "línea") for text, box in boxes if box.x0 < x0 < box.x1 and box.y0 < path[:, 1].max()
                      and box.y1 > path[:, 1].min()]
    return found


def _labels_fit(fig: Any, labels: list[Any]) -> bool:
    """Whether the value labels of a bar chart clear each other."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_text()]
    return not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def office_chart(c: ReportContent) -> bytes:
    """Programmed vs executed per office for the report period (plain sums, as in Anexo 02)."""
    return _png(office_figure(c))


def office_figure(c: ReportContent) -> Any:
    """``office_chart``'s figure; value labels turn upright when side by side they would touch."""
    plt = _pyplot()
    rows = c.ev.offices.rows
    note = None
    if len(rows) > MAX_OFFICES:  # past a couple dozen bars nobody reads a chart: the table has every office
        rows = tuple(sorted(rows, key=lambda r: -_f(r.programado[-1]))[:MAX_OFFICES])
        note = (f"Las {MAX_OFFICES} instancias con más metas programadas de {len(c.ev.offices.rows)}; el cuadro "
                "por instancia las muestra todas.")
    labels = [r.instancia for r in rows]
    prog = [_f(r.programado[-1]) for r in rows]
    ejec = [_f(r.ejecutado[-1]) for r in rows]
    fig, ax = plt.subplots(figsize=(max(6.4, 1.0 + 0.5 * len(rows)), 3.0))  # wider as offices add up
    width = 0.38
    xs = range(len(rows))
    texts: list[Any] = []
    for offset, values, (face, hatch), name in ((-width / 2, prog, STYLES[0], "Programado"),
                                                (width / 2, ejec, STYLES[1], "Ejecutado")):
        bars = ax.bar([x + offset for x in xs], values, width, label=name, color=face, hatch=hatch,
                      edgecolor="black", linewidth=0.7)
        texts += ax.bar_label(bars, labels=[f"{v:.1f}" for v in values], padding=2, fontsize=8)
    ax.set_xticks(list(xs), labels)
    ax.set_ylabel("Suma de metas (unidades mixtas)")
    ax.margins(y=0.15)
    ax.legend(frameon=False, ncols=2, loc="lower center", bbox_to_anchor=(0.5, 1.0))  # above: ticks may turn
    if not _labels_fit(fig, texts):
        for text in texts:
            text.set_rotation(90)
        ax.margins(y=0.3)
    if not _labels_fit(fig, ax.get_xticklabels()):
        ax.tick_params(axis="x", labelrotation=90)
    if note:
        ax.set_xlabel(note, fontsize=8)
    return fig


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
    fig = budget_figure(c)
    return None if fig is None else _png(fig)


def budget_figure(c: ReportContent) -> Any:
    """``budget_chart``'s figure, or None. Labels stand in a column right of the axes, each on its bar's row, so
    they cross neither the 100 % line nor a longer bar, whatever the percentages."""
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
        ax.barh(ys, values, color=face, hatch=hatch, edgecolor="black", linewidth=0.7, height=0.6)
        for y, r in zip(ys, lines, strict=True):
            ax.text(1.02, y, f"{fmt.pct(r.avance)} %\nS/ {fmt.money(r.ejecucion, False)} de {fmt.money(r.pim, False)}",
                    transform=ax.get_yaxis_transform(), va="center", ha="left", fontsize=7.5, clip_on=False)
        ax.axvline(100, color="black", linestyle="--", linewidth=0.8, zorder=1)
        ax.set_yticks(ys, [textwrap.fill(" ".join(r.rubro.split()), 34, break_long_words=False,
                                         break_on_hyphens=False) for r in lines], fontsize=8)
        ax.set_xlim(0, max(110.0, max(values) * 1.05))
        ax.set_title(f"{name}: ejecución respecto del PIM (%)", fontsize=9, loc="left")
        ax.set_xlabel("% del PIM (línea discontinua: 100 %)", fontsize=8)
    fig.tight_layout()
    return fig
