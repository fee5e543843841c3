"""Path diagram of a bivariate cross-lagged model with its estimates on the arrows."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

from analysis.interpret import p_stars  # noqa: E402
from analysis.naming import name_of  # noqa: E402


#: Okabe-Ito colours (safe for colour-blind readers); each direction also has its own line style.
X_TO_Y_STYLE = {"color": "#0072B2", "linestyle": "solid"}
Y_TO_X_STYLE = {"color": "#D55E00", "linestyle": (0, (4, 2))}


def path_diagram(*, x: str, y: str, waves: list[str], ar_x: list[dict], ar_y: list[dict], x_to_y: list[dict],
                 y_to_x: list[dict], within: bool = True, value: str = "std",
                 between: float | None = None, ax=None, save=None) -> Figure:
    """Boxes for x and y at each wave; arrows for the lagged effects, labelled with estimates.

    Each list holds one dict per interval with ``est``, ``std`` and ``pvalue``.  The two
    directions differ in colour (Okabe-Ito blue and vermillion) and line style (solid and
    dashed), so they can be told apart without colour.  ``between``: the correlation of
    the random intercepts (RI-CLPM), written under the title.  ``ax``: draw into this matplotlib
    axes (its figure is returned); ``save``: also save the figure there (PNG and SVG without a
    suffix), so a script gets a file without knowing matplotlib.
    """
    T = len(waves)
    x, y = name_of(x), name_of(y)
    if ax is None:
        fig = Figure(figsize=(max(6.0, 2.2 * T), 3.8), dpi=110)
        ax = fig.add_axes((0.02, 0.1, 0.96, 0.78))
    else:
        fig = ax.figure
    ax.set_xlim(-0.6, T - 0.4)
    ax.set_ylim(-0.7, 1.7)
    ax.axis("off")
    ytop, ybot = 1.2, 0.0
    prefix = "within\n" if within else ""  # on its own line, so long names stay inside their boxes
    for t, w in enumerate(waves):
        for yy, name in ((ytop, x), (ybot, y)):
            ax.add_patch(FancyBboxPatch((t - 0.34, yy - 0.21), 0.68, 0.42, boxstyle="round,pad=0.02",
                                        fc="#e8f0f8", ec="#1f4e79", lw=1.2))
            ax.text(t, yy, f"{prefix}{name}\nwave {w}", ha="center", va="center", fontsize=8.5,
                    linespacing=1.1)

    def arrow(x0, y0, x1, y1, label, color, offset, linestyle="solid"):
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=12, lw=1.6,
                                     color=color, shrinkA=2, shrinkB=2, linestyle=linestyle))
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2 + offset
        ax.text(mx, my, label, ha="center", va="center", fontsize=9, color=color,
                bbox=dict(fc="white", ec="none", pad=0.5))

    def lab(d: dict) -> str:
        v = d.get(value, d.get("est"))
        return f"{v:.2f}{p_stars(d.get('pvalue'))}"

    for t in range(T - 1):
        arrow(t + 0.35, ytop, t + 1 - 0.35, ytop, lab(ar_x[t]), "#444444", 0.14)
        arrow(t + 0.35, ybot, t + 1 - 0.35, ybot, lab(ar_y[t]), "#444444", -0.14)
        arrow(t + 0.2, ytop - 0.22, t + 1 - 0.2, ybot + 0.22, lab(x_to_y[t]), X_TO_Y_STYLE["color"], -0.16,
              X_TO_Y_STYLE["linestyle"])
        arrow(t + 0.2, ybot + 0.22, t + 1 - 0.2, ytop - 0.22, lab(y_to_x[t]), Y_TO_X_STYLE["color"], 0.16,
              Y_TO_X_STYLE["linestyle"])
    kind = "standardized" if value == "std" else "in the measures' own points"
    fig.suptitle(f"Lagged effects between {x} and {y} ({kind})", fontsize=12)
    if between is not None and between == between:
        fig.text(0.5, 0.885, f"Lasting differences between people (random intercepts) correlate {between:.2f}",
                 ha="center", va="center", fontsize=9.5, color="#333333")
    fig.text(0.02, 0.02, f"Blue, solid: {x} → later {y}; orange, dashed: {y} → later {x}; grey: stability. "
                         "* p<.05, ** p<.01, *** p<.001.", fontsize=9, color="#333333")
    from analysis.reporting.figures import save_plot

    save_plot(fig, save)
    return fig
