"""What a ticket file is, for whoever opens it: the one place that decides whether a file is risky.

A file is classed once, by its check job (file_checks.py), from what the Virus Lab's pipeline found — the type by
its magic bytes and the YARA rules it matched — and from its name: a browser saves a download under the name it
was sent with, so a text file called `setup.bat` runs when double-clicked and is as risky as a program.

`is_risky()` is what every download and every page asks. A file not checked yet, or whose scan failed, is risky
until a check says otherwise.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import olefile

from backoffice.models import Attachment
from backoffice.models.support import FILE_CHECK_LABELS, FILE_RISK_LABELS, FileCheck, FileRisk
from backoffice.services.viruslab.scanning import short_file_type

# by name: what Windows (or a shell) runs or opens as a program when the saved file is double-clicked
EXECUTABLE_SUFFIXES = frozenset({".exe", ".dll", ".scr", ".com", ".pif", ".cpl", ".sys", ".msi", ".msp", ".msc",
                                 ".jar", ".apk", ".app", ".elf", ".so", ".dylib", ".lnk", ".scf", ".gadget"})
# (web pages among them: opened from disk, they run their scripts)
SCRIPT_SUFFIXES = frozenset({".bat", ".cmd", ".ps1", ".psm1", ".psd1", ".vbs", ".vbe", ".js", ".jse", ".wsf",
                             ".wsh", ".hta", ".sh", ".bash", ".py", ".pyw", ".pl", ".rb", ".php", ".reg", ".inf",
                             ".applescript", ".url", ".html", ".htm", ".xhtml", ".svg", ".mht"})
ARCHIVE_SUFFIXES = frozenset({".zip", ".rar", ".7z", ".gz", ".tgz", ".bz2", ".xz", ".tar", ".cab", ".iso", ".img",
                              ".arj", ".lzh", ".ace", ".z", ".zst", ".vhd", ".vhdx"})
MACRO_SUFFIXES = frozenset({".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".pptm", ".potm", ".ppam", ".sldm"})
ARCHIVE_MIMES = frozenset({"application/zip", "application/x-rar", "application/vnd.rar", "application/x-7z-compressed",
                           "application/gzip", "application/x-gzip", "application/x-bzip2", "application/x-xz",
                           "application/x-tar", "application/vnd.ms-cab-compressed", "application/x-iso9660-image",
                           "application/zstd", "application/x-lzh-compressed", "application/x-arj"})
EXECUTABLE_MARKERS = ("executable", "PE32", "PE Unknown", "ELF ", "Mach-O", "MS Windows shortcut", "Java archive")
EXECUTABLE_MIMES = frozenset({"application/x-dosexec", "application/x-executable", "application/x-sharedlib",
                              "application/x-pie-executable", "application/x-mach-binary", "application/java-archive",
                              "application/vnd.microsoft.portable-executable", "application/x-ms-shortcut",
                              "application/x-msi", "application/x-ole-storage-msi"})
SCRIPT_MARKERS = ("script", "batch file")  # libmagic: "Python script", "POSIX shell script", "DOS batch file"
SCRIPT_MIMES = frozenset({"text/x-shellscript", "text/x-python", "text/x-perl", "text/x-ruby", "text/x-php",
                          "text/x-msdos-batch", "application/x-msdos-program", "application/javascript",
                          "text/javascript", "application/hta"})
# OLE storages that hold VBA: Word's "Macros", Excel's "_VBA_PROJECT_CUR", any "VBA"; OOXML's vbaProject.bin
VBA_STORAGES = frozenset({"macros", "_vba_project_cur", "vba", "_vba_project"})


def suffix_of(filename: str) -> str:
    return PurePosixPath(filename.replace("\\", "/")).suffix.lower()


def classify(filename: str, description: str, mime: str, rules_matched: list[str], path) -> FileRisk:
    """The risk class of one file: a YARA match first (it says the most), then what the bytes are, then what the
    name makes of it. `path` is read only for office documents, to look for macros."""
    suffix = suffix_of(filename)
    if rules_matched:
        return FileRisk.RULE_MATCH
    # a script first by what libmagic reads ("POSIX shell script, ASCII text executable" is a script), then
    # programs by their bytes or name, then scripts by name alone
    if any(marker in description.lower() for marker in SCRIPT_MARKERS) or mime in SCRIPT_MIMES:
        return FileRisk.SCRIPT
    if any(marker in description for marker in EXECUTABLE_MARKERS) or suffix in EXECUTABLE_SUFFIXES \
            or mime in EXECUTABLE_MIMES:
        return FileRisk.EXECUTABLE
    if suffix in SCRIPT_SUFFIXES:
        return FileRisk.SCRIPT
    if suffix in MACRO_SUFFIXES or "macroenabled" in mime.lower() or has_macros(path, description):
        return FileRisk.MACROS
    if short_file_type(description) in {"ZIP", "RAR", "7Z", "GZIP"} or mime in ARCHIVE_MIMES \
            or suffix in ARCHIVE_SUFFIXES:
        return FileRisk.ARCHIVE
    return FileRisk.ORDINARY


def has_macros(path, description: str) -> bool:
    """Whether an office document carries VBA: an OLE file (.doc, .xls, .ppt) with a VBA storage, or an OOXML
    zip (.docx and kin) holding a vbaProject.bin. A document too damaged to read counts as carrying them."""
    try:
        if "Composite Document File" in description or olefile.isOleFile(str(path)):
            with olefile.OleFileIO(str(path)) as ole:
                return any(part.lower() in VBA_STORAGES for entry in ole.listdir(streams=True, storages=True)
                           for part in entry)
        if zipfile.is_zipfile(path) and _is_office(description):
            with zipfile.ZipFile(path) as archive:
                return any(PurePosixPath(name).name.lower() == "vbaproject.bin" for name in archive.namelist())
    except (OSError, ValueError, zipfile.BadZipFile, NotImplementedError):
        return _is_office(description)
    return False


def _is_office(description: str) -> bool:
    return any(word in description for word in ("Microsoft Word", "Microsoft Excel", "Microsoft PowerPoint",
                                                "Microsoft OOXML", "Composite Document File"))


def is_risky(attachment: Attachment) -> bool:
    """Whether staff may get this file only inside an AES zip: anything not checked and found ordinary."""
    return not (attachment.check_state == FileCheck.SCANNED and attachment.risk == FileRisk.ORDINARY)


@dataclass(frozen=True)
class Safety:
    """What a page says about one file, in words for people."""

    risky: bool
    risk_label: str  # "Risky: executable program", "Ordinary file", or why it counts as risky for now
    scan_label: str  # "Not scanned yet", "Scan failed: …", "Scanned … UTC, no YARA rule matched", "… matched X"


def safety(attachment: Attachment) -> Safety:
    state = FileCheck(attachment.check_state)
    if state == FileCheck.PENDING:
        return Safety(True, "Treated as risky until it is scanned", FILE_CHECK_LABELS[state])
    if state == FileCheck.FAILED:
        note = f": {attachment.check_note}" if attachment.check_note else ""
        risk = FILE_RISK_LABELS[FileRisk(attachment.risk)] if attachment.risk and attachment.risk != FileRisk.ORDINARY \
            else "Treated as risky: the scan did not finish"
        return Safety(True, risk, f"{FILE_CHECK_LABELS[state]}{note}")
    when = attachment.scanned_at.strftime("%Y-%m-%d %H:%M UTC") if attachment.scanned_at else ""
    rules = attachment.rules_matched or []
    found = f"matched {', '.join(rules)}" if rules else "no YARA rule matched"
    return Safety(is_risky(attachment), FILE_RISK_LABELS[FileRisk(attachment.risk)],
                  f"{FILE_CHECK_LABELS[state]} {when}, {found}")
