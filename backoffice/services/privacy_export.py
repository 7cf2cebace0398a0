"""The customer's data download: asked for on the privacy page, built by a job into the blob store, fetched by
that customer alone until it expires, then deleted by another job.

States (models.privacy.ExportState): preparing → ready → expired, or preparing → failed when the job gives up.
One download is in preparation per customer at a time (a partial unique index), so a double click or two tabs
build one zip.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pyzipper
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice.clock import utcnow
from backoffice.extensions import db
from backoffice.jobs import enqueue
from backoffice.jobs.kinds import Claim, PermanentJobError, job_kind
from backoffice.mail import queue_mail
from backoffice.models import Customer, DataExport, ExportState
from backoffice.security import Actor
from backoffice.services.audit import record
from backoffice.services.privacy_manifest import ExportFile, build_manifest
from backoffice.storage import BlobTooLarge, blob_path, storage_root, store_stream

BUILD = "privacy.export"
EXPIRE = "privacy.export_expire"
SYSTEM = Actor.system("data export")
_SETTINGS = {"max_attempts_key": "DATA_EXPORT_MAX_ATTEMPTS", "retry_base_key": "DATA_EXPORT_RETRY_BASE_SECONDS",
             "lease_key": "DATA_EXPORT_LEASE_SECONDS"}
README = """This is a copy of the data we hold about your account, as of {exported_at} (UTC).

manifest.json   your account, profile, activation codes, support requests with their messages, Virus Lab
                requests with their answers, courses and the security events of your account
tickets/        the files you attached to your support requests
viruslab/       the files you sent to the Virus Lab, one samples.zip per request. Such files may be malware, so
                each samples.zip is encrypted (AES): its password is "{password}".
"""


def request_export(customer: Customer, actor: Actor) -> DataExport:
    """Queue a new download, or give back the one already being prepared."""
    preparing = _preparing(customer.id)
    if preparing is not None:
        return preparing
    export = DataExport(customer_id=customer.id, state=ExportState.PREPARING, requested_at=utcnow())
    db.session.add(export)
    try:
        db.session.flush()
    except IntegrityError:  # a parallel request queued one a moment ago: that one it is
        db.session.rollback()
        return _preparing(customer.id)
    export.job = enqueue(BUILD, {"export_id": export.id})
    record(actor, "customer.data_export_requested", customer, after={"export": export.id})
    db.session.commit()
    return export


def _preparing(customer_id: int) -> DataExport | None:
    return db.session.scalar(select(DataExport).where(DataExport.customer_id == customer_id,
                                                      DataExport.state == ExportState.PREPARING))


def latest_export(customer_id: int) -> DataExport | None:
    """The download the privacy page shows: the newest one, unless it has expired."""
    export = db.session.scalar(select(DataExport).where(DataExport.customer_id == customer_id)
                               .order_by(DataExport.id.desc()).limit(1))
    return None if export is None or not _current(export) else export


def _current(export: DataExport) -> bool:
    if export.state == ExportState.READY:
        return export.expires_at > utcnow()
    return export.state in (ExportState.PREPARING, ExportState.FAILED)


def downloadable_export(customer_id: int, export_id: int) -> DataExport | None:
    """The customer's own ready, unexpired download; None for anyone else's, or once expired (the view: 404)."""
    export = db.session.get(DataExport, export_id)
    if export is None or export.customer_id != customer_id or export.state != ExportState.READY:
        return None
    return export if export.expires_at > utcnow() else None


def record_download(export: DataExport, actor: Actor) -> None:
    record(actor, "customer.data_exported", None, object_type="customers", object_id=export.customer_id,
           after={"export": export.id, "sha256": export.sha256})
    db.session.commit()


def _give_up(_job_id: int, payload: dict, error: str) -> None:
    export = db.session.get(DataExport, payload.get("export_id"))
    if export is not None and export.state == ExportState.PREPARING:
        export.state, export.error = ExportState.FAILED, error[:2000]


@job_kind(BUILD, on_give_up=_give_up, **_SETTINGS)
def build_export(claim: Claim, _context) -> None:
    """Write the manifest and the customer's files into a zip, keep it in the blob store, mail the customer."""
    export = db.session.get(DataExport, claim.payload.get("export_id"))
    if export is None or export.state != ExportState.PREPARING or export.job_id != claim.job_id:
        return  # the account was closed meanwhile, or another run finished it
    customer = db.session.get(Customer, export.customer_id)
    data, files = build_manifest(customer)
    tmp_dir = storage_root() / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=tmp_dir) as out:
        _write_zip(out, data, files, tmp_dir)
        out.seek(0)
        try:
            blob = store_stream(out, current_app.config["DATA_EXPORT_MAX_BYTES"])
        except BlobTooLarge as error:
            raise PermanentJobError(f"the download would be larger than {error.limit} bytes") from None
    now = utcnow()
    export.state, export.sha256, export.size = ExportState.READY, blob.sha256, blob.size
    export.ready_at = now
    export.expires_at = now + timedelta(hours=current_app.config["DATA_EXPORT_HOURS"])
    enqueue(EXPIRE, {"export_id": export.id}, run_after=export.expires_at)
    record(SYSTEM, "customer.data_export_ready", customer, after={"export": export.id, "size": blob.size})
    queue_mail(customer.email, "Your data download is ready", "data_export_ready", customer=customer,
               export=export, hours=current_app.config["DATA_EXPORT_HOURS"])


def _write_zip(out, data: dict, files: list[ExportFile], tmp_dir: Path) -> None:
    """Plain files first, then each lab request's encrypted samples.zip, then the manifest (which lists any file
    the blob store no longer had)."""
    missing = []
    lab = defaultdict(list)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for file in files:
            if file.lab_archive:
                lab[file.lab_archive].append(file)
            elif blob_path(file.sha256).is_file():
                archive.write(blob_path(file.sha256), arcname=file.path)
            else:
                missing.append(file.path)
        for name, members in lab.items():
            with tempfile.NamedTemporaryFile(dir=tmp_dir, suffix=".zip") as inner:
                missing += _write_lab_archive(inner, members, name)
                inner.flush()
                archive.write(inner.name, arcname=name, compress_type=zipfile.ZIP_STORED)
        data["files_missing"] = missing
        archive.writestr("manifest.json", json.dumps(data, indent=2, ensure_ascii=False))
        archive.writestr("README.txt", README.format(exported_at=data["exported_at"],
                                                     password=current_app.config["SAMPLE_ZIP_PASSWORD"]))


def _write_lab_archive(fileobj, members: list[ExportFile], name: str) -> list[str]:
    missing = []
    with pyzipper.AESZipFile(fileobj, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as inner:
        inner.setpassword(current_app.config["SAMPLE_ZIP_PASSWORD"].encode())
        for file in members:
            if blob_path(file.sha256).is_file():
                inner.write(blob_path(file.sha256), arcname=file.path)
            else:
                missing.append(f"{name}/{file.path}")
    return missing


@job_kind(EXPIRE, **_SETTINGS)
def expire_export(claim: Claim, _context) -> None:
    """Past its time a download is deleted: the row says expired, the zip leaves the blob store."""
    export = db.session.get(DataExport, claim.payload.get("export_id"))
    if export is None or export.state != ExportState.READY:
        return
    if export.expires_at > utcnow():  # run early (a clock moved): come back at the right time
        enqueue(EXPIRE, {"export_id": export.id}, run_after=export.expires_at)
        return
    export.state = ExportState.EXPIRED
    delete_zip(export.sha256)


def delete_zip(sha256: str | None) -> None:
    """Remove an export's zip from the blob store. Safe: a zip holds its own timestamp, so no other record
    shares its content address."""
    if sha256:
        blob_path(sha256).unlink(missing_ok=True)
