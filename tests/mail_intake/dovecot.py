"""Debian's Dovecot as the test's own IMAP server: its own config, mail directory and password file under a
temporary directory, listening on loopback ports (plain with STARTTLS, and implicit TLS) with a self-signed
certificate made for the run. Never root: as root, the fixture runs it as `nobody` (and hands it the directory)."""

from __future__ import annotations

import datetime
import getpass
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.smtp import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "support", "imap-test-password"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
first_valid_gid = {gid}
disable_plaintext_auth = no
auth_mechanisms = plain login
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
ssl_dh =
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  mailbox Done {{
    auto = create
  }}
}}
"""


def _certificate(root: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    (root / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (root / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))


class Dovecot:
    def __init__(self, root: Path, capabilities: str | None = None):
        self.root = root
        self.capabilities = capabilities  # what the server says it can do after login (None: Dovecot's own)
        self.host = "127.0.0.1"
        self.port, self.tls_port = free_port(), free_port()
        self.process: subprocess.Popen | None = None
        as_root = os.geteuid() == 0
        self.account = pwd.getpwnam("nobody") if as_root else pwd.getpwnam(getpass.getuser())

    @property
    def ca_file(self) -> str:
        return str(self.root / "cert.pem")

    def start(self) -> None:
        root = self.root
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        _certificate(root)
        (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        account = self.account
        (root / "dovecot.conf").write_text(CONFIG.format(
            root=root, user=account.pw_name, group=_group_name(account.pw_gid), uid=account.pw_uid,
            gid=account.pw_gid, port=self.port, tls_port=self.tls_port)
            + (f"imap_capability = {self.capabilities}\n" if self.capabilities else ""))
        if os.geteuid() == 0:  # hand the directory to the unprivileged account Dovecot runs as
            for path in [root, *root.rglob("*")]:
                os.chown(path, account.pw_uid, account.pw_gid)
            os.chmod(root, 0o755)
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        preexec_fn=self._drop_privileges, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.process.stdout.read().decode()} {self.log()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def _drop_privileges(self) -> None:
        if os.geteuid() == 0:
            os.setgroups([])
            os.setgid(self.account.pw_gid)
            os.setuid(self.account.pw_uid)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process and self.process.stdout:
            self.process.stdout.close()

    def client(self):
        """A plain-text IMAP session of the test itself (to append messages and read flags)."""
        from imapclient import IMAPClient

        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def settings(self, security: str = "starttls") -> dict:
        """The app's IMAP settings for this server."""
        return {"IMAP_HOST": self.host, "IMAP_PORT": self.tls_port if security == "tls" else self.port,
                "IMAP_SECURITY": security, "IMAP_USER": USER, "IMAP_PASSWORD": PASSWORD,
                "IMAP_CA_FILE": self.ca_file, "IMAP_POLL_SECONDS": 1}


def _group_name(gid: int) -> str:
    import grp

    return grp.getgrgid(gid).gr_name
