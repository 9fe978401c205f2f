//! Separator sheets: a page carrying a Code 128 or QR barcode that reads `CASEFILE-SEP`
//! (read with rxing, a port of ZXing) marks a document boundary and belongs to no document.
//!
//! Barcode search over a whole 300-dpi page costs more than a glance, so it is done only on
//! pages that say little (a separator sheet has a code and a line of text at most).

use image::GrayImage;

/// What a separator barcode must read.
pub const SEPARATOR_TEXT: &str = "CASEFILE-SEP";

/// Pages with more recognised words than this are not searched for a separator code.
pub const MAX_WORDS_ON_A_SEPARATOR: usize = 40;

/// The kind of separator sheet this page is ("code128", "qr"), if it is one.
pub fn separator_kind(img: &GrayImage) -> Option<String> {
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
