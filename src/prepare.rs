//! Stage 3, prepare: make a decoded page ready for the recognition engine.
//!
//! Decide whether a page is blank (no ink beyond scanner noise: blank pages are not sent to the
//! engine), straighten it (Leptonica's skew search, up to a few degrees) and, when needed, turn it
//! upright (Tesseract's orientation detection; 90, 180, 270 degrees). Only the image given to the
//! engine is turned: the PDF keeps the original image and gets `/Rotate` plus a text layer
//! mapped back onto the original pixels through [`PreparedPage::turn`] and
//! [`PreparedPage::deskew`].
//!
//! Orientation detection costs about a third of a recognition, and nearly every page comes
//! upright: so a page is first recognised as it comes, and only when that reading does not look
//! like upright text ([`crate::ocr`] decides) is [`turn_upright`] asked to detect the
//! orientation, turn and straighten the page again from its original pixels.

use image::GrayImage;

use crate::load::{Raster, SourcePage};
use crate::ocr::{self, OcrSettings};

/// Orientation confidence under which a page is left as it is.
const MIN_ORIENTATION_CONFIDENCE: f32 = 1.5;
/// Skews smaller than this are not worth a rotation (degrees).
const MIN_SKEW: f32 = 0.2;
/// Skews larger than this are not trusted (degrees).
const MAX_SKEW: f32 = 10.0;
/// Leptonica's skew confidence needed.
const MIN_SKEW_CONFIDENCE: f32 = 2.5;

/// A page ready for recognition.
pub struct PreparedPage {
    pub source: SourcePage,
    /// True when the page holds no ink (only noise and edges).
    pub blank: bool,
    /// Clockwise rotation applied to make the page upright (0, 90, 180, 270).
    pub rotation: u16,
    /// Skew corrected, in degrees (clockwise positive).
    pub skew_degrees: f32,
    /// Maps the upright image's pixel space (origin bottom-left) onto the source image's, as a
    /// PDF matrix (identity when the page was not turned).
    pub turn: [f32; 6],
    /// Maps the recognised (straightened) image's pixels onto the upright image's: where each
    /// word's anchor goes. Words stay horizontal so that text extraction reads whole lines.
    pub deskew: [f32; 6],
    /// Size of the source image in pixels (what the PDF shows).
    pub source_size: (u32, u32),
    /// The page's pixels as they came, kept while its orientation is not settled when the
    /// image given to the engine differs from them (it was straightened).
    pub unturned: Option<GrayImage>,
}

const IDENTITY: [f32; 6] = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

pub fn prepare(mut source: SourcePage, _settings: &OcrSettings) -> PreparedPage {
    let Some(mut raster) = source.raster.take() else {
        return PreparedPage {
            source,
            blank: false,
            rotation: 0,
            skew_degrees: 0.0,
            turn: IDENTITY,
            deskew: IDENTITY,
            source_size: (0, 0),
            unturned: None,
        };
    };
    let (w, h) = raster.image.dimensions();
    let mut page = PreparedPage {
        blank: is_blank(&raster.image),
        rotation: 0,
        skew_degrees: 0.0,
        turn: IDENTITY,
        deskew: IDENTITY,
        source_size: (w, h),
        source,
        unturned: None,
    };
    if !page.blank {
        // Straight: small skews. (A page turned by 180 degrees has the same skew; a sideways one
        // is straightened again once turned, see `turn_upright`.)
        if let Some(straight) = straighten(&mut page, &raster.image) {
            page.unturned = Some(std::mem::replace(&mut raster.image, straight));
        }
    }
    page.source.raster = Some(raster);
    page
}

/// Find the skew of `img`; when it is worth correcting, record it in `page` and return the
/// straightened image.
fn straighten(page: &mut PreparedPage, img: &GrayImage) -> Option<GrayImage> {
    let (angle, conf) = crate::pix::find_skew(img)?;
    if angle.abs() < MIN_SKEW || angle.abs() > MAX_SKEW || conf < MIN_SKEW_CONFIDENCE {
        return None;
    }
    let straight = crate::pix::rotate(img, angle)?;
    let (uw, uh) = straight.dimensions();
    page.deskew = deskew_to_upright(angle, uw as f32, uh as f32);
    page.skew_degrees = (angle * 100.0).round() / 100.0;
    Some(straight)
}

/// Called when the reading of a page (as prepared by [`prepare`]) does not look upright: detect
/// its orientation on the original pixels and, when it is turned, return the image to recognise
/// instead (turned upright, then straightened), with `page` updated to match. `None`: leave the
/// page as it is.
pub fn turn_upright(page: &mut PreparedPage, current: &Raster, settings: &OcrSettings) -> Option<Raster> {
    let unturned = page.unturned.take();
    let original = unturned.as_ref().unwrap_or(&current.image);
    let (rotation, conf) = ocr::detect_orientation(original, current.dpi, settings)?;
    if rotation == 0 || conf < MIN_ORIENTATION_CONFIDENCE {
        return None;
    }
    let (w, h) = original.dimensions();
    let mut image = match rotation {
        90 => image::imageops::rotate90(original),
        180 => image::imageops::rotate180(original),
        _ => image::imageops::rotate270(original),
    };
    drop(unturned);
    page.rotation = rotation;
    page.turn = turn_to_source(rotation, w as f32, h as f32);
    page.deskew = IDENTITY;
    page.skew_degrees = 0.0;
    if let Some(straight) = straighten(page, &image) {
        image = straight;
    }
    Some(Raster { image, dpi: current.dpi, dpi_assumed: current.dpi_assumed })
}

/// From the turned (upright) image's pixels back to the original's, for a clockwise turn of
/// the original by `rotation` degrees (original `w` x `h`; origin bottom-left).
fn turn_to_source(rotation: u16, w: f32, h: f32) -> [f32; 6] {
    match rotation {
        90 => [0.0, 1.0, -1.0, 0.0, w, 0.0],
        180 => [-1.0, 0.0, 0.0, -1.0, w, h],
        270 => [0.0, -1.0, 1.0, 0.0, 0.0, h],
        _ => IDENTITY,
    }
}

/// From the straightened image's pixels back to the upright one's, after turning it clockwise
/// by `degrees` about its centre.
fn deskew_to_upright(degrees: f32, w: f32, h: f32) -> [f32; 6] {
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w / 2.0, h / 2.0);
    [c, s, -s, c, cx - c * cx + s * cy, cy - s * cx - c * cy]
}

/// `a` then `b`, as PDF matrices compose.
pub fn mul(a: [f32; 6], b: [f32; 6]) -> [f32; 6] {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

/// Fixed-point unit of [`reduce`]'s weights: 8 bits, so that a sum of weighted 8-bit samples
/// (weights summing to one) fits a `u16`, which SIMD handles twice as wide as `u32` (and plain
/// x86-64 SSE2 multiplies natively). Rounding the weights to 1/256 moves a pixel by one level
/// at most.
const WEIGHT_ONE: u16 = 1 << 8;

/// For an area-averaging reduction of `from` samples to `to` (`to <= from`): for each output
/// sample, its first input sample and its weights over the next ones (in `WEIGHT_ONE`ths,
/// summing to exactly `WEIGHT_ONE`), padded with zero weights to the same number of taps each.
/// Output sample `i` covers input interval `[i * from / to, (i + 1) * from / to)`; each input
/// sample weighs as much as it overlaps that interval.
fn area_taps(from: u32, to: u32) -> (Vec<u32>, Vec<u16>, usize) {
    let (n, m) = (from as u64, to as u64);
    // Widest span of input samples one output sample can touch.
    let taps = (n.div_ceil(m) + 1) as usize;
    let mut starts = Vec::with_capacity(to as usize);
    let mut weights = Vec::with_capacity(to as usize * taps);
    for i in 0..m {
        // In units of 1/m input sample: the interval is [i n, (i + 1) n), of length n.
        let (lo, hi) = (i * n, (i + 1) * n);
        let first = lo / m;
        starts.push(first as u32);
        // Each weight is the step of the rounded running sum of the overlaps: the weights sum
        // to exactly `WEIGHT_ONE` (a flat area keeps its value, and no sum of weighted 8-bit
        // samples can overflow a u16), and none is off by more than a unit.
        let (mut covered, mut given) = (0u64, 0u64);
        for k in 0..taps as u64 {
            let j = first + k;
            covered += ((j + 1) * m).min(hi).saturating_sub((j * m).max(lo));
            let upto = (covered * WEIGHT_ONE as u64 + n / 2) / n;
            weights.push((upto - given) as u16);
            given = upto;
        }
    }
    (starts, weights, taps)
}

/// `img` reduced to `width` x `height` (each no larger than the image's, and not 0) by area
/// averaging: every output pixel is the mean of the input pixels under it, the way a scanner at
/// the lower resolution would have seen them (no aliasing of thin strokes, unlike sampling).
/// Separable, in fixed point: first down the columns, whole rows at a time (which vectorises),
/// then along the fewer rows that leaves.
pub fn reduce(img: &GrayImage, width: u32, height: u32) -> Option<GrayImage> {
    let (w, h) = img.dimensions();
    if width == 0 || height == 0 || width > w || height > h {
        return None;
    }
    let (xs, xw, xt) = area_taps(w, width);
    let (ys, yw, yt) = area_taps(h, height);
    let src = img.as_raw();
    let (w, width, height) = (w as usize, width as usize, height as usize);
    // Rows of the intermediate image are padded with `xt` zero samples, so that every output
    // sample reads its `xt` taps without a bounds check (taps past the row's end weigh 0).
    let stride = w + xt;
    let mut down = vec![0u8; stride * height];
    let mut acc = vec![0u16; w];
    for (y, out_row) in down.chunks_exact_mut(stride).enumerate() {
        acc.iter_mut().for_each(|a| *a = 0);
        let first = ys[y] as usize;
        for (k, &wt) in yw[y * yt..(y + 1) * yt].iter().enumerate() {
            if wt == 0 {
                continue;
            }
            let Some(in_row) = src.get((first + k) * w..(first + k + 1) * w) else { break };
            acc.iter_mut().zip(in_row).for_each(|(a, &p)| *a += p as u16 * wt);
        }
        // (255 * 256 + 128 would overflow a u16: round in u32.)
        out_row[..w].iter_mut().zip(&acc).for_each(|(o, &a)| *o = ((a as u32 + WEIGHT_ONE as u32 / 2) >> 8) as u8);
    }
    let mut out = vec![0u8; width * height];
    // The common tap counts get a loop of their own, unrolled (300 -> 200 dpi takes 3 taps).
    match xt {
        2 => along_rows::<2>(&down, stride, &xs, &xw, &mut out, width),
        3 => along_rows::<3>(&down, stride, &xs, &xw, &mut out, width),
        _ => {
            for (row, out_row) in down.chunks_exact(stride).zip(out.chunks_exact_mut(width)) {
                for ((o, &first), taps) in out_row.iter_mut().zip(&xs).zip(xw.chunks_exact(xt)) {
                    let first = first as usize;
                    let acc: u16 = row[first..first + xt].iter().zip(taps).map(|(&p, &wt)| p as u16 * wt).sum();
                    *o = ((acc as u32 + WEIGHT_ONE as u32 / 2) >> 8) as u8;
                }
            }
        }
    }
    GrayImage::from_raw(width as u32, height as u32, out)
}

/// [`reduce`]'s pass along the rows for `T` taps per output sample.
fn along_rows<const T: usize>(down: &[u8], stride: usize, xs: &[u32], xw: &[u16], out: &mut [u8], width: usize) {
    for (row, out_row) in down.chunks_exact(stride).zip(out.chunks_exact_mut(width)) {
        for ((o, &first), taps) in out_row.iter_mut().zip(xs).zip(xw.chunks_exact(T)) {
            let first = first as usize;
            // Within the padded row by construction; `get` keeps it safe all the same.
            let (Some(Ok(px)), Ok(taps)) = (row.get(first..first + T).map(<&[u8; T]>::try_from), <&[u16; T]>::try_from(taps)) else { continue };
            let acc: u16 = px.iter().zip(taps).map(|(&p, &wt)| p as u16 * wt).sum();
            *o = ((acc as u32 + WEIGHT_ONE as u32 / 2) >> 8) as u8;
        }
    }
}

/// A page is blank when, away from its edges (where scanners leave shadows and punch holes),
/// fewer than 1 in 2,000 sampled pixels are dark *and* the dark pixels do not form lines of text.
pub fn is_blank(img: &GrayImage) -> bool {
    let (w, h) = img.dimensions();
    if w < 16 || h < 16 {
        return true;
    }
    let (mx, my) = (w / 20, h / 20);
    let step = ((w.min(h) / 600).max(1)) as usize;
    let mut dark = 0u64;
    let mut total = 0u64;
    for y in (my..h - my).step_by(step) {
        for x in (mx..w - mx).step_by(step) {
            total += 1;
            if img.get_pixel(x, y).0[0] < 110 {
                dark += 1;
            }
        }
    }
    total > 0 && dark * 2000 < total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(m: [f32; 6], x: f32, y: f32) -> (f32, f32) {
        (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
    }

    #[test]
    fn turned_pixels_map_back_to_the_original() {
        // Original 100 x 50; turned clockwise 90 it is 50 x 100. The original's top-left
        // corner (0, 50) is the turned image's top-right corner (50, 100).
        assert_eq!(apply(turn_to_source(90, 100.0, 50.0), 50.0, 100.0), (0.0, 50.0));
        assert_eq!(apply(turn_to_source(180, 100.0, 50.0), 0.0, 0.0), (100.0, 50.0));
        // Turned 270 (counter-clockwise 90): the original's top-left goes to bottom-left.
        assert_eq!(apply(turn_to_source(270, 100.0, 50.0), 0.0, 0.0), (0.0, 50.0));
        // A deskew by 0 degrees changes nothing; the centre stays put whatever the angle.
        assert_eq!(apply(deskew_to_upright(0.0, 10.0, 20.0), 3.0, 4.0), (3.0, 4.0));
        let (x, y) = apply(deskew_to_upright(3.0, 10.0, 20.0), 5.0, 10.0);
        assert!((x - 5.0).abs() < 1e-4 && (y - 10.0).abs() < 1e-4);
    }

    #[test]
    fn reduction_averages_areas() {
        // 3 x 3 -> 2 x 2: the corner pixel weighs 4/9 of its output pixel, the middle row and
        // column 2/9 and 1/9 (an output pixel covers 1.5 x 1.5 input pixels).
        let mut img = GrayImage::from_pixel(3, 3, image::Luma([0]));
        img.put_pixel(0, 0, image::Luma([225]));
        let r = reduce(&img, 2, 2).unwrap();
        assert_eq!(r.get_pixel(0, 0).0[0], 100);
        assert_eq!((r.get_pixel(1, 0).0[0], r.get_pixel(0, 1).0[0], r.get_pixel(1, 1).0[0]), (0, 0, 0));
        img.put_pixel(1, 1, image::Luma([225]));
        let r = reduce(&img, 2, 2).unwrap();
        assert_eq!((r.get_pixel(0, 0).0[0], r.get_pixel(1, 1).0[0]), (125, 25));
        // A flat page stays flat, at any ratio (weights sum to exactly one), and keeps its size
        // when asked to.
        for (w, h, tw, th) in [(2550, 33, 1700, 22), (2551, 35, 1701, 23), (100, 100, 37, 99), (9, 9, 9, 9), (1000, 3, 7, 1)] {
            for v in [203, 255] {
                let flat = GrayImage::from_pixel(w, h, image::Luma([v]));
                let r = reduce(&flat, tw, th).unwrap();
                assert_eq!(r.dimensions(), (tw, th));
                assert!(r.pixels().all(|p| p.0[0] == v), "{w}x{h} -> {tw}x{th}");
            }
        }
        assert_eq!(reduce(&img, 4, 2), None, "no enlargement");
        assert_eq!(reduce(&img, 0, 2), None);
    }

    #[test]
    fn reduction_keeps_a_thin_stroke() {
        // A one-pixel black line every 3 columns of a 300-dpi page is still a line at 200 dpi
        // (sampling would drop a third of them), of half the ink per output pixel.
        let mut img = GrayImage::from_pixel(300, 30, image::Luma([255]));
        for y in 0..30 {
            for x in (0..300).step_by(3) {
                img.put_pixel(x, y, image::Luma([0]));
            }
        }
        let r = reduce(&img, 200, 20).unwrap();
        let darkest_per_pair: Vec<u8> = (0..100).map(|i| r.get_pixel(2 * i, 10).0[0].min(r.get_pixel(2 * i + 1, 10).0[0])).collect();
        assert!(darkest_per_pair.iter().all(|&v| v <= 90), "{darkest_per_pair:?}");
    }

    #[test]
    fn white_page_is_blank_and_text_is_not() {
        let mut img = GrayImage::from_pixel(850, 1100, image::Luma([250]));
        // Scanner noise: isolated dark specks.
        for i in 0..100 {
            img.put_pixel(100 + i * 6, 500, image::Luma([20]));
        }
        assert!(is_blank(&img));
        // A line of "text": a dark band.
        for y in 300..320 {
            for x in 100..700 {
                if x % 3 != 0 {
                    img.put_pixel(x, y, image::Luma([0]));
                }
            }
        }
        assert!(!is_blank(&img));
    }
}
