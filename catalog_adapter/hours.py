"""A store's weekly opening hours, written the way Google Business Profile and OpenStreetMap do.

    Mo-Sa 10:00-20:00; Su 11:00-18:00
    Mo-Fr 09:00-13:00,14:00-18:00; Sa 10:00-16:00; Su off
    Fr-Sa 18:00-02:00            (past midnight: open into the next morning)
    24/7
    Mo-Su 10:00-20:00; 2026-12-25 off; 2026-12-24 10:00-16:00   (special hours on a date)

Rules are separated by ";" and a later rule replaces an earlier one for the days it names, so
special hours go last. Days not named are closed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_ALIASES = {
    "mon": "mo",
    "tue": "tu",
    "tues": "tu",
    "wed": "we",
    "thu": "th",
    "thur": "th",
    "thurs": "th",
    "fri": "fr",
    "sat": "sa",
    "sun": "su",
}
_CLOSED_WORDS = frozenset({"off", "closed"})
_RANGE = re.compile(r"^(\d{1,2}):?(\d{2})\s*-\s*(\d{1,2}):?(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Minutes in a day; an opening may run past it (into the next morning) up to a second day.
DAY_MINUTES = 24 * 60


class HoursError(ValueError):
    """Opening hours that cannot be read, with the part that could not be."""


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """Open from `opens` to `closes`, in minutes after midnight; `closes` may pass 24:00."""

    opens: int
    closes: int


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Regular hours per weekday (Monday first) and special hours on dates; empty: not known."""

    weekly: tuple[tuple[Period, ...], ...] = ()
    special: tuple[tuple[date, tuple[Period, ...]], ...] = ()
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        """Read an hours string; raises HoursError naming the rule it cannot read."""
        source = " ".join(text.split())
        if not source:
            return cls()
        week: list[tuple[Period, ...]] = [()] * 7
        special: dict[date, tuple[Period, ...]] = {}
        for rule in (r.strip() for r in source.split(";")):
            if not rule:
                continue
            if rule.lower() == "24/7":
                week = [(Period(0, DAY_MINUTES),)] * 7
                continue
            days_text, sep, times_text = rule.partition(" ")
            if not sep:
                raise HoursError(f"{rule!r} needs days and times, e.g. 'Mo-Fr 10:00-18:00'")
            periods = _periods(times_text.strip(), rule)
            for part in days_text.split(","):
                if _DATE.match(part):
                    try:
                        special[date.fromisoformat(part)] = periods
                    except ValueError as e:
                        raise HoursError(f"{part!r} in {rule!r} is not a date") from e
                    continue
                for day in _days(part, rule):
                    week[day] = periods
        return cls(weekly=tuple(week), special=tuple(sorted(special.items())), text=source)

    @property
    def known(self) -> bool:
        return bool(self.weekly)

    def periods_on(self, day: date) -> tuple[Period, ...]:
        """The openings that start on this date (special hours win over the weekday's)."""
        for when, periods in self.special:
            if when == day:
                return periods
        return self.weekly[day.weekday()] if self.weekly else ()

    def is_open(self, local: datetime) -> bool | None:
        """Whether the store is open at this local wall-clock time; None when hours are unknown."""
        if not self.known:
            return None
        return self.open_period(local) is not None

    def open_period(self, local: datetime) -> tuple[date, Period] | None:
        """The opening a local time falls in (it may have started the day before)."""
        minute = local.hour * 60 + local.minute
        today = local.date()
        yesterday = today - timedelta(days=1)
        for period in self.periods_on(yesterday):
            if period.closes > DAY_MINUTES and minute < period.closes - DAY_MINUTES:
                return yesterday, period
        for period in self.periods_on(today):
            if period.opens <= minute < period.closes:
                return today, period
        return None

    def next_opening(self, local: datetime, *, within_days: int = 14) -> datetime | None:
        """When the store next opens after this local time, if within two weeks."""
        minute = local.hour * 60 + local.minute
        for offset in range(within_days + 1):
            day = local.date() + timedelta(days=offset)
            for period in self.periods_on(day):
                if offset or period.opens > minute:
                    return datetime.combine(day, time()) + timedelta(minutes=period.opens)
        return None

    def summary(self, local: datetime) -> str:
        """Today's hours as a clause to speak: "open now until 8 pm", "closed today; ..."."""
        if not self.known:
            return ""
        current = self.open_period(local)
        if current is not None:
            started, period = current
            if period.opens == 0 and period.closes >= DAY_MINUTES and started == local.date():
                if self.periods_on(local.date() + timedelta(days=1))[:1] == (period,):
                    return "open 24 hours"
            return f"open now until {spoken_time(period.closes)}"
        today = self.periods_on(local.date())
        minute = local.hour * 60 + local.minute
        later = [p for p in today if p.opens > minute]
        if later:
            opens, closes = spoken_time(later[0].opens), spoken_time(later[-1].closes)
            if len(later) < len(today):
                return f"closed now; opens again today at {opens} until {closes}"
            return f"open today from {opens} to {closes}"
        reopens = self.next_opening(local)
        closed = "closed for the day" if today else "closed today"
        if reopens is None:
            return closed
        return f"{closed}; opens {_spoken_day(local.date(), reopens.date())} at " + spoken_time(
            reopens.hour * 60 + reopens.minute
        )

    def describe(self) -> list[str]:
        """Each weekday's hours as short lines for a screen: "Monday: 10 am to 8 pm"."""
        lines = []
        for name, periods in zip(DAY_NAMES, self.weekly, strict=False):
            spans = ", ".join(f"{spoken_time(p.opens)} to {spoken_time(p.closes)}" for p in periods)
            lines.append(f"{name}: {spans or 'closed'}")
        return lines


def opening_hours(value: object) -> OpeningHours:
    """Hours from an API: our text form, or Google Business Profile `regularHours` periods.

    A GBP period is `{"openDay": "MONDAY", "openTime": {"hours": 10}, "closeDay": "MONDAY",
    "closeTime": {"hours": 20}}` (times may also be "10:00"); `{"periods": [...]}` works too.
    Anything else empty or missing means the hours are not known.
    """
    if value is None or value == "" or not isinstance(value, str | list | dict):
        return OpeningHours()
    if isinstance(value, str):
        return OpeningHours.parse(value)
    if isinstance(value, dict):
        return opening_hours(value.get("periods"))
    week: list[list[Period]] = [[] for _ in range(7)]
    for period in value:
        if not isinstance(period, dict):
            raise HoursError(f"an opening period should be an object, got {period!r}")
        open_day = _google_day(period.get("openDay"))
        close_day = _google_day(period.get("closeDay", period.get("openDay")))
        opens = _google_time(period.get("openTime"))
        closes = _google_time(period.get("closeTime")) + ((close_day - open_day) % 7) * DAY_MINUTES
        if closes <= opens:
            closes += DAY_MINUTES
        week[open_day].append(Period(opens, closes))
    text = "; ".join(
        f"{DAYS[day].capitalize()} "
        + ",".join(f"{_clock(p.opens)}-{_clock(p.closes)}" for p in sorted(periods))
        for day, periods in enumerate(week)
        if periods
    )
    return OpeningHours.parse(text) if text else OpeningHours()


def _google_day(value: object) -> int:
    names = [n.upper() for n in DAY_NAMES]
    if not isinstance(value, str) or value.upper() not in names:
        raise HoursError(f"{value!r} is not a day such as MONDAY")
    return names.index(value.upper())


def _google_time(value: object) -> int:
    if isinstance(value, dict):
        hours, minutes = value.get("hours", 0), value.get("minutes", 0)
        if not isinstance(hours, int) or not isinstance(minutes, int):
            raise HoursError(f"{value!r} is not a time of day")
        return hours * 60 + minutes
    if isinstance(value, str):
        m = re.fullmatch(r"(\d{1,2}):?(\d{2})", value.strip())
        if m:
            return int(m[1]) * 60 + int(m[2])
    raise HoursError(f"{value!r} is not a time of day")


def _clock(minutes: int) -> str:
    if minutes != DAY_MINUTES:
        minutes %= DAY_MINUTES
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def spoken_time(minutes: int) -> str:
    """Minutes after midnight as said aloud: 600 -> "10 am", 1230 -> "8:30 pm", 720 -> "noon"."""
    minutes %= DAY_MINUTES
    hour, minute = divmod(minutes, 60)
    if minutes == 0:
        return "midnight"
    if minutes == 12 * 60:
        return "noon"
    suffix = "am" if hour < 12 else "pm"
    hour12 = hour % 12 or 12
    return f"{hour12} {suffix}" if minute == 0 else f"{hour12}:{minute:02d} {suffix}"


def _spoken_day(today: date, day: date) -> str:
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    if (day - today).days < 7:
        return DAY_NAMES[day.weekday()]
    return f"{DAY_NAMES[day.weekday()]} {day.strftime('%B')} {day.day}"


def _day(name: str, rule: str) -> int:
    key = name.strip().lower()
    key = _DAY_ALIASES.get(key, key)
    if key not in DAYS:
        raise HoursError(f"{name!r} in {rule!r} is not a day (Mo Tu We Th Fr Sa Su)")
    return DAYS.index(key)


def _days(part: str, rule: str) -> list[int]:
    first, dash, last = part.partition("-")
    start = _day(first, rule)
    if not dash:
        return [start]
    end = _day(last, rule)
    # A range may wrap the week: "Fr-Mo".
    return [(start + i) % 7 for i in range((end - start) % 7 + 1)]


def _periods(text: str, rule: str) -> tuple[Period, ...]:
    if text.lower() in _CLOSED_WORDS:
        return ()
    periods = []
    for span in text.replace(" ", "").split(","):
        m = _RANGE.match(span)
        if m is None:
            raise HoursError(f"{span!r} in {rule!r} is not a time range like 10:00-18:00")
        oh, om, ch, cm = (int(g) for g in m.groups())
        if oh > 24 or ch > 24 or om > 59 or cm > 59:
            raise HoursError(f"{span!r} in {rule!r} is not a time of day")
        opens, closes = oh * 60 + om, ch * 60 + cm
        if closes <= opens:
            closes += DAY_MINUTES  # open past midnight
        if opens >= DAY_MINUTES or closes > 2 * DAY_MINUTES:
            raise HoursError(f"{span!r} in {rule!r} is not a time of day")
        periods.append(Period(opens, closes))
    periods.sort()
    for before, after in zip(periods, periods[1:], strict=False):
        if after.opens < before.closes:
            raise HoursError(f"{text!r} in {rule!r} has overlapping times")
    return tuple(periods)
