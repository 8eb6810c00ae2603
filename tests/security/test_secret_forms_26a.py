"""Round 26a (SCAN_VERSION 63; session 30, an independent verifier's): forms shown unmasked in
bundles. Command lines whose password is an option's argument or a place's (``redis-server
--requirepass V``, ``echo V | docker login --password-stdin``, ``rabbitmqctl add_user admin V``,
``mongo -p V``, ``net user alice V /add``, ``az login -p V``, ``useradd -p V``, ``gh secret set
N --body V``, ``mosquitto_pub -P V``, ``sqlcmd -P V``, ``rdesktop -p V``, ``influx -password V``,
``zip -P V``, ``unzip -P V``, ``7z a -pV``, ``ssh-keygen -N V``) in scripts, documents'
code blocks, Dockerfiles, compose ``command:`` strings and lists, Procfiles and git's text;
argument lists in code and YAML (``["sshpass", "-p", "V"]``, ``[]string{…}``, ``args:
["--password", "V"]``, ``- --password`` then ``- V``, ``exec.Command("mongo", "-p", "V")``);
a JSON string's escaped quotes (a notebook's ``!mysql -p\\"V\\"``, package.json's scripts,
``password=\\"V\\"``); defaults in code (Spring's ``${db.password:V}``, Ruby's ``||=``, PHP's
``getenv(…) ?: 'V'``); PowerShell's ``-Password V`` and ``cmdkey /pass:V``; settings files
(``.pgpass``, pgbouncer's ``userlist.txt``, wpa_supplicant's ``psk="V"``, ``REDIS_AUTH=V``,
``ADMIN_CREDENTIALS=admin:V``); and ``handoff --test-cmd 'echo mysql -p\\"V\\"'``.

Each case calls the real :func:`redact` (or :func:`redact_git`); the last tests bundle a real
git repository with the real CLI (JSON, Markdown and XML) and write a real handoff note."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import secret_cases as sc
from gitutil import make_repo, run_cli

from analyzers.secrets import SCAN_VERSION, find_secrets, redact, redact_git

TABLE = sc.SecretCases(redact)
case, benign = TABLE.case, TABLE.benign

V = "Zq7!vR2pLx9w"
W = "hunter2Prod"

# -- command lines: each in a script, a document's code block, a Dockerfile, a compose file's
# ``command:``, a Procfile and git's text --

_COMMANDS: tuple[tuple[str, str, str], ...] = (
    # (name, the command line, a word of it that stays)
    ("redis-server --requirepass", f"redis-server --requirepass {V}", "--requirepass"),
    ("redis-server --masterauth", f"redis-server --port 6380 --masterauth {W}", "--port 6380"),
    ("docker login --password-stdin", f"echo {V} | docker login -u me --password-stdin",
     "--password-stdin"),
    ("docker login --password-stdin quoted",
     f'echo "{V}" | docker login ghcr.io -u me --password-stdin', "ghcr.io"),
    ("rabbitmqctl add_user", f"rabbitmqctl add_user admin {V}", "add_user admin"),
    ("rabbitmqctl change_password", f"rabbitmqctl change_password admin {W}", "admin"),
    ("mongo -p", f"mongo -u admin -p {V}", "-u admin"),
    ("mongosh -p", f"mongosh mongodb://db:27017/app -u admin -p {V}", "mongodb://db"),
    ("mongosh --password", f"mongosh --username admin --password {W} app", "--username"),
    ("net user /add", f"net user alice {V} /add", "/add"),
    ("az login", f"az login -u me@example.com -p {V}", "az login"),
    ("useradd -p", f"useradd -m -p {V} bob", "bob"),
    ("gh secret set --body", f"gh secret set DB_PASS --body {V}", "DB_PASS"),
    ("gh secret set -b", f"gh secret set DB_PASS -b {W}", "DB_PASS"),
    ("mosquitto_pub -P", f"mosquitto_pub -h broker -u me -P {V} -t t -m m", "-t t"),
    ("sqlcmd -P", f"sqlcmd -S db -U sa -P {V} -Q 'select 1'", "-U sa"),
    ("rdesktop -p", f"rdesktop -u me -p {V} host", "host"),
    ("influx -password", f"influx -username u -password {V}", "-username u"),
    ("zip -P", f"zip -P {V} out.zip a.txt", "out.zip"),
    ("unzip -P", f"unzip -P {W} out.zip", "out.zip"),
    ("7z -p", f"7z a -p{V} out.7z dir", "out.7z"),
    ("ssh-keygen -N", f"ssh-keygen -t ed25519 -N {V} -f key", "-f key"),
    ("ssh-keygen -N quoted", f'ssh-keygen -t ed25519 -N "{W}" -f key', "-f key"),
    ("cmdkey /pass", f"cmdkey /add:host /user:me /pass:{V}", "/user:me"),
)
_SECRETS = (V, W)


def _values(line: str) -> tuple[str, ...]:
    return tuple(v for v in _SECRETS if v in line)


for _name, _line, _kept in _COMMANDS:
    case(f"sh {_name}", f"#!/bin/sh\nset -e\n{_line}\necho done\n", "setup.sh", _values(_line),
         (_kept,))
    case(f"md {_name}", f"# Setup\n\n```sh\n{_line}\n```\n", "SETUP.md", _values(_line),
         (_kept,))
    case(f"git {_name}", f"ops: run {_line}", "", _values(_line), (_kept,), fn=redact_git)
for _name, _line, _kept in _COMMANDS[:2] + _COMMANDS[6:8] + _COMMANDS[19:21]:
    case(f"Dockerfile {_name}", f"FROM alpine:3.19\nRUN {_line}\n", "Dockerfile",
         _values(_line), (_kept,))
    case(f"compose command {_name}",
         f"services:\n  app:\n    image: x\n    command: {_line}\n", "docker-compose.yml",
         _values(_line), (_kept,))
    case(f"Procfile {_name}", f"web: {_line}\n", "Procfile", _values(_line), (_kept,))
case("ssh-keygen -P", f"ssh-keygen -p -P {V} -N {W} -f key\n", "rekey.sh", (V, W), ("-f key",))
case("useradd -p openssl", f'useradd -m -p "$(openssl passwd -6 {V})" bob\n', "setup.sh",
     (V,), ("bob",))
case("net user in a batch file", f"@echo off\r\nnet user alice {W} /add /y\r\n", "setup.bat",
     (W,), ("/add",))
case("compose command list", 'services:\n  cache:\n    image: redis\n'
     f'    command: ["redis-server", "--requirepass", "{V}"]\n', "compose.yaml", (V,),
     ("redis-server",))
case("compose folded command", "services:\n  cache:\n    command: >\n      redis-server\n"
     f"      --requirepass {V}\n", "docker-compose.yml", (V,), ("--requirepass",))
case("go 7z quoted -pV", f'exec.Command("7z", "a", "-p{V}", "out.7z", dir)\n', "pack.go", (V,),
     ('"out.7z"',))
case("package.json mysqldump --password escaped",
     f'{{"scripts": {{"dump": "mysqldump --password=\\"{V}\\" app > d.sql"}}}}\n',
     "package.json", (V,), ("app > d.sql",))
case("Dockerfile CMD list", f'FROM redis\nCMD ["redis-server", "--requirepass", "{V}"]\n',
     "Dockerfile", (V,), ("CMD",))

# -- argument lists in code and YAML --

_ARGV: tuple[tuple[str, str, str], ...] = (
    ("py sshpass", "deploy.py", f'subprocess.run(["sshpass", "-p", "{V}", "ssh", host])\n'),
    ("js sshpass", "deploy.js", f'spawn("sshpass", ["-p", "{V}", "ssh", host]);\n'),
    ("go sshpass", "deploy.go", f'cmd := exec.Command("sshpass", "-p", "{V}", "ssh", host)\n'),
    ("go []string", "deploy.go", f'args := []string{{"sshpass", "-p", "{V}", "ssh"}}\n'),
    ("py redis-cli", "cache.py", f'subprocess.check_call(["redis-cli", "-a", "{V}", "ping"])\n'),
    ("py --password list", "run.py", f'args = ["--user", "admin", "--password", "{V}"]\n'),
    ("go mongo", "db.go", f'exec.Command("mongo", "-u", "admin", "-p", "{V}").Run()\n'),
    ("py list over lines", "deploy.py",
     f'subprocess.run([\n    "sshpass", "-p",\n    "{V}", "ssh", host,\n])\n'),
    ("rust Command args", "deploy.rs", f'Command::new("sshpass").args(["-p", "{V}", "ssh"])\n'),
    ("rust Command arg chain", "deploy.rs",
     f'Command::new("sshpass").arg("-p").arg("{V}").arg("ssh")\n'),
    ("java ProcessBuilder", "Deploy.java", f'new ProcessBuilder("sshpass", "-p", "{V}", "ssh")\n'),
    ("py shell string", "pack.py", f'subprocess.run("zip -P {V} out.zip a", shell=True)\n'),
    ("k8s args flow list", "deploy.yaml",
     f'spec:\n  containers:\n    - name: app\n      args: ["--password", "{V}"]\n'),
    ("k8s args block list", "deploy.yaml",
     "spec:\n  containers:\n    - name: app\n      args:\n        - --user\n        - admin\n"
     f"        - --password\n        - {V}\n"),
    ("compose command block list", "docker-compose.yml",
     f"services:\n  cache:\n    command:\n      - redis-server\n      - --requirepass\n"
     f"      - \"{V}\"\n"),
)
for _name, _file, _text in _ARGV:
    case(_name, _text, _file, (V,), ())

# -- a JSON string's escaped quotes --

case("ipynb mysql -p escaped", '{"cells": [{"cell_type": "code", "source": [\n'
     f'    "!mysql -u root -p\\"{V}\\" db\\n",\n    "x = 1"\n   ]}}]}}\n', "load.ipynb", (V,),
     ("!mysql -u root",))
case("package.json mysql -p escaped", '{\n  "scripts": {\n'
     f'    "db": "mysql -uroot -p\\"{V}\\" app"\n  }}\n}}\n', "package.json", (V,),
     ('"db": "mysql -uroot',))
case("json password= escaped", f'{{"dsn": "host=db password=\\"{V}\\" user=app"}}\n',
     "settings.json", (V,), ("host=db",))
case("git mysql -p escaped", f'ci: run mysql -uroot -p\\"{V}\\" app', "", (V,), ("app",),
     fn=redact_git)

# -- defaults in code --

_DEFAULTS: tuple[tuple[str, str, str], ...] = (
    ("spring @Value", "DbConfig.java",
     f'@Value("${{db.password:{V}}}")\nprivate String password;\n'),
    ("spring properties", "application.properties",
     f"spring.datasource.password=${{DB_PASSWORD:{V}}}\n"),
    ("ruby ||=", "config.rb", f'password ||= "{V}"\n'),
    ("ruby @ ||=", "config.rb", f"@password ||= '{V}'\n"),
    ("php ?:", "db.php", f"<?php\n$password = getenv('DB_PASSWORD') ?: '{V}';\n"),
    ("php short name ?:", "db.php", f"<?php\n$pw = getenv('DB_PW') ?: '{V}';\n"),
    ("js ??", "db.js", f'const password = process.env.DB_PASSWORD ?? "{V}";\n'),
    ("js ??=", "db.js", f'options.password ??= "{V}";\n'),
)
for _name, _file, _text in _DEFAULTS:
    case(_name, _text, _file, (V,), ())

# -- Windows and PowerShell --

case("ps -Password", f"New-LocalUser -Name bob -Password {V}\n", "users.ps1", (V,),
     ("-Name bob",))
case("ps -Password quoted", f'Connect-Server -User me -Password "{W}"\n', "connect.ps1", (W,),
     ("-User me",))
case("ps ConvertTo-SecureString", f'$s = ConvertTo-SecureString "{V}" -AsPlainText -Force\n',
     "users.ps1", (V,), ("-AsPlainText",))
case("ps ConvertTo-SecureString -String single", f"$s = ConvertTo-SecureString -String '{V}' "
     "-AsPlainText -Force\n", "users.ps1", (V,), ("-AsPlainText",))
case("md ps -Password", f"```powershell\nNew-LocalUser -Name bob -Password {V}\n```\n",
     "WINDOWS.md", (V,), ("-Name bob",))

# -- settings files --

case(".pgpass", f"db.example.com:5432:app:appuser:{V}\n*:5432:*:postgres:{W}\n", ".pgpass",
     (V, W), ("db.example.com:5432:app:appuser:",))
case("md pgpass block", "Put this in `~/.pgpass`:\n\n```\n"
     f"db.example.com:5432:app:appuser:{V}\n```\n", "DB.md", (V,), ("appuser",))
case("pgbouncer userlist", f'"appuser" "{V}"\n"report" "md5a1b2c3d4e5f60718293a4b5c6d7e8f9"\n',
     "userlist.txt", (V, "md5a1b2c3d4e5f60718293a4b5c6d7e8f9"), ('"appuser"',))
case("wpa_supplicant psk", f'network={{\n    ssid="home"\n    psk="{V}"\n}}\n',
     "wpa_supplicant.conf", (V,), ('ssid="home"',))
case("hostapd wpa_passphrase", f"interface=wlan0\nwpa_passphrase={V}\n", "hostapd.conf", (V,),
     ("interface=wlan0",))
case("compose REDIS_AUTH", "services:\n  app:\n    environment:\n"
     f"      - REDIS_AUTH={V}\n      - PORT=8080\n", "docker-compose.yml", (V,), ("PORT=8080",))
case("k8s env REDIS_AUTH", "spec:\n  containers:\n    - name: app\n      env:\n"
     f'        - name: REDIS_AUTH\n          value: "{V}"\n', "deploy.yaml", (V,),
     ("REDIS_AUTH",))
case("env ADMIN_CREDENTIALS", f"HOST=db\nADMIN_CREDENTIALS=admin:{W}\n", "app.env", (W,),
     ("ADMIN_CREDENTIALS=admin:",))
case("compose ADMIN_CREDENTIALS", "services:\n  app:\n    environment:\n"
     f"      ADMIN_CREDENTIALS: admin:{V}\n", "compose.yml", (V,), ("admin:",))
case("git REDIS_AUTH", f"ops: set REDIS_AUTH={V} on staging", "", (V,), ("staging",),
     fn=redact_git)

# -- look-alikes: kept as they are --

benign("archives and keys without a password",
       "zip -r out.zip dir\nunzip out.zip -d dir\n7z x file.7z\n7z a out.7z dir\n7z a -p out.7z d\n"
       "ssh-keygen -t ed25519 -f key\nssh-keygen -t rsa -N \"\" -f key\nssh-keygen -N '' -f k\n",
       "build.sh")
benign("net user without a password",
       "net user alice\nnet user alice /delete\nnet user alice * /add\nnet user\n", "users.bat")
benign("other commands' -p and placeholders",
       "docker run -p 8080:80 nginx\npython -m http.server -p 8080\nmongo -p\n"
       "mongo -u admin -p --authenticationDatabase admin\nmongosh -u admin -p $MONGO_PASSWORD\n"
       "redis-server --requirepass $REDIS_PASSWORD\nredis-server --requirepass \"${REDIS_PW}\"\n"
       "redis-server --requirepass <password>\nredis-server --port 6380\n"
       "sqlcmd -S host -U sa -P $SA_PASSWORD\nzip -P $ZIP_PW out.zip a\n", "run.sh")
benign("docker login from a variable",
       "echo $PASS | docker login -u me --password-stdin\n"
       "echo \"$CR_PAT\" | docker login ghcr.io -u me --password-stdin\n"
       "cat pw.txt | docker login --password-stdin\n", "ci.sh")
benign("rabbitmqctl without a password",
       "rabbitmqctl add_user admin $RABBIT_PASS\nrabbitmqctl list_users\n"
       "rabbitmqctl add_vhost /\nrabbitmqctl change_password admin changeme\n", "mq.sh")
benign("variables in argument lists",
       'subprocess.run(["sshpass", "-p", password, "ssh", host])\n'
       'subprocess.run(["zip", "-r", "out.zip", "dir"])\n'
       'args = ["--password", os.environ["PW"]]\nargs = ["--password-file", "/run/secrets/pw"]\n'
       "result = zip(names, values)\n", "tool.py")
benign("a container's password from the environment",
       "spec:\n  containers:\n    - name: x\n      args:\n        - --password\n"
       "        - $(DB_PASSWORD)\n        - --port\n        - \"8080\"\n", "deploy.yaml")
benign("spring defaults that are none",
       '@Value("${server.port:8080}")\nint port;\n@Value("${db.password:}")\nString pw;\n'
       '@Value("${db.password}")\nString p2;\n@Value("${db.password:${DB_PASSWORD}}")\n'
       "String p3;\n", "Config.java")
benign("ruby ||= of code", 'password ||= ENV["PW"]\n@password ||= generate_password\n'
       'count ||= 0\nname ||= "bob"\n', "config.rb")
benign("php ?: of code", "<?php\n$password = getenv('DB_PASSWORD') ?: '';\n"
       "$x = $y ?: 'default';\n", "db.php")
benign("powershell passwords from variables",
       "New-LocalUser -Name bob -Password $pw\nGet-Help -Parameter Password\n"
       "Connect-Thing -Password (Read-Host -AsSecureString)\n"
       "$s = ConvertTo-SecureString $plain -AsPlainText -Force\n", "users.ps1")
benign("prose of password options",
       "Use the `-Password` parameter of New-LocalUser to set it.\n"
       "The -Password option takes a SecureString.\nThe net user count grew.\n"
       "Run `zip -P` with a password to encrypt.\nmysql -p db\n", "NOTES.md")
benign("cmdkey without a password", "cmdkey /list\ncmdkey /add:host /user:me /pass\n", "a.bat")
benign("a pgpass format's description",
       "The format of ~/.pgpass is:\n\n```\nhostname:port:database:username:password\n"
       "*:5432:*:postgres:<password>\n```\n\nTimes: 12:30:45:10:20\n", "DB.md")
benign("settings of authentication that are no password",
       "services:\n  a:\n    environment:\n      - REDIS_AUTH=${REDIS_AUTH}\n"
       "      - SMTP_AUTH=true\n      - GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/gcp.json\n"
       "      - BASIC_AUTH=false\n",
       "docker-compose.yml")
benign("env settings of authentication that are no password",
       "REDIS_AUTH=\nGOOGLE_APPLICATION_CREDENTIALS=key.json\nUSE_AUTH=1\nLDAP_AUTH=ldap\n"
       "HTTP_AUTH=basic\n", "app.env")
benign("json commands of variables",
       '{\n  "scripts": {\n    "db": "mysql -uroot -p app",\n'
       '    "db2": "mysql -uroot -p\\"$DB_PW\\" app"\n  }\n}\n', "package.json")
benign("wpa_supplicant of an open network",
       'network={\n  ssid="home"\n  key_mgmt=NONE\n}\n', "wpa_supplicant.conf")
for _k, _subject in enumerate(("build: zip -r out.zip dist", "ci: ssh-keygen -t ed25519 -N ''",
                               "docs: net user alice /delete", "ops: 7z x backup.7z")):
    benign(f"git look-alike {_k}", _subject, "", redact_git)

test_secret_form_is_masked, test_look_alike_is_kept = TABLE.tests()


def test_scan_version() -> None:
    """The cached scans of earlier rounds are read again (a bundle's cache keyed by it)."""
    assert SCAN_VERSION >= 63


HOSTILE = {
    "many commands": ("zip -P " * 20_000 + "\n", redact, "a.sh"),
    "a long argument list": ('["sshpass", ' + '"-p", ' * 20_000 + "]\n", redact, "a.py"),
    "yaml options": ("- --password\n" * 20_000, redact, "a.yaml"),
    "escaped quotes": ('password=\\"' * 20_000 + "\n", redact, "a.json"),
    "pgpass shapes": ("a:1:b:c:" * 20_000 + "\n# pgpass\n", redact, "a.md"),
    "net user": ("net user " * 20_000 + "\n", redact_git, ""),
}

test_hostile_input_finishes = sc.hostile_test(HOSTILE)


# -- a real repository: a file of each kind, bundled in JSON, Markdown and XML --

_FILES = {
    "scripts/setup.sh": sc.AROUND[".sh"] + f"redis-server --requirepass {V} --daemonize yes\n"
                        f"echo {W} | docker login -u ci --password-stdin\n",
    "SETUP.md": sc.AROUND[".md"] + f"```sh\nrabbitmqctl add_user admin {V}\n"
                f"zip -P {W} backup.zip db.sql\n```\n",
    "deploy.py": sc.AROUND[".py"] + f'CMD = ["sshpass", "-p", "{V}", "ssh", "host"]\n',
    "k8s/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n"
                       "      containers:\n        - name: app\n          args:\n"
                       f"            - --password\n            - {W}\n",
    "notebook.ipynb": '{\n "cells": [\n  {\n   "cell_type": "code",\n   "source": [\n'
                      f'    "!mysql -u root -p\\"{V}\\" db\\n",\n    "print(1)"\n   ]\n  }}\n'
                      ' ],\n "nbformat": 4\n}\n',
    "src/DbConfig.java": "class DbConfig {\n  @Value(\"${db.password:" + W + "}\")\n"
                         "  String password;\n}\n",
}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("round26a") / "repo", _FILES)


@pytest.mark.parametrize("fmt", ["json", "markdown", "xml"])
def test_no_value_reaches_a_bundle(repo: Path, fmt: str) -> None:
    names = list(_FILES)
    out, err = sc.bundle_pinned(repo, names, fmt)
    sc.assert_every_file_redacted(out, err, fmt, names, (V, W), len(names))
    if fmt != "json":  # (the JSON is the bundle's metadata; these show the files' text)
        assert "--requirepass [redacted: " in out, out[:3000]
        assert '-p\\"[redacted: ' in out, out[:3000]


def test_find_secrets_reads_each_file(repo: Path) -> None:
    for name, text in _FILES.items():
        found = find_secrets(text, name)
        shown = {text.splitlines()[f.line - 1][f.start:f.end] for f in found}
        assert shown & {V, W}, (name, shown)


# -- handoff: a test command's password --

def test_a_test_command_shows_no_password(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"app.py": "def main():\n    return 1\n"})
    command = f'echo mysql -p\\"{V}\\" && echo zip -P {W} out.zip'
    for extra in ((), ("--format", "json")):
        made = run_cli("handoff", "--no-bundle", "--no-checks", "--test-cmd", command, *extra,
                       cwd=root)
        assert made.returncode == 0, made.stderr
        for value in (V, W):
            assert value not in made.stdout + made.stderr, (value, made.stdout[-2000:])
        shown = made.stdout if not extra else json.dumps(json.loads(made.stdout))
        assert "[redacted: " in shown, shown[-2000:]
        assert "echo mysql -p" in shown, shown[-2000:]
