"""Upload fixtures for charset detection: text in many encodings and binary files, built in memory.

Each fixture says what a correct reader does with it: read it back as exactly ``text`` (``expect="text"``) or
refuse it as binary (``expect="binary"``). Used by tests/test_charsets.py and bench/charsets.py.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Fixture:
    name: str
    data: bytes
    expect: str  # "text" | "binary" | "encoding" (refused, naming the encoding)
    text: str = ""  # what a correct decoder returns (line endings normalised to \n)


EN = ("The lighthouse keeper wrote in his log every evening. The sea was calm, the lamp was clean, and the\n"
      "ships passed safely through the narrow channel. On Sundays he baked bread and read old letters.\n") * 3
ZH = ("喵～亲爱的客官，本喵的云朵面包铺周六周日照常开门，刚出炉的奶油小云朵最抢手。\n"
      "如果您想预订生日蛋糕，请提前两天告诉本喵，我们会用新鲜的水果和奶油为您精心制作。祝您天天软乎乎！\n") * 3
ZH_TW = ("臺灣的夜市非常熱鬧，小吃種類繁多。遊客們喜歡在這裡品嚐滷肉飯、蚵仔煎和珍珠奶茶，\n"
         "感受當地的文化與人情味。每到週末，街道兩旁擠滿了攤販和行人，直到深夜才慢慢散去。\n") * 3
JA = ("吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で\n"
      "ニャーニャー泣いていた事だけは記憶している。吾輩はここで始めて人間というものを見た。\n") * 3
FR = ("Le café « crème » coûte 3 € — c’est l’été, déjà ! Les élèves révisent leurs leçons près de la fenêtre,\n"
      "puis ils goûtent une brioche à la pâtisserie du coin. Über die Straße läuft ein Mädchen mit ihrem Hund.\n") * 3
LATIN = ("Café crème brûlée, naïve façade, São Paulo, Zürich, El Niño and the Ångström unit were on the menu\n"
         "of our small international evening. Everyone agreed that the crème brûlée was the best dish.\n") * 3
POLISH = ("Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig. Współczesna polszczyzna ma wiele liter\n"
          "z ogonkami i kreskami, które w kodowaniu Windows-1250 zajmują jeden bajt każda.\n") * 3
RUSSIAN = ("Съешь же ещё этих мягких французских булок, да выпей чаю. Широкая электрификация южных губерний\n"
           "даст мощный толчок подъёму сельского хозяйства.\n") * 3
MOSTLY_ASCII = ("Meeting notes for the project review. We discussed the budget, the schedule and the risks.\n" * 12
                + "Next meeting: the café on Rue de Rivoli, with José and Zoë.\n"
                + "Action items were assigned to every team member before the end of the session.\n" * 12)


def _png() -> bytes:
    raw = b"".join(b"\x00" + bytes([x % 256, (x * 7) % 256, (x * 13) % 256]) * 16 for x in range(16))
    body = struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data  # noqa: E731
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", body) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", "<w:document>" + EN * 4 + "</w:document>")
    return buf.getvalue()


def _elf() -> bytes:
    header = b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0x401000, 64, 0, 0,
                                                              64, 56, 1, 64, 0, 0)
    return header + random.Random(1).randbytes(2000)


def _random_text_free(seed: int) -> bytes:
    """Random bytes without NULs (so the NUL test alone cannot catch them)."""
    return bytes(b or 1 for b in random.Random(seed).randbytes(3000))


def fixtures() -> list[Fixture]:
    t = lambda name, text, enc: Fixture(name, text.encode(enc), "text", text)  # noqa: E731
    b = lambda name, data: Fixture(name, data, "binary")  # noqa: E731
    return [
        t("utf-8 English", EN, "utf-8"),
        t("utf-8 Chinese", ZH, "utf-8"),
        t("utf-8 with BOM", ZH, "utf-8-sig"),
        t("utf-16 LE with BOM", ZH, "utf-16"),  # Python writes the BOM in native (little-endian) order
        Fixture("utf-16 BE with BOM", b"\xfe\xff" + FR.encode("utf-16-be"), "text", FR),
        t("utf-16 LE no BOM, English", EN, "utf-16-le"),
        t("utf-16 BE no BOM, English", FR, "utf-16-be"),
        t("utf-16 LE no BOM, Chinese", ZH, "utf-16-le"),
        t("utf-16 BE no BOM, Japanese", JA, "utf-16-be"),
        t("GB18030 Chinese", ZH, "gb18030"),
        t("GBK Chinese", ZH, "gbk"),
        t("GBK Chinese, short repetitive CSV", "id,回复\n" + "".join(
            f"{i},喵～亲爱的客官，本店第{i}号面包今天刚出炉，又香又软，欢迎品尝！\n" for i in range(40)), "gbk"),
        t("Big5 Traditional Chinese", ZH_TW, "big5"),
        t("Shift-JIS Japanese", JA, "shift_jis"),
        t("Windows-1252 Western", FR, "cp1252"),
        t("Latin-1 Western", LATIN, "latin-1"),
        t("Windows-1250 Polish", POLISH, "cp1250"),
        t("Windows-1251 Russian", RUSSIAN, "cp1251"),
        t("mostly ASCII, utf-8", MOSTLY_ASCII, "utf-8"),
        t("mostly ASCII, cp1252", MOSTLY_ASCII, "cp1252"),
        Fixture("EBCDIC (IBM mainframe) English", EN.encode("cp037"), "encoding"),
        Fixture("utf-8, Windows line endings", EN.replace("\n", "\r\n").encode("utf-8"), "text", EN),
        b("PNG picture", _png()),
        b("ZIP / .docx", _zip()),
        b("ELF program", _elf()),
        b("PDF", b"%PDF-1.7\n" + random.Random(2).randbytes(2000)),
        b("random bytes", random.Random(3).randbytes(3000)),
        b("random bytes without NUL", _random_text_free(4)),
        b("control characters", bytes(range(1, 9)) * 60),
        b("text with NUL bytes", b"hello\x00world" * 50),
    ]
