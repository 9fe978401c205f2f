//! Separator sheets: a page carrying a Code 128 or QR barcode that reads `CASEFILE-SEP`
//! (read with rxing, a port of ZXing), or a Kodak PATCH T patch code, marks a document boundary
//! and belongs to no document.
//!
//! PATCH T: four bars parallel to the sheet's leading edge, at least 2 in long: narrow, wide,
//! narrow, wide (0.08 in and 0.20 in) with narrow (0.08 in) spaces. Read from the trailing edge
//! the same bars read wide, narrow, wide, narrow (patch 3); a sheet that came through upside
//! down is still a separator, so both orders are taken, in both directions of the page.
//!
//! Barcode search over a whole 300-dpi page costs more than a glance, so it is done only on
//! pages that say little (a separator sheet has a code and a line of text at most).

use image::GrayImage;

/// What a separator barcode must read.
pub const SEPARATOR_TEXT: &str = "CASEFILE-SEP";

/// Pages with more recognised words than this are not searched for a separator code.
pub const MAX_WORDS_ON_A_SEPARATOR: usize = 40;

/// The kind of separator sheet this page is ("code128", "qr", "patch-t"), if it is one.
pub fn separator_kind(img: &GrayImage, dpi: f32) -> Option<String> {
    if has_patch_t(img, dpi) {
        return Some("patch-t".to_string());
    }
    let (w, h) = img.dimensions();
    let results = rxing::helpers::detect_multiple_in_luma(img.as_raw().clone(), w, h).ok()?;
    results.iter().find_map(|r| {
        if r.getText().trim() != SEPARATOR_TEXT {
            return None;
        }
        Some(match r.getBarcodeFormat() {
            rxing::BarcodeFormat::QR_CODE => "qr".to_string(),
            rxing::BarcodeFormat::CODE_128 => "code128".to_string(),
            other => format!("{other:?}").to_lowercase(),
        })
    })
}

/// Patch code bar widths, in inches.
const PATCH_NARROW: f32 = 0.08;
const PATCH_WIDE: f32 = 0.20;
/// Bars are at least this long (inches); allow for a crooked feed.
const PATCH_MIN_LENGTH: f32 = 1.5;

/// Does the page carry a PATCH T (or, upside down, patch 3) pattern, horizontal or vertical?
pub fn has_patch_t(img: &GrayImage, dpi: f32) -> bool {
    let min_run = (PATCH_MIN_LENGTH * dpi) as usize;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let dark = |x: usize, y: usize| img.get_pixel(x as u32, y as u32).0[0] < 110;
    // For each row (or column): is its longest dark run a bar's length?
    let longest = |n: usize, len: usize, at: &dyn Fn(usize, usize) -> bool| -> Vec<bool> {
        (0..n)
            .map(|i| {
                let (mut best, mut run) = (0, 0);
                for j in 0..len {
                    if at(i, j) {
                        run += 1;
                        best = best.max(run);
                    } else {
                        run = 0;
                    }
                }
                best >= min_run
            })
            .collect()
    };
    let rows = longest(h, w, &|y, x| dark(x, y));
    let cols = longest(w, h, &|x, y| dark(x, y));
    [rows, cols].iter().any(|lines| bars_match(lines, dpi))
}

/// Do consecutive runs of bar lines have the PATCH T widths (or their reverse)?
fn bars_match(is_bar: &[bool], dpi: f32) -> bool {
    // (is bar, length in inches) of each run
    let mut runs: Vec<(bool, f32)> = Vec::new();
    for &b in is_bar {
        match runs.last_mut() {
            Some((kind, len)) if *kind == b => *len += 1.0 / dpi,
            _ => runs.push((b, 1.0 / dpi)),
        }
    }
    let close = |got: f32, want: f32| (got - want).abs() <= want * 0.35 + 1.5 / dpi;
    let kind = |len: f32| {
        if close(len, PATCH_NARROW) {
            Some('N')
        } else if close(len, PATCH_WIDE) {
            Some('W')
        } else {
            None
        }
    };
    // Seven runs: bar, space, bar, space, bar, space, bar.
    runs.windows(7).any(|win| {
        if !win[0].0 {
            return false;
        }
        let spaces_narrow = [1, 3, 5].iter().all(|&i| !win[i].0 && close(win[i].1, PATCH_NARROW));
        let bars: Option<String> = [0, 2, 4, 6].iter().map(|&i| if win[i].0 { kind(win[i].1) } else { None }).collect();
        spaces_narrow && matches!(bars.as_deref(), Some("NWNW") | Some("WNWN"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 200-dpi sheet with bars of the given widths (inches) across it, from `top`.
    fn sheet(bars: &[(f32, f32)], vertical: bool) -> GrayImage {
        let dpi = 200.0;
        let mut img = GrayImage::from_pixel(1700, 2200, image::Luma([250]));
        for &(at, width) in bars {
            let (a, b) = ((0.5 + at) * dpi, (0.5 + at + width) * dpi);
            for i in a as u32..b as u32 {
                for j in 300..1300u32 {
                    let (x, y) = if vertical { (i, j) } else { (j, i) };
                    img.put_pixel(x, y, image::Luma([15]));
                }
            }
        }
        img
    }

    fn patch(order: &str) -> Vec<(f32, f32)> {
        let mut at = 0.0;
        order
            .chars()
            .map(|c| {
                let w = if c == 'N' { PATCH_NARROW } else { PATCH_WIDE };
                let bar = (at, w);
                at += w + PATCH_NARROW;
                bar
            })
            .collect()
    }

    #[test]
    fn reads_patch_t_either_way_round() {
        assert!(has_patch_t(&sheet(&patch("NWNW"), false), 200.0));
        assert!(has_patch_t(&sheet(&patch("NWNW"), true), 200.0), "turned a quarter");
        assert!(has_patch_t(&sheet(&patch("WNWN"), false), 200.0), "upside down");
        assert!(!has_patch_t(&sheet(&patch("WWNN"), false), 200.0), "patch 1 is not T");
        assert!(!has_patch_t(&GrayImage::from_pixel(1700, 2200, image::Luma([250])), 200.0));
        // Ruled lines of a form (thin, widely spaced) are no patch code.
        let rules: Vec<(f32, f32)> = (0..20).map(|i| (i as f32 * 0.4, 0.01)).collect();
        assert!(!has_patch_t(&sheet(&rules, false), 200.0));
    }
}
