#!/usr/bin/env python3
"""Copy the built front-end files from node_modules/ into static/vendor/.

The portal runs on offline bureau intranets, so every library is served by the
portal itself (collectstatic + whitenoise); nothing is loaded from a CDN.

Usage (from the repository root, after ``npm ci``)::

    python scripts/vendor_assets.py            # copy / refresh static/vendor/
    python scripts/vendor_assets.py --check    # exit 1 if static/vendor/ is stale

What it does:

* copies only the files the templates need (see ``ASSETS``), never source maps;
* strips ``sourceMappingURL`` comments from the copied .js/.css files, because
  whitenoise's CompressedManifestStaticFilesStorage fails post-processing on a
  referenced but missing .map file;
* checks that the installed package versions match the exact versions pinned in
  package.json (a stale node_modules/ is an error: run ``npm ci``);
* checks that every relative ``url(...)`` in the copied CSS (the bootstrap-icons
  fonts) points at a file that exists after copying;
* only rewrites files whose content changed, and removes files under
  static/vendor/ that are no longer part of the list, so it is idempotent.

Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent.parent

# (npm package, path inside the package, destination relative to static/vendor/)
ASSETS: list[tuple[str, str, str]] = [
    ("bootstrap", "dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"),
    ("bootstrap", "dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"),
    ("bootstrap-icons", "font/bootstrap-icons.min.css", "bootstrap-icons/bootstrap-icons.min.css"),
    ("bootstrap-icons", "font/fonts/bootstrap-icons.woff2", "bootstrap-icons/fonts/bootstrap-icons.woff2"),
    ("bootstrap-icons", "font/fonts/bootstrap-icons.woff", "bootstrap-icons/fonts/bootstrap-icons.woff"),
    ("bootstrap-icons", "LICENSE", "bootstrap-icons/LICENSE"),
    ("bootstrap", "LICENSE", "bootstrap/LICENSE"),
    ("htmx.org", "dist/htmx.min.js", "htmx/htmx.min.js"),
    ("htmx.org", "LICENSE", "htmx/LICENSE"),
    ("echarts", "dist/echarts.min.js", "echarts/echarts.min.js"),
    ("echarts", "LICENSE", "echarts/LICENSE"),
]

# Files whose absence in a package is tolerated (licence files are a courtesy).
OPTIONAL_SUFFIXES = ("LICENSE",)

# `/*# sourceMappingURL=foo.map */` (CSS or JS) and `//# sourceMappingURL=foo.map`
# (JS), also the legacy `//@` form. Matched as whole comments only.
_SOURCEMAP_RE = re.compile(
    rb"(?:/\*\s*[#@]\s*sourceMappingURL=[^*]*?\*/"
    rb"|(?m:^[ \t]*//[ \t]*[#@][ \t]*sourceMappingURL=[^\r\n]*$))[ \t]*(?:\r?\n)?"
)
_CSS_URL_RE = re.compile(rb"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def fail(message: str) -> NoReturn:
    print(f"vendor_assets: error: {message}", file=sys.stderr)
    raise SystemExit(1)


def strip_sourcemaps(data: bytes) -> bytes:
    return _SOURCEMAP_RE.sub(b"", data)


def pinned_versions(root: Path) -> dict[str, str]:
    package_json = root / "package.json"
    if not package_json.is_file():
        fail(f"{package_json} not found")
    try:
        return json.loads(package_json.read_text(encoding="utf-8")).get("dependencies", {})
    except json.JSONDecodeError as exc:
        fail(f"{package_json} is not valid JSON: {exc}")


def check_node_modules(root: Path, pins: dict[str, str]) -> Path:
    node_modules = root / "node_modules"
    if not node_modules.is_dir():
        fail(
            f"{node_modules} is missing. Run `npm ci` in {root} first "
            "(it installs the exact versions from package-lock.json)."
        )
    for package in sorted({pkg for pkg, _, _ in ASSETS}):
        manifest = node_modules / package / "package.json"
        if not manifest.is_file():
            fail(f"package {package!r} is not installed in node_modules/. Run `npm ci`.")
        installed = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        wanted = pins.get(package)
        if wanted is None:
            fail(f"package {package!r} is not listed in package.json dependencies")
        if installed != wanted:
            fail(
                f"node_modules/{package} is version {installed}, package.json pins {wanted}. "
                "Run `npm ci`."
            )
    return node_modules


def build_plan(node_modules: Path) -> dict[str, bytes]:
    """Return {destination relative path: final bytes}."""
    plan: dict[str, bytes] = {}
    for package, source, destination in ASSETS:
        src = node_modules / package / source
        if not src.is_file():
            if destination.endswith(OPTIONAL_SUFFIXES):
                continue
            fail(f"expected file {src} is missing from the installed package")
        data = src.read_bytes()
        if destination.endswith((".js", ".css")):
            data = strip_sourcemaps(data)
        plan[destination] = data
    return plan


def check_css_references(plan: dict[str, bytes]) -> None:
    """Every relative url() in a copied CSS file must resolve to a copied file."""
    for destination, data in plan.items():
        if not destination.endswith(".css"):
            continue
        base = Path(destination).parent
        for match in _CSS_URL_RE.finditer(data):
            url = match.group(2).decode("utf-8", "replace").strip()
            if url.startswith(("data:", "#")):
                continue
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^//", url):
                fail(f"{destination} references a remote URL {url!r}; the portal must work offline")
            if url.startswith("/"):
                fail(f"{destination} references an absolute path {url!r}")
            target = url.split("?", 1)[0].split("#", 1)[0]
            resolved = (base / target).as_posix()
            if resolved not in plan:
                fail(f"{destination} references {url!r} -> {resolved}, which is not vendored")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: %(default)s)")
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 if static/vendor/ is out of date"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)

    root: Path = args.root.resolve()
    vendor = root / "static" / "vendor"
    pins = pinned_versions(root)
    node_modules = check_node_modules(root, pins)
    plan = build_plan(node_modules)
    check_css_references(plan)

    changed: list[str] = []
    for destination, data in sorted(plan.items()):
        target = vendor / destination
        if target.is_file() and target.read_bytes() == data:
            continue
        changed.append(destination)
        if not args.check:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(target)

    stale: list[Path] = []
    if vendor.is_dir():
        expected = {(vendor / d).resolve() for d in plan}
        for path in sorted(vendor.rglob("*")):
            if path.is_file() and path.resolve() not in expected:
                stale.append(path)
        if not args.check:
            for path in stale:
                path.unlink()
            for directory in sorted((p for p in vendor.rglob("*") if p.is_dir()), reverse=True):
                if not any(directory.iterdir()):
                    directory.rmdir()

    if args.check:
        if changed or stale:
            for destination in changed:
                print(f"out of date: static/vendor/{destination}", file=sys.stderr)
            for path in stale:
                print(f"not expected: {path.relative_to(root)}", file=sys.stderr)
            print("vendor_assets: static/vendor/ is stale; run scripts/vendor_assets.py", file=sys.stderr)
            return 1
        if not args.quiet:
            print("vendor_assets: static/vendor/ is up to date")
        return 0

    if not args.quiet:
        versions = ", ".join(f"{p} {pins[p]}" for p in sorted({pkg for pkg, _, _ in ASSETS}))
        print(f"vendor_assets: {versions}")
        for destination in sorted(plan):
            mark = "updated" if destination in changed else "unchanged"
            print(f"  static/vendor/{destination:<48} {len(plan[destination]):>9} bytes  {mark}")
        for path in stale:
            print(f"  removed {path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
