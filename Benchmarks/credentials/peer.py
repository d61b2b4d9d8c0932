#!/usr/bin/env python3
"""The peer for Benchmarks/credentials: the C2PA reference implementation (c2pa-python, Rust c2pa inside)
signing the same kind of PNG with an ES256 signer, median milliseconds per signature, as JSON {"64": ms, "512": ms}.

    python3 Benchmarks/credentials/peer.py ITERATIONS OUT.json
"""
import io, json, os, statistics, struct, sys, time, zlib

import c2pa

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "Fixtures", "credentials")


def png(side):
    rows, state = [], 7
    for y in range(side):
        row = bytearray([0])
        for x in range(side):
            for _ in range(3):
                state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
                row.append((x + (state >> 61)) & 0xFF)
        rows.append(bytes(row))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    text = b"parameters\0a red circle above a blue square\nSteps: 8, Seed: 7"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"tEXt", text)
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b""))


def main():
    iterations, out = int(sys.argv[1]), sys.argv[2]
    certs = open(os.path.join(FIXTURES, "signer.cert.pem"), "rb").read() + open(os.path.join(FIXTURES, "ca.cert.pem"), "rb").read()
    key = open(os.path.join(FIXTURES, "signer.key.pem"), "rb").read()
    info = c2pa.C2paSignerInfo(alg=b"es256", sign_cert=certs, private_key=key, ta_url=None)
    signer = c2pa.Signer.from_info(info)
    manifest = json.dumps({
        "claim_generator_info": [{"name": "Darkroom-bench-peer", "version": "1"}],
        "title": "bench.png",
        "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [{
            "action": "c2pa.created",
            "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"}]}}],
    })
    figures = {}
    for side in (64, 512):
        source = png(side)
        times = []
        for _ in range(iterations):
            start = time.perf_counter()
            builder = c2pa.Builder(manifest)
            builder.sign(signer, "image/png", io.BytesIO(source), io.BytesIO())
            times.append((time.perf_counter() - start) * 1000)
        figures[str(side)] = statistics.median(times)
    json.dump(figures, open(out, "w"))


if __name__ == "__main__":
    main()
