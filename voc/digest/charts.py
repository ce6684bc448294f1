"""The digest's charts, as SVG text to embed in the HTML (the file stands alone).

Drawn with matplotlib's SVG backend with ``svg.fonttype: none``: labels stay text, so the
browser or mail client draws them with its own fonts (Japanese labels get real CJK
glyphs from the page's font stack) and the file stays small. Output is deterministic (a
fixed hash salt, no date in the metadata), so re-rendering a week gives the same file.

Colours are the Okabe-Ito palette, told apart with colour blindness too.
"""

from __future__ import annotations

import io
import logging
import math
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: charts are written, never shown

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from voc.digest.data import Digest
from voc.insights.painpoints import NO_TOUCHPOINT

__all__ = ["heatmap", "pain_point_trends", "sparkline", "weekly_volume"]

PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
_RC: Any = {
    "svg.fonttype": "none",  # text stays text: the browser picks the glyphs
    "svg.hashsalt": "voc-digest",  # stable element ids: the same data gives the same file
    "font.family": "sans-serif",
    "font.sans-serif": ["Noto Sans CJK JP", "Noto Sans JP", "DejaVu Sans"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e5e5e5",
    "axes.edgecolor": "#888888",
}


class _NoMissingGlyphNoise(logging.Filter):
    """matplotlib measures text with its own fonts even when the browser draws it; without
    a CJK font installed it warns once per missing glyph, about layout only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Glyph" not in record.getMessage() and "findfont" not in record.getMessage()


logging.getLogger("matplotlib.font_manager").addFilter(_NoMissingGlyphNoise())


def _svg(fig: Figure, title: str) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        # The same layout-only notice as above, raised as a warning by the SVG backend.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    # Scale with the page: keep the viewBox, drop the fixed size in points.
    svg = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r"<svg\1", svg, count=1)
    return svg.replace(
        "<svg", f'<svg role="img" aria-label="{_escape(title)}" class="chart"', 1
    ).replace("<metadata>", "<title>" + _escape(title) + "</title><metadata>", 1)


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _short_week(week: str) -> str:
    return week.split("-")[1] if "-" in week else week


def _mark_events(ax: Any, digest: Digest, weeks: Sequence[str], label: bool = True) -> None:
    """A dotted line at the week of each event (``voc event add``), its title beside it."""
    for n, event in enumerate(digest.events):
        if event.week not in weeks:
            continue
        x = list(weeks).index(event.week)
        ax.axvline(x, color="#666666", ls=":", lw=1, zorder=1)
        if label:
            # The last week's label reads leftwards, inside the chart.
            last = x >= len(weeks) - 1
            ax.annotate(
                _clip_title(f"{event.kind}: {event.title}", 28),
                xy=(x, 1), xycoords=("data", "axes fraction"),
                xytext=(-3 if last else 3, -3 - 10 * (n % 3)), textcoords="offset points",
                fontsize=7, color="#444444", va="top", ha="right" if last else "left",
            )  # fmt: skip


def _clip_title(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pain_point_trends(
    digest: Digest, titles: dict[str, str], name: Callable[[int, str], str], top: int = 5
) -> str:
    """Weekly volume (records) and negative share of the top pain points, two panels.

    Args:
        digest: The week's digest.
        titles: ``volume``, ``negative``, ``title`` texts in the digest's language.
        name: Legend text of a pain point from its rank and label.
        top: Pain points drawn.
    """
    points = digest.pain_points[:top]
    weeks = digest.history_weeks
    with plt.rc_context(_RC):
        fig, (upper, lower) = plt.subplots(
            2, 1, figsize=(7.2, 4.8), sharex=True, gridspec_kw={"height_ratios": [3, 2]}
        )
        x = np.arange(len(weeks))
        for i, point in enumerate(points):
            colour = PALETTE[i % len(PALETTE)]
            volumes = [v for _, v, _ in point.history]
            shares = [np.nan if s is None else 100 * s for _, _, s in point.history]
            upper.plot(x, volumes, marker="o", ms=3, lw=1.6, color=colour)
            lower.plot(x, shares, marker="o", ms=3, lw=1.2, color=colour)
        upper.set_ylabel(titles["volume"])
        upper.set_ylim(bottom=0)
        lower.set_ylabel(titles["negative"])
        lower.set_ylim(0, 100)
        lower.set_xticks(x, [_short_week(w) for w in weeks])
        _mark_events(upper, digest, weeks)
        _mark_events(lower, digest, weeks, label=False)
        upper.axvspan(len(weeks) - 1.4, len(weeks) - 0.6, color="#fff3cd", zorder=0)
        lower.axvspan(len(weeks) - 1.4, len(weeks) - 0.6, color="#fff3cd", zorder=0)
        fig.legend(
            [name(p.rank, p.label) for p in points],
            loc="upper center",
            ncol=1 if len(points) < 2 else 2,
            frameon=False,
            bbox_to_anchor=(0.5, 1.0 + 0.045 * math.ceil(len(points) / 2)),
        )
        fig.tight_layout()
        return _svg(fig, titles["title"])


def weekly_volume(digest: Digest, titles: dict[str, str]) -> str:
    """Every record per week (bars) and the share of negative sentences (line)."""
    weekly = digest.weekly
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(7.2, 2.6))
        x = np.arange(len(weekly))
        colours = ["#9ecae1"] * (len(weekly) - 1) + ["#0072B2"]
        ax.bar(x, weekly["records"], color=colours, width=0.65)
        ax.set_ylabel(titles["volume"])
        ax.set_xticks(x, [_short_week(w) for w in weekly["week"]])
        ax.grid(axis="x", visible=False)
        _mark_events(ax, digest, list(weekly["week"]))
        share = ax.twinx()
        share.plot(
            x, 100 * weekly["negative_share"].astype(float), color="#D55E00", marker="o", ms=3
        )
        share.set_ylim(
            0,
            max(
                50.0, float(np.nanmax(100 * weekly["negative_share"].astype(float).fillna(0))) * 1.2
            ),
        )
        share.set_ylabel(titles["negative"], color="#D55E00")
        share.spines["right"].set_visible(True)
        share.grid(False)
        fig.tight_layout()
        return _svg(fig, titles["title"])


def heatmap(
    digest: Digest,
    titles: dict[str, str],
    channel_name: Callable[[str], str],
    touchpoint_name: Callable[[str], str],
    max_touchpoints: int = 12,
) -> str:
    """Channel x touchpoint: colour is the share of records negative, text the counts."""
    cells = digest.heatmap
    touchpoints = (
        cells.groupby("touchpoint")["negative"].sum().sort_values(ascending=False).index.tolist()
    )[:max_touchpoints]
    # Feedback about no particular touchpoint goes last, apart from the real ones.
    touchpoints = [t for t in touchpoints if t != NO_TOUCHPOINT] + [
        t for t in touchpoints if t == NO_TOUCHPOINT
    ]
    channels = cells.groupby("channel")["records"].sum().sort_values(ascending=False).index.tolist()
    share = np.full((len(channels), len(touchpoints)), np.nan)
    text: list[list[str]] = [["" for _ in touchpoints] for _ in channels]
    rows: list[dict[Any, Any]] = cells.to_dict("records")
    for row in rows:
        if row["touchpoint"] not in touchpoints:
            continue
        i, j = channels.index(row["channel"]), touchpoints.index(row["touchpoint"])
        share[i, j] = row["negative"] / row["records"] if row["records"] else np.nan
        text[i][j] = f"{row['negative']}/{row['records']}"
    with plt.rc_context({**_RC, "axes.grid": False}):
        fig, ax = plt.subplots(
            figsize=(max(5.0, 0.62 * len(touchpoints) + 1.8), 0.48 * len(channels) + 1.9)
        )
        masked = np.ma.masked_invalid(share)
        cmap = matplotlib.colormaps["Reds"].with_extremes(bad="#f4f4f4")
        image = ax.pcolormesh(masked, cmap=cmap, vmin=0, vmax=1, edgecolors="white", linewidth=2)
        for i, row_text in enumerate(text):
            for j, cell in enumerate(row_text):
                if cell:
                    dark = share[i, j] > 0.55
                    ax.text(
                        j + 0.5, i + 0.5, cell, ha="center", va="center", fontsize=8,
                        color="white" if dark else "#222222",
                    )  # fmt: skip
        ax.set_xticks(np.arange(len(touchpoints)) + 0.5, [touchpoint_name(t) for t in touchpoints])
        ax.set_yticks(np.arange(len(channels)) + 0.5, [channel_name(c) for c in channels])
        ax.tick_params(axis="x", rotation=40, length=0)
        ax.tick_params(axis="y", length=0)
        plt.setp(ax.get_xticklabels(), ha="right")
        ax.invert_yaxis()
        for spine in ax.spines.values():
            spine.set_visible(False)
        bar = fig.colorbar(image, ax=ax, fraction=0.035, pad=0.02)
        bar.set_label(titles["negative"])
        bar.outline.set_visible(False)
        fig.tight_layout()
        return _svg(fig, titles["title"])


def sparkline(values: Sequence[float], width: int = 96, height: int = 22, **_: Any) -> str:
    """A tiny line of weekly volumes, the last point marked (hand-written SVG, no axes)."""
    if not values:
        return ""
    top = max(max(values), 1)
    step = (width - 4) / max(len(values) - 1, 1)
    points = [(2 + i * step, height - 2 - (height - 4) * v / top) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-hidden="true"><polyline fill="none" stroke="#0072B2" stroke-width="1.5" '
        f'points="{line}"/><circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" '
        f'fill="#D55E00"/></svg>'
    )
