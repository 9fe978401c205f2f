//! PDF parsing (lopdf) and page-image extraction: content streams, form XObjects, DCT, CCITT,
//! Flate and raw samples in every colour space. Rendering (pdftoppm, a separate process with
//! its own time limit) is not reached from here.
#![no_main]

use casefile::discover::FileKind;
use casefile::load::{self, LoadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = LoadOptions { force_ocr: false, default_dpi: 300, max_pixels: 4_000_000 };
    let Ok(opened) = load::open_bytes(data.to_vec(), FileKind::Pdf, std::path::Path::new("fuzz.pdf"), &opts) else { return };
    for page in opened.pages.iter().take(8) {
        let _ = load::decode_page_images(page, &opts);
    }
});
