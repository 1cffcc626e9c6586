"""Writes the tokenizer parity fixture: ≥ 2,000 strings and the 77 ids open_clip's tokenizer gives each
(`SimpleTokenizer()([text])[0]`, trailing zero padding dropped to keep the file small).

Usage: python tools/make_tokenizer_fixtures.py Tests/CLIPTestSupport/Fixtures/tokenizer/cases.jsonl
"""
import json
import random
import sys

import reference_env  # noqa: F401
from open_clip.tokenizer import SimpleTokenizer

TEMPLATES = ["a photo of a {}.", "a bad photo of a {}.", "a sculpture of a {}.", "a rendering of a {}.",
             "graffiti of a {}.", "a cropped photo of the {}.", "a tattoo of a {}.", "the embroidered {}.",
             "a photo of the large {}.", "itap of a {}.", "art of the {}.", "a drawing of a {}.",
             "a photo of my {}.", "the plastic {}.", "a close-up photo of a {}.", "a black and white photo of the {}.",
             "a pixelated photo of the {}.", "a jpeg corrupted photo of a {}.", "a blurry photo of the {}.",
             "a toy {}.", "a low resolution photo of the {}.", "{}", "There is a {} in the scene."]
CLASSES = ["dog", "cat", "golden retriever", "tench", "great white shark", "jack-o'-lantern", "school bus",
           "espresso", "crème brûlée", "T-shirt", "German shepherd dog", "Würstchen", "piña colada",
           "loggerhead sea turtle", "African bush elephant", "3D printer", "CD player", "yo-yo", "ski mask"]
UNICODE = ["café au lait", "naïve résumé", "Ångström", "Zoë Saldaña", "façade", "smörgåsbord", "Łódź",
           "日本語の文章です", "中文字符测试", "한국어 문장", "Привет, мир!", "Съешь же ещё этих мягких французских булок",
           "مرحبا بالعالم", "שלום עולם", "ภาษาไทย", "हिन्दी भाषा", "Ελληνικά ΟΔΥΣΣΕΥΣ", "İstanbul ıi", "STRASSE ẞ ß",
           "👩‍👩‍👧‍👦 family", "👍🏽 thumbs", "🏳️‍🌈 flag", "🐶🐱🐭", "e\u0301 combining", "A\u030a decomposed",
           "ﬁsh ﬂour ﬀ", "ＬＯＵＤ　ＮＯＩＳＥＳ", "ｶﾀｶﾅ half width", "\u201ccurly\u201d \u2018quotes\u2019", "it\u2019s",
           "\u02bcmodifier apostrophe", "nbsp\u00a0here", "ideographic\u3000space", "em\u2003space", "zero\u200bwidth",
           "soft\u00adhyphen", "bom\ufeffinside", "bell\x07char", "null\x00char", "\x1b[31mred text\x1b[0m",
           "c1 \x93quoted\x94 \x80", "line\u2028separator", "para\u2029graph", "next\x85line", "tab\there",
           "mixed\r\nnewlines\rhere", "ＡＢＣ１２３", "①②③ circled", "½ ¼ ¾", "x² y³", "Ⅻ roman", "٣٤٥ arabic digits",
           "१२३ devanagari", "snake_case_name", "camelCaseWord", "UPPER lower MiXeD", "<start_of_text> literal",
           "<END_OF_TEXT>", "a <end_of_text> b", "😀😃😄😁😆", "∑∫√∞≈≠", "←↑→↓", "♠♣♥♦", "©®™", "§¶†‡"]
HTML = ["fish &amp; chips", "&lt;b&gt;bold&lt;/b&gt;", "&quot;quoted&quot;", "it&#39;s", "it&#x27;s", "caf&eacute;",
        "P&EACUTE;REZ", "&nbsp;space", "wait&hellip;", "&amp;amp; double", "&amp;lt; nested", "&notanentity;",
        "&amp no semicolon", "&ampersand", "AT&T", "a < b &amp; c", "x &lt y", "&#128; euro", "&#0; null",
        "&#xD800; surrogate", "&#1114112; too big", "&#65;&#66;&#67;", "&#x41;&#X42;", "&copy 2024", "&not;",
        "&notin;", "&frac12; cup", "&Auml;rger", "&#9731; snowman", "&#x1F600; emoji", "&bogus", "&#; empty",
        "&#x; empty hex", "&", "&&", "&;", "fish&chips", "&amp;&amp;&amp;", "&NTILDE;", "&nTILDE;", "<p>&amp;</p>",
        "&#99999999999999999999;", "&lt;&lt;&lt;", "&gt", "&LT;", "&ETH; &eth;", "&theta; &Theta;"]
CONTRACTIONS = ["don't", "I'M HERE", "they'll", "it's", "we've", "she'd", "'s", "'t", "rock 'n' roll",
                "o'clock", "ma'am", "y'all'd've", "CAN'T", "won’t", "students' books", "''quoted''", "'''", "'re'"]
NUMBERS = ["12345", "3.14159", "1,000,000", "2024-11-22", "v1.2.3", "100%", "$9.99", "0x1F", "1e-5", "007",
           "phone 555-0100", "9am-5pm", "4K 60fps", "B52", "R2D2"]
PUNCT = ["!!!", "?!?!", "...", "---", "@#$%^&*()", "<<>>", "~~", "\"\"", "(((nested)))", "[brackets]", "{braces}",
         "a--b", "end.", "...start", "!?", ";-)", ":D", "¯\\_(ツ)_/¯", "#hashtag", "@mention", "http://example.com/a?b=c"]
SPACE = ["  leading", "trailing  ", "  both  ", "multiple    spaces", "\ttabs\t", "\nnewline\n", " \u00a0\u2000 ", "",
         " ", "\u3000\u3000", "a\n\n\nb", "x \t\n y"]


def random_text(rng):
    pools = [TEMPLATES, CLASSES, UNICODE, HTML, CONTRACTIONS, NUMBERS, PUNCT, SPACE]
    parts = []
    for _ in range(rng.randint(1, 6)):
        pool = rng.choice(pools)
        item = rng.choice(pool)
        parts.append(item.format(rng.choice(CLASSES)) if "{}" in item else item)
    return rng.choice([" ", "", "  ", "\t", ", "]).join(parts)


def main(path):
    tok = SimpleTokenizer()
    rng = random.Random(1234)
    texts = []
    texts += [t.format(c) for t in TEMPLATES for c in CLASSES]
    texts += UNICODE + HTML + CONTRACTIONS + NUMBERS + PUNCT + SPACE
    texts += [t.upper() for t in UNICODE[:30]] + [t.title() for t in CLASSES]
    long_words = "the quick brown fox jumps over the lazy dog while photographers capture golden light".split()
    for n in [60, 75, 76, 77, 80, 150, 400]:
        texts.append(" ".join(rng.choice(long_words) for _ in range(n)))
    texts.append("🐶" * 100)
    texts.append("supercalifragilisticexpialidocious" * 8)
    while len(texts) < 2100:
        texts.append(random_text(rng))
    with open(path, "w", encoding="utf-8") as f:
        for text in texts:
            ids = tok([text])[0].tolist()
            while ids and ids[-1] == 0:
                ids.pop()
            f.write(json.dumps({"text": text, "ids": ids}, ensure_ascii=False) + "\n")
    print(len(texts), "cases")


if __name__ == "__main__":
    main(sys.argv[1])
