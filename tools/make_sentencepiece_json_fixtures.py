"""Writes the tokenizer.json fixtures for the SentencePiece tokenizers, as SigLIP (T5 vocabulary) and SigLIP 2
(Gemma vocabulary) ship them, and the ids open_clip's `HFTokenizer(..., clean='canonicalize')` gives through them:

  sentencepiece/tokenizer.json (+ tokenizer_config.json): the committed spiece.model (see
      make_sentencepiece_fixtures.py; not retrained here) converted by transformers the way open_clip's
      `SigLipTokenizer` builds its T5 tokenizer (`T5TokenizerFast`, extra_ids=0, legacy=False, pad and eos id 1).
  sentencepiece/openclip_cases.jsonl: a header line (pad_id, eos_id, length 64), then per probe string `fast`
      (the raw text through `tokenizers.Tokenizer.from_file`, post-processor's `</s>` included, no padding) and
      `openclip` (open_clip's canonicalize(basic_clean(text)), then padding/truncation to 64).
  gemma/tokenizer.model: a tiny BPE model trained here with Gemma's conventions (pad 0, eos 1, bos 2, unk 3,
      `<mask>` 4, byte fallback, identity normalisation, no dummy prefix, digits split, whitespace-only pieces,
      a few user-defined pieces as Gemma has: turn markers, runs of "▁", HTML tags).
  gemma/tokenizer.json (+ tokenizer_config.json): that model through `GemmaTokenizerFast` as open_clip's
      `SigLipTokenizer` builds it for 'gemma' (no bos, eos appended, right padding, pad id 0).
  gemma/cases.jsonl: a header line, then for the probe strings and 300 more (characters the corpus lacks, so byte
      fallback; space and digit runs; control characters; special-token text) `spm` (raw `SentencePieceProcessor.encode`), `gemma`
      (GemmaTokenizerFast, padded/truncated to 64) and `openclip` (same after canonicalize(basic_clean)).

Rows drop the trailing padding but keep one pad; pad to the header's `length` with `pad_id` to get the tensors.
To keep files under ~300 KB a jsonl's rows are shared out over NAME.jsonl, NAME_2.jsonl, ... (same header).
With transformers 5, `T5TokenizerFast(path)` / `GemmaTokenizerFast(path)` read a positional path as the
vocabulary itself (open_clip's SigLipTokenizer fails on a local .model), so the tokenizers are built with
`from_pretrained` on a folder holding the .model file, which runs the same SentencePiece conversion.

Usage (needs tools/requirements.txt; CI does not run this):
    python tools/make_sentencepiece_json_fixtures.py Tests/CLIPTestSupport/Fixtures
"""
import importlib.util
import io
import json
import os
import random
import shutil
import sys
import tempfile

import sentencepiece as spm

from make_sentencepiece_fixtures import WORDS, corpus, probes
from open_clip_path import DIR as OPEN_CLIP_DIR

LENGTH = 64


def open_clip_tokenizer_module():
    """open_clip/tokenizer.py itself. `import open_clip` runs open_clip/__init__, which imports timm, whose
    transforms need more of torchvision than reference_env's stub has; the tokenizer module needs none of it."""
    spec = importlib.util.spec_from_file_location("open_clip_tokenizer", os.path.join(OPEN_CLIP_DIR, "tokenizer.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def strip_padding(ids, pad_id):
    assert len(ids) == LENGTH
    end = LENGTH
    while end > 1 and ids[end - 1] == pad_id and ids[end - 2] == pad_id:
        end -= 1
    return ids[:end]


def save_json_tokenizer(tokenizer, out):
    """save_pretrained into `out`, keeping tokenizer.json and tokenizer_config.json (minus machine-local paths)."""
    tmp = tempfile.mkdtemp()
    try:
        tokenizer.save_pretrained(tmp)
        shutil.copyfile(os.path.join(tmp, "tokenizer.json"), os.path.join(out, "tokenizer.json"))
        with open(os.path.join(tmp, "tokenizer_config.json")) as f:
            config = json.load(f)
        for key in ("vocab_file", "is_local", "local_files_only", "name_or_path"):
            config.pop(key, None)
        with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
            json.dump(config, f, indent=2, ensure_ascii=False)
            f.write("\n")
    finally:
        shutil.rmtree(tmp)


def from_model_file(cls, model_path, file_name, **kwargs):
    """cls.from_pretrained on a temporary folder holding only the SentencePiece model."""
    tmp = tempfile.mkdtemp()
    try:
        shutil.copyfile(model_path, os.path.join(tmp, file_name))
        return cls.from_pretrained(tmp, **kwargs)
    finally:
        shutil.rmtree(tmp)


def openclip_ids(oc, folder, texts):
    """open_clip's HFTokenizer as the SigLIP configs build it (clean='canonicalize', context 64), on a local folder."""
    tokenizer = oc.HFTokenizer(folder, context_length=LENGTH, clean="canonicalize")
    out = []
    for start in range(0, len(texts), 256):
        out += tokenizer(texts[start:start + 256]).tolist()
    return out


def write_jsonl(path, header, rows, limit=290_000):
    """One compact JSON object a line (U+2028, U+2029, U+0085 escaped so that no reader sees a line break): the
    header, then the rows. Where that would pass `limit` bytes the rows are shared out evenly, in order, over
    path, path_2.jsonl, path_3.jsonl..., each starting with the header. Returns the paths written."""
    def line(obj):
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085") + "\n"
    head, lines = line(header), [line(row) for row in rows]
    total = sum(len(x.encode()) for x in lines)
    parts = 1
    while total / parts + len(head) > limit:
        parts += 1
    paths = []
    for part in range(parts):
        name = path if part == 0 else path[:-len(".jsonl")] + f"_{part + 1}.jsonl"
        with open(name, "w", encoding="utf-8", newline="\n") as f:
            f.write(head)
            f.writelines(lines[len(lines) * part // parts:len(lines) * (part + 1) // parts])
        paths.append(name)
    return paths


def t5_fixtures(oc, out):
    """The committed unigram model through T5TokenizerFast, and open_clip's ids through the saved json."""
    import tokenizers
    from transformers import T5TokenizerFast

    model_path = os.path.join(out, "spiece.model")
    t5 = from_model_file(T5TokenizerFast, model_path, "spiece.model", extra_ids=0, legacy=False)
    t5.pad_token_id = 1
    t5.eos_token_id = 1
    save_json_tokenizer(t5, out)

    fast = tokenizers.Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
    texts = probes(2)
    openclip = openclip_ids(oc, out, texts)
    sp = spm.SentencePieceProcessor(model_file=model_path)
    rows, spm_differs = [], 0
    for text, padded in zip(texts, openclip):
        ids = fast.encode(text).ids
        assert ids == t5(text)["input_ids"], text
        clean = oc.canonicalize_text(oc.basic_clean(text))
        assert padded == t5(clean, padding="max_length", max_length=LENGTH, truncation=True)["input_ids"], text
        spm_differs += ids != sp.encode(text) + [1]
        rows.append({"text": text, "fast": ids, "openclip": strip_padding(padded, 1)})
    paths = write_jsonl(os.path.join(out, "openclip_cases.jsonl"), {"pad_id": 1, "eos_id": 1, "length": LENGTH}, rows)
    print(f"sentencepiece: {len(rows)} cases in {[os.path.basename(p) for p in paths]}; raw spm (+</s>) differs from the fast tokenizer on {spm_differs}")


GEMMA_USER_DEFINED = ["<mask>", "<start_of_turn>", "<end_of_turn>", "▁▁", "▁▁▁", "▁▁▁▁", "▁▁▁▁▁▁▁▁", "<b>", "</b>"]


def gemma_corpus():
    """make_sentencepiece_fixtures' corpus, some lines capitalised or upper-cased so capitals get pieces too."""
    for i, line in enumerate(corpus(3, 6000)):
        yield line.upper() if i % 7 == 3 else line.capitalize() if i % 3 == 1 else line


def train_gemma(path):
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=gemma_corpus(), model_writer=model, vocab_size=1000, model_type="bpe",
        character_coverage=0.9995, byte_fallback=True,
        pad_id=0, eos_id=1, bos_id=2, unk_id=3, pad_piece="<pad>", eos_piece="<eos>", bos_piece="<bos>",
        unk_piece="<unk>", user_defined_symbols=GEMMA_USER_DEFINED,
        normalization_rule_name="identity", add_dummy_prefix=False, remove_extra_whitespaces=False,
        split_digits=True, allow_whitespace_only_pieces=True, split_by_whitespace=True,
        split_by_unicode_script=True, split_by_number=True, treat_whitespace_as_suffix=False,
        num_threads=1, shuffle_input_sentence=False, minloglevel=2)
    with open(path, "wb") as f:
        f.write(model.getvalue())


def byte_fallback_strings(seed):
    """Strings with characters the Gemma corpus lacks (byte fallback), space/digit runs, special-token text."""
    fixed = ["1234567", "3.14159265358979", "٣٤٥ ١٢", "１２３４５６７", "x" + " " * 5 + "y", "x" + " " * 9 + "y",
             "x" + " " * 13 + "y", "x" + " " * 16 + "y", "x" + " " * 17 + "y", " " * 31, " " * 40 + "end",
             "  leading", "trailing   ", "𠀀𪚥龘鱻", "𝕏 𝔸 𝟙", "🦄🧬🫠", "🏳️‍🌈 🇯🇵 🇺🇳", "👩🏾‍💻 working", "नमस्ते दुनिया",
             "कखग", "สวัสดีครับ", "مرحبا بالعالم", "שלום עולם", "Ἀθῆναι", "ꙮ", "\u0301", "\u0301\u0308 marks",
             "a\u0301\u0302\u0303", "e\u0308\u0308", "\x01\x02\x1b[0m", "\x7f\x85\x9f", "nul\x00byte", "\ufeffbom",
             "\ue000 private", "\ufffd replacement", "\uffff", "tab\there\t\ttabs", "cr\r\nlf", "\n\n\n",
             "<start_of_turn>user\nhi<end_of_turn>", "<mask> token", "<eos> in text", "<bos><pad><unk>",
             "<b>bold</b> text", "▁▁▁ literal metaspace", "a▁b", "&amp; &lt;b&gt; &amp;lt;", "it&#39;s",
             "ＡＢＣ ａｂｃ", "ß ẞ ǅ", "İstanbul ıi", "A PHOTO OF A CAT", "Cat. Dog! Café?", "snake_case__x",
             "x" * 100, "1" * 80, "😀" * 40, "a " * 70]
    rng = random.Random(seed)
    alphabet = WORDS + list("𠀀𪚥龘鱻🦄🧬🫠नमस्तेสวัสดีمرحباשלום\u0301\u0308\x01\x1b\x7f\ue000") + \
        [" " * n for n in (2, 3, 5, 8, 9, 12, 17)] + ["1234567", "0042", "\t", "\n", "<b>", "<mask>"]
    while len(fixed) < 300:
        parts = [rng.choice(alphabet) for _ in range(rng.randint(1, 10))]
        fixed.append(rng.choice([" ", "", "  "]).join(parts))
    return fixed


def gemma_fixtures(oc, out):
    import tokenizers
    from transformers import GemmaTokenizerFast

    os.makedirs(out, exist_ok=True)
    model_path = os.path.join(out, "tokenizer.model")
    train_gemma(model_path)
    gemma = from_model_file(GemmaTokenizerFast, model_path, "tokenizer.model",
                            add_bos_token=False, add_eos_token=True, padding_side="right")
    gemma.pad_token_id = 0
    save_json_tokenizer(gemma, out)

    fast = tokenizers.Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
    sp = spm.SentencePieceProcessor(model_file=model_path)
    edge = 44  # probes(2) starts with its hand-written edge cases; keep them and these next to each other
    texts = probes(2)[:edge] + byte_fallback_strings(5) + probes(2)[edge:]
    openclip = openclip_ids(oc, out, texts)
    rows, spm_differs = [], []
    for text, padded in zip(texts, openclip):
        ids = gemma(text, padding="max_length", max_length=LENGTH, truncation=True)["input_ids"]
        raw = fast.encode(text).ids
        assert raw == gemma(text)["input_ids"], text
        assert ids == (raw[:LENGTH - 1] + [1] if len(raw) > LENGTH else raw + [0] * (LENGTH - len(raw))), text
        clean = oc.canonicalize_text(oc.basic_clean(text))
        assert padded == gemma(clean, padding="max_length", max_length=LENGTH, truncation=True)["input_ids"], text
        if raw != sp.encode(text) + [1]:
            spm_differs.append(text)
        rows.append({"text": text, "spm": sp.encode(text), "gemma": strip_padding(ids, 0),
                     "openclip": strip_padding(padded, 0)})
    header = {"pad_id": 0, "eos_id": 1, "bos_id": 2, "unk_id": 3, "length": LENGTH, "add_bos": False, "add_eos": True}
    paths = write_jsonl(os.path.join(out, "cases.jsonl"), header, rows)
    print(f"gemma: {sp.get_piece_size()} pieces; {len(rows)} cases in {[os.path.basename(p) for p in paths]}; raw spm (+<eos>) differs from the fast "
          f"tokenizer on {len(spm_differs)}: {[t[:40] for t in spm_differs[:12]]}")


def main(root):
    oc = open_clip_tokenizer_module()
    t5_fixtures(oc, os.path.join(root, "sentencepiece"))
    gemma_fixtures(oc, os.path.join(root, "gemma"))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/CLIPTestSupport/Fixtures")
