"""Build two small CLIP BPE tokenizers and record transformers' ids for them.

No real CLIP vocabulary can be downloaded here, so the script constructs one
the way CLIP's is laid out: the 256 byte-level symbols, the same 256 with the
end-of-word mark "</w>", then BPE merges learnt deterministically from the
small corpus below (most frequent pair first, ties broken by the pair's
text), then <|startoftext|> and <|endoftext|>. It writes

- tokenizer-files/: vocab.json + merges.txt + tokenizer_config.json +
  special_tokens_map.json, as real SD repos ship them (pad = <|endoftext|>,
  model_max_length 77, as SD 1.x);
- tokenizer-json/: tokenizer.json + tokenizer_config.json as transformers 5's
  save_pretrained writes them, with pad_token "!" (as SD 2.x) and
  model_max_length 20 so truncation shows on short strings;
- tokenizer.json (this folder): for each tricky string, the ids of
  tokenizer(text, padding="max_length", truncation=True) for both, which is
  exactly how diffusers calls the tokenizer; and for a third variant,
  "tokenizer-json-normalized": tokenizer-json with every added token marked
  "normalized": true (as older tokenizer.json files mark CLIP's specials),
  built in a temporary folder (the Swift test rebuilds it the same way).

The reference is transformers' CLIPTokenizer as installed (transformers 5:
backed by the `tokenizers` library; normalizer NFC, \\s+ -> " ", lowercase;
the CLIP split regex; byte-level; BPE with "</w>"). ftfy plays no part.

Run: python3 make_tokenizer_goldens.py   (needs transformers + tokenizers)
"""
import collections
import json
import pathlib
import shutil
import random
import tempfile

from transformers import CLIPTokenizer

HERE = pathlib.Path(__file__).parent
NUM_MERGES = 300
CORPUS = """
a photograph of an astronaut riding a horse on the moon, highly detailed
portrait of a cat wearing a hat, oil painting, trending on artstation
the quick brown fox jumps over the lazy dog; it's the dog's bone, isn't it?
a beautiful landscape with mountains and a lake at sunset, 4k, 8k, hdr
cinematic lighting, photorealistic, sharp focus, studio photo of a woman
an old man reading a book in a library, warm light, depth of field
we're sure they've said you'll see what i'd done; i'm here, they're there
watercolor painting of a city street in the rain with people and umbrellas
""" * 3


def bytes_to_unicode():
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    mapping, extra = {}, 0
    for b in range(256):
        if b in printable:
            mapping[b] = chr(b)
        else:
            mapping[b] = chr(256 + extra)
            extra += 1
    return mapping


def build_vocab_and_merges():
    alphabet = list(bytes_to_unicode().values())
    vocab = {}
    for symbol in alphabet + [s + "</w>" for s in alphabet]:
        vocab[symbol] = len(vocab)
    specials = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    bootstrap = CLIPTokenizer(vocab={**vocab, **{k: len(vocab) + v for k, v in specials.items()}}, merges=[])
    backend = bootstrap.backend_tokenizer
    words = collections.Counter()
    for line in CORPUS.strip().splitlines():
        normalized = backend.normalizer.normalize_str(line)
        for piece, _ in backend.pre_tokenizer.pre_tokenize_str(normalized):
            symbols = list(piece)
            symbols[-1] += "</w>"
            words[tuple(symbols)] += 1
    merges = []
    for _ in range(NUM_MERGES):
        pairs = collections.Counter()
        for word, count in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged = best[0] + best[1]
        vocab.setdefault(merged, len(vocab))
        new_words = collections.Counter()
        for word, count in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(merged)
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            new_words[tuple(out)] += count
        words = new_words
    for token in specials:
        vocab[token] = len(vocab)
    return vocab, merges


CASES = [
    "",
    "   ",
    "a photograph of an astronaut riding a horse",
    "A PhotoGraph Of An ASTRONAUT",
    "Hello, world!!! ... ?!?! (((masterpiece))) [[best quality]]",
    "digits 12345 and 3.14159 and 1,000,000 and ４２",
    "it's the dog's bone; isn't it? we're here, they've gone, you'll see, I'd go, I'm in",
    "quotes 'single' \"double\" ''' '' 's 'S 'T 'RE",
    "café naïve résumé Ångström crème brûlée Ñandú",
    "e\u0301 composed by NFC: cafe\u0301",
    "emoji 😀🎨🚀 👩‍🚀 and ❤️ hearts",
    "CJK 漢字テスト 한국어 中文 東京タワー",
    "Greek ΣΊΣΥΦΟΣ and Cyrillic Привет мир",
    "multiple   spaces\tand\ttabs\nand\n\nnewlines\r\n end",
    "   leading and trailing   ",
    "<|startoftext|>literal specials<|endoftext|> in text <|endoftext|>",
    "a<|endoftext|>b",
    "<|StartOfText|> lower-cased special is not special",
    "symbols @#$%^&*_+=~`|\\/<>{} — – … • ° © ™",
    "hyphen-ated well-known state-of-the-art 8k-uhd",
    "zero\u200bwidth\u00a0nbsp\u3000ideographic space",
    "control\x00chars\x07and\x1b[0m escapes",
    " ".join(["word"] * 90),
    "The quick brown fox jumps over the lazy dog. " * 8,
]

# Random strings over a pool that mixes every character class the splitter
# and normaliser distinguish: scripts, digit kinds, punctuation, white space
# kinds, combining marks, emoji, contractions and special-token fragments.
POOL = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(".,;:!?'\"()[]{}<>|/\\-_=+*&^%$#@~`")
    + [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\u200b", "\x0b", "\x1c", "\x85"]
    + list("éÉüÜßçÇñÑøØåÅœŒıİ") + ["e\u0301", "A\u030a", "\u0308"]
    + list("αβγΣσςΩЖжЯя漢字かなカナ한글ひ٣٤५௫") + ["²", "½", "Ⅻ", "①", "４"]
    + ["😀", "👍🏽", "👩\u200d💻", "❤\ufe0f", "🇫🇷"]
    + ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "<|", "|>", "<|endoftext|>", "<|startoftext|>", "!"]
)


def random_cases(count=60, seed=0):
    rng = random.Random(seed)
    return ["".join(rng.choice(POOL) for _ in range(rng.randint(1, 30))) for _ in range(count)]


def main():
    vocab, merges = build_vocab_and_merges()
    files_dir = HERE / "tokenizer-files"
    json_dir = HERE / "tokenizer-json"
    for folder in (files_dir, json_dir):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    (files_dir / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False) + "\n")
    (files_dir / "merges.txt").write_text("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    specials = {
        "bos_token": "<|startoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
    }
    (files_dir / "special_tokens_map.json").write_text(json.dumps(specials, indent=2) + "\n")
    (files_dir / "tokenizer_config.json").write_text(json.dumps(
        {"tokenizer_class": "CLIPTokenizer", "model_max_length": 77, "do_lower_case": True, **specials}, indent=2) + "\n")

    from_files = CLIPTokenizer.from_pretrained(str(files_dir))
    assert from_files.model_max_length == 77 and from_files.pad_token == "<|endoftext|>"
    for_json = CLIPTokenizer(vocab=vocab, merges=list(merges), pad_token="!", model_max_length=20)
    for_json.save_pretrained(str(json_dir))
    for extra in json_dir.iterdir():
        if extra.name not in ("tokenizer.json", "tokenizer_config.json"):
            extra.unlink()
    from_json = CLIPTokenizer.from_pretrained(str(json_dir))
    assert from_json.model_max_length == 20 and from_json.pad_token == "!"

    with tempfile.TemporaryDirectory() as scratch:
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(json_dir / name, scratch)
        data = json.loads((json_dir / "tokenizer.json").read_text())
        for token in data["added_tokens"]:
            token["normalized"] = True
        (pathlib.Path(scratch) / "tokenizer.json").write_text(json.dumps(data, ensure_ascii=False))
        from_normalized = CLIPTokenizer.from_pretrained(scratch)

    def ids(tokenizer, text):
        return tokenizer(text, padding="max_length", max_length=tokenizer.model_max_length, truncation=True).input_ids

    doc = {
        "tokenizers": {
            "tokenizer-files": {"maxLength": 77, "padId": from_files.pad_token_id},
            "tokenizer-json": {"maxLength": 20, "padId": from_json.pad_token_id},
        },
        "cases": [
            {
                "text": text,
                "tokenizer-files": ids(from_files, text),
                "tokenizer-json": ids(from_json, text),
                "tokenizer-json-normalized": ids(from_normalized, text),
            }
            for text in CASES + random_cases()
        ],
    }
    path = HERE / "tokenizer.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes), {len(merges)} merges, vocab {len(vocab)}")


if __name__ == "__main__":
    main()
