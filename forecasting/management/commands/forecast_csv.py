"""Forecast every SKU of a long-format sales file with the production engine.

    python manage.py forecast_csv --input DATA.csv --horizon 28 --output FORECASTS.csv

DATA.csv has one row per SKU and day: date (YYYY-MM-DD), sku, units[, price][, available].
Each SKU's history runs from its first row to the last date in the file; days without a row
count as 0 units. With an `available` column (units in stock that day, empty = unknown)
stock-outs are censored; without it censoring is off. The forecast covers the `horizon`
days after the last date in the file (nothing is held out) and is written as
sku, date, mean, lo80, hi80, lo95, hi95: the format of shared/datasets/score_forecasts.py.
"""

import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from forecasting.engine import ENGINE_VERSION, forecast_many

REQUIRED = ("date", "sku", "units")
OUTPUT_COLUMNS = ("sku", "date", "mean", "lo80", "hi80", "lo95", "hi95")


def _line(index) -> int:
    return int(index) + 2  # the header is line 1


def read_sales(path: Path) -> tuple[dict, dict | None, pd.Timestamp]:
    """Validate and read the file: ({sku: units series}, {sku: stock series} or None, last
    date). Raises CommandError naming the first bad line and why."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file") from exc
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CommandError(f"{path}: not a readable CSV file ({exc})") from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise CommandError(f"{path}, line 1: missing column(s) {', '.join(missing)}")
    if df.empty:
        raise CommandError(f"{path}: no data rows")
    df["sku"] = df["sku"].str.strip()
    bad = df.index[df["sku"] == ""]
    if len(bad):
        raise CommandError(f"{path}, line {_line(bad[0])}: empty sku")
    dates = pd.to_datetime(df["date"].str.strip(), format="%Y-%m-%d", errors="coerce")
    bad = df.index[dates.isna()]
    if len(bad):
        raise CommandError(
            f"{path}, line {_line(bad[0])}: bad date {df['date'][bad[0]]!r} (want YYYY-MM-DD)"
        )
    df["date"] = dates
    df["units"] = _numbers(path, df, "units", allow_empty=False)
    has_stock = "available" in df.columns
    if has_stock:
        df["available"] = _numbers(path, df, "available", allow_empty=True)
    dup = df.duplicated(["sku", "date"], keep="first")
    if dup.any():
        i = df.index[dup][0]
        first = df.index[(df["sku"] == df["sku"][i]) & (df["date"] == df["date"][i])][0]
        raise CommandError(
            f"{path}, line {_line(i)}: duplicate row for sku {df['sku'][i]} on "
            f"{df['date'][i].date()} (first on line {_line(first)})"
        )
    last = df["date"].max()
    series, stock = {}, {} if has_stock else None
    for sku, rows in df.groupby("sku", sort=True):
        days = pd.date_range(rows["date"].min(), last, freq="D")
        rows = rows.set_index("date")
        series[sku] = rows["units"].reindex(days, fill_value=0.0).astype(float)
        if has_stock:
            stock[sku] = rows["available"].reindex(days).astype(float)
    return series, stock, last


def _numbers(path, df, column, allow_empty):
    text = df[column].str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = df.index[values.isna() & ~(allow_empty & (text == ""))]
    if len(bad):
        raise CommandError(
            f"{path}, line {_line(bad[0])}: {column} {df[column][bad[0]]!r} is not a number"
        )
    bad = df.index[values < 0]
    if len(bad):
        raise CommandError(f"{path}, line {_line(bad[0])}: negative {column} {values[bad[0]]:g}")
    return values


class Command(BaseCommand):
    help = (
        "Forecast every SKU of a long-format CSV (date, sku, units[, price][, available]) "
        "with the production forecaster and write sku, date, mean, lo80, hi80, lo95, hi95."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, type=Path, help="sales CSV")
        parser.add_argument("--output", required=True, type=Path, help="forecast CSV to write")
        parser.add_argument("--horizon", type=int, default=28, help="days to forecast (28)")
        parser.add_argument(
            "--workers",
            type=int,
            default=os.cpu_count() or 1,
            help="processes (default: all cores)",
        )

    def handle(self, *args, input, output, horizon, workers, **options):
        if not 1 <= horizon <= 366:
            raise CommandError("--horizon must be between 1 and 366 days")
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        series, stock, last = read_sales(input)
        show = options.get("verbosity", 1) > 0
        with tqdm(total=len(series), disable=not show, file=sys.stderr, unit="sku") as bar:

            def progress(done):
                bar.update(done - bar.n)

            forecasts = forecast_many(
                series, horizon, stock=stock, workers=workers, progress=progress
            )
        days = pd.date_range(last + pd.Timedelta(days=1), periods=horizon, freq="D")
        day_text = np.array(days.strftime("%Y-%m-%d"))
        frames = []
        for sku, fc in forecasts.items():
            frame = {"sku": np.full(horizon, sku, dtype=object), "date": day_text}
            for column in OUTPUT_COLUMNS[2:]:
                frame[column] = np.round(getattr(fc, column)[:horizon], 4)
            frames.append(pd.DataFrame(frame))
        table = (
            pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTPUT_COLUMNS)
        )
        partial = output.with_name(output.name + ".part")
        table.to_csv(partial, index=False)
        partial.replace(output)
        methods = Counter(fc.method for fc in forecasts.values())
        censored = sum(int(fc.censored.sum()) for fc in forecasts.values())
        self.stdout.write(
            f"forecast_csv: {len(forecasts)} SKUs x {horizon} days after {last.date()} "
            f"written to {output} (engine {ENGINE_VERSION}; censoring "
            f"{'on, ' + str(censored) + ' days censored' if stock is not None else 'off'}; "
            f"methods {dict(methods.most_common())})"
        )
