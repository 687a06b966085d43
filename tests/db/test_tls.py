"""TLS to the server with `sslmode=verify-full`: a throwaway PostgreSQL cluster with a server certificate
signed by a test CA. The right CA and host name connect (encrypted); a wrong CA or a host name the
certificate does not name is refused before anything is sent, with a Swedish message."""
from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import text

from app.errors import DatabaseUnavailable
from db.migrate import open_database

pytestmark = pytest.mark.pg


def _bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))), None)
    if found is None:
        pytest.fail(f"{name} is not installed; the TLS test needs the PostgreSQL server binaries")
    return found


def _key():
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_ca(cn: str):
    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(_name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_server_cert(ca_key, ca_cert, host: str):
    key = _key()
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(host)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """(port, right CA file, wrong CA file). initdb refuses to run as root, so as root the cluster is
    made by the `postgres` system user in a directory it can reach."""
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="reception-tls-")) if as_root else tmp_path_factory.mktemp("tls")
    data = base / "data"
    run = (["runuser", "-u", "postgres", "--"] if as_root else [])
    if as_root:
        shutil.chown(base, "postgres")
    subprocess.run(run + [_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                          "--no-sync"], check=True, capture_output=True)
    ca_key, ca_cert = make_ca("Reception test-CA")
    _, other_ca = make_ca("Någon annans CA")
    server_key, server_cert = make_server_cert(ca_key, ca_cert, "localhost")
    (data / "server.crt").write_bytes(_pem(server_cert))
    (data / "server.key").write_bytes(_key_pem(server_key))
    os.chmod(data / "server.key", 0o600)
    if as_root:
        for f in ("server.crt", "server.key"):
            shutil.chown(data / f, "postgres")
    port = _free_port()
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(f"\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{data}'\n"
                   "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nfsync = off\n"
                   "shared_buffers = 16MB\nmax_connections = 20\n")
    (data / "pg_hba.conf").write_text("local all all trust\nhostssl all all 127.0.0.1/32 trust\n"
                                      "hostnossl all all 0.0.0.0/0 reject\n")
    subprocess.run(run + [_bin("pg_ctl"), "-D", str(data), "-l", str(data / "log.txt"), "-w", "-t", "60", "start"],
                   check=True, capture_output=True)
    client = tmp_path_factory.mktemp("client")
    right, wrong = client / "ca.crt", client / "annan-ca.crt"
    right.write_bytes(_pem(ca_cert))
    wrong.write_bytes(_pem(other_ca))
    try:
        yield port, right, wrong
    finally:
        subprocess.run(run + [_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _url(host: str, port: int, ca: Path, mode: str = "verify-full") -> str:
    return f"postgresql+psycopg://postgres@{host}:{port}/postgres?sslmode={mode}&sslrootcert={ca}"


def test_verify_full_with_the_clubs_ca_connects_encrypted(tls_server):
    port, ca, _ = tls_server
    engine = open_database(_url("localhost", port, ca))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar() is True
            assert conn.execute(text("SELECT count(*) FROM persons")).scalar() == 0  # migrated over TLS
    finally:
        engine.dispose()


def test_a_certificate_from_another_ca_is_refused_in_swedish(tls_server):
    port, _, wrong = tls_server
    with pytest.raises(DatabaseUnavailable) as raised:
        open_database(_url("localhost", port, wrong))
    assert "Serverns certifikat kunde inte verifieras" in raised.value.message
    assert "postgres@localhost" in raised.value.message


def test_a_host_name_the_certificate_does_not_name_is_refused_in_swedish(tls_server):
    port, ca, _ = tls_server
    with pytest.raises(DatabaseUnavailable) as raised:
        open_database(_url("127.0.0.1", port, ca))
    assert "gäller inte för det servernamn" in raised.value.message


def test_a_missing_root_certificate_file_is_named(tls_server, tmp_path):
    port, _, _ = tls_server
    with pytest.raises(DatabaseUnavailable) as raised:
        open_database(_url("localhost", port, tmp_path / "saknas.crt"))
    assert "Rotcertifikatet (sslrootcert)" in raised.value.message


def test_without_tls_the_server_refuses_and_the_desk_says_why(tls_server, tmp_path):
    port, ca, _ = tls_server
    with pytest.raises(DatabaseUnavailable) as raised:
        open_database(f"postgresql+psycopg://postgres@localhost:{port}/postgres?sslmode=disable")
    assert "Det går inte att ansluta" in raised.value.message
