"""Altair charts: one way to show months, counts that are whole numbers, gaps as gaps.

- Months read the same everywhere: "2024年3月" in Chinese, "2024-03" in English, on axes
  and in tooltips alike (``month_format``).
- A count axis only ticks whole numbers (no "0, 0, 0, 1, 1, 1").
- Monthly counts of events are bars (one per month), not lines joining isolated events;
  a line is drawn only for a state that persists between months, and it breaks where a
  month has no value instead of bridging the gap.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboards import fmt

# d3 format: thousands separators; axis values are small enough not to need 万.
INT_FMT = ",d"
PCT_FMT = ".0%"

# Coverage below 100% is a gap: every shade below full coverage is visibly not green.
COVERAGE_THRESHOLDS = [0.9, 0.95, 0.999999]
COVERAGE_COLOURS = ["#b2182b", "#ef8a62", "#fddbc7", "#1a9850"]


def month_format(lang: str) -> str:
    """d3's time format writing months as fmt.month does."""
    return fmt.MONTH_D3[lang] if lang in fmt.MONTH_D3 else fmt.MONTH_D3["en"]


def full_months(df: pd.DataFrame, x: str, by: str | None = None) -> pd.DataFrame:
    """``df`` with a row for every month between its first and last (other columns null),
    per value of ``by``: a missing month then shows as a gap, not as a bridged line."""
    if df.empty:
        return df
    months = pd.date_range(pd.Timestamp(df[x].min()), pd.Timestamp(df[x].max()), freq="MS")
    out = df.copy()
    out[x] = pd.to_datetime(out[x])
    if by is None:
        return out.set_index(x).reindex(months).rename_axis(x).reset_index()
    parts = []
    for key, part in out.groupby(by, sort=False):
        filled = part.set_index(x).reindex(months).rename_axis(x).reset_index()
        filled[by] = key
        parts.append(filled)
    return pd.concat(parts, ignore_index=True)


def _month_axis(x: str, lang: str) -> alt.X:
    return alt.X(
        f"{x}:T",
        title=None,
        axis=alt.Axis(format=month_format(lang), tickCount="month", labelAngle=0),
    )


def _value_axis(y: str, title: str, y_format: str, counts: bool) -> alt.Y:
    axis = alt.Axis(format=y_format, tickMinStep=1) if counts else alt.Axis(format=y_format)
    return alt.Y(f"{y}:Q", title=title, axis=axis)


def month_labels(months: pd.Series, lang: str) -> pd.Series:
    """Month starts as the axis labels: '2024年3月' / '2024-03'."""
    return months.map(lambda m: fmt.month(m, lang))


def monthly_bars(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    y_title: str,
    lang: str,
    color: str | None = None,
    color_title: str = "",
    height: int = 220,
) -> alt.Chart:
    """Counts per month: one bar (or one group of bars, ``color``) per month, every month
    of the range labelled under its own bar; whole-number ticks."""
    data = full_months(df, x, color).fillna({y: 0}) if not df.empty else df.copy()
    data["month_label"] = month_labels(data[x], lang) if not data.empty else []
    order = list(dict.fromkeys(data.sort_values(x)["month_label"])) if not data.empty else []
    enc: dict = {
        "x": alt.X("month_label:O", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
        "y": _value_axis(y, y_title, INT_FMT, True),
        "tooltip": [
            alt.Tooltip("month_label:O", title=" "),
            alt.Tooltip(f"{y}:Q", format=INT_FMT, title=y_title),
        ],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=color_title or None)
        enc["xOffset"] = alt.XOffset(f"{color}:N")
        enc["tooltip"].insert(1, alt.Tooltip(f"{color}:N", title=color_title or " "))
    return alt.Chart(data).mark_bar().encode(**enc).properties(height=height)


def lines(
    df: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    *,
    y_title: str,
    color_title: str,
    lang: str = "zh",
    y_format: str = INT_FMT,
    counts: bool = False,
    height: int = 260,
) -> alt.Chart:
    """A state over months (headcount, a rate, a standard): one line per ``color``,
    broken where a month has no value."""
    data = full_months(df, x, color)
    return (
        alt.Chart(data)
        # invalid=None: a null breaks the line instead of being dropped and bridged
        .mark_line(point=True, invalid=None)
        .encode(
            x=_month_axis(x, lang),
            y=_value_axis(y, y_title, y_format, counts),
            color=alt.Color(f"{color}:N", title=color_title or None),
            tooltip=[
                alt.Tooltip(f"{x}:T", format=month_format(lang), title=" "),
                alt.Tooltip(f"{color}:N", title=color_title or " "),
                alt.Tooltip(f"{y}:Q", format=y_format, title=y_title),
            ],
        )
        .properties(height=height)
    )


def steps(
    df: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    *,
    y_title: str,
    color_title: str,
    lang: str = "zh",
    y_format: str = ",.0f",
    height: int = 260,
) -> alt.Chart:
    """A value that holds from a date until it changes (a pay standard): a step line."""
    return (
        alt.Chart(df)
        .mark_line(point=True, interpolate="step-after")
        .encode(
            x=alt.X(f"{x}:T", title=None, axis=alt.Axis(format=month_format(lang))),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
            color=alt.Color(f"{color}:N", title=color_title or None),
            tooltip=[
                alt.Tooltip(f"{x}:T", format="%Y-%m-%d", title=" "),
                alt.Tooltip(f"{color}:N", title=color_title or " "),
                alt.Tooltip(f"{y}:Q", format=y_format, title=y_title),
            ],
        )
        .properties(height=height)
    )


def bars(
    df: pd.DataFrame, x: str, y: str, *, x_title: str, y_title: str, color: str | None = None
) -> alt.Chart:
    enc = {
        "x": alt.X(f"{x}:N", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
        "y": _value_axis(y, y_title, INT_FMT, True),
        "tooltip": [
            alt.Tooltip(f"{x}:N", title=x_title),
            alt.Tooltip(f"{y}:Q", format=INT_FMT, title=y_title),
        ],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None, legend=None)
    return alt.Chart(df).mark_bar().encode(**enc).properties(height=240)


def heatmap(
    df: pd.DataFrame, x: str, y: str, value: str, *, x_title: str, y_title: str, v_title: str
) -> alt.Chart:
    """Coverage by row and month: 100% green, every gap a warm colour (darker the larger),
    whatever the spread of the rates; row labels are never cut."""
    return (
        alt.Chart(df)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X(f"{x}:O", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{y}:N", title=y_title, sort=None, axis=alt.Axis(labelLimit=0)),
            color=alt.Color(
                f"{value}:Q",
                title=v_title,
                scale=alt.Scale(
                    type="threshold", domain=COVERAGE_THRESHOLDS, range=COVERAGE_COLOURS
                ),
                legend=alt.Legend(format=".0%"),
            ),
            tooltip=[
                alt.Tooltip(f"{y}:N", title=y_title),
                alt.Tooltip(f"{x}:O", title=x_title),
                alt.Tooltip(f"{value}:Q", title=v_title, format=".1%"),
            ],
        )
        # the chart is fitted to its height, axes included: leave them room
        .properties(height=90 + 32 * df[y].nunique())
    )
