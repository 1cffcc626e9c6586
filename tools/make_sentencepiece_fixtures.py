"""Writes the SentencePiece tokenizer fixtures: a tiny Unigram model trained here with the `sentencepiece`
package (T5's conventions: pad 0, eos 1, unk 2, `nmt_nfkc` normalisation, so a precompiled charsmap), and
the ids of 2,000+ strings through it and through transformers' `SiglipTokenizer` (SigLIP's punctuation
stripping, lowercase, `</s>`, padding to 64).

Usage (needs tools/requirements.txt; CI does not run this):
    python tools/make_sentencepiece_fixtures.py Tests/CLIPTestSupport/Fixtures/sentencepiece
"""
import io
import json
import os
import random
import sys

import sentencepiece as spm

WORDS = ("a photo of the cat dog beach sunset mountain city street car bicycle child woman man red blue green "
         "small large old new happy running sleeping playing on in under with near two three café crème brûlée "
         "naïve façade résumé straße über año ñandú ørsted Ελλάδα москва 東京 北京 서울 日本語 テスト カタカナ "
         "ｆｕｌｌ ｗｉｄｔｈ １２３ ① ② ﬁ ﬂ ™ © ½ ¼ … — – “quoted” ‘single’ «guillemets» 🙂 👍🏽 🐱 👨‍👩‍👧 ❤️ ĳ ǆ ℌ ℍ "
         "2024 3.14 100% #hashtag @user e-mail http://example.com don't it's we're").split()


def corpus(seed, lines):
    rng = random.Random(seed)
    for _ in range(lines):
        yield " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 12)))


def probes(seed):
    """The strings the fixture records: edge cases first, then random mixtures."""
    cases = ["", " ", "   ", "a", "A photo of a cat.", "a  photo\tof\na cat", "  leading and trailing  ",
             "UPPER lower MiXeD", "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３", "ﬁne ﬂow", "① ② ③", "½ ¼ ™ ©", "café", "cafe\u0301",
             "straße", "東京タワー", "日本語のテスト", "서울 특별시", "Ελλάδα", "москва", "🙂🙂🙂", "👨‍👩‍👧 family",
             "a_b_c", "snake_case_name", "hello, world! what's up?", "(parentheses) [brackets] {braces}",
             "tabs\tand\tnewlines\n\n", "zero\u200bwidth", "bell\u0007char", "nul\u0000char", "del\u007fchar",
             "non\u00a0breaking", "em\u2003space", "ideographic\u3000space", "\u2028line separator",
             "x" * 200, " ".join(["word"] * 80), "unknownglyph \U0001d54f \U00010400", "ǆ ĳ ℌ ℍ", "…—–",
             "http://example.com/path?q=1&r=2", "e-mail: user@example.com", "100% sure #1", "3.14159 2,718"]
    rng = random.Random(seed)
    alphabet = WORDS + list("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") + ["\t", "\n", "  ", "\u3000", "\u00a0"]
    while len(cases) < 2100:
        n = rng.randint(1, 14)
        parts = [rng.choice(alphabet) for _ in range(n)]
        sep = rng.choice([" ", "", "  ", " "])
        text = sep.join(parts)
        if rng.random() < 0.3:
            text = text.upper()
        cases.append(text)
    return cases


def main(out):
    os.makedirs(out, exist_ok=True)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=corpus(1, 6000), model_writer=model, vocab_size=160, hard_vocab_limit=False, model_type="unigram",
                                   normalization_rule_name="nmt_nfkc", character_coverage=0.995, pad_id=0, eos_id=1, unk_id=2,
                                   bos_id=-1, num_threads=1, seed_sentencepiece_size=20000, shuffle_input_sentence=False)
    path = os.path.join(out, "spiece.model")
    with open(path, "wb") as f:
        f.write(model.getvalue())
    sp = spm.SentencePieceProcessor(model_file=path)

    from transformers import SiglipTokenizer
    siglip = SiglipTokenizer(vocab_file=path)
    with open(os.path.join(out, "cases.jsonl"), "w") as f:
        # First line: how SiglipTokenizer pads (the rows below drop the trailing padding to stay small).
        f.write(json.dumps({"pad_id": siglip.pad_token_id, "eos_id": siglip.eos_token_id, "length": 64}) + "\n")
        for text in probes(2):
            ids = siglip(text, padding="max_length", max_length=64, truncation=True)["input_ids"]
            assert len(ids) == 64
            end = 64
            while end > 1 and ids[end - 1] == siglip.pad_token_id and ids[end - 2] == siglip.pad_token_id:
                end -= 1
            f.write(json.dumps({"text": text, "spm": sp.encode(text), "siglip": ids[:end]}, ensure_ascii=False) + "\n")
    print(f"{sp.get_piece_size()} pieces; {len(probes(2))} cases")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/CLIPTestSupport/Fixtures/sentencepiece")
