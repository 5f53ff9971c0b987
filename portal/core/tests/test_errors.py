"""The one error vocabulary: every app's codes, their messages, and the one exception."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import portal
from portal.core.errors import BusinessError, CoreError, ErrorCode, Problem
from portal.enrollment.errors import EnrollmentError
from portal.tracking.errors import TrackingError


def error_enums() -> list[type[ErrorCode]]:
    """Every `ErrorCode` enum declared in a `portal/<app>/errors.py`."""
    found: list[type[ErrorCode]] = []
    for app in pkgutil.iter_modules(portal.__path__):
        try:
            module = importlib.import_module(f"portal.{app.name}.errors")
        except ModuleNotFoundError:
            continue
        found += [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, ErrorCode)
            and value is not ErrorCode
            and value.__module__ == module.__name__
        ]
    return found


def test_every_app_with_error_codes_is_found() -> None:
    names = {enum.__name__ for enum in error_enums()}

    assert names == {
        "AccessError",
        "AccountError",
        "AssistanceError",
        "ApiError",
        "BackofficeError",
        "BillingError",
        "CardError",
        "CompanyError",
        "CoreError",
        "DsnAnomalyError",
        "DsnEndError",
        "DsnError",
        "DsnReplaceError",
        "EnrollmentError",
        "ImportFileError",
        "MemberRequestError",
        "PortabilityError",
        "SignatureError",
        "TerminationError",
        "TrackingError",
        "WaiverError",
        "WebhookError",
    }


@pytest.mark.parametrize("enum", error_enums(), ids=lambda enum: enum.__name__)
def test_every_code_has_exactly_one_non_empty_french_message(enum: type[ErrorCode]) -> None:
    # An enum member declared twice with the same code would be a silent alias of the first.
    assert len(enum.__members__) == len(list(enum))
    for code in enum:
        assert isinstance(code.message, str) and code.message.strip()
        assert not code.message[0].islower()
        assert code.value.isidentifier() and code.value == code.value.lower()


def test_no_two_apps_use_the_same_code_or_the_same_variable_name() -> None:
    codes = [code.value for enum in error_enums() for code in enum]
    names = [code.name for enum in error_enums() for code in enum]

    assert sorted({c for c in codes if codes.count(c) > 1}) == []
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_a_code_alone_raises_its_message() -> None:
    error = BusinessError(TrackingError.REMINDER_TODAY)

    assert error.problems == [Problem("", "reminder_today", TrackingError.REMINDER_TODAY.message)]
    assert (error.code, error.message, error.field) == (
        "reminder_today",
        "Une relance a déjà été envoyée aujourd'hui à ce salarié. Vous pourrez le relancer à "
        "nouveau demain.",
        "",
    )
    assert str(error) == error.message


def test_a_code_fills_its_message_with_the_values_it_quotes() -> None:
    error = BusinessError(EnrollmentError.IBAN_COUNTRY, field="debit_iban", country="ZZ")

    assert error.problems == [
        Problem(
            "debit_iban",
            "iban_country",
            "L'IBAN est invalide : « ZZ » n'est pas le code d'un pays qui utilise l'IBAN. "
            "Il commence par les 2 lettres du pays (FR pour la France). "
            "Recopiez-le depuis votre RIB.",
        )
    ]


def test_several_problems_are_raised_at_once_and_the_first_one_names_the_error() -> None:
    first = Problem.of(CoreError.NIR_KEY, "nir")
    second = Problem.of(CoreError.BIRTH_DATE_FUTURE, "birth_date")

    error = BusinessError.of([first, second])

    assert error.problems == [first, second]
    assert (error.code, error.message, error.field) == ("nir_key", first.message, "nir")


def test_an_error_of_no_problem_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        BusinessError.of([])


def test_a_problem_is_stored_as_field_code_and_message() -> None:
    problem = Problem.of(CoreError.NIR_KEY, "nir", link="/x")

    assert problem.as_dict() == {
        "field": "nir",
        "code": "nir_key",
        "message": CoreError.NIR_KEY.message,
    }
    assert problem.on("parent_nir") == Problem(
        "parent_nir", "nir_key", CoreError.NIR_KEY.message, "/x"
    )


# Where each builder of a problem takes its code: (position, keyword).
_CODE_ARGUMENT = {
    "Problem": (1, "code"),
    "Problem.of": (0, "code"),
    "BusinessError": (0, "code"),
    "FileRefused": (0, "code"),
}


def _builder(call: ast.Call) -> str:
    """`Problem`, `Problem.of`, `BusinessError`…, whether imported or reached as `module.X`."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if not isinstance(func, ast.Attribute):
        return ""
    if func.attr != "of":
        return func.attr
    owner = func.value
    if isinstance(owner, ast.Name):
        return f"{owner.id}.of"
    return f"{owner.attr}.of" if isinstance(owner, ast.Attribute) else ""


def literal_codes(source: str, filename: str = "<source>") -> list[str]:
    """`file:line builder` of each problem built with a string (or f-string) as its code."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call) or _builder(node) not in _CODE_ARGUMENT:
            continue
        position, keyword = _CODE_ARGUMENT[_builder(node)]
        arguments = [k.value for k in node.keywords if k.arg == keyword]
        if len(node.args) > position:
            arguments.append(node.args[position])
        if any(
            isinstance(a, ast.JoinedStr)
            or (isinstance(a, ast.Constant) and isinstance(a.value, str))
            for a in arguments
        ):
            found.append(f"{filename}:{node.lineno} {_builder(node)}")
    return found


def test_the_scan_finds_every_way_of_writing_a_literal_code() -> None:
    source = (
        'Problem("nir", "nir_key", "Message.")\n'
        'Problem(field="nir", code="nir_key", message="Message.")\n'
        'Problem.of("nir_key", "nir")\n'
        'errors.BusinessError(f"code_{x}")\n'
        'FileRefused("no_rows", name=name)\n'
        'errors.Problem.of(f"nir_{part}")\n'
        'Problem.of(CoreError.NIR_KEY, "nir")\n'
        'BusinessError(TrackingError.REMINDER_TODAY, field="x")\n'
        "Problem(column.key, code, code.text())\n"
    )

    assert literal_codes(source) == [
        "<source>:1 Problem",
        "<source>:2 Problem",
        "<source>:3 Problem.of",
        "<source>:4 BusinessError",
        "<source>:5 FileRefused",
        "<source>:6 Problem.of",
    ]


def test_no_problem_is_built_with_a_literal_code_outside_the_tests() -> None:
    root = Path(portal.__file__).parent
    sources = [
        path
        for path in sorted(root.rglob("*.py"))
        if "tests" not in path.relative_to(root).parts and not path.name.startswith("test_")
    ]
    found = [
        hit
        for path in sources
        for hit in literal_codes(path.read_text(encoding="utf-8"), str(path.relative_to(root)))
    ]

    assert len(sources) > 100
    assert found == []
