//! Hand-printed digits: a second reader for the boxes of numeric fields (SSN, date of birth,
//! claim number).
//!
//! Tesseract's English model reads hand-printed digits poorly ("958-97-9371" comes back as
//! "458-97-937)"). This reader takes the box's main row of ink (box ruling removed, connected
//! components of the text row) and reads it whole with small convolutional networks trained
//! with CTC (an ensemble of two, `assets/digit-lines.bin` and `assets/digit-lines-b.bin`, 215 KB
//! each, whose probabilities are averaged): they give, for every fourth column,
//! the probabilities of a blank, each digit, '-', '/', the letters of a claim number's prefix
//! (C, S, A, F, I) and "other" (other letters, punctuation), so characters that touch or
//! strokes that break need no cutting into glyphs. It was trained by
//! `scripts/train-digit-lines.py` on rows composed from MNIST's hand-written digits, from
//! characters of 182 font faces and (the second network) from stroke-drawn writers; none of the
//! fonts the fixture generator writes with is among them, so the evaluation measures it on hands
//! it never saw.
//!
//! The row is decoded against the field's shapes (`SHAPES`: an SSN's 3-2-4 digits, a date's
//! month, day and year, a claim number's CSA, CSF or CSI and seven digits) by a CTC Viterbi
//! search, so the reading always has the field's form; its confidence is that of its least
//! certain character, discounted by how much the shape had to overrule the network (a row of
//! printed text forced into an SSN scores near zero and is dropped).

use std::sync::OnceLock;

use image::GrayImage;

/// The row network's classes after the CTC blank (index 0): digits, separators and the letters
/// of a claim number's prefix (CSA, CSF, CSI); the last, "other", stands for other letters and
/// punctuation.
const CLASSES: &[u8; 17] = b"0123456789-/CSAFI";
const BLANK: usize = 0;
const HYPHEN: usize = 11;
const SLASH: usize = 12;
/// The prefix letters' classes.
const LETTERS: std::ops::RangeInclusive<usize> = 13..=17;
const OTHER: usize = 18;

/// One convolution (kh x kw, zero padding to keep the size), then ReLU and max pooling
/// (ph x pw); the last layer of the network gives the logits and has neither.
struct Conv {
    out: usize,
    inp: usize,
    kh: usize,
    kw: usize,
    ph: usize,
    pw: usize,
    w: Vec<f32>,
    b: Vec<f32>,
}

impl Conv {
    /// `x`: `inp` planes of h x w; returns `out` planes of the same size.
    fn apply(&self, x: &[f32], h: usize, w: usize) -> Vec<f32> {
        let mut out = vec![0.0f32; self.out * h * w];
        let (ry, rx) = ((self.kh / 2) as isize, (self.kw / 2) as isize);
        for o in 0..self.out {
            let plane = &mut out[o * h * w..(o + 1) * h * w];
            plane.fill(self.b[o]);
            for i in 0..self.inp {
                let src = &x[i * h * w..(i + 1) * h * w];
                for ky in 0..self.kh {
                    let dy = ky as isize - ry;
                    let (y0, y1) = ((-dy).max(0) as usize, (h as isize - dy).min(h as isize).max(0) as usize);
                    for kx in 0..self.kw {
                        let wt = self.w[((o * self.inp + i) * self.kh + ky) * self.kw + kx];
                        if wt == 0.0 {
                            continue;
                        }
                        let dx = kx as isize - rx;
                        let (x0, x1) = ((-dx).max(0) as usize, (w as isize - dx).min(w as isize).max(0) as usize);
                        if x0 >= x1 {
                            continue;
                        }
                        for y in y0..y1 {
                            let sy = (y as isize + dy) as usize;
                            let srow = &src[sy * w + (x0 as isize + dx) as usize..sy * w + (x1 as isize + dx) as usize];
                            let orow = &mut plane[y * w + x0..y * w + x1];
                            for (o, s) in orow.iter_mut().zip(srow) {
                                *o += wt * s;
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// ReLU and max pooling of `c` planes of h x w by ph x pw (the remainder dropped).
fn relu_pool(x: &[f32], c: usize, h: usize, w: usize, ph: usize, pw: usize) -> (Vec<f32>, usize, usize) {
    let (nh, nw) = (h / ph, w / pw);
    let mut out = vec![0.0f32; c * nh * nw];
    for ch in 0..c {
        for oy in 0..nh {
            for ox in 0..nw {
                let mut m = 0.0f32;
                for yy in 0..ph {
                    for xx in 0..pw {
                        m = m.max(x[(ch * h + oy * ph + yy) * w + ox * pw + xx]);
                    }
                }
                out[(ch * nh + oy) * nw + ox] = m;
            }
        }
    }
    (out, nh, nw)
}

/// The row reader: convolutions over the row image, then over its columns, giving class
/// scores for every fourth column (weights in `assets/digit-lines.bin`, trained with CTC by
/// `scripts/train-digit-lines.py`), averaged with the ensemble's `others`
/// (`assets/digit-lines-b.bin`).
struct RowNet {
    /// Input height; the ink is scaled to `core` pixels high, `pad` pixels from each edge;
    /// rows wider than `max_w` are squeezed.
    row: usize,
    core: usize,
    pad: usize,
    max_w: usize,
    layers: Vec<Conv>,
    /// The layers of the ensemble's other networks (the same shape, trained apart): their
    /// probabilities are averaged with the first's.
    others: Vec<Vec<Conv>>,
}

fn parse_row_net(bytes: &[u8]) -> Option<RowNet> {
    let rest = bytes.strip_prefix(b"CFLINES1")?;
    let mut pos = 0;
    let u32s = |n: usize, pos: &mut usize| -> Option<Vec<usize>> {
        let b = rest.get(*pos..*pos + n * 4)?;
        *pos += n * 4;
        Some(b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as usize).collect())
    };
    let head = u32s(5, &mut pos)?;
    let (row, core, pad, max_w, n) = (head[0], head[1], head[2], head[3], head[4]);
    let mut layers = Vec::with_capacity(n);
    for _ in 0..n {
        let d = u32s(6, &mut pos)?;
        let (out, inp, kh, kw, ph, pw) = (d[0], d[1], d[2], d[3], d[4], d[5]);
        if out == 0 || inp == 0 || kh % 2 == 0 || kw % 2 == 0 || ph == 0 || pw == 0 || out * inp * kh * kw > 1 << 22 {
            return None;
        }
        let floats = |pos: &mut usize, n: usize| -> Option<Vec<f32>> {
            let b = rest.get(*pos..*pos + n * 4)?;
            *pos += n * 4;
            Some(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
        };
        let scale = floats(&mut pos, out)?;
        let b = floats(&mut pos, out)?;
        let per = inp * kh * kw;
        let q = rest.get(pos..pos + out * per)?;
        pos += out * per;
        let w = q.iter().enumerate().map(|(i, v)| *v as i8 as f32 * scale[i / per]).collect();
        layers.push(Conv { out, inp, kh, kw, ph, pw, w, b });
    }
    let classes_ok = layers.last().is_some_and(|l| l.out == OTHER + 1);
    (pos == rest.len() && classes_ok && layers.first().is_some_and(|l| l.inp == 1) && core + 2 * pad <= row).then_some(RowNet { row, core, pad, max_w, layers, others: Vec::new() })
}

/// Networks of one shape as an ensemble: None unless every one parses and has the first's
/// input geometry and layer shapes.
fn ensemble(files: &[&[u8]]) -> Option<RowNet> {
    let mut nets = files.iter().map(|f| parse_row_net(f));
    let mut first = nets.next()??;
    let shape = |n: &RowNet| {
        let layers: Vec<_> = n.layers.iter().map(|l| (l.out, l.inp, l.kh, l.kw, l.ph, l.pw)).collect();
        (n.row, n.core, n.pad, n.max_w, layers)
    };
    for net in nets {
        let net = net?;
        if shape(&net) != shape(&first) {
            return None;
        }
        first.others.push(net.layers);
    }
    Some(first)
}

fn row_net() -> Option<&'static RowNet> {
    static NET: OnceLock<Option<RowNet>> = OnceLock::new();
    NET.get_or_init(|| ensemble(&[include_bytes!("../assets/digit-lines.bin"), include_bytes!("../assets/digit-lines-b.bin")])).as_ref()
}

/// A row image for the network: planes of `row` x `w`.
struct RowImage {
    px: Vec<f32>,
    w: usize,
    /// Frames that cover the row; the rest cover the blank margin.
    frames: usize,
    /// Columns of the ink per column of the network's input.
    scale: f32,
}

/// Blank columns after the row. In training every row was followed by blank image up to the
/// training width, and the network learnt to end a row there: zero padding inside the
/// convolutions is not the same, and without this margin the last digit is lost.
const RIGHT_MARGIN: usize = 48;

impl RowNet {
    /// The ink of the row's glyphs, cropped to its bounding box and scaled as in training.
    fn input(&self, ink: &GrayImage) -> RowImage {
        let (iw, ih) = (ink.width() as usize, ink.height() as usize);
        let nw = ((iw as f32 * self.core as f32 / ih.max(1) as f32).round() as usize).clamp(1, self.max_w);
        let small = image::imageops::resize(ink, nw as u32, self.core as u32, image::imageops::FilterType::Triangle);
        let width = nw + 2 * self.pad + RIGHT_MARGIN;
        let mut px = vec![0.0f32; self.row * width];
        for (x, y, p) in small.enumerate_pixels() {
            px[(self.pad + y as usize) * width + self.pad + x as usize] = p.0[0] as f32 / 255.0;
        }
        let stride: usize = self.layers.iter().map(|l| l.pw).product();
        RowImage { px, w: width, frames: (nw + 2 * self.pad).div_ceil(stride.max(1)), scale: iw as f32 / nw as f32 }
    }

    /// Log-probabilities of the classes (blank, digits, '-', '/', other) for each frame.
    /// The column of the ink where frame `t` starts.
    fn ink_column(&self, img: &RowImage, t: usize) -> usize {
        let stride: usize = self.layers.iter().map(|l| l.pw).product();
        ((t * stride).saturating_sub(self.pad) as f32 * img.scale) as usize
    }

    fn log_probs(&self, img: &RowImage) -> Vec<[f32; OTHER + 1]> {
        let mut frames = self.log_probs_of(&self.layers, img);
        if self.others.is_empty() {
            return frames;
        }
        // The ensemble's mean probability of each class in each frame.
        let n = (self.others.len() + 1) as f32;
        frames.iter_mut().flatten().for_each(|v| *v = v.exp());
        for layers in &self.others {
            for (f, g) in frames.iter_mut().zip(self.log_probs_of(layers, img)) {
                f.iter_mut().zip(g).for_each(|(a, b)| *a += b.exp());
            }
        }
        frames.iter_mut().flatten().for_each(|v| *v = (*v / n).max(f32::MIN_POSITIVE).ln());
        frames
    }

    fn log_probs_of(&self, layers: &[Conv], img: &RowImage) -> Vec<[f32; OTHER + 1]> {
        let (mut x, mut c, mut h, mut w) = (img.px.clone(), 1, self.row, img.w);
        for (i, layer) in layers.iter().enumerate() {
            if layer.inp != c {
                // From the image's planes to its columns: c planes of h rows are c * h rows of 1.
                if layer.inp != c * h {
                    return Vec::new();
                }
                h = 1;
            }
            x = layer.apply(&x, h, w);
            c = layer.out;
            if i + 1 < layers.len() {
                (x, h, w) = relu_pool(&x, c, h, w, layer.ph, layer.pw);
            }
        }
        (0..w.min(img.frames))
            .map(|t| {
                let mut v = [0.0f32; OTHER + 1];
                for (k, slot) in v.iter_mut().enumerate() {
                    *slot = x[k * h * w + t];
                }
                let max = v.iter().cloned().fold(f32::MIN, f32::max);
                let lse = max + v.iter().map(|a| (a - max).exp()).sum::<f32>().ln();
                v.iter_mut().for_each(|a| *a -= lse);
                v
            })
            .collect()
    }
}

/// The shapes a field's value is written in, as patterns: `d` a digit, `[0-3]` a digit of a
/// range or list, a capital letter itself, `-` and `/` themselves, `x` a letter of a prefix read
/// as anything (a letter, "other", or the digit it looks like: S as 5, I as 1). Dates are those
/// `extract` accepts: month and day of one or two digits, born 1910-2029 (the people of a
/// retirement case file; a hand-printed year's third digit was often misread as 0, "1905" for
/// "1965").
///
/// A field may have several entries: they are tried in order, the next only when the ones
/// before read nothing of [`MIN_CONFIDENCE`]. A claim number is first read whole, letters and
/// digits ("CSA 6147167"). When the network is not sure of its letters, the prefix is up to
/// three letters read as anything, however many of them the network sees apart; the digits are
/// the reading, and the letters' ink is handed back for the caller to read ([`RowRead::lead`]).
const SHAPES: &[(&str, &[&str])] = &[
    ("ssn", &["ddd-dd-dddd", "ddddddddd"]),
    ("claim_number", &["CS[AFI]ddddddd"]),
    ("claim_number", &["ddddddd", "xddddddd", "xxddddddd", "xxxddddddd"]),
    (
        "date_of_birth",
        &[
            "[01]d/[0-3]d/19[1-9]d",
            "[01]d/[0-3]d/20[0-2]d",
            "d/[0-3]d/19[1-9]d",
            "d/[0-3]d/20[0-2]d",
            "[01]d/d/19[1-9]d",
            "[01]d/d/20[0-2]d",
            "d/d/19[1-9]d",
            "d/d/20[0-2]d",
            "[01]d-[0-3]d-19[1-9]d",
            "[01]d-[0-3]d-20[0-2]d",
            "d-[0-3]d-19[1-9]d",
            "d-[0-3]d-20[0-2]d",
            "[01]d-d-19[1-9]d",
            "[01]d-d-20[0-2]d",
            "d-d-19[1-9]d",
            "d-d-20[0-2]d",
        ],
    ),
];

/// A shape as a template: per character, the classes allowed there.
type Template = Vec<Vec<usize>>;

/// A field's shapes as templates, one list per entry of [`SHAPES`] (tried in this order).
fn templates(field: &str) -> Vec<Vec<Template>> {
    let digit = |c: u8| CLASSES.iter().position(|k| *k == c).map_or(OTHER, |i| i + 1);
    let parse = |p: &str| -> Vec<Vec<usize>> {
        let b = p.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'd' => out.push((1..=10).collect()),
                b'x' => out.push((1..=10).chain(LETTERS).chain([OTHER]).collect()),
                b'-' => out.push(vec![HYPHEN]),
                b'/' => out.push(vec![SLASH]),
                b'[' => {
                    let end = p[i..].find(']').map_or(b.len(), |e| i + e);
                    let set = &b[i + 1..end];
                    let mut classes = Vec::new();
                    let mut j = 0;
                    while j < set.len() {
                        if j + 2 < set.len() && set[j + 1] == b'-' {
                            classes.extend(digit(set[j])..=digit(set[j + 2]));
                            j += 3;
                        } else {
                            classes.push(digit(set[j]));
                            j += 1;
                        }
                    }
                    out.push(classes);
                    i = end;
                }
                c => out.push(vec![digit(c)]),
            }
            i += 1;
        }
        out
    };
    SHAPES.iter().filter(|(f, _)| *f == field).map(|(_, shapes)| shapes.iter().map(|p| parse(p)).collect()).collect()
}

/// A template's decoding: the value's text (a prefix read as anything left out), its
/// confidence, the first frame of the value's first character, and whether a prefix was left
/// out.
#[derive(Debug, Clone, PartialEq)]
struct Decoded {
    text: String,
    conf: f32,
    start: usize,
    prefix_left_out: bool,
}

/// The best reading of the frames that fits one of the templates (CTC Viterbi over the
/// template's characters), as text with its confidence: the probability of its least certain
/// digit or letter, discounted by how much less likely than the network's own best reading it is (a row
/// of text forced into a date's shape scores near zero).
fn decode(frames: &[[f32; OTHER + 1]], templates: &[Template]) -> Option<Decoded> {
    let free: f32 = frames.iter().map(|f| f.iter().cloned().fold(f32::MIN, f32::max)).sum();
    let mut best: Option<(f32, Vec<Slot>, usize)> = None;
    for (i, t) in templates.iter().enumerate() {
        if let Some((score, chars)) = viterbi(frames, t) {
            if best.as_ref().is_none_or(|b| score > b.0) {
                best = Some((score, chars, i));
            }
        }
    }
    let (score, chars, i) = best?;
    let template = &templates[i];
    // Prefix letters (slots that allow "other") are not part of the value.
    let value: Vec<&Slot> = chars.iter().zip(template).filter(|(_, classes)| !classes.contains(&OTHER)).map(|(c, _)| c).collect();
    // Separators are the template's, not the network's: only the digits' and letters' certainty
    // counts.
    let least = value.iter().filter(|c| c.class != HYPHEN && c.class != SLASH).map(|c| c.prob).fold(1.0f32, f32::min);
    let conf = least * ((score - free).min(0.0) / 4.0).exp();
    let mut text: String = value.iter().map(|c| CLASSES[c.class - 1] as char).collect();
    // A claim number's letters read as letters: "CSA 6147167", as the form prints it.
    if let Some(k) = text.find(|c: char| c.is_ascii_digit()).filter(|&k| k > 0) {
        text.insert(k, ' ');
    }
    let prefix_left_out = value.len() < chars.len();
    Some(Decoded { text, conf, start: value.first()?.first, prefix_left_out })
}

/// One template character in a Viterbi path: its class, the highest probability it has in the
/// frames it occupies, and the first of those frames.
#[derive(Debug, Clone, Copy)]
struct Slot {
    class: usize,
    prob: f32,
    first: usize,
}

/// CTC Viterbi alignment of `frames` to a template: the log-probability of the best path and
/// its characters.
fn viterbi(frames: &[[f32; OTHER + 1]], slots: &[Vec<usize>]) -> Option<(f32, Vec<Slot>)> {
    const NONE: f32 = f32::NEG_INFINITY;
    let n = slots.len();
    if frames.len() < n || n == 0 {
        return None;
    }
    // States: blank before slot i (i in 0..=n), then one per (slot, class).
    let mut offset = Vec::with_capacity(n);
    let mut count = n + 1;
    for s in slots {
        offset.push(count);
        count += s.len();
    }
    let mut score = vec![NONE; count];
    let mut back = vec![vec![usize::MAX; count]; frames.len()];
    // Before the value and after it the row may hold other things (a label's last letters, the
    // next box's): those frames may be blank, letters or "other", not digits.
    let edge = |i: usize, f: &[f32; OTHER + 1]| if i == 0 || i == n { LETTERS.fold(f[BLANK].max(f[OTHER]), |m, k| m.max(f[k])) } else { f[BLANK] };
    score[0] = edge(0, &frames[0]);
    for (j, &k) in slots[0].iter().enumerate() {
        score[offset[0] + j] = frames[0][k];
    }
    for (t, f) in frames.iter().enumerate().skip(1) {
        let mut next = vec![NONE; count];
        for i in 0..=n {
            // Blank before slot i: stay, or come from slot i - 1.
            let (mut s, mut from) = (score[i], i);
            if i > 0 {
                for j in 0..slots[i - 1].len() {
                    if score[offset[i - 1] + j] > s {
                        (s, from) = (score[offset[i - 1] + j], offset[i - 1] + j);
                    }
                }
            }
            if s > NONE {
                next[i] = s + edge(i, f);
                back[t][i] = from;
            }
        }
        for i in 0..n {
            for (j, &k) in slots[i].iter().enumerate() {
                let me = offset[i] + j;
                let (mut s, mut from) = (score[me], me);
                if score[i] > s {
                    (s, from) = (score[i], i);
                }
                if i > 0 {
                    for (jj, &kk) in slots[i - 1].iter().enumerate() {
                        if kk != k && score[offset[i - 1] + jj] > s {
                            (s, from) = (score[offset[i - 1] + jj], offset[i - 1] + jj);
                        }
                    }
                }
                if s > NONE {
                    next[me] = s + f[k];
                    back[t][me] = from;
                }
            }
        }
        score = next;
    }
    let mut end = n;
    for j in 0..slots[n - 1].len() {
        if score[offset[n - 1] + j] > score[end] {
            end = offset[n - 1] + j;
        }
    }
    if score[end] == NONE {
        return None;
    }
    let total = score[end];
    // Walk back: the class and the best frame probability of every slot.
    let mut chars = vec![Slot { class: 0, prob: 0.0, first: 0 }; n];
    let mut state = end;
    for t in (0..frames.len()).rev() {
        if state > n {
            let i = offset.iter().rposition(|o| *o <= state)?;
            let k = slots[i][state - offset[i]];
            chars[i] = Slot { class: k, prob: chars[i].prob.max(frames[t][k].exp()), first: t };
        }
        if t > 0 {
            state = back[t][state];
        }
    }
    chars.iter().all(|c| c.class != 0).then_some((total, chars))
}

fn otsu(img: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for p in img.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist.iter().enumerate().map(|(i, h)| i as f64 * *h as f64).sum();
    let (mut w, mut m, mut best, mut best_t) = (0.0, 0.0, -1.0, 0u8);
    for (t, h) in hist.iter().enumerate() {
        w += *h as f64 / total.max(1) as f64;
        m += t as f64 * *h as f64 / total.max(1) as f64;
        let mt = sum_all / total.max(1) as f64;
        let s = (mt * w - m).powi(2) / (w * (1.0 - w) + 1e-12);
        if s > best {
            best = s;
            best_t = t as u8;
        }
    }
    best_t
}

/// A connected component: bounding box (x0, y0, x1, y1 exclusive) and label.
#[derive(Clone, Debug)]
struct Blob {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
    label: u32,
}

impl Blob {
    fn h(&self) -> usize {
        self.y1 - self.y0
    }
}

/// Mark in `line` the runs of ink at least `min` long along each of `lanes` lanes of `len`
/// pixels (`at(lane, i)` is the pixel index).
fn long_runs(ink: &[bool], line: &mut [bool], lanes: usize, len: usize, min: usize, at: impl Fn(usize, usize) -> usize) {
    for lane in 0..lanes {
        let mut i = 0;
        while i < len {
            if !ink[at(lane, i)] {
                i += 1;
                continue;
            }
            let start = i;
            while i < len && ink[at(lane, i)] {
                i += 1;
            }
            if i - start >= min {
                (start..i).for_each(|k| line[at(lane, k)] = true);
            }
        }
    }
}

/// Ink of the box without its ruling: pixels at or below Otsu's threshold, less horizontal runs
/// longer than a quarter inch and vertical runs longer than 0.15 inch (and their 1-pixel rim).
fn ink_without_lines(img: &GrayImage, dpi: f32) -> (Vec<bool>, usize, usize) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let t = otsu(img).min(200);
    let ink: Vec<bool> = img.pixels().map(|p| p.0[0] <= t).collect();
    let mut line = vec![false; w * h];
    let hl = ((dpi * 0.25) as usize).max(8);
    let vl = ((dpi * 0.15) as usize).max(8);
    long_runs(&ink, &mut line, h, w, hl, |row, x| row * w + x);
    long_runs(&ink, &mut line, w, h, vl, |col, y| y * w + col);
    // A box's side ruling scanned as dashes (no run long enough): a column inked over most of
    // a box tall enough that no glyph spans that much of it.
    if h * 2 >= 5 * vl {
        for x in 0..w {
            if (0..h).filter(|y| ink[y * w + x]).count() * 20 >= h * 9 {
                (0..h).for_each(|y| line[y * w + x] = ink[y * w + x]);
            }
        }
    }
    let mut out = ink;
    for y in 0..h {
        for x in 0..w {
            if line[y * w + x] {
                for yy in y.saturating_sub(1)..(y + 2).min(h) {
                    for xx in x.saturating_sub(1)..(x + 2).min(w) {
                        out[yy * w + xx] = false;
                    }
                }
            }
        }
    }
    (out, w, h)
}

/// 8-connected components: a label per pixel (0 = background) and a blob per label.
fn components(ink: &[bool], w: usize, h: usize) -> (Vec<u32>, Vec<(Blob, usize)>) {
    let mut label = vec![0u32; w * h];
    let mut blobs = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !ink[start] || label[start] != 0 {
            continue;
        }
        let id = blobs.len() as u32 + 1;
        label[start] = id;
        stack.push(start);
        let (mut b, mut area) = (Blob { x0: start % w, y0: start / w, x1: start % w + 1, y1: start / w + 1, label: id }, 0);
        while let Some(i) = stack.pop() {
            area += 1;
            let (x, y) = (i % w, i / w);
            b.x0 = b.x0.min(x);
            b.x1 = b.x1.max(x + 1);
            b.y0 = b.y0.min(y);
            b.y1 = b.y1.max(y + 1);
            for yy in y.saturating_sub(1)..(y + 2).min(h) {
                for xx in x.saturating_sub(1)..(x + 2).min(w) {
                    let j = yy * w + xx;
                    if ink[j] && label[j] == 0 {
                        label[j] = id;
                        stack.push(j);
                    }
                }
            }
        }
        blobs.push((b, area));
    }
    (label, blobs)
}

/// The ink of the box's text rows (white on black, each cropped to its row), top row first:
/// components whose vertical centres cluster, and the smaller marks (hyphens, slashes, dots of
/// broken strokes) within 30 % of the row's height of it. A box cut below a label often holds
/// the next item's label too, which has more letters than the value has digits: every row is
/// offered, and the reader takes the first that reads as a value. A row below the first that
/// the box's lower edge cuts is left out.
fn value_rows(img: &GrayImage, dpi: f32) -> Vec<GrayImage> {
    let (ink, w, h) = ink_without_lines(img, dpi);
    let (label, blobs) = components(&ink, w, h);
    let min_area = ((dpi / 200.0).powi(2) * 6.0) as usize;
    let comps: Vec<Blob> = blobs.into_iter().filter(|(_, a)| *a >= min_area).map(|(b, _)| b).collect();
    let Some(tallest) = comps.iter().map(Blob::h).max() else { return Vec::new() };
    let mut big: Vec<&Blob> = comps.iter().filter(|c| c.h() * 2 >= tallest).collect();
    big.sort_by(|a, b| (a.y0 + a.y1).cmp(&(b.y0 + b.y1)));
    // Rows: blobs whose vertical centres lie within half the tallest height of the row's mean.
    let mut rows: Vec<(f32, Vec<&Blob>)> = Vec::new();
    for c in big {
        let cy = (c.y0 + c.y1) as f32 / 2.0;
        match rows.last_mut() {
            Some((mean, members)) if (cy - *mean).abs() < tallest as f32 * 0.5 => {
                members.push(c);
                *mean = members.iter().map(|m| (m.y0 + m.y1) as f32 / 2.0).sum::<f32>() / members.len() as f32;
            }
            _ => rows.push((cy, vec![c])),
        }
    }
    let n_labels = label.iter().max().map_or(0, |m| *m as usize + 1);
    rows.iter()
        .filter(|(_, members)| members.len() >= MIN_ROW_BLOBS)
        .take(MAX_ROWS)
        .enumerate()
        .filter_map(|(i, (_, row))| {
            let top = row.iter().map(|c| c.y0).min()?;
            let bottom = row.iter().map(|c| c.y1).max()?;
            // A row below the first that the box's lower edge cuts through (the next item's
            // value) is not read.
            if i > 0 && bottom >= h {
                return None;
            }
            let slack = (bottom - top) as f32 * 0.3;
            // Smaller marks only near the row's glyphs: a speck or a cut stroke of a label far
            // to the right of the value widened the row with empty ink the network read as
            // more digits (seed 33, case-006).
            let (gx0, gx1) = (row.iter().map(|c| c.x0).min()?, row.iter().map(|c| c.x1).max()?);
            let reach = (bottom - top) as f32;
            let near = |c: &Blob| c.x1 as f32 > gx0 as f32 - reach && (c.x0 as f32) < gx1 as f32 + reach;
            let sel: Vec<&Blob> = comps.iter().filter(|c| c.y1 as f32 > top as f32 - slack && (c.y0 as f32) < bottom as f32 + slack && near(c)).collect();
            let mut keep = vec![false; n_labels];
            sel.iter().for_each(|c| keep[c.label as usize] = true);
            let (x0, x1) = (sel.iter().map(|c| c.x0).min()?, sel.iter().map(|c| c.x1).max()?);
            let (y0, y1) = (sel.iter().map(|c| c.y0).min()?, sel.iter().map(|c| c.y1).max()?);
            Some(GrayImage::from_fn((x1 - x0) as u32, (y1 - y0) as u32, |x, y| {
                let l = label[(y0 + y as usize) * w + x0 + x as usize];
                image::Luma([if keep[l as usize] { 255 } else { 0 }])
            }))
        })
        .collect()
}

/// Fewest large components a row of a value has (a hand-printed SSN or date has nine or
/// more glyphs; touching ones merge, so well under that).
const MIN_ROW_BLOBS: usize = 3;
/// Rows of a box offered to the reader, from the top.
const MAX_ROWS: usize = 4;

/// A box's value as the row reader sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct RowRead {
    /// The value: "958-97-9371", "5/5/1965", a claim number "CSA 6147167" or, when the network
    /// was not sure of its letters, its digits alone ("6147167").
    pub text: String,
    /// 0..1
    pub conf: f32,
    /// When a claim number's letters were left out of the text, the ink of the row before its
    /// digits, black on white: the letters, for another reader. `None` when there is no ink
    /// there, and for values read whole.
    pub lead: Option<GrayImage>,
    /// With `lead`: the value read whole all the same ("CSF 4732715"), when it has the same
    /// digits as `text`: its letters are what the network makes of that ink when it must read
    /// CSA, CSF or CSI there, too unsure to stand on its own (for when no other reader reads
    /// the letters).
    pub unsure: Option<String>,
}

/// Read a box holding a hand-printed SSN, date or claim number. None when the box holds no
/// row that reads as such a value. The text is validated again by extraction, like any
/// reading.
pub fn read_digits(img: &GrayImage, dpi: f32, field: &str) -> Option<RowRead> {
    let tiers = templates(field);
    if tiers.is_empty() {
        return None;
    }
    let net = row_net()?;
    value_rows(img, dpi).into_iter().find_map(|ink| {
        let row = net.input(&ink);
        let frames = net.log_probs(&row);
        // The first shape that reads with confidence; the readings of those before it, too unsure.
        let mut earlier = Vec::new();
        let sure = tiers.iter().find_map(|t| match decode(&frames, t)? {
            d if d.conf >= MIN_CONFIDENCE => Some((t, d)),
            d => {
                earlier.push((t, d));
                None
            }
        });
        let d = &match sure {
            Some((template, first)) => stretched_vote(net, &ink, template, &first),
            // None read at the row's own width: a shape that most widths read alike (a hand
            // whose digits are drawn wider or narrower than the network's).
            None => earlier.iter().filter(|(_, d)| d.conf >= RESCUE_FROM).find_map(|(t, d)| rescued(net, &ink, t, d))?,
        };
        let earlier: Vec<Decoded> = earlier.into_iter().map(|(_, d)| d).collect();
        let lead = if d.prefix_left_out { lead_ink(&ink, net.ink_column(&row, d.start + 1)) } else { None };
        // An earlier shape's unsure reading with the same digits as the one taken.
        let digits = |t: &str| t.chars().filter(char::is_ascii_digit).collect::<String>();
        let unsure = earlier.iter().find(|e| digits(&e.text) == digits(&d.text)).map(|e| e.text.clone());
        Some(RowRead { text: d.text.clone(), conf: d.conf, lead, unsure })
    })
}

/// A row read less certainly than this at its own width is not read again (rows of printed
/// text forced into a value's shape read far under it).
const RESCUE_FROM: f32 = 0.01;
/// The mean confidence a rescued reading needs.
const RESCUED_CONFIDENCE: f32 = 0.3;
/// Of the row's readings at its own width and at the [`STRETCHES`], how many must read one
/// value for it to stand when the row's own width read nothing of [`MIN_CONFIDENCE`].
const RESCUE_AGREE: usize = 3;

/// A row read under [`MIN_CONFIDENCE`] at its own width (`first`), read again stretched and
/// squeezed: the value that [`RESCUE_AGREE`] or more of the readings give, with their mean
/// confidence, when that is [`MIN_CONFIDENCE`] or more. A hand-printed date whose slashes the
/// network took for ones at the row's width (generated seed 42, case-022: "03/16/1954" read at
/// 0.05) reads at 0.8 squeezed to 0.8 of its width.
fn rescued(net: &RowNet, ink: &GrayImage, templates: &[Template], first: &Decoded) -> Option<Decoded> {
    let reads = with_stretched_reads(net, ink, templates, first);
    let agreeing = |t: &str| reads.iter().filter(|r| r.0 == t).map(|r| r.1).collect::<Vec<f32>>();
    let (text, confs) = reads.iter().map(|r| (&r.0, agreeing(&r.0))).max_by_key(|(_, c)| c.len())?;
    let conf = confs.iter().sum::<f32>() / confs.len() as f32;
    (confs.len() >= RESCUE_AGREE && conf >= RESCUED_CONFIDENCE).then(|| Decoded { text: text.clone(), conf, ..first.clone() })
}

/// `first` (a reading of the row `ink` at its own width) and the row's readings at the
/// [`STRETCHES`]: (text, confidence) each.
fn with_stretched_reads(net: &RowNet, ink: &GrayImage, templates: &[Template], first: &Decoded) -> Vec<(String, f32)> {
    let mut reads = vec![(first.text.clone(), first.conf)];
    for s in STRETCHES {
        let w = ((ink.width() as f32 * s).round() as u32).max(1);
        let v = image::imageops::resize(ink, w, ink.height(), image::imageops::FilterType::Triangle);
        if let Some(d) = decode(&net.log_probs(&net.input(&v)), templates) {
            reads.push((d.text, d.conf));
        }
    }
    reads
}

/// A reading less certain than this is checked by reading the row again at other widths
/// ([`STRETCHES`]).
const RECHECK_BELOW: f32 = 0.9;
/// The widths (times the row's own) of the row's second readings: hands are narrow and wide,
/// and a digit the network is unsure of at one width is often clear at another.
const STRETCHES: [f32; 4] = [0.8, 0.9, 1.1, 1.25];

/// A reading (`first`, of the row `ink` with the shapes `templates`) checked, when unsure, by
/// reading the row again stretched and squeezed: the value with the most confidence summed over
/// the readings stands, with their mean confidence. On the development dumps (read-zones,
/// seeds 42, 11 and 21) it turned 23 SSN boxes read wrong right and 9 read right wrong (right
/// 451 -> 461 of 1188 boxes, wrong 59 -> 49), dates 5 and 5, claim numbers 1 and 0, for a
/// quarter more reading time: about a fifth of the readings are under 0.9.
fn stretched_vote(net: &RowNet, ink: &GrayImage, templates: &[Template], first: &Decoded) -> Decoded {
    // The first reading's `start` stays: it is a frame of the row at its own width.
    let mut best = first.clone();
    if first.conf >= RECHECK_BELOW {
        return best;
    }
    let reads = with_stretched_reads(net, ink, templates, first);
    let support = |t: &str| reads.iter().filter(|r| r.0 == t).map(|r| r.1).sum::<f32>();
    let Some(top) = reads.iter().max_by(|a, b| support(&a.0).total_cmp(&support(&b.0))) else { return best };
    if top.0 != best.text && support(&top.0) > support(&best.text) {
        let n = reads.iter().filter(|r| r.0 == top.0).count() as f32;
        best.conf = support(&top.0) / n;
        best.text = top.0.clone();
    }
    best
}

/// The ink before a value as the last of its field's shapes cuts it (a claim number's letters
/// left out): for tests of the readers of that ink.
#[cfg(test)]
pub(crate) fn lead_of(img: &GrayImage, dpi: f32, field: &str) -> Option<GrayImage> {
    let net = row_net()?;
    let tiers = templates(field);
    value_rows(img, dpi).into_iter().find_map(|ink| {
        let row = net.input(&ink);
        let d = decode(&net.log_probs(&row), tiers.last()?)?;
        lead_ink(&ink, net.ink_column(&row, d.start + 1))
    })
}

/// The runs of columns `0..cols` of `img` that hold ink (`is_ink` of some pixel), as
/// half-open ranges.
fn ink_runs(img: &GrayImage, cols: usize, is_ink: impl Fn(u8) -> bool) -> Vec<(usize, usize)> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for x in 0..cols.min(img.width() as usize) {
        if (0..img.height()).any(|y| is_ink(img.get_pixel(x as u32, y).0[0])) {
            match runs.last_mut() {
                Some(r) if r.1 == x => r.1 = x + 1,
                _ => runs.push((x, x + 1)),
            }
        }
    }
    runs
}

/// White margin around a cut-out of ink `h` pixels high.
fn margin(h: u32) -> u32 {
    (h / 4).max(4)
}

/// The ink before the value, which starts near column `start` of `ink` (white on black): up
/// to the widest gap between columns of ink before it, the space between a claim number's
/// letters and its digits. Black on white, with a margin, as OCR engines want it.
fn lead_ink(ink: &GrayImage, start: usize) -> Option<GrayImage> {
    let end = start.min(ink.width() as usize);
    let runs = ink_runs(ink, end, |v| v > 0);
    // Gaps after each run of ink: up to the next run, or to `end`.
    let gaps = runs.iter().enumerate().map(|(i, r)| (r.1, runs.get(i + 1).map_or(end, |n| n.0)));
    let (cut, _) = gaps.filter(|g| g.1 > g.0).fold(None::<(usize, usize)>, |best, g| if best.is_none_or(|b| g.1 - g.0 > b.1 - b.0) { Some(g) } else { best })?;
    let (h, m) = (ink.height(), margin(ink.height()));
    Some(GrayImage::from_fn(cut as u32 + 2 * m, h + 2 * m, |x, y| {
        let inside = x >= m && y >= m && ((x - m) as usize) < cut && y - m < h;
        let on = inside && ink.get_pixel(x - m, y - m).0[0] > 0;
        image::Luma([if on { 0 } else { 255 }])
    }))
}

/// The last glyph of a line of dark ink on white (`lead`): the columns after its last gap, with
/// a margin; `None` when the line has fewer than three glyphs apart.
pub fn last_glyph(lead: &GrayImage) -> Option<GrayImage> {
    let runs = ink_runs(lead, lead.width() as usize, |v| v < 128);
    let &(s, e) = runs.last().filter(|_| runs.len() >= 3)?;
    let m = margin(lead.height()) as usize;
    Some(GrayImage::from_fn((e - s + 2 * m) as u32, lead.height(), |x, y| {
        let sx = (x as usize + s).checked_sub(m).filter(|sx| (s..e).contains(sx));
        image::Luma([sx.map_or(255, |sx| lead.get_pixel(sx as u32, y).0[0])])
    }))
}

/// Readings less certain than this are dropped: on boxes cut from generated forms, rows of
/// printed text and empty boxes read under it (see `read_digits`'s tests).
pub const MIN_CONFIDENCE: f32 = 0.1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_network_loads() {
        let bytes: &[u8] = include_bytes!("../assets/digit-lines.bin");
        let net = row_net().expect("assets/digit-lines.bin and digit-lines-b.bin parse as one ensemble");
        assert_eq!((net.layers[0].inp, net.layers.last().map(|l| l.out)), (1, Some(OTHER + 1)));
        assert_eq!(net.others.len(), 1, "the second network is in the ensemble");
        let b = include_bytes!("../assets/digit-lines-b.bin");
        assert!(ensemble(&[bytes, &b[..b.len() - 1]]).is_none(), "a member that does not parse spoils the ensemble");
        assert!(ensemble(&[bytes]).is_some_and(|n| n.others.is_empty()));
        assert!(parse_row_net(b"CFLINES1\x20\x00\x00\x00").is_none(), "a truncated file is refused");
        assert!(parse_row_net(&bytes[..bytes.len() - 1]).is_none(), "a file one byte short is refused");
    }

    #[test]
    fn shapes_become_templates() {
        let t = &templates("date_of_birth")[0];
        assert_eq!(t.len(), 16);
        // "[01]d/[0-3]d/19[1-9]d", then "[01]d/[0-3]d/20[0-2]d"
        assert_eq!(t[0].len(), 10);
        assert_eq!(t[0][0], vec![1, 2]);
        assert_eq!(t[0][2], vec![SLASH]);
        assert_eq!(t[0][3], vec![1, 2, 3, 4]);
        assert_eq!(t[0][6..9], [vec![2], vec![10], (2..=10).collect::<Vec<_>>()]);
        assert_eq!(t[1][6..9], [vec![3], vec![1], vec![1, 2, 3]]);
        assert_eq!(templates("ssn")[0][0][3], vec![HYPHEN]);
        assert!(templates("name").is_empty());
        // A claim number: whole ("CS[AFI]ddddddd"), then digits after letters read as anything.
        let claim = templates("claim_number");
        assert_eq!(claim.len(), 2);
        assert_eq!(claim[0][0][..3], [vec![13], vec![14], vec![15, 16, 17]]);
        assert_eq!(claim[1][1][0].len(), 16, "x: a digit, a letter or other");
    }

    /// Frames that say `seq` (a class per frame), each with probability 0.9.
    fn frames(seq: &[usize]) -> Vec<[f32; OTHER + 1]> {
        seq.iter()
            .map(|&k| {
                let mut f = [(0.1f32 / OTHER as f32).ln(); OTHER + 1];
                f[k] = 0.9f32.ln();
                f
            })
            .collect()
    }

    #[test]
    fn ctc_frames_decode_to_the_template() {
        let d = |n: usize| n + 1;
        // 958-97-9371 with blanks, repeated frames, and a blank between the two 7s' neighbours.
        let seq = [d(9), d(9), 0, d(5), d(8), HYPHEN, 0, d(9), d(7), 0, HYPHEN, d(9), 0, d(3), d(7), d(7), 0, d(1)];
        let got = decode(&frames(&seq), &templates("ssn")[0]).expect("a reading");
        assert_eq!((got.text.as_str(), got.start), ("958-97-9371", 0));
        assert!(got.conf > 0.8, "{}", got.conf);
        // The same digit twice needs a blank between: "1 1" is 11, "11" is one 1.
        let seq = [d(1), 0, d(1), SLASH, d(2), SLASH, d(1), d(9), d(5), d(0)];
        assert_eq!(decode(&frames(&seq), &templates("date_of_birth")[0]).map(|r| r.text).as_deref(), Some("11/2/1950"));
        // Text forced into an SSN's shape scores near zero.
        let seq = [OTHER, 0, OTHER, OTHER, 0, OTHER, 0, OTHER, 0, OTHER, 0, OTHER, 0, OTHER, 0, OTHER, 0, OTHER, 0, OTHER, 0, OTHER];
        let got = decode(&frames(&seq), &templates("ssn")[0]).expect("a forced reading");
        assert!(got.conf < MIN_CONFIDENCE, "{}", got.conf);
        // Too few frames for the shape: no reading.
        assert_eq!(decode(&frames(&[d(1), d(2)]), &templates("ssn")[0]), None);
    }

    /// A claim number's letters are not its value: an S the network takes for a 5 and an I
    /// for a 1 stay out of the digits, which start where the seventh-from-last digit does.
    #[test]
    fn claim_prefix_letters_are_left_out() {
        let d = |n: usize| n + 1;
        let seq = [0, OTHER, 0, d(5), 0, d(1), 0, 0, d(6), 0, d(1), d(4), 0, d(7), d(1), 0, d(6), 0, d(7), 0];
        let tiers = templates("claim_number");
        let got = decode(&frames(&seq), &tiers[1]).expect("a reading");
        assert_eq!((got.text.as_str(), got.start, got.prefix_left_out), ("6147167", 8, true));
        // Without letters it is the same value.
        let got = decode(&frames(&seq[7..]), &tiers[1]).expect("a reading");
        assert_eq!((got.text.as_str(), got.start), ("6147167", 1));
        // Read whole, the letters must be letters: "other", a 5 and a 1 are not CSI.
        assert!(decode(&frames(&seq), &tiers[0]).is_none_or(|d| d.conf < MIN_CONFIDENCE));
    }

    /// A claim number whose letters the network reads as letters is read whole.
    #[test]
    fn claim_numbers_are_read_whole_when_the_letters_are_sure() {
        let d = |n: usize| n + 1;
        let (c, s, f) = (13, 14, 16);
        let seq = [0, c, 0, s, s, 0, f, 0, 0, d(4), 0, d(7), d(3), 0, d(2), 0, d(7), d(1), 0, d(5), 0];
        let got = decode(&frames(&seq), &templates("claim_number")[0]).expect("a reading");
        assert_eq!((got.text.as_str(), got.start, got.prefix_left_out), ("CSF 4732715", 1, false));
        assert!(got.conf > 0.8, "{}", got.conf);
    }

    /// The letters' ink is what lies before the widest gap ahead of the value.
    #[test]
    fn lead_ink_is_cut_at_the_gap() {
        // White-on-black ink: glyphs at 0-5, 8-13 and 16-21 ("CSA"), a gap, digits from 32.
        let ink = GrayImage::from_fn(60, 10, |x, _| image::Luma([if matches!(x, 0..=5 | 8..=13 | 16..=21 | 32..=37 | 40..=45) { 255 } else { 0 }]));
        let lead = lead_ink(&ink, 34).expect("letters");
        let margin = 4;
        assert_eq!(lead.dimensions(), (22 + 2 * margin, 10 + 2 * margin));
        assert_eq!(lead.get_pixel(margin, margin).0[0], 0, "ink is black");
        assert_eq!(lead.get_pixel(margin + 6, margin).0[0], 255, "gaps are white");
        assert!(lead_ink(&ink, 3).is_none(), "no gap before the value: no letters");
        let glyph = last_glyph(&lead).expect("three glyphs");
        assert_eq!(glyph.width(), 6 + 2 * margin);
    }

    #[test]
    fn a_blank_box_reads_nothing() {
        let img = GrayImage::from_pixel(300, 60, image::Luma([255]));
        assert_eq!(read_digits(&img, 200.0, "ssn"), None);
    }

    /// Regression (seed 42, SF 3112B): the box cut below "12. Applicant's Social Security
    /// Number" also holds the next item's label ("3. Employing agency"). The row with the most
    /// components was taken, and that was the label, so the SSN above it was never read. Also,
    /// the box's left ruling is scanned as dashes, and the dashes stuck to the value's first digit.
    #[test]
    fn regression_value_above_the_next_label_is_offered_first() {
        let img = box_image("ssn_label_below.png");
        let rows = value_rows(&img, 200.0);
        assert!(rows.len() >= 2, "the value's row and the label's: {}", rows.len());
        // The value "925-28-7368" is 169 x 28 pixels without the ruling, 191 wide with it;
        // the label's row is some 22 pixels high and 216 wide.
        let (w, h) = rows[0].dimensions();
        assert!((150..180).contains(&w) && (24..34).contains(&h), "first row is the value's, without its ruling: {w}x{h}");
        assert!(rows[1].height() < h, "then the smaller print of the label");
    }

    fn box_image(name: &str) -> GrayImage {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/icr/");
        image::open(format!("{path}{name}")).expect("test box").to_luma8()
    }

    /// Boxes the zone reader cut from generated hand-printed forms (fixturegen, fake people):
    /// gray with the box's ruling around the value (Tesseract reads it "958-497-937"), bilevel,
    /// and a date without leading zeros.
    #[test]
    fn hand_printed_boxes_are_read() {
        for (file, field, want) in [
            ("ssn_boxed.png", "ssn", "958-97-9371"),
            ("ssn_bilevel.png", "ssn", "994-17-1543"),
            ("dob_bilevel.png", "date_of_birth", "03/16/1954"),
            ("dob_gray.png", "date_of_birth", "5/5/1965"),
        ] {
            let r = read_digits(&box_image(file), 200.0, field).unwrap_or_else(|| panic!("{file}: no reading"));
            assert_eq!(r.text, want, "{file}");
            assert!((0.0..=1.0).contains(&r.conf), "{file}: {}", r.conf);
            assert_eq!(r.lead, None, "{file}: an SSN or a date has no prefix");
        }
    }

    /// Regression (seed 42, case-022, an SF 2823 in a multi-page TIFF): a wide hand whose
    /// "03/16/1954" the network read at its own width at 0.05, under MIN_CONFIDENCE, so the
    /// date of birth was absent; squeezed to 0.8 and 0.9 of its width, and stretched to 1.1,
    /// it reads the same value at 0.46 to 0.83. (The ensemble reads it at its own width; the
    /// first network alone still shows the rescue.)
    #[test]
    fn regression_a_row_read_unsure_at_its_own_width_is_read_at_others() {
        let img = box_image("dob_wide_hand.png");
        let net = first_network();
        let ink = value_rows(&img, 200.0).into_iter().next().expect("a row");
        let tier = &templates("date_of_birth")[0];
        let own = decode(&net.log_probs(&net.input(&ink)), tier).expect("a decoding");
        assert!(own.conf < MIN_CONFIDENCE && own.conf >= RESCUE_FROM, "{}", own.conf);
        let r = rescued(&net, &ink, tier, &own).expect("a rescue");
        assert_eq!(r.text, "03/16/1954");
        assert!(r.conf >= RESCUED_CONFIDENCE, "{}", r.conf);
        assert_eq!(read_digits(&img, 200.0, "date_of_birth").expect("a reading").text, "03/16/1954");
        // A row of printed text is still read as nothing.
        assert_eq!(read_digits(&box_image("text_row.png"), 200.0, "date_of_birth"), None);
    }

    /// Regression (seed 33, case-006, an SF 2823): a small hand-printed "CSF 8405491" whose
    /// row was widened by a mark far to its right (empty ink to the network): it read the
    /// digits "4054917", the 8 taken into the prefix and a 7 made up at the end. Marks are
    /// kept only near the row's glyphs.
    #[test]
    fn regression_a_mark_far_right_of_the_value_is_not_part_of_its_row() {
        // 765 x 58: the value's ink in rows 26-57 from the left, the box's right side at 750.
        let mut img = box_image("claim_csa.png");
        let rows = value_rows(&img, 200.0);
        let width = rows.first().map(|r| r.width()).expect("a row");
        assert!(width < 400, "{width}");
        // A speck far to the right, level with the value.
        for y in 40..44 {
            for x in 700..704 {
                img.put_pixel(x, y, image::Luma([0]));
            }
        }
        assert_eq!(value_rows(&img, 200.0).first().map(|r| r.width()), Some(width), "the speck stays out of the row");
    }

    /// Regression (seed 11, case-017, a page of a G4 TIFF): Otsu's threshold of a box of pure
    /// black and white is 0, and ink was taken as "darker than the threshold", so no pixel was
    /// ink and no box of a black-and-white page was ever read. Ink is "at or below" it.
    #[test]
    fn regression_pure_black_and_white_boxes_are_read() {
        let r = read_digits(&box_image("claim_csf_g4.png"), 200.0, "claim_number").expect("a reading");
        assert_eq!(r.text, "CSF 8533556");
        let bilevel = GrayImage::from_fn(300, 40, |x, y| image::Luma([if (40..60).contains(&x) && (10..30).contains(&y) { 0 } else { 255 }]));
        assert_eq!(otsu(&bilevel), 0);
        let (ink, _, _) = ink_without_lines(&bilevel, 200.0);
        assert_eq!(ink.iter().filter(|v| **v).count(), 400, "the black square is ink");
        let mut ssn = box_image("ssn_boxed.png");
        ssn.pixels_mut().for_each(|p| p.0[0] = if p.0[0] < 128 { 0 } else { 255 });
        assert_eq!(read_digits(&ssn, 200.0, "ssn").map(|r| r.text).as_deref(), Some("958-97-9371"));
    }

    /// Regression (seed 21, case-021): a hand whose touching "CS" the network reads as a 6 and
    /// whose F it reads as a 5. The digits are read, the letters' ink is handed back for
    /// Tesseract (which reads nothing there either), and with it the network's unsure reading
    /// of the whole value.
    #[test]
    fn regression_unsure_claim_letters_come_with_the_digits() {
        let r = read_digits(&box_image("claim_csf_touching.png"), 200.0, "claim_number").expect("a reading");
        assert_eq!(r.text, "4732715");
        assert!(r.lead.is_some(), "the letters' ink");
        assert_eq!(r.unsure.as_deref(), Some("CSF 4732715"));
    }

    /// Regression (seed 31, case-021): an SF 2823's "CSA 7916920" with a round C. The network
    /// reads the digits alone and its letters as nothing (no ink handed back for Tesseract):
    /// the unsure whole reading comes with them, and the zone reader takes it (it had dropped
    /// the box, and the document had no claim number).
    #[test]
    fn regression_claim_letters_read_as_nothing_come_with_the_digits() {
        let r = read_digits(&box_image("claim_csa_round_c.png"), 200.0, "claim_number").expect("a reading");
        assert_eq!((r.text.as_str(), r.lead.is_none()), ("7916920", true));
        assert_eq!(r.unsure.as_deref(), Some("CSA 7916920"));
    }

    /// Regression (seed 11, case-001): an SSN read "410-26-6463" (confidence 0.29) at the row's
    /// own width reads "910-26-6463" at most of the others, and that reading stands. (The
    /// first network alone; the ensemble reads it right at its own width.)
    #[test]
    fn regression_an_unsure_reading_is_checked_at_other_widths() {
        let img = box_image("ssn_unsure.png");
        let (net, tiers) = (first_network(), templates("ssn"));
        let ink = value_rows(&img, 200.0).into_iter().next().expect("a row");
        let first = decode(&net.log_probs(&net.input(&ink)), &tiers[0]).expect("a reading");
        assert_eq!(first.text, "410-26-6463", "the first reading is the wrong one");
        assert!(first.conf < RECHECK_BELOW);
        assert_eq!(stretched_vote(&net, &ink, &tiers[0], &first).text, "910-26-6463");
        assert_eq!(read_digits(&img, 200.0, "ssn").expect("a reading").text, "910-26-6463");
    }

    /// The ensemble's first network alone (the one the older regressions were found with).
    fn first_network() -> RowNet {
        parse_row_net(include_bytes!("../assets/digit-lines.bin")).expect("assets/digit-lines.bin parses")
    }

    /// Regression: the glyph classifier this reader replaced read the words "the program." in
    /// a box's crop as the SSN 580-68-8290 with confidence 0.97. Printed text, and a date
    /// label's "(mm/dd/yyyy)", are no value.
    #[test]
    fn printed_text_is_not_read_as_digits() {
        for file in ["text_row.png", "label_row.png"] {
            for field in ["ssn", "date_of_birth"] {
                assert_eq!(read_digits(&box_image(file), 200.0, field), None, "{file} as {field}");
            }
        }
    }

    #[test]
    fn box_ruling_is_not_ink() {
        let img = box_image("ssn_boxed.png");
        let (ink, w, h) = ink_without_lines(&img, 200.0);
        // The box's left edge (a vertical rule near x = 8) is gone, the digits are not.
        let column = |x: usize| (0..h).filter(|y| ink[y * w + x]).count();
        assert!((4..14).all(|x| column(x) < 3), "the rule is removed");
        assert!(ink.iter().filter(|v| **v).count() > 500, "the digits stay");
    }
}


