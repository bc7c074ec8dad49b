"""Offline checks of the deployment and front-end supply files (no Docker, no network, no DB).

Part of `make test`.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
ENV_EXAMPLE = ROOT / ".env.example"
ENV_OWNER_EXAMPLE = ROOT / ".env.owner.example"
POSTGRES_INIT = ROOT / "deploy" / "postgres" / "10-portal-roles.sh"
DOCKERIGNORE = ROOT / ".dockerignore"
PACKAGE_JSON = ROOT / "package.json"
PACKAGE_LOCK = ROOT / "package-lock.json"
VENDOR_SCRIPT = ROOT / "scripts" / "vendor_assets.py"
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"
APPS = ("portal", "inventory", "screening", "controls", "tasks")

ONE_SHOT_SERVICES = {"migrate"}
URL_RE = re.compile(r"""https?://[^\s"'<>)\]}]+""", re.IGNORECASE)
# Hosts a deploy file may name: this machine and the compose services.
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "web", "postgres", "redis", "nginx"}
# XML namespace identifiers are names, not fetched resources (e.g. inline <svg xmlns=...>).
NAMESPACE_URIS = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/XML/1998/namespace",
}
TEXT_SUFFIXES = {".html", ".htm", ".txt", ".xml", ".svg", ".css", ".js", ".mjs", ".json", ".map", ".md"}


# --------------------------------------------------------------------------- helpers


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def command_words(service: dict) -> list[str]:
    command = service.get("command", [])
    if isinstance(command, str):
        return command.split()
    words: list[str] = []
    for part in command:
        words.extend(str(part).split())
    return words


def celery_services(compose: dict, subcommand: str) -> list[str]:
    names = []
    for name, service in compose["services"].items():
        words = command_words(service)
        if words and words[0] == "celery" and subcommand in words:
            names.append(name)
    return names


def non_local_urls(text: str) -> list[str]:
    bad = []
    for url in URL_RE.findall(text):
        host = re.sub(r"^https?://", "", url, flags=re.IGNORECASE).split("/", 1)[0].split("@")[-1]
        host = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        if host.lower() not in LOCAL_HOSTS and not host.startswith("$"):
            bad.append(url)
    return bad


def remote_refs(text: str) -> list[str]:
    found = []
    for url in URL_RE.findall(text):
        if url.rstrip("/.,;") in NAMESPACE_URIS:
            continue
        found.append(url)
    # Protocol-relative references such as src="//cdn.example/x.js" or url(//host/font.woff)
    found += re.findall(r"""(?:src|href|action)\s*=\s*["']//[^"']+|url\(\s*["']?//[^)]+""", text)
    return found


def source_files(folder: Path, *, exclude: Path | None = None) -> list[Path]:
    files = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        if exclude is not None and path.is_relative_to(exclude):
            continue
        files.append(path)
    return files


def load_vendor_script():
    spec = importlib.util.spec_from_file_location("vendor_assets", VENDOR_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- compose


def test_compose_validates_against_compose_spec_offline():
    exe = Path(sys.executable).parent / "check-jsonschema"
    assert exe.exists(), f"check-jsonschema is not installed next to {sys.executable}"
    result = subprocess.run(
        [str(exe), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_long_running_service_has_a_healthcheck():
    compose = load_compose()
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "web", "worker", "beat", "nginx"} <= set(services)
    for name, service in services.items():
        if name in ONE_SHOT_SERVICES:
            continue
        test = (service.get("healthcheck") or {}).get("test")
        assert test and test != ["NONE"], f"service {name!r} has no healthcheck"
        assert service.get("restart") == "unless-stopped", name


def test_migrate_is_one_shot_and_gates_the_app_services():
    services = load_compose()["services"]
    migrate = services["migrate"]
    assert migrate.get("restart") == "no", "a one-shot service must not be restarted"
    assert "healthcheck" not in migrate
    words = " ".join(command_words(migrate))
    assert "manage.py migrate --noinput" in words
    assert "manage.py load_reference" in words
    assert words.index("migrate --noinput") < words.index("load_reference")
    for name in ("postgres", "redis"):
        assert migrate["depends_on"][name]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_web_service_runs_gunicorn_with_env_file_and_healthz():
    web = load_compose()["services"]["web"]
    assert web["build"] == {"context": "."} or web["build"] == "."
    assert ".env" in web["env_file"]
    assert web["environment"]["DJANGO_SETTINGS_MODULE"] == "portal.settings.prod"
    words = command_words(web)
    assert words[:2] == ["gunicorn", "portal.wsgi:application"]
    assert "0.0.0.0:8000" in words
    health = " ".join(web["healthcheck"]["test"])
    assert "/healthz" in health and "urllib" in health
    assert "curl" not in health, "python:slim has no curl"


def test_worker_and_beat_use_the_portal_celery_app():
    compose = load_compose()
    workers = celery_services(compose, "worker")
    beats = celery_services(compose, "beat")
    assert sorted(workers) == ["reports-worker", "worker"]
    # every queue the portal routes to has a worker consuming it
    queues = set()
    for name in workers:
        words = command_words(compose["services"][name])
        queues |= set(words[words.index("-Q") + 1].split(","))
    from portal.settings.base import CELERY_TASK_ROUTES

    assert {"celery"} | {route["queue"] for route in CELERY_TASK_ROUTES.values()} <= queues
    assert len(beats) == 1, f"exactly one beat service is allowed, found {beats}"
    for name in workers + beats:
        words = command_words(compose["services"][name])
        assert ("-A" in words and words[words.index("-A") + 1] == "portal") or "--app=portal" in words, name
    beat_words = command_words(compose["services"][beats[0]])
    assert "--scheduler" in beat_words
    assert beat_words[beat_words.index("--scheduler") + 1] == "portal.celery:PortalScheduler"
    # No embedded beat in a worker (-B / --beat) either: that would make a second scheduler.
    for name in workers:
        words = command_words(compose["services"][name])
        assert "-B" not in words and "--beat" not in words, name


def test_postgres_redis_and_volumes():
    compose = load_compose()
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["image"].split(":")[0] in {"redis", "valkey/valkey"}
    assert "postgres-data" in compose["volumes"]
    assert any(v.startswith("postgres-data:") for v in services["postgres"]["volumes"])
    assert "ports" not in services["postgres"] and "ports" not in services["redis"]
    assert "--appendonly yes" in " ".join(command_words(services["redis"]))  # queued jobs survive a restart


def test_nginx_service_and_config():
    nginx = load_compose()["services"]["nginx"]
    assert nginx["image"].startswith("nginx:1.27")
    assert any(v.startswith("./deploy/nginx.conf:") and v.endswith(":ro") for v in nginx["volumes"])
    conf = NGINX_CONF.read_text(encoding="utf-8")
    assert re.search(r"proxy_pass\s+\$portal_upstream;", conf) or "proxy_pass http://web:8000" in conf
    assert "http://web:8000" in conf
    for header in ("Host", "X-Forwarded-Proto", "X-Forwarded-For"):
        assert re.search(rf"proxy_set_header\s+{header}\s", conf), header
    assert re.search(r"proxy_set_header\s+X-Forwarded-Proto\s+\$scheme;", conf)
    assert "/nginx-health" in conf


def test_deploy_files_reference_no_remote_urls():
    for path in (DOCKERFILE, COMPOSE, NGINX_CONF, DOCKERIGNORE):
        bad = non_local_urls(path.read_text(encoding="utf-8"))
        assert not bad, f"{path.name} references remote URLs: {bad}"


# --------------------------------------------------------------------------- Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_builds_the_portal_image():
    instructions = dockerfile_instructions()
    froms = [rest for kw, rest in instructions if kw == "FROM"]
    assert froms and all(f.split()[0] == "python:3.11-slim-bookworm" for f in froms)
    runs = " ".join(rest for kw, rest in instructions if kw == "RUN")
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-noto-cjk", "gettext"):
        assert package in runs, package
    assert "npm ci" in runs and "scripts/vendor_assets.py" in runs
    assert "-c constraints.txt" in runs
    assert "manage.py compilemessages" in runs
    assert "manage.py collectstatic --noinput" in runs
    assert "DJANGO_SECRET_KEY=" in runs

    # The final stage: no Node.js, a non-root user, port 8000, gunicorn.
    last_from = max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM")
    final = instructions[last_from:]
    final_runs = " ".join(rest for kw, rest in final if kw == "RUN")
    assert not re.search(r"\b(nodejs|npm)\b", final_runs), "Node.js must not be installed in the runtime image"
    assert any(kw == "COPY" and "--from=assets" in rest and "static/vendor" in rest for kw, rest in final)
    users = [rest for kw, rest in final if kw == "USER"]
    assert users and users[-1] not in {"root", "0"}
    assert ("EXPOSE", "8000") in final
    cmd = json.loads(next(rest for kw, rest in reversed(final) if kw == "CMD"))
    assert cmd == [
        "gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60",
    ]
    envs = " ".join(rest for kw, rest in instructions if kw in {"ENV", "ARG"})
    assert "SECRET_KEY" not in envs, "the build-time secret must not be baked into the image environment"
    assert "DJANGO_SETTINGS_MODULE=portal.settings.prod" in envs


def test_dockerignore_keeps_secrets_and_generated_files_out():
    entries = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    for entry in (".venv", "var", "node_modules", ".git", "static/vendor", ".env"):
        assert entry in entries, entry
    for needed in ("package-lock.json", "constraints.txt", "scripts", "pyproject.toml"):
        assert needed not in entries, needed


def test_env_example_documents_every_required_prod_variable():
    keys = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=", line)
        if match:
            keys.add(match.group(1))
    for key in (
        "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL",
        "DJANGO_SETTINGS_MODULE",
    ):
        assert key in keys, key
    # Any env var that the production settings read without a default must be documented.
    required = set()
    for name in ("base.py", "prod.py"):
        path = ROOT / "portal" / "settings" / name
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            is_env = (isinstance(func, ast.Name) and func.id == "env") or (
                isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
            )
            first = node.args[0]
            if is_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
                if not any(kw.arg == "default" for kw in node.keywords) and len(node.args) < 3:
                    required.add(first.value)
    missing = required - keys
    assert not missing, f".env.example lacks required production variables: {sorted(missing)}"
    assert "DATABASE_URL=postgres://portal_app:" in ENV_EXAMPLE.read_text(encoding="utf-8")
    assert "@postgres:5432/portal" in ENV_EXAMPLE.read_text(encoding="utf-8")


def _env_keys(path: Path) -> dict[str, str]:
    return dict(re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line).groups()
                for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^[A-Z][A-Z0-9_]*=", line))


def test_the_app_connects_as_the_app_role_and_only_postgres_and_migrate_see_the_owners_secrets():
    app, owner = _env_keys(ENV_EXAMPLE), _env_keys(ENV_OWNER_EXAMPLE)
    assert app["DATABASE_URL"].startswith("postgres://portal_app:")
    assert owner["PORTAL_MIGRATE_DATABASE_URL"].startswith("postgres://portal:")
    assert app["DATABASE_URL"].split(":")[2].split("@")[0] == owner["PORTAL_DB_APP_PASSWORD"]
    assert owner["PORTAL_MIGRATE_DATABASE_URL"].split(":")[2].split("@")[0] == owner["PORTAL_DB_OWNER_PASSWORD"]
    secrets = {"POSTGRES_PASSWORD", "PORTAL_DB_OWNER_PASSWORD", "PORTAL_MIGRATE_DATABASE_URL"}
    assert not secrets & set(app), "the owner's and the superuser's secrets do not belong in .env"
    assert secrets <= set(owner)
    services = load_compose()["services"]
    for name, service in services.items():
        reads_owner = ".env.owner" in service.get("env_file", [])
        assert reads_owner == (name in {"postgres", "migrate"}), name
    postgres = services["postgres"]
    assert postgres["environment"]["POSTGRES_USER"] == "postgres"
    assert "./deploy/postgres:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    assert "PORTAL_MIGRATE_DATABASE_URL" in " ".join(command_words(services["migrate"]))
    script = POSTGRES_INIT.read_text(encoding="utf-8")
    assert "NOSUPERUSER" in script and "ALTER DEFAULT PRIVILEGES FOR ROLE" in script
    assert "TRUNCATE" not in script.split("<<'SQL'")[1]  # never granted
    assert ".env.owner" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


# --------------------------------------------------------------------------- npm supply


def test_package_lock_pins_every_dependency_exactly():
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    lock = json.loads(PACKAGE_LOCK.read_text(encoding="utf-8"))
    assert package.get("private") is True
    assert not set(package.get("scripts", {})) & {"preinstall", "install", "postinstall", "prepare"}
    deps = package["dependencies"]
    assert set(deps) == {"bootstrap", "bootstrap-icons", "htmx.org", "echarts"}
    assert lock["lockfileVersion"] >= 2
    assert lock["packages"][""]["dependencies"] == deps
    for name, version in deps.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} must be pinned exactly, not {version!r}"
        entry = lock["packages"].get(f"node_modules/{name}")
        assert entry is not None, f"{name} missing from package-lock.json"
        assert entry["version"] == version, f"{name}: lock has {entry['version']}, package.json {version}"
        assert entry.get("integrity", "").startswith("sha512-"), name
    assert deps["bootstrap"].startswith("5.3.")
    assert deps["htmx.org"].startswith("2.")
    assert deps["echarts"].split(".")[0] in {"5", "6"}
    major, minor, _ = (int(x) for x in deps["bootstrap-icons"].split("."))
    assert major == 1 and minor >= 11


def test_vendor_script_strips_sourcemap_comments():
    module = load_vendor_script()
    css = b"a{color:red}\n/*# sourceMappingURL=bootstrap.min.css.map */"
    js = b"!function(){}();\n//# sourceMappingURL=bootstrap.bundle.min.js.map\n"
    assert module.strip_sourcemaps(css) == b"a{color:red}\n"
    assert module.strip_sourcemaps(js) == b"!function(){}();\n"
    untouched = b'var s="sourceMappingURL=";'
    assert module.strip_sourcemaps(untouched) == untouched


def test_vendor_script_checks_css_font_references():
    module = load_vendor_script()
    css = b'@font-face{src:url("fonts/bootstrap-icons.woff2?abc") format("woff2")}'
    module.check_css_references({"bootstrap-icons/x.css": css, "bootstrap-icons/fonts/bootstrap-icons.woff2": b""})
    with pytest.raises(SystemExit):
        module.check_css_references({"bootstrap-icons/x.css": css})
    with pytest.raises(SystemExit):
        module.check_css_references({"x.css": b"a{background:url(//cdn.example/x.png)}"})


def test_vendor_script_fails_clearly_without_node_modules(tmp_path):
    (tmp_path / "package.json").write_text(PACKAGE_JSON.read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(VENDOR_SCRIPT), "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "node_modules" in result.stderr and "npm ci" in result.stderr
    assert not (tmp_path / "static").exists()


def test_vendored_assets_are_complete():
    """`make setup` runs npm ci and the vendor script before the tests; the portal serves these files."""
    vendor = STATIC / "vendor"
    assert (ROOT / "node_modules").is_dir(), "node_modules/ missing: run `make assets` (npm ci)"
    result = subprocess.run(
        [sys.executable, str(VENDOR_SCRIPT), "--check"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for rel in (
        "bootstrap/bootstrap.min.css",
        "bootstrap/bootstrap.bundle.min.js",
        "bootstrap-icons/bootstrap-icons.min.css",
        "bootstrap-icons/fonts/bootstrap-icons.woff2",
        "bootstrap-icons/fonts/bootstrap-icons.woff",
        "htmx/htmx.min.js",
        "echarts/echarts.min.js",
    ):
        path = vendor / rel
        assert path.is_file() and path.stat().st_size > 0, rel
        if path.suffix in {".js", ".css"}:
            assert b"sourceMappingURL" not in path.read_bytes(), rel


# --------------------------------------------------------------------------- templates and static


def test_templates_and_static_sources_reference_no_remote_urls():
    assert TEMPLATES.is_dir(), "templates/ must exist (base.html lives there)"
    html = sorted(TEMPLATES.rglob("*.html"))
    assert html, "templates/ holds no .html template"

    scanned = source_files(TEMPLATES)
    for app in APPS:
        app_templates = ROOT / app / "templates"
        if app_templates.is_dir():
            scanned += source_files(app_templates)
    if STATIC.is_dir():
        scanned += source_files(STATIC, exclude=STATIC / "vendor")
    assert scanned

    offenders = {}
    for path in scanned:
        refs = remote_refs(path.read_text(encoding="utf-8", errors="replace"))
        if refs:
            offenders[str(path.relative_to(ROOT))] = refs
    assert not offenders, f"remote URLs (the portal must work offline, no CDN): {offenders}"


def test_site_css_and_js_are_local_and_csp_safe():
    css = (STATIC / "css" / "portal.css").read_text(encoding="utf-8")
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    assert "@import" not in rules, "no @import: every stylesheet is linked from the templates"
    assert not re.search(r"url\(\s*[\"']?(?:https?:)?//", rules, re.IGNORECASE)
    assert "#1d4e89" in css.lower()
    assert '"Noto Sans CJK SC"' in css
    for cls in (".alert-colour-blue", ".alert-colour-yellow", ".alert-colour-red", ".masked"):
        assert cls in css, cls
    for path in sorted((STATIC / "js").rglob("*.js")):
        js = path.read_text(encoding="utf-8")
        assert not re.search(r"\beval\s*\(|new\s+Function\s*\(", js), f"{path.name} uses eval"
    portal_js = (STATIC / "js" / "portal.js").read_text(encoding="utf-8")
    assert 'meta[name="csrf-token"]' in portal_js and "X-CSRFToken" in portal_js
    assert "htmx:afterSwap" in portal_js and "data-echarts" in portal_js


def _settings_of(module: str) -> dict:
    """What decides a request's cost, read from a settings module in a fresh interpreter."""
    code = ("import json; from django.conf import settings as s; d = s.DATABASES['default']; "
            "print(json.dumps({'debug': s.DEBUG, 'conn_max_age': d['CONN_MAX_AGE'], 'health': d['CONN_HEALTH_CHECKS'],"
            " 'sessions': s.SESSION_ENGINE, 'cache': s.CACHES['default']['BACKEND'], 'middleware': s.MIDDLEWARE,"
            " 'templates': s.TEMPLATES, 'hashers': s.PASSWORD_HASHERS}, default=str))")
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": module, "DJANGO_SECRET_KEY": "check-only",
           "DJANGO_ALLOWED_HOSTS": "portal.example", "DATABASE_URL": "postgres://portal@127.0.0.1:1/portal"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_the_load_benchmarks_serve_the_portal_as_deployed():
    """tests/benchmarks/load.py measures pages through gunicorn as the Dockerfile runs it, with settings that
    differ from production only in what plain HTTP on loopback needs."""
    assert _settings_of("portal.settings.bench") == _settings_of("portal.settings.prod")
    load = (ROOT / "tests" / "benchmarks" / "load.py").read_text(encoding="utf-8")
    assert '"DJANGO_SETTINGS_MODULE": "portal.settings.bench"' in load
    cmd = json.loads(next(rest for kw, rest in reversed(dockerfile_instructions()) if kw == "CMD"))
    workers = cmd[cmd.index("--workers") + 1]
    assert f'def serve(*, workers: int = {workers}, threads: int = 1, worker_class: str = "sync"' in load


def test_the_image_has_pg_dump_and_pg_restore_of_the_compose_servers_major_version():
    """manage.py backup / restore run pg_dump / pg_restore, which must be at least the server's version."""
    major = load_compose()["services"]["postgres"]["image"].split(":")[1].split(".")[0].split("-")[0]
    instructions = dockerfile_instructions()
    args = dict(rest.split("=", 1) for kw, rest in instructions if kw == "ARG" and "=" in rest)
    runs = " ".join(rest for kw, rest in instructions if kw == "RUN").replace("${PG_MAJOR}", args.get("PG_MAJOR", ""))
    assert f"postgresql-client-{major}" in runs
    assert "var/backups" in runs
