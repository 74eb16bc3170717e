"""Settings read from the environment name the variable in every error."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from hitrec.env import env_bool, env_int, env_list, env_str


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("Yes", True), (" on ", True),
                                                 ("0", False), ("FALSE", False), ("off", False),
                                                 ("", True)])  # fmt: skip
def test_a_switch_reads_the_usual_words(monkeypatch, value, expected):
    monkeypatch.setenv("HITREC_SWITCH", value)

    assert env_bool("HITREC_SWITCH", default=True) is expected


@pytest.mark.parametrize("value", ["flase", "2", "enabled"])
def test_a_switch_that_is_neither_names_the_variable(monkeypatch, value):
    monkeypatch.setenv("DEBUG", value)

    with pytest.raises(ImproperlyConfigured, match=rf"DEBUG is '{value}'"):
        env_bool("DEBUG")


def test_a_number_that_is_not_one_names_the_variable(monkeypatch):
    monkeypatch.setenv("HITREC_STATEMENT_BATCH_SIZE", "5OO")

    with pytest.raises(ImproperlyConfigured, match="HITREC_STATEMENT_BATCH_SIZE is '5OO'"):
        env_int("HITREC_STATEMENT_BATCH_SIZE", 500)


def test_unset_or_empty_variables_take_their_defaults(monkeypatch):
    monkeypatch.delenv("HITREC_UNSET", raising=False)
    monkeypatch.setenv("HITREC_EMPTY", "")

    assert env_int("HITREC_UNSET", 7) == env_int("HITREC_EMPTY", 7) == 7
    assert env_str("HITREC_UNSET", "x") == "x"
    assert env_list("HITREC_EMPTY", ["a"]) == ["a"]
    assert env_list("HITREC_LIST", []) == []


def test_a_list_is_comma_separated_and_trimmed(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example , b.example,, ")

    assert env_list("ALLOWED_HOSTS", []) == ["a.example", "b.example"]
