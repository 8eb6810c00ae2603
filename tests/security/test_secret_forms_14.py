"""Round 14: a value on its label's own line in prose, as a hostile review wrote them (in a
document, a comment or a commit's subject): "The password is: V" (a colon after "is"), labels in
other languages ("Passwort: V", "Mot de passe : V", "Contraseña: V", "Пароль: V"), a no-break
space before the colon. Ordinary prose after such a label stays as it is."""

from __future__ import annotations

import pytest

from analyzers.secrets import redact, redact_git

V = "Qz7pLm4Rt9Kw"

MASKED = [
    f"The password is: {V}",
    f"The password is: `{V}`",
    f"chore: The password is: {V}",
    f"Passwort: {V}",
    f"docs: Passwort: {V}",
    f"Kennwort: {V}",
    f"Mot de passe : {V}",
    f"Mot de passe\u00a0: {V}",
    f"Contraseña: {V}",
    f"Senha: {V}",
    f"Wachtwoord: {V}",
    f"Пароль: {V}",
    f"**Password\u00a0:** {V}",
]
KEPT = [
    "Passwort: siehe unten",
    "Mot de passe : votre mot de passe",
    "The password is: required",
    "Kennwort: Ihr Kennwort",
    "the token is: a JWT",
    "Contraseña: la de siempre",
]


@pytest.mark.parametrize("text", MASKED)
@pytest.mark.parametrize("filename", ["", "NOTES.md", "deploy.py"])
def test_a_label_s_value_on_its_line_is_masked(text: str, filename: str) -> None:
    assert V not in redact(text, filename)


@pytest.mark.parametrize("text", MASKED)
def test_a_commit_subject_s_label_value_is_masked(text: str) -> None:
    assert V not in redact_git(text)


@pytest.mark.parametrize("text", KEPT)
def test_prose_after_a_label_is_kept(text: str) -> None:
    assert redact(text, "NOTES.md") == text and redact_git(text) == text


@pytest.mark.parametrize(("filename", "text"), [
    ("Dockerfile", f"env DB_PASSWORD \\\n    {V}\n"),  # Dockerfile keywords ignore case
    ("deploy.bat", f"SET db_password=^\n{V}\n"),  # and so does cmd
    ("deploy.bat", f'SETX /M DB_PASSWORD "{V}"\n'),
    ("deploy.bat", f"Setx DB_PASSWORD {V}\n"),
])
def test_a_keyword_in_any_case_names_the_value(filename: str, text: str) -> None:
    assert V not in redact(text, filename)


@pytest.mark.parametrize("label", [
    "The staging password is:\n\n",  # a word before "password" the label did not know
    "Пароль:\n",
    "**Пароль:**\n\n",
    "Wachtwoord:\n\n",
])
def test_a_label_s_value_on_the_next_line_is_masked_in_a_document_and_a_commit(
        label: str) -> None:
    text = f"Some notes.\n\n{label}{V}\n\nMore.\n"
    assert V not in redact(text, "notes.md")
    assert V not in redact_git(f"deploy: staging\n\n{label}{V}\n")


@pytest.mark.parametrize("text", [
    "Update the password:\n\nrun the reset script\n",
    "The staging password is:\nstored in Vault\n",
    "Change your password:\n\nsee the settings page\n",
])
def test_prose_on_the_line_after_a_label_is_kept(text: str) -> None:
    assert redact(text, "notes.md") == text
