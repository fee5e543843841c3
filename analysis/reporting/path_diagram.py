"""Path diagram of a bivariate cross-lagged model with its estimates on the arrows."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from analysis.interpret import p_stars  # noqa: E402
from analysis.naming import name_of  # noqa: E402


def path_diagram(*, x: str, y: str, waves: list[str], ar_x: list[dict], ar_y: list[dict], x_to_y: list[dict],
                 y_to_x: list[dict], within: bool = True, value: str = "std") -> Figure:
    """Boxes for x and y at each wave; arrows for the lagged effects, labelled with estimates.

    Each list holds one dict per interval with ``est``, ``std`` and ``pvalue``.
    """
    T = len(waves)
    x, y = name_of(x), name_of(y)
    fig = Figure(figsize=(max(6.0, 2.2 * T), 3.8), dpi=110)
    ax = fig.add_axes((0.02, 0.1, 0.96, 0.78))
    ax.set_xlim(-0.6, T - 0.4)
    ax.set_ylim(-0.7, 1.7)
    ax.axis("off")
    ytop, ybot = 1.2, 0.0
    prefix = "within " if within else ""
    for t, w in enumerate(waves):
        for yy, name in ((ytop, x), (ybot, y)):
            ax.add_patch(FancyBboxPatch((t - 0.32, yy - 0.17), 0.64, 0.34, boxstyle="round,pad=0.02",
                                        fc="#e8f0f8", ec="#1f4e79", lw=1.2))
            ax.text(t, yy, f"{prefix}{name}\nwave {w}", ha="center", va="center", fontsize=7.5)

    def arrow(x0, y0, x1, y1, label, color, offset):
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=10, lw=1.3,
                                     color=color, shrinkA=2, shrinkB=2))
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2 + offset
        ax.text(mx, my, label, ha="center", va="center", fontsize=7.5, color=color,
                bbox=dict(fc="white", ec="none", pad=0.5))

    def lab(d: dict) -> str:
        v = d.get(value, d.get("est"))
        return f"{v:.2f}{p_stars(d.get('pvalue'))}"

    for t in range(T - 1):
        arrow(t + 0.33, ytop, t + 1 - 0.33, ytop, lab(ar_x[t]), "#444444", 0.12)
        arrow(t + 0.33, ybot, t + 1 - 0.33, ybot, lab(ar_y[t]), "#444444", -0.12)
        arrow(t + 0.2, ytop - 0.18, t + 1 - 0.2, ybot + 0.18, lab(x_to_y[t]), "#b03a2e", -0.16)
        arrow(t + 0.2, ybot + 0.18, t + 1 - 0.2, ytop - 0.18, lab(y_to_x[t]), "#1f6f3f", 0.16)
    kind = "standardized" if value == "std" else "unstandardized"
    fig.suptitle(f"Lagged effects between {x} and {y} ({kind})", fontsize=11)
    fig.text(0.02, 0.02, f"Red: {x} → later {y}; green: {y} → later {x}; grey: stability. "
                         "* p<.05, ** p<.01, *** p<.001.", fontsize=7.5, color="#555555")
    return fig
