"""Secret forms a hostile review found (round 8). Leaks: a Java properties file's blank
separator (``db.password V``); a secret's name then a quoted generated value in git's text or a
comment (``FIXME remove apiKey "V"``); Rust raw strings (``r#"V"#``); TOML's triple-quoted
strings; an INI, TOML or properties block fenced in a document. Look-alikes kept: a translation's
label in a locale file (``password: Contraseña``) and a Spring placeholder's default word
(``${API_KEY:changeme}``, its ``}`` never eaten). Each case calls the real :func:`redact` or
:func:`redact_git`."""

from __future__ import annotations

from secret_cases import SecretCases, hostile_test

from analyzers.secrets import redact, redact_git

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

PW = "Xk9mQ2vLp7wR"
TOKEN = "Xk9mQ2vLp7wRz8Tq4Nm2"


def git(text: str, filename: str = "") -> str:
    return redact_git(text)


# -- 1. properties: a blank is a separator --

case("properties blanks", f"stripe.api-key   {TOKEN}\n", "app.properties", (TOKEN,),
     ("stripe.api-key   ",))
case("properties one blank", f"server.port 8080\ndb.password {PW}\n", "app.properties", (PW,),
     ("server.port 8080", "db.password "))
case("properties tab", f"api.secret\t{TOKEN}\n", "app.properties", (TOKEN,), ("api.secret\t",))
benign("properties blank settings", "server.port 8080\nlogging.level DEBUG\napi.key changeme\n",
       "app.properties")

# -- 2. a quoted generated value after a secret's name --

case("git quoted after name", f'FIXME remove apiKey "{TOKEN}"', "", (TOKEN,), ("FIXME remove",),
     git)
case("git quoted token", f"rotate token '{TOKEN}' now", "", (TOKEN,), ("rotate token",), git)
case("comment quoted after name", f'# FIXME remove apiKey "{TOKEN}"\nx = 1\n', "todos.py",
     (TOKEN,), ("# FIXME remove apiKey", "x = 1"))
benign("git quoted word after name", 'rename apiKey "customerApiKeyField" in forms', fn=git)

# -- 3. Rust raw strings --

case("rust raw string", f'const TOKEN: &str = r#"{TOKEN}"#;\n', "a.rs", (TOKEN,),
     ("const TOKEN: &str = r#",))
case("rust raw string two hashes next line", f'let api_key: &str =\n    r##"{TOKEN}"##;\n',
     "a.rs", (TOKEN,), ("let api_key: &str =",))
benign("rust raw string of no secret", 'const TOKEN_RE: &str = r#"[A-Za-z0-9]{20}"#;\n'
       'let user = r#"Xk9mQ2vLp7wRz8Tq"#;\n', "a.rs")

# -- 4. TOML triple-quoted strings --

case("toml triple quoted list", f'API-KEYS = [ """{TOKEN}""" ]\n', "keys.toml", (TOKEN,),
     ("API-KEYS = [",))
case("toml triple quoted in section", f'[api]\nkey = """{TOKEN}"""\n', "a.toml", (TOKEN,),
     ("[api]",))
case("toml literal triple over lines", f"[api]\nkey = '''\n{TOKEN}\n'''\n", "a.toml", (TOKEN,),
     ("[api]",))
benign("toml triple quoted text", '[tool]\ndescription = """A tool"""\nkey = """changeme"""\n',
       "a.toml")

# -- 5. fenced configuration in documents --

case("markdown fenced ini", f"Set:\n\n```ini\n[api]\nkey = {TOKEN}\n```\n", "README.md",
     (TOKEN,), ("```ini", "[api]"))
case("markdown tilde fenced ini", f"~~~ini\n[api]\nkey = {TOKEN}\n~~~\n", "README.md", (TOKEN,),
     ("~~~ini",))
case("markdown fenced section by shape", f"```\n[api]\nkey = {TOKEN}\n```\n", "README.md",
     (TOKEN,), ("[api]",))
benign("markdown fenced ini of settings", "```ini\n[api]\nkey = <your key>\nurl = x\n```\n",
       "README.md")

# -- 6. translations' labels --

benign("locale yaml labels", "es:\n  password: Contraseña\n  users:\n    password: Contraseña\n",
       "config/locales/es.yml")
benign("locale yaml german", "de:\n  api_key: API-Schlüssel\n  password: Kennwort\n",
       "config/locales/de.yml")
benign("locale yaml words", "nl:\n  password: Wachtwoord\nsv:\n  password: Lösenord\n",
       "config/locales/nl.yml")
benign("locale json", '{"password": "Contraseña", "api_key": "Clave de API"}\n',
       "locales/es.json")
benign("locale properties", "password=Contraseña\napi.key=Clave de API\n",
       "src/main/resources/messages_es.properties")
case("locale random value", f"es:\n  password: {PW}\n", "config/locales/es.yml", (PW,),
     ("password: ",))

# -- 7. Spring placeholders' defaults --

benign("spring placeholder default word", "api.key=${API_KEY:changeme}\n", "a.properties")
case("spring placeholder random default", f"api.key=${{API_KEY:{TOKEN}}}\n", "a.properties",
     (TOKEN,), ("api.key=${API_KEY:", "}\n"))

# -- medium: .tf.json variable list, kustomize flow literals, YAML flow map, Go literals --

case("tf json variable list", f'{{"variable": [{{"apiKey": {{"default": "{TOKEN}"}}}}]}}\n',
     "main.tf.json", (TOKEN,), ('"apiKey"',))
benign("tf json variable list of no secret",
       f'{{"variable": [{{"region": {{"default": "{TOKEN}"}}}}]}}\n', "main.tf.json")
case("kustomize flow literals", f'secretGenerator:\n- name: app\n  literals: ["conn={TOKEN}"]\n',
     "kustomization.yaml", (TOKEN,), ("literals: [",))
case("yaml flow map of secrets", f"extraSecrets: {{conn: {TOKEN}, stripe: {PW}}}\n", "values.yaml",
     (TOKEN, PW), ("extraSecrets: {conn: ",))
benign("yaml flow map of no secrets",
       f"labels: {{app: {PW}}}\nsecrets: {{storeName: VaultStore}}\n", "values.yaml")
case("go array of tokens", f'var tokens = [...]string{{`{TOKEN}`, "{PW}"}}\n', "a.go",
     (TOKEN, PW), ("var tokens = [...]string{",))
case("go map of secrets", f'var secrets = map[string]string{{"stripe": "{TOKEN}"}}\n', "a.go",
     (TOKEN,), ('"stripe": "',))
benign("go literal of no secret", f'var names = []string{{"{PW}"}}\n'
       'var tokens = []string{"access", "refresh"}\n', "a.go")


test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()

HOSTILE = {
    "triple quotes": ('[api]\nkey = """x"""\n' * 20_000, redact, "a.toml"),
    "raw strings": ('let api_key = r#"x"#;\n' * 20_000, redact, "a.rs"),
    "fences": ("```ini\n[api]\n" * 20_000, redact, "README.md"),
    "properties blanks": ("api.key v\n" * 40_000, redact, "a.properties"),
    "flow maps": ("secrets: {a: b, " * 20_000 + "\n", redact, "values.yaml"),
    "go literals": ('tokens = []string{"x", ' * 20_000 + "\n", redact, "a.go"),
    "placeholders": ("api.key=${A:" * 20_000 + "\n", redact, "a.properties"),
}

test_hostile_input_finishes = hostile_test(HOSTILE)
