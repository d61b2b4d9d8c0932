"""A CLIP-style byte-level BPE trained on the caption corpus.

Output is the format of openai/clip-vit-large-patch14's tokenizer, which
`transformers.CLIPTokenizer` loads: `vocab.json` (the 256 byte symbols, the
same with the `</w>` word end, the merged symbols in merge order, then
`<|startoftext|>` and `<|endoftext|>`) and `merges.txt` (a `#version` line,
then one merge per line).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

# CLIP's pre-tokenizer pattern, restricted to what ASCII lower-case captions need.
WORD_PATTERN = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[a-z]+|[0-9]|[^\sa-z0-9]+")
BOS, EOS = "<|startoftext|>", "<|endoftext|>"


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP's reversible map from bytes to printable unicode characters."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def words(text: str) -> list[str]:
    """Lower-cased, whitespace-normalised words as CLIP splits them."""
    return WORD_PATTERN.findall(" ".join(text.lower().split()))


def train_bpe(corpus: list[str], num_merges: int) -> list[tuple[str, str]]:
    """Greedy BPE: repeatedly merge the most frequent adjacent symbol pair."""
    b2u = bytes_to_unicode()
    counts = Counter(w for text in corpus for w in words(text))
    vocab = {}
    for w, c in counts.items():
        syms = [b2u[b] for b in w.encode()]
        syms[-1] += "</w>"
        vocab[tuple(syms)] = c
    merges = []
    for _ in range(num_merges):
        pairs = Counter()
        for syms, c in vocab.items():
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        merges.append(best)
        new_vocab = {}
        for syms, c in vocab.items():
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == best:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            new_vocab[tuple(out)] = c
        vocab = new_vocab
    return merges


def save(merges: list[tuple[str, str]], directory: Path, model_max_length: int) -> None:
    """Write vocab.json, merges.txt, tokenizer_config.json, special_tokens_map.json."""
    directory.mkdir(parents=True, exist_ok=True)
    base = list(bytes_to_unicode().values())
    tokens = base + [t + "</w>" for t in base] + ["".join(m) for m in merges] + [BOS, EOS]
    vocab = {t: i for i, t in enumerate(dict.fromkeys(tokens))}
    (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
    (directory / "merges.txt").write_text("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    special = {"bos_token": BOS, "eos_token": EOS, "unk_token": EOS, "pad_token": EOS}
    (directory / "special_tokens_map.json").write_text(json.dumps(special, indent=2))
    config = dict(special, tokenizer_class="CLIPTokenizer", model_max_length=model_max_length,
                  do_lower_case=True, errors="replace", add_prefix_space=False)
    (directory / "tokenizer_config.json").write_text(json.dumps(config, indent=2))
