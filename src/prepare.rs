//! Stage 3, prepare: make a decoded page ready for the recognition engine.
//!
//! Today: decide whether a page is blank (no ink beyond scanner noise), so that blank pages are
//! not sent to the engine. Orientation and deskew belong here too (a later change).

use image::GrayImage;

use crate::load::SourcePage;

/// A page ready for recognition.
pub struct PreparedPage {
    pub source: SourcePage,
    /// True when the page holds no ink (only noise and edges).
    pub blank: bool,
    /// Clockwise rotation applied to make the page upright (0, 90, 180, 270).
    pub rotation: u16,
    /// Skew corrected, in degrees.
    pub skew_degrees: f32,
}

pub fn prepare(source: SourcePage) -> PreparedPage {
    let blank = source.raster.as_ref().map(|r| is_blank(&r.image)).unwrap_or(false);
    PreparedPage { source, blank, rotation: 0, skew_degrees: 0.0 }
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
