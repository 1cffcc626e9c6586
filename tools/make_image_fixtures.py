"""Writes image-pipeline parity fixtures: generated images in each mode SwiftCLIP decodes, and what the
reference preprocessing gives for them.

The reference is open_clip's transform on a PIL image, written out with Pillow calls because
torchvision cannot be imported here (tools/reference_env.py): `Resize(size, BICUBIC)` is
`img.resize((w, h), BICUBIC)` with the short side at `size` and the long side `int(size * long / short)`;
`CenterCrop` crops at `int(round((h - size) / 2))`; then `convert("RGB")`; `ToTensor` is `/255`; then
`Normalize(mean, std)`.

Usage: python tools/make_image_fixtures.py Tests/CLIPTestSupport/Fixtures/images
"""
import io
import json
import os
import sys

import numpy as np
import PIL
from PIL import Image, ImageOps

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


def reference_crop(img, size, squash=False):
    if squash:
        img = img.resize((size, size), Image.BICUBIC)
    else:
        w, h = img.size
        short, long = (w, h) if w <= h else (h, w)
        new_short, new_long = size, int(size * long / short)
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
        if (new_w, new_h) != img.size:
            img = img.resize((new_w, new_h), Image.BICUBIC)
        top = int(round((new_h - size) / 2.0))
        left = int(round((new_w - size) / 2.0))
        img = img.crop((left, top, left + size, top + size))
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def normalized(crop):
    x = crop.astype(np.float32) / np.float32(255)
    x = (x - MEAN) / STD
    return np.ascontiguousarray(x.transpose(2, 0, 1).astype(np.float32))


def photo(w, h, seed):
    """A smooth scene with edges and noise, so resampling differences would show."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 127 + 100 * np.sin(x / 17.0) * np.cos(y / 23.0)
    g = 127 + 90 * np.cos((x + y) / 31.0)
    b = np.where((x // 20 + y // 20) % 2 == 0, 60, 200).astype(np.float32)
    img = np.stack([r, g, b], -1) + rng.normal(0, 12, (h, w, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def png16(path, samples, color_type, interlace=False):
    """A 16-bit PNG written directly (Pillow cannot write 16-bit RGB). Rows cycle through all five
    filter types so a decoder's unfiltering is exercised; `interlace` writes Adam7 passes."""
    import struct
    import zlib
    if samples.ndim == 2:
        samples = samples[..., None]
    h, w, c = samples.shape
    bpp = 2 * c

    def filtered(rows):
        out, prior = [], bytes(len(rows[0]))
        for i, row in enumerate(rows):
            kind = i % 5
            enc = bytearray(len(row))
            for j in range(len(row)):
                a = row[j - bpp] if j >= bpp else 0
                b = prior[j]
                cc = prior[j - bpp] if j >= bpp else 0
                p = a + b - cc
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - cc)
                pred = [0, a, b, (a + b) // 2, a if pa <= pb and pa <= pc else (b if pb <= pc else cc)][kind]
                enc[j] = (row[j] - pred) & 0xFF
            out.append(bytes([kind]) + bytes(enc))
            prior = row
        return b"".join(out)

    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)] if interlace else [(0, 0, 1, 1)]
    raw = b""
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] and sub.shape[1]:
            raw += filtered([sub[y].astype(">u2").tobytes() for y in range(sub.shape[0])])

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    header = struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 1 if interlace else 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


HEIC_DECODED = ("photo.heic", "odd_161x121.heic", "alpha.heic", "chroma444.heic", "rotated_121x81.heic",
                "rotated_120x80.heic", "mirrored_121x81.heic", "transverse_alpha_99x77.heic")


def save(path, img, **kw):
    img.save(path, **kw)
    return path


def main(out):
    os.makedirs(out, exist_ok=True)
    cases = []

    def add(name, img, size=64, squash=False, apply_exif=False, **save_kw):
        path = os.path.join(out, name)
        save(path, img, **save_kw)
        ref = Image.open(path)
        ref.load()
        if apply_exif:
            ref = ImageOps.exif_transpose(ref)
        crop = reference_crop(ref, size, squash)
        np.save(path + ".crop.npy", crop)
        cases.append({"file": name, "size": size, "squash": squash, "exif": apply_exif, "mode": Image.open(path).mode})

    rgb = Image.fromarray(photo(300, 200, 1))
    add("rgb_baseline.jpg", rgb, quality=90)
    add("rgb_progressive.jpg", rgb, quality=85, progressive=True)
    add("rgb_lowq.jpg", rgb, quality=8)
    add("rgb_444.jpg", rgb, quality=95, subsampling=0)
    add("gray.jpg", rgb.convert("L"), quality=90)
    add("cmyk.jpg", rgb.convert("CMYK"), quality=90)
    add("rgb.png", Image.fromarray(photo(333, 217, 2)))
    rgba = Image.fromarray(photo(160, 120, 3)).convert("RGBA")
    alpha = np.tile(np.linspace(0, 255, 160, dtype=np.uint8), (120, 1))
    rgba.putalpha(Image.fromarray(alpha))
    add("rgba.png", rgba)
    add("gray.png", Image.fromarray(photo(150, 170, 4)).convert("L"))
    la = Image.fromarray(photo(150, 100, 5)).convert("LA")
    la.putalpha(Image.fromarray(np.tile(np.linspace(255, 0, 150, dtype=np.uint8), (100, 1))))
    add("gray_alpha.png", la)
    add("palette.png", Image.fromarray(photo(200, 140, 6)).convert("P", palette=Image.ADAPTIVE, colors=32))
    pt = Image.fromarray(photo(120, 90, 7)).convert("P", palette=Image.ADAPTIVE, colors=16)
    add("palette_transparent.png", pt, transparency=3)
    add("tiny_1x1.png", Image.fromarray(np.array([[[200, 30, 90]]], dtype=np.uint8)))
    add("tiny_5x3.png", Image.fromarray(photo(5, 3, 8)))
    add("wide_1000x60.png", Image.fromarray(photo(1000, 60, 9)))
    add("tall_90x700.png", Image.fromarray(photo(90, 700, 10)))
    add("odd_333x217_squash.png", Image.fromarray(photo(333, 217, 11)), squash=True)
    add("exact_64.png", Image.fromarray(photo(64, 64, 12)))
    add("rgb_224.jpg", Image.fromarray(photo(400, 300, 13)), size=224, quality=92)
    add("palette.gif", Image.fromarray(photo(180, 120, 21)).convert("P", palette=Image.ADAPTIVE, colors=64))
    add("gray.gif", Image.fromarray(photo(100, 140, 22)).convert("L"))
    add("identity_gray.gif", Image.fromarray(photo(100, 140, 26)).convert("L"), optimize=False)  # opens as mode L
    add("transparent.gif", Image.fromarray(photo(90, 90, 23)).convert("P", palette=Image.ADAPTIVE, colors=16), transparency=2)
    add("not_interlaced.gif", Image.fromarray(photo(77, 55, 24)).convert("P", palette=Image.ADAPTIVE, colors=32), interlace=False)
    gframes = [Image.fromarray(photo(100, 80, 25 + i)).convert("P", palette=Image.ADAPTIVE, colors=32) for i in range(3)]
    path = os.path.join(out, "animated.gif")
    gframes[0].save(path, save_all=True, append_images=gframes[1:], duration=80, loop=0)
    ref = Image.open(path)
    ref.load()
    np.save(path + ".crop.npy", reference_crop(ref, 64))
    cases.append({"file": "animated.gif", "size": 64, "squash": False, "exif": False, "mode": ref.mode})
    add("lossy.webp", Image.fromarray(photo(210, 150, 15)), quality=80)
    add("lossless.webp", Image.fromarray(photo(150, 210, 16)), lossless=True)
    add("alpha.webp", rgba, quality=90)
    # HEIC (pillow-heif's x265 encoder; the reference opens it through pillow-heif's plugin).
    import pillow_heif
    pillow_heif.register_heif_opener()
    add("photo.heic", Image.fromarray(photo(160, 120, 27)), quality=80)
    add("odd_161x121.heic", Image.fromarray(photo(161, 121, 28)), quality=70)
    add("alpha.heic", rgba, quality=80)
    add("chroma444.heic", Image.fromarray(photo(90, 70, 29)), quality=80, chroma=444)
    # pillow-heif stores EXIF orientation as the container's rotation (irot), which decoders apply.
    exif = Image.Exif()
    exif[0x0112] = 6
    add("rotated_121x81.heic", Image.fromarray(photo(121, 81, 37)), quality=80, exif=exif.tobytes())
    add("rotated_120x80.heic", Image.fromarray(photo(120, 80, 38)), quality=80, exif=exif.tobytes())
    exif[0x0112] = 2
    add("mirrored_121x81.heic", Image.fromarray(photo(121, 81, 39)), quality=80, exif=exif.tobytes())
    exif[0x0112] = 7
    add("transverse_alpha_99x77.heic", Image.fromarray(photo(99, 77, 40)).convert("RGBA"), quality=80, exif=exif.tobytes())
    for name in HEIC_DECODED:
        # The decoded pixels themselves, before any resizing, so a conversion difference cannot hide.
        np.save(os.path.join(out, name + ".decoded.npy"), np.asarray(Image.open(os.path.join(out, name))))
    frames = [Image.fromarray(photo(120, 100, 17 + i)) for i in range(2)]
    path = os.path.join(out, "animated.webp")
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100, loop=0, quality=85)
    ref = Image.open(path)
    ref.load()
    np.save(path + ".crop.npy", reference_crop(ref, 64))
    cases.append({"file": "animated.webp", "size": 64, "squash": False, "exif": False, "mode": ref.mode})
    # EXIF orientation 6 (rotate 90° clockwise to view): with orientation applied, and without.
    exif = Image.Exif()
    exif[0x0112] = 6
    path = os.path.join(out, "exif_rot6.jpg")
    Image.fromarray(photo(120, 80, 14)).save(path, quality=90, exif=exif.tobytes())
    for apply in (True, False):
        ref = Image.open(path)
        ref.load()
        if apply:
            ref = ImageOps.exif_transpose(ref)
        np.save(path + (".crop.npy" if apply else ".noexif.crop.npy"), reference_crop(ref, 64))
    cases.append({"file": "exif_rot6.jpg", "size": 64, "squash": False, "exif": True, "mode": "RGB"})
    cases.append({"file": "exif_rot6.jpg", "size": 64, "squash": False, "exif": False, "mode": "RGB", "expected": "exif_rot6.jpg.noexif.crop.npy"})
    # 16-bit PNGs: PIL keeps the high byte of RGB/RGBA samples. For 16-bit gray PIL's convert("RGB")
    # clips the I;16 values to white; SwiftCLIP deliberately keeps the high byte there too, so the
    # expected crop for gray16 is the 8-bit high-byte image run through the same pipeline.
    wide = (photo(130, 90, 20).astype(np.uint16) * 257 + np.arange(90 * 130 * 3, dtype=np.uint16).reshape(90, 130, 3) % 251)
    png16(os.path.join(out, "rgb16.png"), wide, 2)
    alpha16 = np.tile(np.linspace(0, 65535, 130).astype(np.uint16), (90, 1))[..., None]
    png16(os.path.join(out, "rgba16.png"), np.concatenate([wide, alpha16], -1), 6)
    png16(os.path.join(out, "rgba16_interlaced.png"), np.concatenate([wide, alpha16], -1), 6, interlace=True)
    png16(os.path.join(out, "gray_alpha16.png"), np.concatenate([wide[..., :1], alpha16[:, ::-1]], -1), 4)
    for name in ("rgb16.png", "rgba16.png", "rgba16_interlaced.png", "gray_alpha16.png"):
        ref = Image.open(os.path.join(out, name))
        np.save(os.path.join(out, name + ".crop.npy"), reference_crop(ref, 64))
        cases.append({"file": name, "size": 64, "squash": False, "exif": False, "mode": ref.mode})
    gray = wide[..., 0]
    png16(os.path.join(out, "gray16.png"), gray, 0)
    np.save(os.path.join(out, "gray16.png.crop.npy"), reference_crop(Image.fromarray((gray >> 8).astype(np.uint8)), 64))
    cases.append({"file": "gray16.png", "size": 64, "squash": False, "exif": False, "mode": "I;16 (as L, high byte)"})
    # Transparency PIL keeps beside the pixels (colour keys), and 1-bit gray (PIL's mode "1").
    keyed = photo(140, 100, 30)
    keyed[40:60, 60:90] = (10, 20, 30)
    add("rgb_colorkey.png", Image.fromarray(keyed), transparency=(10, 20, 30))
    gray_img = Image.fromarray(photo(140, 100, 31)).convert("L")
    add("gray_colorkey.png", gray_img, transparency=int(np.asarray(gray_img)[50, 70]))
    add("bilevel.png", Image.fromarray(photo(150, 110, 32)).convert("1"))
    # EXIF orientation in PNG (eXIf chunk) and WebP (EXIF chunk).
    for name, value, kw in (("exif_rot3.png", 3, {}), ("exif_rot8.webp", 8, {"quality": 90}), ("exif_mirror2.png", 2, {})):
        exif = Image.Exif()
        exif[0x0112] = value
        path = os.path.join(out, name)
        Image.fromarray(photo(110, 70, 33 + value)).save(path, exif=exif.tobytes(), **kw)
        ref = Image.open(path)
        ref.load()
        np.save(path + ".crop.npy", reference_crop(ImageOps.exif_transpose(ref), 64))
        cases.append({"file": name, "size": 64, "squash": False, "exif": True, "mode": ref.mode})
    # The full normalised tensor for one image, as ToTensor + Normalize compute it in float32.
    ref = Image.open(os.path.join(out, "rgb_224.jpg"))
    np.save(os.path.join(out, "rgb_224.jpg.tensor.npy"), normalized(reference_crop(ref, 224)))
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump({"pillow": PIL.__version__, "pillow_heif": pillow_heif.__version__, "cases": cases}, f, indent=1)
    print(len(cases), "cases, Pillow", PIL.__version__)


if __name__ == "__main__":
    main(sys.argv[1])
