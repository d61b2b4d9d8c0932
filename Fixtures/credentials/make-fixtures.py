#!/usr/bin/env python3
"""Make the C2PA Content Credentials fixture corpus (Fixtures/credentials).

    python3 Fixtures/credentials/make-fixtures.py            # reuse the committed keys/certificates
    python3 Fixtures/credentials/make-fixtures.py --new-keys # also make a new CA and signer keys

Needs the `c2pa-python` package (the reference: it wraps the Rust c2pa SDK) and `cryptography`.
Everything runs offline. Signatures (ECDSA) and manifest UUIDs are random, so re-running changes
the bytes of the signed files, but not the verdicts recorded in expected.json.

The keys written here are TEST-ONLY keys; they protect nothing.
"""

import argparse
import datetime
import hashlib
import importlib.metadata
import json
import os
import struct
import subprocess
import sys
import zlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

import c2pa

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
JUDGE = os.path.join(REPO, "scripts", "c2pa-judge.py")

AI = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
CAMERA = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
TOOL = {"name": "FixtureTool", "version": "1.0"}

# EKUs for a claim signer. c2pa-rs lists these in sdk/src/crypto/cose/valid_eku_oids.cfg, but the
# released reader (c2pa-rs 0.91.3 in c2pa-python 0.38.1) with default settings only accepts
# emailProtection among them when VALIDATING (the others give signingCredential.invalid "certificate
# missing required EKU" unless listed in trust.trust_config), so the signer carries emailProtection
# too. See README.md.
C2PA_CLAIM_SIGNING = x509.ObjectIdentifier("1.3.6.1.4.1.62558.2.1")
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# A private OID (2.25 = UUID arc) that no C2PA validator knows. The wrong-usage certificate carries
# only serverAuth plus this OID; see make_wrong_usage() for why the OID is there at all.
PRIVATE_EKU = "2.25.1234567890"

NOT_BEFORE = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
NOT_AFTER = datetime.datetime(2075, 1, 1, tzinfo=datetime.timezone.utc)


def path(name):
    return os.path.join(HERE, name)


# ---------------------------------------------------------------------------------------------
# Keys and certificates
# ---------------------------------------------------------------------------------------------

def name(cn):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Darkroom Test Fixtures"),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


def write_key(key, filename):
    with open(path(filename), "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))


def write_cert(cert, filename):
    with open(path(filename), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


def leaf(subject_cn, ca_cert, ca_key, key, eku_oids, serial):
    b = (x509.CertificateBuilder()
         .subject_name(name(subject_cn))
         .issuer_name(ca_cert.subject)
         .public_key(key.public_key())
         .serial_number(serial)
         .not_valid_before(NOT_BEFORE)
         .not_valid_after(NOT_AFTER)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                      key_encipherment=False, data_encipherment=False,
                                      key_agreement=False, key_cert_sign=False, crl_sign=False,
                                      encipher_only=False, decipher_only=False), critical=True)
         .add_extension(x509.ExtendedKeyUsage(eku_oids), critical=False)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
         .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                        critical=False))
    return b.sign(ca_key, hashes.SHA256())


def make_keys():
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = name("Darkroom Test Root CA")
    ca = (x509.CertificateBuilder()
          .subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key())
          .serial_number(0x1001)
          .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, key_cert_sign=True, crl_sign=True,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    write_key(ca_key, "ca.key.pem")
    write_cert(ca, "ca.cert.pem")

    signer_key = ec.generate_private_key(ec.SECP256R1())
    signer = leaf("Darkroom Fixture Signer", ca, ca_key, signer_key,
                  [ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING, C2PA_CLAIM_SIGNING], 0x2001)
    write_key(signer_key, "signer.key.pem")
    write_cert(signer, "signer.cert.pem")

    wrong_key = ec.generate_private_key(ec.SECP256R1())
    wrong = leaf("Darkroom Fixture TLS Server (wrong usage)", ca, ca_key, wrong_key,
                 [ExtendedKeyUsageOID.SERVER_AUTH, x509.ObjectIdentifier(PRIVATE_EKU)], 0x2002)
    write_key(wrong_key, "wrong-usage.key.pem")
    write_cert(wrong, "wrong-usage.cert.pem")


# ---------------------------------------------------------------------------------------------
# PNG helpers
# ---------------------------------------------------------------------------------------------

def chunk(ctype, data):
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data))


def base_png(edited=False):
    """16x16 8-bit RGB gradient; `edited` inverts it (the picture made from valid.png)."""
    w = h = 16
    rows = b""
    for y in range(h):
        px = [bytes((x * 16, y * 16, 128 + (x ^ y) * 8)) for x in range(w)]
        if edited:
            px = [bytes(255 - c for c in p) for p in px]
        rows += b"\x00" + b"".join(px)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def chunks(png):
    """Yield (offset, length, type) for each chunk."""
    off = 8
    while off < len(png):
        (n,) = struct.unpack(">I", png[off:off + 4])
        yield off, n, png[off + 4:off + 8]
        off += 12 + n


def flip_in_chunk(png, ctype, rel):
    """Flip one byte at data offset `rel` (negative = from the end) of the first `ctype` chunk and
    recompute that chunk's CRC, so the file still parses as PNG."""
    b = bytearray(png)
    for off, n, t in chunks(png):
        if t == ctype:
            pos = off + 8 + (rel if rel >= 0 else n + rel)
            b[pos] ^= 0x01
            crc = zlib.crc32(bytes(b[off + 4:off + 8 + n]))
            b[off + 8 + n:off + 12 + n] = struct.pack(">I", crc)
            return bytes(b), pos
    raise SystemExit(f"no {ctype!r} chunk")


# ---------------------------------------------------------------------------------------------
# Signing with the reference
# ---------------------------------------------------------------------------------------------

OFFLINE = {
    "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
    "core": {"allowed_network_hosts": []},
    "builder": {"thumbnail": {"enabled": False}},
}


def signer_for(cert_file, key_file):
    with open(path(cert_file), "rb") as f:
        certs = f.read()
    with open(path(key_file), "rb") as f:
        key = f.read()
    return c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, certs, key, None))


def sign(manifest, src_bytes, signer, settings=OFFLINE, ingredient=None):
    import io
    ctx = c2pa.Context.from_dict(settings)
    builder = c2pa.Builder(manifest, context=ctx)
    if ingredient is not None:
        ing_json, ing_file = ingredient
        with open(path(ing_file), "rb") as f:
            builder.add_ingredient(ing_json, "image/png", f)
    src = io.BytesIO(src_bytes)
    dst = io.BytesIO()
    builder.sign(signer, "image/png", src, dst)
    return dst.getvalue()


def manifest(title, source_type):
    return {
        "claim_generator_info": [TOOL],
        "title": title,
        "format": "image/png",
        "assertions": [{
            "label": "c2pa.actions.v2",
            "data": {"actions": [{
                "action": "c2pa.created",
                "digitalSourceType": source_type,
                "softwareAgent": TOOL,
            }]},
        }],
    }


def write(filename, data):
    with open(path(filename), "wb") as f:
        f.write(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--new-keys", action="store_true", help="make a new CA, signer and wrong-usage key")
    args = ap.parse_args()

    if args.new_keys or not os.path.exists(path("ca.cert.pem")):
        make_keys()

    base = base_png()
    write("unsigned.png", base)
    signer_pem = ("signer.cert.pem", "signer.key.pem")

    write("valid.png", sign(manifest("valid.png", AI), base, signer_for(*signer_pem)))
    write("valid-camera.png",
          sign(manifest("valid-camera.png", CAMERA), base, signer_for(*signer_pem)))

    valid = open(path("valid.png"), "rb").read()
    # One byte in the middle of the compressed pixels; IDAT CRC fixed.
    idat = next((o, n) for o, n, t in chunks(valid) if t == b"IDAT")
    tampered, _ = flip_in_chunk(valid, b"IDAT", idat[1] // 2)
    write("tampered-pixels.png", tampered)
    # One byte inside the ES256 signature. The c2pa.signature box is the last box of the active
    # (last) manifest, and the COSE_Sign1 array ends with the signature: bstr(64) = 0x58 0x40 + r||s.
    # So the signature is the last 64 bytes of the caBX chunk data.
    cabx = next((o, n) for o, n, t in chunks(valid) if t == b"caBX")
    data = valid[cabx[0] + 8:cabx[0] + 8 + cabx[1]]
    if data[-66:-64] != b"\x58\x40":
        raise SystemExit("caBX does not end with a 64-byte COSE signature")
    tampered, _ = flip_in_chunk(valid, b"caBX", -64 + 10)
    write("tampered-manifest.png", tampered)

    # One byte inside the CBOR of the c2pa.actions.v2 assertion ("FixtureTool" -> "FixtuseTool"):
    # the claim's hashed URI for that assertion no longer matches.
    at = data.find(b"FixtureTool")
    tampered, _ = flip_in_chunk(valid, b"caBX", at + 5)
    write("tampered-assertion.png", tampered)

    # Parent ingredient: valid.png, opened and then edited.
    m = {
        "claim_generator_info": [TOOL],
        "title": "with-ingredient.png",
        "format": "image/png",
        "assertions": [{
            "label": "c2pa.actions.v2",
            "data": {"actions": [
                {"action": "c2pa.opened", "softwareAgent": TOOL,
                 "parameters": {"ingredientIds": ["parent-valid"]}},
                {"action": "c2pa.edited", "softwareAgent": TOOL},
            ]},
        }],
    }
    write("with-ingredient.png",
          sign(m, base_png(edited=True), signer_for(*signer_pem),
               ingredient=({"title": "valid.png", "relationship": "parentOf",
                            "label": "parent-valid"},
                           "valid.png")))

    make_wrong_usage(base)

    files = ["valid.png", "valid-camera.png", "tampered-pixels.png", "tampered-manifest.png",
             "tampered-assertion.png", "wrong-usage.png", "unsigned.png", "with-ingredient.png"]
    out = subprocess.run([sys.executable, JUDGE] + [path(f) for f in files],
                         check=True, capture_output=True, text=True).stdout
    verdicts = {}
    for line in out.splitlines():
        v = json.loads(line)
        v["file"] = os.path.basename(v["file"])
        verdicts[v["file"]] = v
    meta = {
        "c2pa_python": importlib.metadata.version("c2pa-python"),
        "cryptography": importlib.metadata.version("cryptography"),
        "c2pa_rs": c2pa.sdk_version(),
        "sha256": {f: hashlib.sha256(open(path(f), "rb").read()).hexdigest() for f in files},
    }
    check(verdicts)
    with open(path("expected.json"), "w") as f:
        json.dump({"generated_by": meta, "verdicts": verdicts}, f, indent=2, sort_keys=True)
        f.write("\n")
    print(out, end="")


UNTRUSTED = "signingCredential.untrusted"  # always there: no trust anchors are configured
EXPECT = {
    "valid.png": ("Valid", [UNTRUSTED]),
    "valid-camera.png": ("Valid", [UNTRUSTED]),
    "tampered-pixels.png": ("Invalid", [UNTRUSTED, "assertion.dataHash.mismatch"]),
    "tampered-manifest.png": ("Invalid", [UNTRUSTED, "claimSignature.mismatch"]),
    "tampered-assertion.png": ("Invalid", [UNTRUSTED, "assertion.hashedURI.mismatch"]),
    "wrong-usage.png": ("Invalid", [UNTRUSTED, "signingCredential.invalid"]),
    "unsigned.png": ("NoManifest", []),
    "with-ingredient.png": ("Valid", [UNTRUSTED]),
}


def check(verdicts):
    """Fail loudly if the reference's verdicts are not the ones the corpus is meant to show."""
    bad = []
    for f, (state, failures) in EXPECT.items():
        v = verdicts[f]
        if v["state"] != state or sorted(v["failures"]) != sorted(failures) or v["error"]:
            bad.append(f"{f}: got {v['state']} {v['failures']} {v['error']}")
    if bad:
        raise SystemExit("unexpected verdicts:\n  " + "\n  ".join(bad))


def make_wrong_usage(base):
    """Sign with a certificate whose EKU is serverAuth (+ a private OID) and no C2PA signing EKU.

    The reference refuses to sign with a certificate that fails its own profile check
    (c2pa-rs sdk/src/cose_sign.rs signing_cert_valid). That check adds the EKU OIDs listed in the
    `trust.trust_config` setting to the accepted set, so we list PRIVATE_EKU there while SIGNING
    only. Readers with default settings do not accept that OID, and serverAuth is not a C2PA EKU,
    so validation reports signingCredential.invalid.
    """
    settings = json.loads(json.dumps(OFFLINE))
    settings["trust"] = {"trust_config": PRIVATE_EKU + "\n"}
    settings["verify"]["verify_after_sign"] = False
    write("wrong-usage.png",
          sign(manifest("wrong-usage.png", AI), base,
               signer_for("wrong-usage.cert.pem", "wrong-usage.key.pem"), settings=settings))


if __name__ == "__main__":
    main()
