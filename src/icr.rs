//! Hand-printed digits: a second reader for the boxes of numeric fields (SSN, date of birth).
//!
//! Tesseract's English model reads hand-printed digits poorly ("958-97-9371" comes back as
//! "458-97-937)"). This reader cuts the box into glyphs (box lines removed, connected
//! components of the text row) and classifies each with a small neural network (784-128-12,
//! weights in `assets/digits-mlp.bin`), trained by `scripts/train-digits.py` on MNIST's 60,000
//! hand-written digits and on digits drawn from 62 fonts with slant, rotation, stroke and elastic
//! distortion. None of the fonts the fixture generator writes with is among them, so the
//! evaluation measures it on hands it never saw.
//!
//! The result is decoded against the field's format (hyphens of an SSN, the two separators of a
//! date) and validated like any other reading; its confidence is that of its least certain
//! digit.

use std::sync::OnceLock;

use image::GrayImage;

const CLASSES: &[u8; 12] = b"0123456789-/";
const SIDE: usize = 28;

struct Layer {
    inputs: usize,
    outputs: usize,
    scale: Vec<f32>,
    bias: Vec<f32>,
    weights: Vec<i8>,
}

impl Layer {
    fn forward(&self, x: &[f32]) -> Vec<f32> {
        (0..self.outputs)
            .map(|o| {
                let row = &self.weights[o * self.inputs..(o + 1) * self.inputs];
                let dot: f32 = row.iter().zip(x).map(|(w, v)| *w as f32 * v).sum();
                dot * self.scale[o] + self.bias[o]
            })
            .collect()
    }
}

struct Net {
    hidden: Layer,
    out: Layer,
}

fn parse_net(bytes: &[u8]) -> Option<Net> {
    let rest = bytes.strip_prefix(b"CFDIGIT1")?;
    let u32_at = |i: usize| rest.get(i * 4..i * 4 + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let (n_in, n_hidden, n_out) = (u32_at(0)?, u32_at(1)?, u32_at(2)?);
    let mut pos = 12;
    let mut layer = |inputs: usize, outputs: usize| -> Option<Layer> {
        let floats = |pos: &mut usize, n: usize| -> Option<Vec<f32>> {
            let b = rest.get(*pos..*pos + n * 4)?;
            *pos += n * 4;
            Some(b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
        };
        let scale = floats(&mut pos, outputs)?;
        let bias = floats(&mut pos, outputs)?;
        let weights = rest.get(pos..pos + inputs * outputs)?.iter().map(|b| *b as i8).collect();
        pos += inputs * outputs;
        Some(Layer { inputs, outputs, scale, bias, weights })
    };
    let hidden = layer(n_in, n_hidden)?;
    let out = layer(n_hidden, n_out)?;
    (n_in == SIDE * SIDE && n_out == CLASSES.len() && pos == rest.len()).then_some(Net { hidden, out })
}

fn net() -> Option<&'static Net> {
    static NET: OnceLock<Option<Net>> = OnceLock::new();
    NET.get_or_init(|| parse_net(include_bytes!("../assets/digits-mlp.bin"))).as_ref()
}

/// Class probabilities of one glyph (normalised 28x28, 0..1 ink).
fn classify(x: &[f32]) -> Option<[f32; 12]> {
    let net = net()?;
    let h: Vec<f32> = net.hidden.forward(x).into_iter().map(|v| v.max(0.0)).collect();
    let o = net.out.forward(&h);
    let max = o.iter().cloned().fold(f32::MIN, f32::max);
    let e: Vec<f32> = o.iter().map(|v| (v - max).exp()).collect();
    let sum: f32 = e.iter().sum();
    let mut p = [0.0; 12];
    for (i, v) in e.iter().enumerate() {
        p[i] = v / sum;
    }
    Some(p)
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

/// A connected component or a merged glyph: bounding box (x0, y0, x1, y1 exclusive) and labels.
#[derive(Clone, Debug)]
struct Blob {
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
    labels: Vec<u32>,
}

impl Blob {
    fn h(&self) -> usize {
        self.y1 - self.y0
    }
    fn w(&self) -> usize {
        self.x1 - self.x0
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

/// Ink of the box without its ruling: pixels darker than Otsu's threshold, less horizontal runs
/// longer than a quarter inch and vertical runs longer than 0.15 inch (and their 1-pixel rim).
fn ink_without_lines(img: &GrayImage, dpi: f32) -> (Vec<bool>, usize, usize) {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let t = otsu(img).min(200);
    let ink: Vec<bool> = img.pixels().map(|p| p.0[0] < t).collect();
    let mut line = vec![false; w * h];
    let hl = ((dpi * 0.25) as usize).max(8);
    let vl = ((dpi * 0.15) as usize).max(8);
    long_runs(&ink, &mut line, h, w, hl, |row, x| row * w + x);
    long_runs(&ink, &mut line, w, h, vl, |col, y| y * w + col);
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
        let (mut b, mut area) = (Blob { x0: start % w, y0: start / w, x1: start % w + 1, y1: start / w + 1, labels: vec![id] }, 0);
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

/// The glyphs of the box's main text row, left to right, and the row's height.
fn glyphs(img: &GrayImage, dpi: f32) -> Option<(Vec<Blob>, Vec<u32>, usize, usize)> {
    let (ink, w, h) = ink_without_lines(img, dpi);
    let (label, blobs) = components(&ink, w, h);
    let min_area = ((dpi / 200.0).powi(2) * 6.0) as usize;
    let comps: Vec<Blob> = blobs.into_iter().filter(|(_, a)| *a >= min_area).map(|(b, _)| b).collect();
    let tallest = comps.iter().map(Blob::h).max()?;
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
    let mut best = 0;
    for (i, r) in rows.iter().enumerate() {
        if r.1.len() > rows[best].1.len() {
            best = i;
        }
    }
    let row = &rows.get(best)?.1;
    let top = row.iter().map(|c| c.y0).min()?;
    let bottom = row.iter().map(|c| c.y1).max()?;
    let slack = (bottom - top) as f32 * 0.3;
    let mut sel: Vec<Blob> = comps.iter().filter(|c| c.y1 as f32 > top as f32 - slack && (c.y0 as f32) < bottom as f32 + slack).cloned().collect();
    sel.sort_by_key(|c| c.x0);
    let mut merged: Vec<Blob> = Vec::new();
    for c in sel {
        match merged.last_mut() {
            Some(m) if (c.x0 as f32) < m.x1 as f32 - c.w() as f32 * 0.5 => {
                m.x0 = m.x0.min(c.x0);
                m.x1 = m.x1.max(c.x1);
                m.y0 = m.y0.min(c.y0);
                m.y1 = m.y1.max(c.y1);
                m.labels.extend(c.labels);
            }
            _ => merged.push(c),
        }
    }
    Some((merged, label, w, bottom - top))
}

/// A glyph as MNIST draws digits: the longer side scaled to 20 pixels, the centre of mass at the
/// middle of a 28x28 field, then the slant taken out (moments).
fn normalise(bits: &GrayImage) -> Vec<f32> {
    let (w, h) = (bits.width(), bits.height());
    let s = 20.0 / w.max(h) as f32;
    let (nw, nh) = (((w as f32 * s).round() as u32).max(1), ((h as f32 * s).round() as u32).max(1));
    let small = image::imageops::resize(bits, nw, nh, image::imageops::FilterType::Triangle);
    let a: Vec<f32> = small.pixels().map(|p| p.0[0] as f32 / 255.0).collect();
    let total: f32 = a.iter().sum();
    let (cy, cx) = if total > 0.0 {
        let mut sy = 0.0;
        let mut sx = 0.0;
        for (i, v) in a.iter().enumerate() {
            sy += (i as u32 / nw) as f32 * v;
            sx += (i as u32 % nw) as f32 * v;
        }
        (sy / total, sx / total)
    } else {
        (nh as f32 / 2.0, nw as f32 / 2.0)
    };
    let oy = ((14.0 - cy).round() as i64).clamp(0, (SIDE as u32 - nh) as i64) as usize;
    let ox = ((14.0 - cx).round() as i64).clamp(0, (SIDE as u32 - nw) as i64) as usize;
    let mut img = vec![0.0f32; SIDE * SIDE];
    for y in 0..nh as usize {
        for x in 0..nw as usize {
            img[(oy + y) * SIDE + ox + x] = a[y * nw as usize + x];
        }
    }
    deskew(&img)
}

fn deskew(img: &[f32]) -> Vec<f32> {
    let total: f32 = img.iter().sum();
    if total == 0.0 {
        return img.to_vec();
    }
    let (mut m0, mut m1) = (0.0, 0.0);
    for (i, v) in img.iter().enumerate() {
        m0 += (i / SIDE) as f32 * v;
        m1 += (i % SIDE) as f32 * v;
    }
    m0 /= total;
    m1 /= total;
    let (mut m00, mut m01) = (0.0, 0.0);
    for (i, v) in img.iter().enumerate() {
        let (r, c) = ((i / SIDE) as f32 - m0, (i % SIDE) as f32 - m1);
        m00 += r * r * v;
        m01 += r * c * v;
    }
    let alpha = (m01 / total) / (m00 / total).max(1e-6);
    let half = SIDE as f32 / 2.0;
    let (off0, off1) = (m0 - half, m1 - alpha * half - half);
    let at = |r: i64, c: i64| if (0..SIDE as i64).contains(&r) && (0..SIDE as i64).contains(&c) { img[r as usize * SIDE + c as usize] } else { 0.0 };
    let mut out = vec![0.0f32; SIDE * SIDE];
    for r in 0..SIDE {
        for c in 0..SIDE {
            let (sr, sc) = (r as f32 + off0, alpha * r as f32 + c as f32 + off1);
            let (r0, c0) = (sr.floor(), sc.floor());
            let (fr, fc) = (sr - r0, sc - c0);
            let (r0, c0) = (r0 as i64, c0 as i64);
            out[r * SIDE + c] = at(r0, c0) * (1.0 - fr) * (1.0 - fc) + at(r0, c0 + 1) * (1.0 - fr) * fc + at(r0 + 1, c0) * fr * (1.0 - fc) + at(r0 + 1, c0 + 1) * fr * fc;
        }
    }
    out
}

/// Read a box holding a hand-printed SSN or date as digits: the value's text (digits, hyphens,
/// slashes) and the probability of its least certain digit. None when the box holds no row of
/// 8 to 14 glyphs. The text is not validated here: extraction validates it like any reading.
pub fn read_digits(img: &GrayImage, dpi: f32, field: &str) -> Option<(String, f32)> {
    let (glyphs, label, w, row_h) = glyphs(img, dpi)?;
    if !(8..=14).contains(&glyphs.len()) {
        return None;
    }
    // Hyphens by shape; every other glyph by the network.
    let mut probs: Vec<Option<[f32; 12]>> = Vec::with_capacity(glyphs.len());
    for g in &glyphs {
        if (g.h() as f32) < 0.35 * row_h as f32 && g.w() as f32 > 1.3 * g.h() as f32 {
            probs.push(None);
            continue;
        }
        let bits = GrayImage::from_fn(g.w() as u32, g.h() as u32, |x, y| {
            let l = label[(g.y0 + y as usize) * w + g.x0 + x as usize];
            image::Luma([if l != 0 && g.labels.contains(&l) { 255 } else { 0 }])
        });
        probs.push(Some(classify(&normalise(&bits))?));
    }
    // Separators: hyphens found by shape; for dates, the two glyphs most like a slash (neither
    // the first nor among the year's four).
    let mut sep: Vec<bool> = probs.iter().map(Option::is_none).collect();
    if field == "date_of_birth" && sep.iter().filter(|s| **s).count() < 2 && glyphs.len() >= 7 {
        let mut by_slash: Vec<(usize, f32)> = probs.iter().enumerate().take(glyphs.len() - 4).skip(1).filter_map(|(i, p)| p.map(|p| (i, p[11]))).collect();
        by_slash.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (i, _) in by_slash.into_iter().take(2 - sep.iter().filter(|s| **s).count()) {
            sep[i] = true;
        }
    }
    let mut text = String::new();
    let mut least = 1.0f32;
    for (p, s) in probs.iter().zip(&sep) {
        match (p, s) {
            (_, true) => text.push(if field == "date_of_birth" { '/' } else { '-' }),
            (Some(p), false) => {
                let digits = &p[..10];
                let sum: f32 = digits.iter().sum();
                let (best, pb) = digits.iter().enumerate().fold((0, 0.0f32), |acc, (i, v)| if *v > acc.1 { (i, *v) } else { acc });
                least = least.min(pb / sum.max(1e-6));
                text.push(CLASSES[best] as char);
            }
            (None, false) => {}
        }
    }
    Some((text, least))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_network_loads() {
        let net = net().expect("assets/digits-mlp.bin parses");
        assert_eq!((net.hidden.inputs, net.out.outputs), (784, 12));
        assert!(parse_net(b"CFDIGIT1\x01\x00\x00\x00").is_none(), "a truncated file is refused");
    }

    #[test]
    fn a_blank_box_reads_nothing() {
        let img = GrayImage::from_pixel(300, 60, image::Luma([255]));
        assert_eq!(read_digits(&img, 200.0, "ssn"), None);
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
            let (text, conf) = read_digits(&box_image(file), 200.0, field).unwrap_or_else(|| panic!("{file}: no reading"));
            assert_eq!(text, want, "{file}");
            assert!((0.0..=1.0).contains(&conf), "{file}: {conf}");
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
