"""A :class:`~voc.digest.data.Digest` as Markdown and as a self-contained HTML page.

The HTML embeds its charts (inline SVG) and its styles, and loads nothing, so it can be
e-mailed, archived and opened years later. The Markdown holds the same facts as text (for
Slack, the Prefect artifact, a wiki) and links the charts, which :func:`write_digest`
saves beside it as SVG files. The templates themselves are :mod:`voc.digest.templates`.

Every quote and label keeps its language: the HTML marks Japanese text ``lang="ja"`` so
the browser draws it with Japanese glyphs even inside an English digest.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from voc import __version__
from voc.digest import charts
from voc.digest.data import Digest, PainPoint, TopicMove
from voc.digest.templates import CSS, HTML, MARKDOWN
from voc.digest.text import channel_name, fix_sentence, text
from voc.taxonomy import Taxonomy

__all__ = ["DigestFiles", "Renderer", "write_digest"]

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


@dataclass(frozen=True)
class DigestFiles:
    """Where a digest was written."""

    folder: Path
    html: Path
    markdown: Path
    charts: list[Path]


class Renderer:
    """Formats one digest in one language.

    Args:
        digest: The week's digest (:func:`voc.digest.data.gather`).
        language: ``en`` or ``ja``: headings, labels and numbers; quotes stay as written.
        taxonomy: Names touchpoints (its ``labels``); None shows their names.
    """

    def __init__(self, digest: Digest, language: str = "en", taxonomy: Taxonomy | None = None):
        if language not in ("en", "ja"):
            raise ValueError(f"digest language {language!r}: write en or ja")
        self.digest = digest
        self.language = language
        self._labels = (
            {tp.name: tp.label(language) for tp in taxonomy.touchpoints} if taxonomy else {}
        )
        self._has_owners = bool(taxonomy.owners) if taxonomy else False

    # -- words and numbers -------------------------------------------------------------------
    def t(self, key: str, **values: object) -> str:
        return text(self.language, key, **values)

    def channel(self, name: str) -> str:
        return channel_name(self.language, name)

    def touchpoint(self, name: str) -> str:
        if name == "(none)":
            return self.t("no_touchpoint")
        return self._labels.get(name, name.replace("_", " "))

    def count(self, n: float) -> str:
        return f"{round(n):,}"

    def percent(self, share: float | None) -> str:
        return "–" if share is None else f"{100 * share:.0f}%"

    def signed(self, value: float | None, digits: int = 1) -> str:
        return "–" if value is None else f"{value:+.{digits}f}"

    def change(self, now: int, before: int) -> str:
        if before == 0:
            return "–" if now == 0 else self.t("new_trend", volume=now)
        return f"{(now - before) / before:+.0%}"

    def trend(self, point: PainPoint) -> str:
        previous, volume = point.previous_volume, point.volume
        if previous == 0:
            return self.t("new_trend", volume=volume)
        change = (volume - previous) / previous
        key = "flat" if abs(change) < 0.05 else ("up" if change > 0 else "down")
        return self.t(key, pct=f"{change:+.0%}", previous=previous, volume=volume)

    @property
    def sep(self) -> str:
        return "、" if self.language == "ja" else ", "

    def quoted(self, text: str, language: str) -> str:
        """A quote in the marks of its own language: 「…」 for Japanese, “…” otherwise."""
        return f"「{text}」" if language == "ja" else f"“{text}”"

    def where(self, point: PainPoint) -> str:
        return self.sep.join(
            f"{self.channel(c['channel'])} / {self.touchpoint(c['touchpoint'])} ({c['volume']})"
            for c in sorted(point.where, key=lambda c: -int(c["volume"]))[:3]
        )

    def badges(self, point: PainPoint) -> list[str]:
        out = []
        if point.new:
            out.append(self.t("new"))
        elif point.emerging:
            out.append(self.t("emerging"))
        return out

    def owner_line(self, point: PainPoint) -> str:
        """``owner: Payments · status: fix shipped (2026-11-20)``; empty when the taxonomy
        names no owner and nothing was recorded about the pain point."""
        if not (point.owners or point.action or self._has_owners):
            return ""
        teams = self.sep.join(point.owners) if point.owners else self.t("no_owner")
        if point.action:
            status = self.t(
                "status_line",
                status=self.t(f"status_{point.action['status']}"),
                date=point.action["action_date"],
            )
        else:
            status = self.t("no_action")
        return f"{self.t('owner')}: {teams} · {status}"

    def events_line(self) -> str:
        """The events of the charts' weeks, one after the other: ``W44 release: app 5.2``."""
        return self.sep.join(f"{e.day} {e.kind}: {e.title}" for e in self.digest.events)

    def drags(self, point: PainPoint) -> str:
        worst = [(m, v) for m, v in point.impacts.items() if v >= 1.0]
        return self.sep.join(
            self.t(
                "drags",
                metric=self.t(f"metric_{m}").split(" ")[0].split("（")[0],
                points=f"{v:.1f}",
            )
            for m, v in sorted(worst, key=lambda mv: -mv[1])
        )

    def emerging_text(self, move: TopicMove) -> str:
        if move.new or move.baseline == 0:
            return self.t("emerging_new", volume=move.volume)
        return self.t(
            "emerging_spike",
            volume=move.volume,
            ratio=f"{move.volume / move.baseline:.1f}×",
            baseline=f"{move.baseline:.1f}",
        )

    def falling_text(self, move: TopicMove) -> str:
        return self.t(
            "falling_item",
            volume=move.volume,
            share=self.percent(move.share),
            baseline_share=self.percent(move.baseline_share),
            baseline=f"{move.baseline:.0f}",
        )

    def verdict(self, fix: dict[str, Any]) -> str:
        """A fix's verdict in the digest's language."""
        return self.t(f"verdict_{fix['verdict']}")

    def fix_text(self, fix: dict[str, Any]) -> str:
        """A fix's figures, and why it is too early to tell when it is
        (:func:`voc.digest.text.fix_sentence`, which the web app shares)."""
        return fix_sentence(fix, self.language)

    def join(self, *sentences: str) -> str:
        """Sentences one after another: Japanese puts no space after 。."""
        return ("" if self.language == "ja" else " ").join(sentences)

    def summary(self) -> str:
        d = self.digest
        change = self.change(d.records, d.previous_records)
        if d.negative_share is None:
            line = self.t("summary_no_sentiment", records=self.count(d.records), change=change)
        else:
            line = self.t(
                "summary",
                records=self.count(d.records),
                change=change,
                negative=self.percent(d.negative_share),
            )
        if d.analysed < d.records:
            line += " " + self.t("pending", pending=self.count(d.records - d.analysed))
        return line

    def channels_line(self) -> str:
        return self.t(
            "channels",
            channels=self.sep.join(
                f"{self.channel(c)} {self.count(n)}" for c, n in self.digest.channels.items()
            ),
        )

    def subject(self) -> str:
        d = self.digest
        if d.empty:
            return self.t("subject_empty", week=d.week)
        headline = d.pain_points[0].label if d.pain_points else self.t("no_pain_points")
        return self.t("subject", week=d.week, headline=headline)

    def period(self) -> str:
        d = self.digest
        if self.language == "ja":
            start, end = f"{d.start.month}月{d.start.day}日", f"{d.end.month}月{d.end.day}日"
        else:
            start, end = d.start.strftime("%-d %b"), d.end.strftime("%-d %b %Y")
        return self.t("period", week=d.week, start=start, end=end)

    def footer(self) -> str:
        return self.t(
            "footer",
            version=__version__,
            generated=self.digest.generated_at.strftime("%Y-%m-%d %H:%M"),
        )

    # -- charts ------------------------------------------------------------------------------
    def charts(self) -> dict[str, str]:
        """The charts as SVG text, by file stem (empty when the week has no data)."""
        d = self.digest
        if d.empty:
            return {}
        out = {
            "weekly": charts.weekly_volume(
                d,
                {
                    "volume": self.t("volume_axis"),
                    "negative": self.t("negative_axis"),
                    "title": self.t("chart_weekly"),
                },
            )
        }
        if d.pain_points:
            out["trends"] = charts.pain_point_trends(
                d,
                {
                    "volume": self.t("volume_axis"),
                    "negative": self.t("negative_axis"),
                    "title": self.t("chart_trends"),
                },
                name=lambda rank, label: f"#{rank} {_clip(label, 34)}",
            )
        if not d.heatmap.empty:
            out["heatmap"] = charts.heatmap(
                d,
                {"negative": self.t("negative_axis"), "title": self.t("chart_heatmap")},
                channel_name=self.channel,
                touchpoint_name=self.touchpoint,
            )
        return out

    # -- documents ---------------------------------------------------------------------------
    def markdown(self, chart_links: dict[str, str] | None = None) -> str:
        """The digest as Markdown; ``chart_links`` maps a chart's stem to an image path."""
        return _env().from_string(MARKDOWN).render(r=self, d=self.digest, links=chart_links or {})

    def html(self, svgs: dict[str, str] | None = None) -> str:
        """The digest as one self-contained HTML page (charts and styles inline).

        Args:
            svgs: The charts, when :meth:`charts` already drew them.
        """
        svgs = self.charts() if svgs is None else svgs
        sparks = {
            p.topic_id: charts.sparkline([v for _, v, _ in p.history])
            for p in self.digest.pain_points
        }
        return (
            _env(autoescape=True)
            .from_string(HTML)
            .render(r=self, d=self.digest, charts=svgs, sparks=sparks, lang=_lang, css=CSS)
        )

    def folder(self, out_dir: str | Path) -> Path:
        """Where this digest's files go: ``OUT_DIR/YYYY-Www`` in English, and a folder per
        other language inside it (``OUT_DIR/YYYY-Www/ja``), so the Japanese digest of a week
        never overwrites the English one (its charts have Japanese titles too)."""
        week = Path(out_dir) / self.digest.week
        return week if self.language == "en" else week / self.language

    def write(self, out_dir: str | Path) -> DigestFiles:
        """Write ``digest.html``, ``digest.md`` and ``charts/*.svg`` into :meth:`folder`.

        Files are written next to their final names and then moved into place, so a reader
        (or a crash) never sees half a digest; writing a week again in the same language
        replaces its files, and leaves the other language's alone.
        """
        folder = self.folder(out_dir)
        chart_dir = folder / "charts"
        chart_dir.mkdir(parents=True, exist_ok=True)
        svgs = self.charts()
        chart_paths = []
        for stem, svg in svgs.items():
            chart_paths.append(_write(chart_dir / f"{stem}.svg", svg))
        for stale in chart_dir.glob("*.svg"):
            if stale.stem not in svgs:
                stale.unlink()
        markdown = self.markdown({stem: f"charts/{stem}.svg" for stem in svgs})
        return DigestFiles(
            folder=folder,
            html=_write(folder / "digest.html", self.html(svgs)),
            markdown=_write(folder / "digest.md", markdown),
            charts=chart_paths,
        )


def write_digest(
    digest: Digest, out_dir: str | Path, language: str = "en", taxonomy: Taxonomy | None = None
) -> DigestFiles:
    """Write ``digest.html``, ``digest.md`` and ``charts/*.svg`` into ``OUT_DIR/YYYY-Www``
    (English) or ``OUT_DIR/YYYY-Www/<language>`` (:meth:`Renderer.write`)."""
    return Renderer(digest, language, taxonomy).write(out_dir)


def _write(path: Path, content: str) -> Path:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(content, encoding="utf-8")
    partial.replace(path)
    return path


def _lang(value: str) -> str:
    """``ja`` for text with Japanese script, else ``en`` (for the HTML ``lang`` attribute)."""
    return "ja" if _JAPANESE.search(value) else "en"


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _env(autoescape: bool = False) -> Environment:
    env = Environment(
        autoescape=autoescape, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["md"] = _md_escape
    env.filters["code"] = _code_spans
    return env


def _code_spans(value: str) -> Markup:
    """HTML of a sentence whose `backticked` words are commands: escaped, then <code>."""
    escaped = html.escape(str(value), quote=False)
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


def _md_escape(value: str) -> str:
    """Text that Markdown shows as written (quotes may hold *, _, |, # or a newline)."""
    value = " ".join(str(value).split())
    return re.sub(r"([\\`*_\[\]|#<>])", r"\\\1", html.unescape(value))
