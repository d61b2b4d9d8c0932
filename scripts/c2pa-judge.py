#!/usr/bin/env python3
"""Judge files with the C2PA reference implementation (c2pa-python, which wraps the Rust c2pa SDK).

    python3 scripts/c2pa-judge.py FILE [FILE...]
    python3 scripts/c2pa-judge.py --trust-anchors ca.pem FILE...   # also judge trust

Prints one JSON object per line per file, in the order given:

  file, state           "Valid" / "Invalid" / "Trusted" (the reference's validation_state), or
                        "NoManifest" when the file carries no manifest, or null when reading failed
  failures, successes, informational
                        validation status codes for the ACTIVE manifest
  signer                issuer (and common name) of the signing certificate, as the reference reports
  claim_generator       "name/version" of the first claim_generator_info entry
  actions               action names from c2pa.actions / c2pa.actions.v2, in order
  digital_source_type   of the first c2pa.created / c2pa.opened action that has one
  ingredients           [{title, relationship}]
  assertion_labels, title, format
  error                 a string when the reader raised, else null

Runs offline: remote manifest fetching, OCSP fetching and every network host are switched off.
Exit status: 0 when every file could be judged (even if judged invalid), 1 when a file could not be
opened, 2 on a usage error.
"""

import json
import os
import sys

USAGE = "usage: c2pa-judge.py [--trust-anchors PEM] FILE [FILE...]"

# Settings that keep the reader off the network (c2pa-rs sdk/src/settings/mod.rs: Verify, Core).
OFFLINE = {
    "verify": {
        "verify_after_reading": True,
        "remote_manifest_fetch": False,
        "ocsp_fetch": False,
    },
    # Some([]) = every host blocked, whatever else would try (timestamps, did:web, ...).
    "core": {"allowed_network_hosts": []},
}

ACTION_LABELS = ("c2pa.actions", "c2pa.actions.v2")


def codes(entries):
    return [e.get("code") for e in entries or [] if isinstance(e, dict)]


def base_label(label):
    """c2pa.actions.v2__1 -> c2pa.actions.v2"""
    return label.split("__")[0] if label else label


def signer_of(manifest):
    sig = manifest.get("signature_info") or {}
    issuer = sig.get("issuer")
    cn = sig.get("common_name")
    if issuer and cn and cn != issuer:
        return f"{issuer} / {cn}"
    return issuer or cn


def generator_of(manifest):
    info = manifest.get("claim_generator_info") or []
    if info:
        first = info[0]
        n, v = first.get("name"), first.get("version")
        return f"{n}/{v}" if v else n
    return manifest.get("claim_generator")


def judge_one(c2pa, context, file):
    out = {
        "file": file, "state": None, "failures": [], "successes": [], "informational": [],
        "signer": None, "claim_generator": None, "actions": [], "digital_source_type": None,
        "ingredients": [], "assertion_labels": [], "title": None, "format": None, "error": None,
    }
    try:
        with open(file, "rb") as f:
            data = f.read()
    except OSError as e:
        out["error"] = f"cannot open: {e}"
        return out, False

    import io
    try:
        reader = c2pa.Reader(None, io.BytesIO(data), None, context)
    except c2pa.C2paError.ManifestNotFound:
        out["state"] = "NoManifest"
        return out, True
    except c2pa.C2paError as e:
        # e.g. "Decoding: claim could not be converted from CBOR: ..." for a malformed claim
        out["error"] = str(e) or type(e).__name__
        return out, True

    try:
        store = json.loads(reader.json())
        detailed = json.loads(reader.detailed_json())
    except c2pa.C2paError as e:
        out["error"] = str(e) or type(e).__name__
        return out, True
    finally:
        try:
            reader.close()
        except Exception:
            pass

    out["state"] = store.get("validation_state")
    results = store.get("validation_results") or {}
    active = results.get("activeManifest")
    if active is not None:
        out["failures"] = codes(active.get("failure"))
        out["successes"] = codes(active.get("success"))
        out["informational"] = codes(active.get("informational"))
    elif store.get("validation_status"):
        # Older layout: one flat list, all of it failures.
        out["failures"] = codes(store.get("validation_status"))

    label = store.get("active_manifest")
    manifest = (store.get("manifests") or {}).get(label) if label else None
    if manifest is None:
        if out["error"] is None and out["state"] is None:
            out["error"] = "no active manifest"
        return out, True

    out["signer"] = signer_of(manifest)
    out["claim_generator"] = generator_of(manifest)
    out["title"] = manifest.get("title")
    claim = (((detailed.get("manifests") or {}).get(label) or {}).get("claim")) or {}
    # v2 claims carry no dc:format; the reference then reports none (null here).
    out["format"] = manifest.get("format") or claim.get("dc:format")
    # Every assertion the claim references, in claim order (created, gathered; v1: assertions),
    # including the hard binding and ingredients that the reader's plain JSON leaves out.
    for key in ("created_assertions", "gathered_assertions", "assertions"):
        for ref in claim.get(key) or []:
            url = ref.get("url", "") if isinstance(ref, dict) else ""
            if url:
                out["assertion_labels"].append(url.rsplit("/", 1)[-1])
    if not out["assertion_labels"]:
        out["assertion_labels"] = [a.get("label") for a in manifest.get("assertions") or []]
    for a in manifest.get("assertions") or []:
        lbl = a.get("label")
        if base_label(lbl) in ACTION_LABELS:
            for act in (a.get("data") or {}).get("actions") or []:
                name = act.get("action")
                out["actions"].append(name)
                dst = act.get("digitalSourceType")
                if dst and out["digital_source_type"] is None and name in ("c2pa.created", "c2pa.opened"):
                    out["digital_source_type"] = dst
    for ing in manifest.get("ingredients") or []:
        out["ingredients"].append({"title": ing.get("title"), "relationship": ing.get("relationship")})
    return out, True


def main(argv):
    args = argv[1:]
    anchors = None
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if args and args[0] == "--trust-anchors":
        if len(args) < 2:
            print(USAGE, file=sys.stderr)
            return 2
        try:
            with open(args[1]) as f:
                anchors = f.read()
        except OSError as e:
            print(f"c2pa-judge: cannot read trust anchors: {e}", file=sys.stderr)
            return 2
        args = args[2:]
    if not args or any(a.startswith("--") for a in args):
        print(USAGE, file=sys.stderr)
        return 2

    import logging
    logging.disable(logging.CRITICAL)
    import c2pa

    settings = json.loads(json.dumps(OFFLINE))
    if anchors is not None:
        settings["trust"] = {"trust_anchors": anchors}
    context = c2pa.Context.from_dict(settings)

    all_ok = True
    for file in args:
        out, ok = judge_one(c2pa, context, file)
        all_ok = all_ok and ok
        print(json.dumps(out, sort_keys=False), flush=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
