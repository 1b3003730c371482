from __future__ import annotations

import pytest

from posassist.domain import identifiers as ids
from posassist.domain.identifiers import IdentifierError, QueryKind


@pytest.mark.parametrize(
    "text",
    [
        "(212) 555-0123",
        "212-555-0123",
        "212.555.0123",
        "+1 212 555 0123",
        "2125550123",
        " +1-212-555-0123 ",
    ],
)
def test_phone_formats_normalise_to_e164(text: str) -> None:
    assert ids.normalise_phone(text, "US") == "+12125550123"


def test_phone_region_matters() -> None:
    assert ids.normalise_phone("020 7946 0018", "GB") == "+442079460018"


@pytest.mark.parametrize("text", ["12", "abc", "555", "+1 212", ""])
def test_unparseable_phone_is_refused_with_field(text: str) -> None:
    with pytest.raises(IdentifierError) as err:
        ids.normalise_phone(text, "US")
    assert err.value.field == "phone"
    assert str(err.value)


def test_query_classification() -> None:
    region = "US"
    assert ids.parse_query("(212) 555-0123", region).kind is QueryKind.PHONE
    assert ids.parse_query("(212) 555-0123", region).value == "+12125550123"
    assert ids.parse_query("0123", region).kind is QueryKind.LAST4
    assert ids.parse_query("Jo@Example.COM", region).value == "jo@example.com"
    assert ids.parse_query("PA00001234", region).kind is QueryKind.CARD
    assert ids.parse_query("00001234", region, scanned=True).kind is QueryKind.CARD
    assert ids.parse_query("jon smiht", region).kind is QueryKind.NAME
    assert ids.parse_query("   ", region).kind is QueryKind.EMPTY


def test_name_key_folds_case_and_accents_but_keeps_scripts() -> None:
    assert ids.name_key("Zoë  O'Brien") == "zoe obrien"
    assert ids.name_key("Ελένη") == "ελενη"
    assert ids.name_key("李小龙") == "李小龙"


@pytest.mark.parametrize("name", ["Ελένη Παπαδοπούλου", "李小龙", "Zoë 🌻 Hart", "محمد علي"])
def test_display_names_in_any_script_are_kept(name: str) -> None:
    assert ids.clean_display_name(name) == name


@pytest.mark.parametrize("name", ["", "   ", "a" * 201, "bad\x07name"])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(IdentifierError) as err:
        ids.clean_display_name(name)
    assert err.value.field == "name"


def test_long_note_is_kept_up_to_limit_and_refused_beyond() -> None:
    assert len(ids.clean_note("x" * 10_000)) == 10_000
    with pytest.raises(IdentifierError, match="limit"):
        ids.clean_note("x" * (ids.MAX_NOTE_LENGTH + 1))


def test_card_and_email_normalisation() -> None:
    assert ids.normalise_card(" pa-0000 1234 ") == "PA00001234"
    with pytest.raises(IdentifierError):
        ids.normalise_card("x!")
    with pytest.raises(IdentifierError):
        ids.normalise_email("not-an-email")


def test_masks_hide_most_of_a_contact() -> None:
    assert ids.mask_phone("+12125550142") == "••• ••• 0142"
    assert ids.mask_card("PA00000101") == "•••0101"
    assert ids.mask_phone(None) == ids.mask_email("") == ids.mask_card(None) == ""
    assert ids.mask_email("jane@example.com") == "j•••@example.com"
    assert ids.phone_last4("+12125550123") == "0123"


def test_local_only_number_is_refused_not_stored_wrong() -> None:
    with pytest.raises(IdentifierError, match="area code"):
        ids.normalise_phone("555-0100", "US")


def test_emoji_only_name_is_still_searchable() -> None:
    assert ids.name_key("🎸🎸") == "🎸🎸"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("twelve", "“twelve” is not a phone number: type its digits, with the area code"),
        ("+999 1234", "no country has the code after the +"),
        ("1" * 300, "too many digits."),
    ],
)
def test_a_phone_refusal_reads_plainly_without_the_librarys_words(text: str, says: str) -> None:
    with pytest.raises(IdentifierError) as err:
        ids.normalise_phone(text, "US")
    assert says in str(err.value)
    assert "(1)" not in str(err.value)
    assert "string supplied" not in str(err.value)
