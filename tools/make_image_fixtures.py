#!/usr/bin/python3
"""Image-preprocessing fixtures for runtime/preproc, made with PIL and torchvision.

Usage (from the repo root; Debian's torch works with /usr/bin/python3 only):
  /usr/bin/python3 tools/make_image_fixtures.py          # writes runtime/preproc/testdata/ (~2 s)
  /usr/bin/python3 tools/make_image_fixtures.py --check  # recompute the expectations from the
                                                         # stored images, compare with the files

What it writes (all deterministic; Pillow 9.4, libjpeg-turbo 2.1.5, libwebp 1.2.4,
torch 1.13, torchvision 0.14.1 on Debian bookworm):

  img/<name>          small synthetic test images, drawn in code (gradients, noise, a
                      checkerboard, non-square, tiny, extreme aspect; PNG in every colour
                      type incl. 16-bit and palette+tRNS, JPEG 4:2:0/4:2:2/4:4:4/gray/
                      progressive/CMYK, GIF, BMP, TIFF, lossless and lossy WebP).
  want/<image>.<config>.u8.gz
                      the uint8 image after torchvision's geometric transforms, i.e.
                      PIL's Image.convert("RGB" or "L") -> Resize -> CenterCrop, as raw
                      bytes C x H x W (channels in RGB order), gzip'd.
  want/<image>.<config>.f32.gz
                      for a few cases the full float32 tensor (little-endian, C x H x W)
                      from ToTensor -> [x scale] -> [BGR] -> Normalize.
  want/<image>.decoded.gz
                      a few lossy images: PIL's decoded pixels after convert("RGB"), H x W x 3.
  want/lut.<config>.gz
                      float32 C x 256: what ToTensor -> scale -> reorder -> Normalize makes of
                      each 8-bit level in each output channel. ToTensor and Normalize act on
                      each value alone, so the full tensor is lut[c][u8[c',y,x]] (c' = the
                      source channel of output channel c). The script asserts this, bit for
                      bit, against the real torchvision pipeline for every case, so the
                      Go test may rebuild the tensor from the .u8 file and the table.
  cases.json          the configs (as runtime/preproc.Config fields) and the cases.
  fuzz/FuzzDecode/*   seed corpus for FuzzDecode: tiny images in every format and variant
                      (Go's corpus file format).

The torchvision pipeline for a config (C, H, W, resize R, crop, scale, order, mean, std):
  img = Image.open(path).convert("RGB" if C == 3 else "L")   # torchvision's pil_loader / Grayscale
  T.Resize(R)                 if R > 0          (PIL bilinear, antialiased)
  T.CenterCrop((cropH, cropW)) if crop > 0
  T.Resize((H, W))            if R == 0 and no crop and the image is not H x W
  T.ToTensor(); t = t * scale if scale != 1; t = t[[2, 1, 0]] if bgr; T.Normalize(mean, std)
"""
import argparse
import gzip
import io
import json
import os
import struct
import sys
import zlib

import numpy as np
import PIL
import torch
import torchvision
import torchvision.transforms as T
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "runtime", "preproc", "testdata")

IMAGENET = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])

# Config fields mirror runtime/preproc.Config.
CONFIGS = {
    # torchvision's ImageNet preset, scaled down: Resize(40) -> CenterCrop(32).
    "tv": dict(Channels=3, Height=32, Width=32, Resize=40, CropH=32, CropW=32, Scale=1,
               Order="rgb", Mean=IMAGENET["mean"], Std=IMAGENET["std"]),
    # The real preset: Resize(256) -> CenterCrop(224) (used on one large image only).
    "tv224": dict(Channels=3, Height=224, Width=224, Resize=256, CropH=224, CropW=224, Scale=1,
                  Order="rgb", Mean=IMAGENET["mean"], Std=IMAGENET["std"]),
    # Caffe's data layer: BGR, 0..255 minus the mean.
    "caffe": dict(Channels=3, Height=40, Width=40, Resize=48, CropH=40, CropW=40, Scale=255,
                  Order="bgr", Mean=[104, 117, 123], Std=[]),
    # MNIST-like: grayscale 28x28.
    "mnist": dict(Channels=1, Height=28, Width=28, Resize=32, CropH=28, CropW=28, Scale=1,
                  Order="rgb", Mean=[0.1307], Std=[0.3081]),
    # No resize, no crop: straight to H x W (aspect ratio not kept).
    "direct": dict(Channels=3, Height=24, Width=36, Resize=0, CropH=0, CropW=0, Scale=1,
                   Order="rgb", Mean=[0.5], Std=[0.25]),
    # timm's Inception preset, scaled down: Resize(40, bicubic) -> CenterCrop(32).
    "tvbicubic": dict(Channels=3, Height=32, Width=32, Resize=40, CropH=32, CropW=32, Scale=1,
                      Order="rgb", Mean=[0.5], Std=[0.5], Interpolation="bicubic"),
    # Bicubic straight to H x W, enlarging one side (the filter's negative lobes overshoot).
    "directbicubic": dict(Channels=3, Height=24, Width=36, Resize=0, CropH=0, CropW=0, Scale=1,
                          Order="rgb", Mean=[0.5], Std=[0.25], Interpolation="bicubic"),
    # Grayscale bicubic.
    "mnistbicubic": dict(Channels=1, Height=28, Width=28, Resize=32, CropH=28, CropW=28, Scale=1,
                         Order="rgb", Mean=[0.1307], Std=[0.3081], Interpolation="bicubic"),
    # Crop only: center crop, zero padding where the image is smaller.
    "croponly": dict(Channels=3, Height=48, Width=48, Resize=0, CropH=48, CropW=48, Scale=1,
                     Order="rgb", Mean=[], Std=[]),
}

ALL = ["tv", "caffe", "mnist", "direct", "croponly"]
NOCROP = ["tv", "caffe", "mnist", "direct"]
BASIC = ["tv", "mnist"]
BICUBIC = ["tvbicubic", "directbicubic", "mnistbicubic"]


# ---------------------------------------------------------------- drawing

def grad(w, h, seed):
    """A smooth colour image: ramps and a ring pattern whose centre depends on seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 255 * x / max(w - 1, 1)
    g = 255 * y / max(h - 1, 1)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    b = 127.5 + 120 * np.sin(np.hypot(x - cx, y - cy) / 3.0)
    return np.clip(np.rint(np.stack([r, g, b], -1)), 0, 255).astype(np.uint8)


def shapes(w, h, seed):
    """Flat-coloured rectangles and discs (no antialiasing): hard edges, compresses well."""
    from PIL import ImageDraw
    rng = np.random.default_rng(seed)
    im = Image.new("RGB", (w, h), (40, 90, 160))
    d = ImageDraw.Draw(im)
    for i in range(24):
        x0, y0 = int(rng.integers(-w // 4, w)), int(rng.integers(-h // 4, h))
        x1, y1 = x0 + int(rng.integers(4, w // 2)), y0 + int(rng.integers(4, h // 2))
        col = tuple(int(v) for v in rng.integers(0, 256, 3))
        (d.ellipse if i % 2 else d.rectangle)([x0, y0, x1, y1], fill=col)
    return np.asarray(im)


def photo(w, h, seed):
    """Photo-like content for the lossy codecs: blobs, sharp colour edges, texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.zeros((h, w, 3))
    for _ in range(6):
        cx, cy, s = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(w / 8, w / 3)
        col = rng.uniform(0, 255, 3)
        a += col * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s))[..., None]
    a = a / a.max() * 230
    a[h // 3:h // 2, w // 5:w // 2] = [250, 20, 30]   # saturated block: chroma edges
    a[(x + y) % 7 < 2] += 25                          # fine diagonal texture
    a += rng.normal(0, 3, a.shape)
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def noise(w, h, seed, c=3):
    return np.random.default_rng(seed).integers(0, 256, (h, w, c), dtype=np.uint8)


def checker(w, h, cell):
    y, x = np.mgrid[0:h, 0:w]
    on = ((x // cell + y // cell) % 2).astype(bool)
    a = np.zeros((h, w, 3), np.uint8)
    a[on] = [250, 240, 10]
    a[~on] = [10, 30, 200]
    return a


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png16(samples, color_type, trns=None):
    """A 16-bit PNG written by hand (PIL cannot write 16-bit colour). samples: uint16 HxWxN."""
    h, w = samples.shape[:2]
    raw = b"".join(b"\x00" + samples[i].astype(">u2").tobytes() for i in range(h))
    out = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0))
    if trns is not None:
        out += png_chunk(b"tRNS", trns)
    return out + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")


def save(im, **kw):
    b = io.BytesIO()
    im.save(b, **kw)
    return b.getvalue()


def make_images():
    """name -> (bytes, configs, kind). kind "exact" or the lossy codec's name."""
    imgs = {}

    def add(name, data, configs, kind="exact"):
        imgs[name] = (data, configs, kind)

    add("grad_203x157.png", save(Image.fromarray(grad(203, 157, 1)), format="PNG"), ALL + BICUBIC)
    add("noise_61x83.png", save(Image.fromarray(noise(61, 83, 2)), format="PNG"), NOCROP + BICUBIC)
    add("checker_96x96.png", save(Image.fromarray(checker(96, 96, 3)), format="PNG"), BASIC + ["caffe"] + BICUBIC)
    add("wide_300x20.png", save(Image.fromarray(grad(300, 20, 3)), format="PNG"), ALL + BICUBIC)
    add("tiny_1x1.png", save(Image.fromarray(np.array([[[200, 100, 50]]], np.uint8)), format="PNG"), ALL + BICUBIC)
    add("tiny_3x2.png", save(Image.fromarray(noise(3, 2, 4)), format="PNG"), ALL + BICUBIC)
    add("gray_75x50.png", save(Image.fromarray(grad(75, 50, 5)[..., 1]), format="PNG"), BASIC + ["caffe"] + BICUBIC)
    # Palette with a transparent entry (PIL keeps the entry's RGB; so does Go's NRGBA palette).
    p = Image.fromarray((noise(7, 9, 6, 1)[..., 0] // 16).repeat(10, 0).repeat(10, 1), "L").convert("P")
    pal = noise(16, 1, 7).reshape(-1).tolist()
    p.putpalette(pal + [0] * (768 - len(pal)))
    add("palette_70x90.png", save(p, format="PNG", transparency=3), ALL)
    rgba = np.concatenate([grad(64, 48, 8), np.tile(np.linspace(0, 255, 64).astype(np.uint8), (48, 1))[..., None]], -1)
    add("rgba_64x48.png", save(Image.fromarray(rgba, "RGBA"), format="PNG"), NOCROP)
    la = np.stack([grad(40, 40, 9)[..., 0], noise(40, 40, 10, 1)[..., 0]], -1)
    add("la_40x40.png", save(Image.fromarray(la, "LA"), format="PNG"), BASIC)
    # 16-bit grayscale: PIL opens it as mode "I" and convert() clips to 0..255.
    g16 = (np.arange(50 * 40).reshape(40, 50) * 7 % 1500).astype(np.uint16)
    add("gray16_50x40.png", save(Image.fromarray(g16), format="PNG"), BASIC)
    # 16-bit grayscale with tRNS: still mode "I" for PIL (Go makes it NRGBA64).
    add("gray16trns_20x16.png", png16(((np.arange(320).reshape(16, 20) * 3) % 600)[..., None], 0,
                                      trns=struct.pack(">H", 30)), BASIC)
    # 16-bit colour: PIL keeps the high byte of each sample.
    rgb16 = (grad(32, 24, 11).astype(np.uint16) * 257 + noise(32, 24, 12).astype(np.uint16)).astype(np.uint16)
    add("rgb16_32x24.png", png16(rgb16, 2), BASIC)
    rgba16 = np.concatenate([rgb16[:16, :20], (noise(20, 16, 13, 1).astype(np.uint16) * 255)], -1)
    add("rgba16_20x16.png", png16(rgba16, 6), BASIC)
    la16 = np.concatenate([rgb16[:16, :20, :1], rgb16[:16, :20, 1:2]], -1)
    add("la16_20x16.png", png16(la16, 4), BASIC)
    # Large smooth image for the real 256/224 preset.
    add("big_480x360.png", save(Image.fromarray(shapes(480, 360, 14)), format="PNG", optimize=True), ["tv224", "tv"])
    # Other lossless formats.
    gif = Image.fromarray(grad(50, 40, 15)).quantize(64, dither=Image.Dither.NONE)
    add("grad_50x40.gif", save(gif, format="GIF"), BASIC)
    add("grad_45x30.bmp", save(Image.fromarray(grad(45, 30, 16)), format="BMP"), BASIC)
    add("grad_45x30.tif", save(Image.fromarray(grad(45, 30, 17)), format="TIFF"), BASIC)
    add("grad_45x30_lzw.tif", save(Image.fromarray(grad(45, 30, 18)), format="TIFF", compression="tiff_lzw"), BASIC)
    add("grad_44x30.webp", save(Image.fromarray(grad(44, 30, 19)), format="WEBP", lossless=True), BASIC)
    # Lossy formats (compared with a tolerance; see cases.json "kind").
    ph = photo(61, 47, 20)  # odd sizes: the last chroma sample covers one pixel
    add("photo420_61x47.jpg", save(Image.fromarray(ph), format="JPEG", quality=90, subsampling=2), ALL, "jpeg")
    add("photo422_64x48.jpg", save(Image.fromarray(photo(64, 48, 21)), format="JPEG", quality=90, subsampling=1), BASIC, "jpeg")
    add("photo444_64x48.jpg", save(Image.fromarray(photo(64, 48, 22)), format="JPEG", quality=90, subsampling=0), BASIC, "jpeg")
    add("photo_prog_64x48.jpg", save(Image.fromarray(photo(64, 48, 23)), format="JPEG", quality=75, progressive=True), BASIC, "jpeg")
    add("gray_64x48.jpg", save(Image.fromarray(photo(64, 48, 24)).convert("L"), format="JPEG", quality=90), BASIC, "jpeg")
    add("cmyk_48x40.jpg", save(Image.fromarray(photo(48, 40, 25)).convert("CMYK"), format="JPEG", quality=95), BASIC, "jpeg")
    add("photo_61x47.webp", save(Image.fromarray(ph), format="WEBP", quality=85), ALL, "webp")
    pa = np.concatenate([photo(64, 48, 26), noise(64, 48, 27, 1) | 1], -1)
    add("photo_alpha_64x48.webp", save(Image.fromarray(pa, "RGBA"), format="WEBP", quality=85), BASIC, "webp")
    return imgs


# ---------------------------------------------------------------- torchvision

def geometric(cfg):
    mode = {"bicubic": T.InterpolationMode.BICUBIC}.get(cfg.get("Interpolation"), T.InterpolationMode.BILINEAR)
    ts = []
    if cfg["Resize"] > 0:
        ts.append(T.Resize(cfg["Resize"], interpolation=mode))
    if cfg["CropH"] > 0:
        ts.append(T.CenterCrop((cfg["CropH"], cfg["CropW"])))
    if cfg["Resize"] == 0 and cfg["CropH"] == 0:
        ts.append(T.Resize((cfg["Height"], cfg["Width"]), interpolation=mode))
    return T.Compose(ts)


def to_float(cfg, pil):
    t = T.ToTensor()(pil)
    if cfg["Scale"] != 1:
        t = t * float(cfg["Scale"])
    if cfg["Order"] == "bgr":
        t = t[[2, 1, 0]]
    if cfg["Mean"]:
        std = cfg["Std"] or [1.0] * len(cfg["Mean"])
        t = T.Normalize(cfg["Mean"], std)(t)
    elif cfg["Std"]:
        t = T.Normalize([0.0] * len(cfg["Std"]), cfg["Std"])(t)
    return t


def lut(cfg):
    c = cfg["Channels"]
    levels = np.tile(np.arange(256, dtype=np.uint8), (1, 1))
    im = Image.fromarray(np.repeat(levels[..., None], 3, -1) if c == 3 else levels, "RGB" if c == 3 else "L")
    t = to_float(cfg, im)  # C x 1 x 256
    return t.reshape(c, 256).numpy().astype("<f4")


def run(path, cfg):
    im = Image.open(path).convert("RGB" if cfg["Channels"] == 3 else "L")
    g = geometric(cfg)(im)
    assert g.size == (cfg["Width"], cfg["Height"]), (path, g.size)
    u8 = np.asarray(g)
    u8 = u8.transpose(2, 0, 1) if u8.ndim == 3 else u8[None]
    full = to_float(cfg, g).numpy().astype("<f4")
    table = lut(cfg)
    src = [2, 1, 0] if cfg["Order"] == "bgr" and cfg["Channels"] == 3 else list(range(cfg["Channels"]))
    rebuilt = np.stack([table[c][u8[src[c]]] for c in range(cfg["Channels"])])
    assert rebuilt.tobytes() == full.tobytes(), f"{path}: lut does not reproduce torchvision"
    return np.ascontiguousarray(u8), full


def fuzz_seeds():
    """name -> bytes: tiny images, one per format and variant, for FuzzDecode."""
    a = photo(9, 7, 30)
    im = Image.fromarray(a)
    seeds = {
        "jpeg420": save(im, format="JPEG", quality=50, subsampling=2),
        "jpeg422": save(im, format="JPEG", quality=50, subsampling=1),
        "jpeg_progressive": save(im, format="JPEG", quality=50, progressive=True),
        "jpeg_gray": save(im.convert("L"), format="JPEG", quality=50),
        "jpeg_cmyk": save(im.convert("CMYK"), format="JPEG", quality=50),
        "png_interlaced": save(im, format="PNG", interlace=1),
        "png_palette": save(im.quantize(4), format="PNG", transparency=1),
        "png_rgb16": png16(a[:3, :4].astype(np.uint16) * 257, 2),
        "png_gray16_trns": png16(a[:3, :4, :1].astype(np.uint16) * 300, 0, trns=struct.pack(">H", 300)),
        "gif": save(im.quantize(8), format="GIF"),
        "bmp": save(im, format="BMP"),
        "tiff_lzw": save(im, format="TIFF", compression="tiff_lzw"),
        "webp_lossy": save(im, format="WEBP", quality=50),
        "webp_lossless": save(im, format="WEBP", lossless=True),
        "webp_alpha": save(Image.fromarray(np.concatenate([a, a[..., :1]], -1), "RGBA"), format="WEBP", quality=50),
    }
    out = {}
    for name, data in seeds.items():
        lit = "".join(chr(b) if 32 <= b < 127 and chr(b) not in '"\\' else f"\\x{b:02x}" for b in data)
        out[name] = f'go test fuzz v1\n[]byte("{lit}")\n'.encode()
    return out


def gz(data):
    b = io.BytesIO()
    with gzip.GzipFile(fileobj=b, mode="wb", mtime=0, compresslevel=9) as f:
        f.write(data)
    return b.getvalue()


# Lossy images whose PIL-decoded pixels are stored too (the Go test reports decode-level diffs).
DECODED = {"photo420_61x47.jpg", "photo_61x47.webp", "cmyk_48x40.jpg"}

FULL_F32 = {("grad_203x157.png", "tv"), ("noise_61x83.png", "directbicubic"), ("palette_70x90.png", "caffe"), ("gray_75x50.png", "mnist"),
            ("wide_300x20.png", "direct"), ("tiny_3x2.png", "croponly")}


def build(check):
    imgdir, wantdir = os.path.join(OUT, "img"), os.path.join(OUT, "want")
    files = {}
    if check:
        meta = json.load(open(os.path.join(OUT, "cases.json")))
        images = {c["image"]: c for c in meta["images"]}
        names = sorted(images)
        plan = {n: (images[n]["configs"], images[n]["kind"]) for n in names}
    else:
        made = make_images()
        names = sorted(made)
        plan = {n: (made[n][1], made[n][2]) for n in names}
        os.makedirs(imgdir, exist_ok=True)
        for n in names:  # the inputs are written first; everything below reads the files
            with open(os.path.join(imgdir, n), "wb") as f:
                f.write(made[n][0])
    cases, image_meta = [], []
    for n in names:
        configs, kind = plan[n]
        path = os.path.join(imgdir, n)
        src = path
        pil = Image.open(src)
        image_meta.append(dict(image=n, mode=pil.mode, size=list(pil.size), kind=kind, configs=configs))
        if n in DECODED:
            dec = np.ascontiguousarray(np.asarray(Image.open(src).convert("RGB")))
            files[os.path.join(wantdir, n + ".decoded.gz")] = gz(dec.tobytes())
        for cn in configs:
            u8, full = run(src, CONFIGS[cn])
            case = dict(image=n, config=cn, kind=kind, u8=f"{n}.{cn}.u8.gz")
            files[os.path.join(wantdir, case["u8"])] = gz(u8.tobytes())
            if (n, cn) in FULL_F32:
                case["f32"] = f"{n}.{cn}.f32.gz"
                files[os.path.join(wantdir, case["f32"])] = gz(full.tobytes())
            cases.append(case)
    for cn, cfg in CONFIGS.items():
        files[os.path.join(wantdir, f"lut.{cn}.gz")] = gz(lut(cfg).tobytes())
    if not check:  # inputs, like the images: written, not compared
        for name, data in fuzz_seeds().items():
            files[os.path.join(OUT, "fuzz", "FuzzDecode", name)] = data
    meta = dict(
        generator="tools/make_image_fixtures.py",
        versions=dict(pillow=PIL.__version__, torch=torch.__version__, torchvision=torchvision.__version__),
        configs=CONFIGS, images=image_meta, cases=cases)
    files[os.path.join(OUT, "cases.json")] = (json.dumps(meta, indent=1, sort_keys=True) + "\n").encode()
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="recompute from the stored images and compare")
    args = ap.parse_args()
    torch.set_num_threads(1)
    files = build(args.check)
    bad = 0
    total = 0
    for path in sorted(files):
        data = files[path]
        total += len(data)
        if args.check:
            old = open(path, "rb").read() if os.path.exists(path) else None
            if old != data:
                print("differs:", os.path.relpath(path, ROOT))
                bad += 1
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)
    print(f"{len(files)} files, {total} bytes" + (f", {bad} differ" if args.check else ""))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
