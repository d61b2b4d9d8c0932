#!/usr/bin/env python3
"""Dump the C2PA manifest store embedded in a PNG, byte by byte, and re-check its hashes.

    python3 Fixtures/credentials/dump-manifest.py FILE.png [--hex]

Independent of the reference implementation: it walks the PNG chunks, the JUMBF boxes of the
caBX chunk, decodes the CBOR (keeping map key order), decodes the COSE_Sign1 signature, and then
recomputes (1) each hashed URI of the claim over several candidate byte ranges, saying which one
matches, (2) the c2pa.hash.data hash of the file, and (3) the ES256 signature over the
Sig_structure. Only the standard library and `cryptography` are needed.
"""

import base64
import hashlib
import struct
import sys
import zlib

HEX = "--hex" in sys.argv


# ---------------------------------------------------------------------------------------------
# Minimal CBOR decoder (RFC 8949), order-preserving, enough for C2PA manifests
# ---------------------------------------------------------------------------------------------

class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value

    def __repr__(self):
        return f"Tag({self.tag}, {self.value!r})"


class Undefined:
    def __repr__(self):
        return "undefined"


def cbor_decode(buf, pos=0):
    ib = buf[pos]
    major, info = ib >> 5, ib & 31
    pos += 1
    if info < 24:
        arg = info
    elif info == 24:
        arg = buf[pos]; pos += 1
    elif info == 25:
        arg = struct.unpack(">H", buf[pos:pos + 2])[0]; pos += 2
    elif info == 26:
        arg = struct.unpack(">I", buf[pos:pos + 4])[0]; pos += 4
    elif info == 27:
        arg = struct.unpack(">Q", buf[pos:pos + 8])[0]; pos += 8
    elif info == 31:
        arg = None
    else:
        raise ValueError(f"bad CBOR info {info} at {pos - 1}")
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        if arg is None:
            raise ValueError("indefinite strings not supported")
        raw = bytes(buf[pos:pos + arg])
        return (raw if major == 2 else raw.decode("utf-8")), pos + arg
    if major == 4:
        out = []
        if arg is None:
            while buf[pos] != 0xFF:
                v, pos = cbor_decode(buf, pos); out.append(v)
            return out, pos + 1
        for _ in range(arg):
            v, pos = cbor_decode(buf, pos); out.append(v)
        return out, pos
    if major == 5:
        out = {}
        n = arg
        while (n is None and buf[pos] != 0xFF) or (n is not None and n > 0):
            k, pos = cbor_decode(buf, pos)
            v, pos = cbor_decode(buf, pos)
            out[k] = v
            if n is not None:
                n -= 1
        return out, (pos + 1 if n is None else pos)
    if major == 6:
        v, pos = cbor_decode(buf, pos)
        return Tag(arg, v), pos
    if major == 7:
        if info == 20:
            return False, pos
        if info == 21:
            return True, pos
        if info == 22:
            return None, pos
        if info == 23:
            return Undefined(), pos
        if info == 25:
            return struct.unpack(">e", struct.pack(">H", arg))[0], pos
        if info == 26:
            return struct.unpack(">f", struct.pack(">I", arg))[0], pos
        if info == 27:
            return struct.unpack(">d", struct.pack(">Q", arg))[0], pos
    raise ValueError(f"unsupported CBOR item 0x{ib:02x}")


def show(v, indent="    ", depth=0, maxbytes=48):
    pad = indent * depth
    if isinstance(v, dict):
        lines = ["{"]
        for k, x in v.items():
            lines.append(f"{pad}{indent}{k!r}: {show(x, indent, depth + 1, maxbytes)}")
        return "\n".join(lines) + f"\n{pad}}}"
    if isinstance(v, list):
        if not v:
            return "[]"
        return "[\n" + "\n".join(f"{pad}{indent}{show(x, indent, depth + 1, maxbytes)}" for x in v) + f"\n{pad}]"
    if isinstance(v, bytes):
        h = v.hex()
        return f"bytes[{len(v)}] {h[:maxbytes * 2]}{'...' if len(v) > maxbytes else ''}"
    if isinstance(v, Tag):
        return f"tag({v.tag}) {show(v.value, indent, depth, maxbytes)}"
    return repr(v)


# ---------------------------------------------------------------------------------------------
# JUMBF
# ---------------------------------------------------------------------------------------------

def boxes(buf, start, end):
    """Yield (offset, size, type, header_len) for ISO BMFF-style boxes in buf[start:end]."""
    pos = start
    while pos < end:
        size, btype = struct.unpack(">I4s", buf[pos:pos + 8])
        hl = 8
        if size == 1:
            size = struct.unpack(">Q", buf[pos + 8:pos + 16])[0]
            hl = 16
        elif size == 0:
            size = end - pos
        yield pos, size, btype.decode("latin-1"), hl
        pos += size


class Jumb:
    """A parsed jumb superbox: offsets are into the caBX chunk data."""

    def __init__(self, buf, off, size, hl):
        self.buf, self.off, self.size, self.hl = buf, off, size, hl
        self.children = []
        self.content = []  # (type, off, size, hl) of non-jumb content boxes
        it = boxes(buf, off + hl, off + size)
        doff, dsize, dtype, dhl = next(it)
        if dtype != "jumd":
            raise ValueError(f"jumb without jumd at {off}")
        self.jumd = (doff, dsize, dhl)
        d = buf[doff + dhl:doff + dsize]
        self.uuid = bytes(d[:16])
        self.toggles = d[16]
        p = 17
        self.label = None
        self.id = None
        self.sig = None
        if self.toggles & 0x02:
            e = d.index(0, p)
            self.label = bytes(d[p:e]).decode("utf-8")
            p = e + 1
        if self.toggles & 0x04:
            self.id = struct.unpack(">I", d[p:p + 4])[0]; p += 4
        if self.toggles & 0x08:
            self.sig = bytes(d[p:p + 32]); p += 32
        self.private = bytes(d[p:]) if p < len(d) else b""
        for coff, csize, ctype, chl in it:
            if ctype == "jumb":
                self.children.append(Jumb(buf, coff, csize, chl))
            else:
                self.content.append((ctype, coff, csize, chl))

    def bytes_whole(self):
        return bytes(self.buf[self.off:self.off + self.size])

    def bytes_without_header(self):
        return bytes(self.buf[self.off + self.hl:self.off + self.size])

    def bytes_content_only(self):
        return b"".join(bytes(self.buf[o:o + s]) for _, o, s, _ in self.content)

    def bytes_content_payload(self):
        return b"".join(bytes(self.buf[o + h:o + s]) for _, o, s, h in self.content)

    def find(self, label):
        for c in self.children:
            if c.label == label:
                return c
        return None


UUID_NAMES = {
    "6332706100110010800000aa00389b71": "c2pa (manifest store)",
    "63326d6100110010800000aa00389b71": "c2ma (standard manifest)",
    "6332756d00110010800000aa00389b71": "c2um (update manifest)",
    "6332617300110010800000aa00389b71": "c2as (assertion store)",
    "6332636c00110010800000aa00389b71": "c2cl (claim)",
    "6332637300110010800000aa00389b71": "c2cs (claim signature)",
    "6a736f6e00110010800000aa00389b71": "json",
    "63626f7200110010800000aa00389b71": "cbor",
    "6269646200110010800000aa00389b71": "bidb (embedded file)",
    "40cb0c32bb8a489da70b2ad6f47f4369": "uuid",
}


def dump_jumb(j, base, depth=0):
    pad = "  " * depth
    u = j.uuid.hex()
    print(f"{pad}jumb @file+{base + j.off} size={j.size} hdr={j.hl} "
          f"jumd(uuid={u} [{UUID_NAMES.get(u, '?')}], toggles=0x{j.toggles:02x}, "
          f"label={j.label!r}{', id=%d' % j.id if j.id is not None else ''}"
          f"{', sha256=' + j.sig.hex() if j.sig else ''}) jumd_size={j.jumd[1]}")
    if j.private:
        ptype = j.private[4:8].decode("latin-1")
        print(f"{pad}  jumd private box: type={ptype} size={len(j.private)} payload={j.private[8:].hex()}")
    if HEX:
        d0, ds, _ = j.jumd
        print(f"{pad}  jumb header + jumd: {bytes(j.buf[j.off:d0 + ds]).hex()}")
    for ctype, coff, csize, chl in j.content:
        print(f"{pad}  {ctype} box @file+{base + coff} size={csize}"
              + (f" first bytes: {bytes(j.buf[coff:coff + min(csize, 24)]).hex()}" if HEX else ""))
    for c in j.children:
        dump_jumb(c, base, depth + 1)


# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------

def main():
    files = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(files) != 1:
        print(__doc__)
        return 2
    data = open(files[0], "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        print("not a PNG")
        return 1
    print("== PNG chunks (offset of the length field, data length, type, CRC ok)")
    pos, cabx = 8, None
    while pos < len(data):
        n, t = struct.unpack(">I4s", data[pos:pos + 8])
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        ok = crc == zlib.crc32(data[pos + 4:pos + 8 + n])
        print(f"  @{pos:6d}  len={n:6d}  {t.decode('latin-1')}  crc_ok={ok}  whole_chunk={n + 12}")
        if t == b"caBX":
            cabx = (pos, n)
        pos += 12 + n
    if cabx is None:
        print("no caBX chunk: no manifest")
        return 0
    cpos, clen = cabx
    base = cpos + 8
    buf = data[base:base + clen]

    print("\n== JUMBF tree (offsets are file offsets)")
    top = list(boxes(buf, 0, len(buf)))
    (o, s, t, h), = top
    store = Jumb(buf, o, s, h)
    dump_jumb(store, base)

    active = store.children[-1]
    print(f"\n== active manifest (last in store): {active.label}")
    astore = next(c for c in active.children if c.uuid.hex().startswith("63326173"))
    claim_box = next(c for c in active.children if c.uuid.hex().startswith("6332636c"))
    sig_box = next(c for c in active.children if c.uuid.hex().startswith("63326373"))

    claim_cbor = claim_box.bytes_content_payload()
    claim, _ = cbor_decode(claim_cbor)
    print(f"\n== claim ({claim_box.label}), {len(claim_cbor)} CBOR bytes; map keys in written order:")
    print("  first bytes: " + claim_cbor[:40].hex())
    print("  " + show(claim, "  ", 1))

    print("\n== assertions")
    for a in astore.children:
        ctype = a.content[0][0] if a.content else None
        payload = a.bytes_content_payload()
        print(f"-- {a.label} (content box {ctype}, {len(payload)} bytes)")
        if a.uuid.hex().startswith("63626f72"):
            v, _ = cbor_decode(payload)
            print("  " + show(v, "  ", 1))
            if HEX:
                print("  cbor hex: " + payload.hex())

    print("\n== hashed URIs: which byte range gives the recorded hash?")
    alg = claim.get("alg", "sha256")
    refs = []
    for key in ("created_assertions", "gathered_assertions", "assertions"):
        for r in claim.get(key, []) or []:
            refs.append((key, r))
    for key, r in refs:
        url = r["url"]
        label = url.rsplit("/", 1)[-1]
        a = astore.find(label)
        want = r["hash"]
        cands = {
            "whole jumb superbox (with its box header)": a.bytes_whole(),
            "jumb payload = jumd box + content boxes (no jumb header)": a.bytes_without_header(),
            "content boxes only (with their headers)": a.bytes_content_only(),
            "content payload only (e.g. raw CBOR)": a.bytes_content_payload(),
        }
        hits = [k for k, b in cands.items() if hashlib.new(r.get("alg", alg), b).digest() == want]
        print(f"  {key}: {url}  hash={want.hex()}\n     matches: {hits or 'NONE'}")

    # Ingredient references into other manifests of the same store (activeManifest, claimSignature).
    for a in astore.children:
        if not (a.label or "").startswith("c2pa.ingredient") or not a.uuid.hex().startswith("63626f72"):
            continue
        ing, _ = cbor_decode(a.bytes_content_payload())
        for key in ("activeManifest", "claimSignature", "c2pa_manifest"):
            ref = ing.get(key)
            if not isinstance(ref, dict):
                continue
            path = ref["url"].split("=", 1)[1].strip("/").split("/")  # c2pa, urn..., [c2pa.signature]
            target = store
            for part in path[1:]:
                target = target.find(part) if target else None
            if target is None:
                print(f"  {a.label}.{key}: {ref['url']} not in this store")
                continue
            cands = {
                "whole jumb superbox (with its box header)": target.bytes_whole(),
                "jumb payload = jumd box + content boxes (no jumb header)": target.bytes_without_header(),
            }
            hits = [k for k, b in cands.items()
                    if hashlib.new(ref.get("alg", alg), b).digest() == ref["hash"]]
            print(f"  {a.label}.{key}: {ref['url']}\n     matches: {hits or 'NONE'}")

    print("\n== c2pa.hash.data")
    dh_box = astore.find("c2pa.hash.data")
    dh, _ = cbor_decode(dh_box.bytes_content_payload())
    excl = [(e["start"], e["length"]) for e in dh.get("exclusions", [])]
    print(f"  exclusions={excl}  caBX chunk spans file[{cpos}:{cpos + 12 + clen}] "
          f"(start={cpos}, length={12 + clen}: length+type+data+CRC)")
    h = hashlib.new(dh.get("alg", alg))
    p = 0
    for s, n in sorted(excl):
        h.update(data[p:s]); p = s + n
    h.update(data[p:])
    print(f"  recomputed={h.hexdigest()}  recorded={dh['hash'].hex()}  match={h.digest() == dh['hash']}")

    print("\n== COSE_Sign1 (c2pa.signature)")
    sig_cbor = sig_box.bytes_content_payload()
    cose, _ = cbor_decode(sig_cbor)
    print(f"  {len(sig_cbor)} bytes, first bytes {sig_cbor[:16].hex()}")
    if isinstance(cose, Tag):
        print(f"  CBOR tag {cose.tag}")
        cose = cose.value
    prot_b, unprot, payload, signature = cose
    prot, _ = cbor_decode(prot_b) if prot_b else ({}, 0)
    print(f"  protected bstr ({len(prot_b)} bytes): {prot_b[:12].hex()}...")
    print("  protected: " + show(prot, "  ", 1, 16))
    print("  unprotected: " + show(unprot, "  ", 1, 16))
    print(f"  payload: {payload!r}")
    print(f"  signature: {len(signature)} bytes")
    chain = prot.get(33, unprot.get(33) if isinstance(unprot, dict) else None)
    if isinstance(chain, bytes):
        chain = [chain]
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, utils
        certs = [x509.load_der_x509_certificate(c) for c in chain]
        for i, c in enumerate(certs):
            print(f"  x5chain[{i}]: subject={c.subject.rfc4514_string()} issuer={c.issuer.rfc4514_string()}")
        sig_structure = (b"\x84" + b"\x6aSignature1" + cbor_bstr(prot_b) + cbor_bstr(b"")
                         + cbor_bstr(claim_cbor))
        r = int.from_bytes(signature[:32], "big")
        s = int.from_bytes(signature[32:], "big")
        try:
            certs[0].public_key().verify(utils.encode_dss_signature(r, s), sig_structure,
                                         ec.ECDSA(hashes.SHA256()))
            print("  signature verifies over Sig_structure = ['Signature1', protected, h'', claim CBOR]"
                  " with raw r||s: True")
        except Exception as e:
            print("  signature does NOT verify over Sig_structure(['Signature1', protected, h'', claim]):"
                  f" {type(e).__name__}")
    except ImportError:
        pass
    return 0


def cbor_bstr(b):
    n = len(b)
    if n < 24:
        return bytes([0x40 | n]) + b
    if n < 256:
        return b"\x58" + bytes([n]) + b
    if n < 65536:
        return b"\x59" + struct.pack(">H", n) + b
    return b"\x5a" + struct.pack(">I", n) + b


if __name__ == "__main__":
    sys.exit(main())
