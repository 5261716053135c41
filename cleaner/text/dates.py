"""Dates as pages and records write them, read into :class:`datetime.date`.

One parser for every stage that meets a date (front matter, JSON records, WARC headers, page
metadata), so that the same string always gives the same date.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any


def parse_date(value: Any) -> dt.date | None:
    """Turn a date as found in metadata into a :class:`datetime.date`, or None.

    Understands dates and datetimes, ISO 8601, RFC 2822 (``Mon, 13 Sep 2021 08:46:47 GMT``),
    ``2021/09/13``, ``13.09.2021``, ``2021年9月13日`` and Unix timestamps. Ambiguous
    day/month orders such as ``03/04/2021`` are not guessed.

    >>> parse_date("Mon, 13 Sep 2021 08:46:47 GMT"), parse_date("2021年9月13日")
    (datetime.date(2021, 9, 13), datetime.date(2021, 9, 13))
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return _from_timestamp(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 100:
        return None
    if re.fullmatch(r"\d{9,13}(\.\d+)?", text):
        return _from_timestamp(float(text))
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        from email.utils import parsedate_to_datetime

        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    match = (re.match(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})", text)
             or re.match(r"(\d{4})(\d{2})(\d{2})(?:\D|$)", text))
    if match:
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    match = re.match(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b", text)
    if match:
        first, second, year = int(match[1]), int(match[2]), int(match[3])
        if first > 12 >= second or "." in text[:6]:  # 13.09.2021 (dotted: day first)
            return _safe_date(year, second, first)
        if second > 12 >= first:  # 09/13/2021
            return _safe_date(year, first, second)
        return None
    return _parse_with_dateutil(text)


def _parse_with_dateutil(text: str) -> dt.date | None:
    """Last resort for named months ("13 September 2021", "Sep 13, 2021")."""
    if not re.search(r"[A-Za-z]{3}", text) or not re.search(r"\d{4}", text):
        return None
    try:
        from dateutil import parser as date_parser
    except ImportError:  # pragma: no cover - dateutil ships with pandas/datasets
        return None
    try:
        parsed = date_parser.parse(text, default=dt.datetime(1, 1, 1), fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return None
    return parsed.date() if parsed.year > 1 else None


def _from_timestamp(seconds: float) -> dt.date | None:
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).date()
    except (OverflowError, OSError, ValueError):
        return None


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


__all__ = ["parse_date"]
