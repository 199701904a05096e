"""Sizes, audiences and opening hours: how feeds write them and how shoppers say them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from catalog_adapter.attributes import audience, fits_audience, has_size, size_key, size_list
from catalog_adapter.hours import HoursError, OpeningHours, opening_hours, spoken_time
from catalog_adapter.models import Money, Product, Store

# 2026-12-03 is a Thursday.
THURSDAY = date(2026, 12, 3)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute)


@pytest.mark.parametrize(
    ("field", "sizes"),
    [
        ("XS, S, M, L, XL", ("XS", "S", "M", "L", "XL")),
        ("One Size", ("One Size",)),
        ("6; 7|8", ("6", "7", "8")),
        ("S/M, L/XL", ("S/M", "L/XL")),
        ("", ()),
        ("M, m, M", ("M",)),
    ],
)
def test_size_lists_are_read_from_the_size_field(field: str, sizes: tuple[str, ...]) -> None:
    assert size_list(field) == sizes


def test_a_product_names_its_sizes() -> None:
    product = Product(id="1", title="Tee", price=Money(1), size="XS, S, M")  # type: ignore[arg-type]
    assert product.sizes == ("XS", "S", "M")
    assert Product(id="2", title="Sofa", price=Money(1)).sizes == ()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spoken", "key"),
    [
        ("large", "l"),
        ("L", "l"),
        ("size large", "l"),
        ("a medium", "m"),
        ("extra large", "xl"),
        ("X-Large", "xl"),
        ("2XL", "xxl"),
        ("a 9", "9"),
        ("nine", "9"),
        ("size nine and a half", "9.5"),
        ("9 1/2", "9.5"),
        ("thirty two", "32"),
        ("one size", "one size"),
        ("One Size Fits All", "one size"),
    ],
)
def test_spoken_sizes_fold_to_one_form(spoken: str, key: str) -> None:
    assert size_key(spoken) == key


def test_size_matching_is_whole_sizes_only() -> None:
    shoes = "6, 7, 8, 9.5, 10"
    assert has_size(shoes, "nine and a half")
    assert not has_size(shoes, "a 9")  # 9.5 is not a 9
    assert has_size("XS, S, M, L, XL", "large")
    assert not has_size("XS, S, M", "extra large")
    assert not has_size("", "medium")
    assert not has_size("XS, S", "")


@pytest.mark.parametrize(
    ("spoken", "name"),
    [("men's", "men"), ("for women", "women"), ("ladies", "women"), ("children", "kids")],
)
def test_audiences_are_recognised_as_said(spoken: str, name: str) -> None:
    found = audience(spoken)
    assert found is not None and found.name == name


def test_audience_fit_follows_gender_and_age_group() -> None:
    men, women, kids = audience("men"), audience("women"), audience("kids")
    assert men and women and kids
    assert fits_audience(men, "male", "")
    assert fits_audience(men, "unisex", "adult")
    assert fits_audience(women, "unisex", "")
    assert not fits_audience(men, "female", "")
    assert not fits_audience(men, "male", "kids")
    assert fits_audience(kids, "male", "toddler")
    assert not fits_audience(kids, "unisex", "")
    # A product that names no gender is not held against any adult audience.
    assert fits_audience(women, "", "")
    assert audience("sofa") is None


HOURS = "Mo-Sa 10:00-20:00; Su 11:00-18:00"


def test_weekly_hours_say_when_a_store_is_open() -> None:
    hours = OpeningHours.parse(HOURS)
    assert hours.is_open(at(3, 10, 0)) is True
    assert hours.is_open(at(3, 9, 59)) is False
    assert hours.is_open(at(3, 20, 0)) is False
    assert hours.is_open(at(6, 10, 30)) is False  # Sunday opens at 11
    assert hours.is_open(at(6, 11, 0)) is True


def test_hours_past_midnight_belong_to_the_day_they_start() -> None:
    hours = OpeningHours.parse("Fr-Sa 18:00-02:00")
    assert hours.is_open(at(5, 1, 30)) is True  # Saturday 01:30, from Friday night
    assert hours.is_open(at(4, 1, 30)) is False  # Friday 01:30: Thursday was closed
    assert hours.is_open(at(6, 1, 30)) is True  # Sunday 01:30, from Saturday night
    assert hours.is_open(at(7, 1, 30)) is False  # Monday 01:30: Sunday was closed
    assert hours.summary(at(5, 1, 0)) == "open now until 2 am"


def test_special_hours_on_a_date_replace_the_weekday() -> None:
    hours = OpeningHours.parse(HOURS + "; 2026-12-24 10:00-16:00; 2026-12-25 off")
    assert hours.is_open(at(24, 17)) is False
    assert hours.is_open(at(25, 12)) is False
    assert hours.summary(at(24, 17)) == "closed for the day; opens Saturday at 10 am"


@pytest.mark.parametrize(
    ("when", "said"),
    [
        (at(3, 8), "open today from 10 am to 8 pm"),
        (at(3, 12), "open now until 8 pm"),
        (at(3, 21), "closed for the day; opens tomorrow at 10 am"),
        (at(5, 21), "closed for the day; opens tomorrow at 11 am"),
    ],
)
def test_todays_hours_as_spoken(when: datetime, said: str) -> None:
    assert OpeningHours.parse(HOURS).summary(when) == said


def test_split_days_and_closed_days() -> None:
    hours = OpeningHours.parse("Mo-Fr 09:00-13:00,14:00-17:30; Sa-Su closed")
    assert hours.summary(at(3, 13, 30)) == "closed now; opens again today at 2 pm until 5:30 pm"
    assert hours.summary(at(5, 12)) == "closed today; opens Monday at 9 am"
    assert hours.describe()[0] == "Monday: 9 am to 1 pm, 2 pm to 5:30 pm"
    assert hours.describe()[6] == "Sunday: closed"


def test_around_the_clock() -> None:
    hours = OpeningHours.parse("24/7")
    assert hours.is_open(at(3, 3)) is True
    assert hours.summary(at(3, 3)) == "open 24 hours"


@pytest.mark.parametrize(
    "text",
    ["Mo-Sa", "Xy 10:00-12:00", "Mo 10:00-25:00", "Mo 10-12", "Mo 10:00-14:00,13:00-15:00"],
)
def test_unreadable_hours_are_an_error_naming_the_rule(text: str) -> None:
    with pytest.raises(HoursError):
        OpeningHours.parse(text)


def test_no_hours_means_not_known() -> None:
    hours = OpeningHours.parse("")
    assert not hours.known
    assert hours.is_open(at(3, 12)) is None
    assert hours.summary(at(3, 12)) == ""


def test_google_business_profile_periods() -> None:
    periods = [
        {"openDay": "MONDAY", "openTime": {"hours": 9, "minutes": 30}, "closeTime": {"hours": 17}},
        {"openDay": "FRIDAY", "openTime": "18:00", "closeDay": "SATURDAY", "closeTime": "02:00"},
    ]
    hours = opening_hours({"periods": periods})
    assert hours.is_open(datetime(2026, 11, 30, 9, 45)) is True  # a Monday
    assert hours.is_open(at(5, 1)) is True
    assert hours.text == "Mo 09:30-17:00; Fr 18:00-02:00"
    assert not opening_hours(None).known
    with pytest.raises(HoursError):
        opening_hours([{"openDay": "FUNDAY"}])


def test_times_are_said_the_way_people_say_them() -> None:
    assert [spoken_time(m) for m in (0, 600, 720, 1230, 1440)] == [
        "midnight",
        "10 am",
        "noon",
        "8:30 pm",
        "midnight",
    ]


def test_a_store_answers_on_its_own_clock() -> None:
    store = Store(
        code="SEA-DT",
        name="Acme Home Downtown",
        timezone="America/Los_Angeles",
        hours=OpeningHours.parse(HOURS),
    )
    # 18:00 UTC is 10:00 in Seattle in December.
    utc = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    assert store.is_open(utc) is True
    assert store.is_open(datetime(2026, 12, 3, 17, 59, tzinfo=UTC)) is False
    assert store.spoken_summary(utc) == "Acme Home Downtown is open now until 8 pm."
    # A naive time is the store's own wall clock.
    assert store.is_open(at(3, 19)) is True
    unknown = Store(code="X", name="Pop-up")
    assert unknown.is_open(utc) is None
    assert "don't have the opening hours" in unknown.spoken_summary(utc)
