"""background.Call: a call on a second thread whose result or error reaches the caller."""
from __future__ import annotations

import _thread

import pytest

from taskmint import background


def test_the_result_is_what_the_call_returned_on_another_thread() -> None:
    call = background.Call(lambda a, b: (a + b, _thread.get_ident()), 2, 3)
    value, ident = call.result()
    assert value == 5 and ident != _thread.get_ident()
    assert call.result() == (5, ident)  # asked again: the same


def test_the_error_of_the_call_is_raised_to_the_caller() -> None:
    def fails() -> None:
        raise PermissionError("denied")

    call = background.Call(fails)
    with pytest.raises(PermissionError, match="denied"):
        call.result()


def test_without_a_thread_to_be_had_the_call_runs_at_once(monkeypatch) -> None:
    def refused(*args: object) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(_thread, "start_new_thread", refused)
    call = background.Call(_thread.get_ident)
    assert call.result() == _thread.get_ident()
