"""Round 22 (SCAN_VERSION 57): forms of git's text round 21 left shown (an independent
verifier's): ``set DB_PASSWORD=OLD to V`` (the old value masked first, the new one shown), ``set
DB_PASSWORD to 'V'`` (a chosen value holding a secret's word), ``password for the staging db is
now V`` and ``… is: V``, ``use V as password``, look-alike letters (``pаssword``, a Cyrillic
"а"), a no-break space after ``db pass``, ``DB_PASS V``, arrows after a name (``Password: OLD →
V``, ``PASSWORD changed: OLD => V``, ``rotate STRIPE_API_KEY: OLD -> V``), ``AWS_SECRET_ACCESS_KEY
was V``, and a value alone on the line after ``staging db pass`` (a bundle's Recent decisions
summarise a message's first body lines).

Each case calls the real :func:`redact_git`; the last test commits the next-line form to a real
repository and reads it back through the real CLI's bundle and handoff."""

from __future__ import annotations

from pathlib import Path

import secret_cases as sc

from analyzers.secrets import redact_git

TABLE = sc.SecretCases(redact_git)
case, benign = TABLE.case, TABLE.benign

AWS = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzKEY2"
GIT_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("set DB_PASSWORD=hunter2 to Zq9-hunter-77x", ("hunter2", "Zq9-hunter-77x")),
    ("set DB_PASSWORD to 'Gx8#newPass8'", ("Gx8#newPass8",)),
    ("the password for the staging db is now Lq2$Zx9vKp", ("Lq2$Zx9vKp",)),
    ("password for the staging db is: Vq8xLm2pZr9", ("Vq8xLm2pZr9",)),
    ("use Mk7&pp2Wr as password", ("Mk7&pp2Wr",)),
    ("p\u0430ssword for the staging db is Cy1rLk8Qz", ("Cy1rLk8Qz",)),
    ("deploy: db pass\u00a0Vq8xLm2pZr9", ("Vq8xLm2pZr9",)),
    ("DB_PASS Vq8xLm2pZr9 for staging", ("Vq8xLm2pZr9",)),
    ("Password: hunter4old \u2192 N3wS3cr3t!z", ("hunter4old", "N3wS3cr3t!z")),
    ("PASSWORD changed: old => Vq8xLm2pZr9", ("Vq8xLm2pZr9",)),
    ("password changed old -> Vq8xLm2pZr9", ("Vq8xLm2pZr9",)),
    ("rotate STRIPE_API_KEY: sk_test_abc -> rk_live_51HabcDEFghiJKLmnp",
     ("rk_live_51HabcDEFghiJKLmnp",)),
    (f"Fix: AWS_SECRET_ACCESS_KEY was {AWS}", (AWS,)),
    ("ops: rotate creds\n\nstaging db pass\nXk3#pq9vLm2q\n", ("Xk3#pq9vLm2q",)),
)
for _k, (_text, _values) in enumerate(GIT_FORMS):
    case(f"git text {_k}", _text, "", _values, (), redact_git)

for _k, _text in enumerate((
        "all tests pass", 'page.login("Login", "Cancel")', "the password field is now required",
        "use the password manager", "make the test pass\nfor macos-14 and python3.12",
        "the password for the staging db is now rotated", "use argon2 as password hash",
        "set DB_PASSWORD to the vault's value", "PASSWORD_MIN_LENGTH was 8 -> 12",
        "API_TOKEN is now read from settings.API_TOKEN", "password changed: bcrypt -> argon2id",
        "db pass\u00a0through mode", "p\u0430ssword field is now required")):
    benign(f"git look-alike {_k}", _text, "", redact_git)

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "git arrows": ("password " + "x " * 20_000 + "->", redact_git, ""),
    "git was": ("A_KEY was " + "Ab1" * 20_000, redact_git, ""),
    "git next lines": ("db pass\n" * 20_000, redact_git, ""),
}

test_hostile_input_finishes = sc.hostile_test(HOSTILE)


def test_a_value_on_the_next_line_is_masked_in_bundles_and_handoffs(tmp_path: Path) -> None:
    outputs = sc.commit_text_outputs(tmp_path / "r", ("ops: rotate creds\n\nstaging db pass\n"
                                                      "Xk3#pq9vLm2q\n",), "set the timeout to 30s")
    for out in outputs:
        assert "Xk3#pq9vLm2q" not in out, out[:4000]
    assert "set the timeout to 30s" in outputs[2], outputs[2]
