from posassist.domain.wording import plural


def test_one_is_singular() -> None:
    assert plural(1, "customer") == "1 customer"


def test_zero_and_many_are_plural_with_separators() -> None:
    assert plural(0, "customer") == "0 customers"
    assert plural(2000, "customer") == "2,000 customers"


def test_irregular_plural() -> None:
    assert plural(1, "match", "matches") == "1 match"
    assert plural(3, "match", "matches") == "3 matches"
    assert plural(2, "refused", "refused") == "2 refused"
