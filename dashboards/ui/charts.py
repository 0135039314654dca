"""Altair charts with Chinese number formats in tooltips and axes."""

from __future__ import annotations

import altair as alt
import pandas as pd

# d3 format: thousands separators; axis values are small enough not to need 万.
INT_FMT = ",d"
PCT_FMT = ".0%"


def sparkline(df: pd.DataFrame, x: str, y: str, *, height: int = 60) -> alt.Chart:
    return (
        alt.Chart(df)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X(f"{x}:T", axis=None),
            y=alt.Y(f"{y}:Q", axis=None),
            tooltip=[alt.Tooltip(f"{x}:T", format="%Y-%m"), alt.Tooltip(f"{y}:Q", format=INT_FMT)],
        )
        .properties(height=height)
    )


def lines(
    df: pd.DataFrame,
    x: str,
    y: str,
    color: str,
    *,
    y_title: str,
    color_title: str,
    y_format: str = INT_FMT,
    height: int = 260,
) -> alt.Chart:
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:T", title=None, axis=alt.Axis(format="%Y-%m", tickCount="month")),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format)),
            color=alt.Color(f"{color}:N", title=color_title),
            tooltip=[
                alt.Tooltip(f"{x}:T", format="%Y-%m"),
                alt.Tooltip(f"{color}:N", title=color_title),
                alt.Tooltip(f"{y}:Q", format=y_format, title=y_title),
            ],
        )
        .properties(height=height)
    )


def bars(
    df: pd.DataFrame, x: str, y: str, *, x_title: str, y_title: str, color: str | None = None
) -> alt.Chart:
    enc = {
        "x": alt.X(f"{x}:N", title=x_title, sort=None),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=INT_FMT)),
        "tooltip": [alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{y}:Q", format=INT_FMT)],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", title=None, legend=None)
    return alt.Chart(df).mark_bar().encode(**enc).properties(height=240)


def heatmap(
    df: pd.DataFrame, x: str, y: str, value: str, *, x_title: str, y_title: str, v_title: str
) -> alt.Chart:
    return (
        alt.Chart(df)
        .mark_rect()
        .encode(
            x=alt.X(f"{x}:O", title=x_title, sort=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{y}:N", title=y_title, sort=None),
            color=alt.Color(
                f"{value}:Q",
                title=v_title,
                scale=alt.Scale(domain=[0, 1], scheme="redyellowgreen"),
                legend=alt.Legend(format=PCT_FMT),
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
