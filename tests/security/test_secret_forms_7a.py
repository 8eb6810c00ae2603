"""Configuration-file secret forms a hostile review found (round 7a). Leaks: a Java properties
file's dotted name (``api.key: …``) and a value continued with a trailing backslash; an INI or
TOML section naming the secret (``[api]`` then ``key = …``, ``[credentials]`` then any key); a
TOML array of secrets with comments between its items; a ``.env`` list separated by commas;
Terraform's heredoc and list ``default`` of a secret variable, and ``.tf.json``; a Kubernetes
Secret in a flow mapping, in a ``kind: List``'s items, written as JSON; kustomize's
``secretGenerator`` literals; Helm values' ``secrets:`` map; YAML's quoted complex key. Each case
calls the real :func:`redact`: the value is gone, the text around it kept. Look-alikes
(placeholders, references, templates, settings) come back unchanged."""

from __future__ import annotations

import base64
import json

from secret_cases import Reader, SecretCases, hostile_test

from analyzers.secrets import redact

TABLE = SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

PW = "Xk9mQ2vLp7wR"
PW2 = "Qz8nW3rTy6uP"
TOKEN = "Xk9mQ2vLp7wRz8Tq4Nm2"
B64 = base64.b64encode(PW.encode()).decode()

# -- Java properties ------------------------------------------------------------------------------

case("properties dotted api key", f"server.port=8080\napi.key: {PW}\n", "app.properties", (PW,),
     ("server.port=8080", "api.key: "))
case("properties dotted access key", f"aws.access.key = {TOKEN}\n", "app.properties",
     (TOKEN,), ("aws.access.key = ",))
case("properties value continued", f"db.password={PW[:6]}\\\n    {PW[6:]}\n", "app.properties",
     (PW[:6], PW[6:]), ("db.password=",))
case("properties token continued", f"api.token = {TOKEN[:10]}\\\n  {TOKEN[10:]}\nx=1\n",
     "application.properties", (TOKEN[:10], TOKEN[10:]), ("api.token = ", "x=1"))
benign("properties placeholder", "spring.datasource.password=${DB_PASSWORD}\napi.key: changeme\n"
       "security.password.min-length=8\n", "application.properties")
benign("properties continued words", "app.description=a long \\\n    description\n"
       "api.key.header=X-Api-Key\n", "app.properties")

# -- INI, setup.cfg, .conf ------------------------------------------------------------------------

case("ini api section key colon", f"[api]\nurl: https://example.com\nkey: {PW}\n", "setup.cfg",
     (PW,), ("[api]", "key: "))
case("ini api section key equals", f"[api]\nkey = {PW}\n", "app.ini", (PW,), ("key = ",))
case("ini credentials section", f"[credentials]\nprod = {PW}\nstaging = {PW2}\n", "app.conf",
     (PW, PW2), ("prod = ", "staging = "))
case("toml api section key", f'[api]\nkey = "{PW}"\n', "config.toml", (PW,), ("key = ",))
case("toml nested api section key", f'[tool.deploy.api]\nkey = "{TOKEN}"\n', "pyproject.toml",
     (TOKEN,), ("key = ",))
benign("ini api section settings", "[api]\nkey_file = /etc/app/api.key\nkeywords = a, b\n"
       "url = https://example.com\n", "setup.cfg")
benign("ini credentials section references", "[credentials]\nsource = ${CREDENTIALS_FILE}\n"
       "backend = vault\nprod = changeme\n", "app.ini")
benign("ini password policy", "[password]\nmin_length = 8\nrequire_digit = true\n", "app.ini")
benign("setup cfg flake8", "[flake8]\nmax-line-length = 100\nexclude = .git,build,dist\n",
       "setup.cfg")

# -- TOML arrays, .env lists ----------------------------------------------------------------------

case("toml array with comments", f'api_keys = [ # prod\n  "{PW}", # staging\n  "{PW2}" ]\n',
     "config.toml", (PW, PW2), ("# prod", "# staging"))
case("toml array in an api section", f'[api]\nkeys = [ "{PW}", "{PW2}" ]\n', "c.toml",
     (PW, PW2), ("keys = [",))
benign("toml array of placeholders", 'api_keys = [ # fill in\n  "changeme", "${API_KEY}" ]\n',
       "config.toml")
case("env comma separated keys", f"API_KEYS={PW},{PW2},{TOKEN}\n", ".env", (PW, PW2, TOKEN),
     ("API_KEYS=",))
case("env export comma list", f"export AUTH_TOKENS={TOKEN},{PW2}\n", ".env.production",
     (TOKEN, PW2), ("export AUTH_TOKENS=",))
benign("env comma list of words", "PASSWORD_VALIDATORS=length,common,numeric\n"
       "API_KEY=${API_KEY}\n", ".env")

# -- Terraform ------------------------------------------------------------------------------------

case("terraform heredoc default", f'variable "db_password" {{\n  default = <<EOT\n{PW}\nEOT\n}}\n',
     "main.tf", (PW,), ('variable "db_password"', "EOT"))
case("terraform indented heredoc default", f'variable "api_token" {{\n  type = string\n'
     f'  default = <<-EOT\n    {TOKEN}\n  EOT\n}}\n', "variables.tf", (TOKEN,), ("<<-EOT",))
case("terraform list default", f'variable "api_keys" {{\n  default = ["{PW}", "{PW2}"]\n}}\n',
     "main.tf", (PW, PW2), ("default = [",))
case("terraform list default over lines", f'variable "api_keys" {{\n  default = [\n'
     f'    "{PW}",\n    "{PW2}",\n  ]\n}}\n', "main.tf", (PW, PW2), ("default = [",))
case("terraform json variable", json.dumps({"variable": {"db_password": {"default": PW}}}),
     "main.tf.json", (PW,), ("db_password",))
case("terraform json over lines", json.dumps(
    {"variable": {"api_token": {"type": "string", "default": TOKEN}}}, indent=2) + "\n",
     "variables.tf.json", (TOKEN,), ('"type": "string"',))
benign("terraform heredoc of no secret", 'variable "db_password_policy" {\n  default = <<EOT\n'
       'min length 8\nEOT\n}\nvariable "motd" {\n  default = <<EOT\nXk9mQ2vLp7wR\nEOT\n}\n',
       "main.tf")
benign("terraform list of references", 'variable "api_keys" {\n  default = [var.db_password, '
       '"changeme"]\n}\n', "main.tf")
benign("terraform json of no secret", json.dumps(
    {"variable": {"region": {"default": PW}, "db_password": {"default": "${var.x}"}}}),
       "main.tf.json")

# -- Kubernetes, kustomize, Helm ------------------------------------------------------------------

case("kubernetes flow data", f"kind: Secret\ndata: {{conn: {B64}, user: Y2k=}}\n", "s.yaml",
     (B64,), ("kind: Secret", "data: {conn: "))
case("kubernetes list of secrets", "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n"
     f"    kind: Secret\n    metadata:\n      name: db\n    data:\n      conn: {B64}\n"
     "  - kind: ConfigMap\n    data:\n      mode: prod\n", "list.yaml", (B64,),
     ("      name: db", "      mode: prod"))
case("kubernetes list item string data first", "kind: List\nitems:\n- kind: Secret\n"
     f"  stringData:\n    conn: {PW}\n", "list.yaml", (PW,), ("  stringData:",))
case("kubernetes json secret", json.dumps({"apiVersion": "v1", "kind": "Secret",
                                           "data": {"conn": B64}}), "s.json", (B64,),
     ('"kind": "Secret"',))
case("kubernetes json string data over lines", json.dumps(
    {"kind": "Secret", "stringData": {"conn": PW}}, indent=2), "secret.json", (PW,),
     ('"stringData": {',))
benign("kubernetes json config map", json.dumps({"kind": "ConfigMap", "data": {"conn": B64}}),
       "cm.json")
benign("kubernetes list of config maps", "kind: List\nitems:\n  - kind: ConfigMap\n    data:\n"
       f"      conn: {B64}\n", "list.yaml")
benign("kubernetes nested secret template", "items:\n  - kind: Secret\n    stringData:\n"
       "      password: {{ .Values.password }}\n", "templates/list.yaml")
case("kustomize literal of any name", f"secretGenerator:\n  - name: db\n    literals:\n"
     f"      - conn={PW}\n", "kustomization.yaml", (PW,), ("      - conn=",))
benign("kustomize literal of no secret", "secretGenerator:\n- name: db\n  literals:\n"
       "  - mode=production\n  - host=db.internal\n", "kustomization.yaml")
case("helm secrets map", f"secrets:\n  conn: {PW}\n  stripe: {TOKEN}\n", "values.yaml",
     (PW, TOKEN), ("  conn: ", "  stripe: "))
case("helm nested credentials map", f"app:\n  credentials:\n    github: {TOKEN}\n", "values.yaml",
     (TOKEN,), ("  credentials:",))
case("helm secrets map nested", f"secrets:\n  stripe:\n    live: {TOKEN}\n    mode: live\n",
     "values.yaml", (TOKEN,), ("  stripe:", "    mode: live"))
benign("actions reusable workflow secrets", "on:\n  workflow_call:\n    secrets:\n"
       "      NPM_TOKEN:\n        required: true\n        description: the npm token\n",
       ".github/workflows/r.yml")
benign("helm secrets settings", "secrets:\n  enabled: true\n  create: false\n  name: app-secrets\n"
       "  mountPath: /etc/secrets\n  existing: ''\njobs:\n  secrets: inherit\n", "values.yaml")
benign("compose secrets files", "secrets:\n  db_password:\n    file: ./db_password.txt\n",
       "docker-compose.yml")
benign("actions secrets templates", "    secrets:\n      token: ${{ secrets.GITHUB_TOKEN }}\n"
       "      pw: '{{ .Values.password }}'\n", ".github/workflows/ci.yml")

# -- YAML quoted complex key ----------------------------------------------------------------------

case("yaml quoted complex key", f'? "password"\n: {PW}\n', "c.yaml", (PW,), ('? "password"',))
case("yaml single quoted complex key", f"db:\n  ? 'api-key'\n  : {TOKEN}\n", "c.yaml", (TOKEN,),
     ("? 'api-key'",))
benign("yaml quoted complex key of no secret", f'? "user"\n: {PW}\n? "password"\n: ""\n',
       "c.yaml")


test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()


# Hostile inputs to the readers added here: each must finish.
HOSTILE: dict[str, tuple[str, Reader, str]] = {
    "continued properties": ("api.key=a\\\n" * 40_000, redact, "a.properties"),
    "sections": ("[api]\nkey = x\n" * 40_000, redact, "a.ini"),
    "array openings": ("api_keys = [ # x\n" * 40_000, redact, "c.toml"),
    "terraform heredocs": ('variable "db_password" {\n  default = <<EOT\n' * 20_000, redact,
                           "main.tf"),
    "nested secrets": ("  - kind: Secret\n    data:\n" * 20_000, redact, "s.yaml"),
    "secrets maps": ("secrets:\n  a: b\n" * 40_000, redact, "values.yaml"),
    "literals": ("secretGenerator:\n  literals:\n" * 20_000, redact, "kustomization.yaml"),
    "deep json": ('{"kind": "Secret", "a": ' * 5_000 + "1" + "}" * 5_000, redact, "s.json"),
}

test_hostile_input_finishes = hostile_test(HOSTILE)
