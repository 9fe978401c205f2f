//! The image loaders (JPEG, PNG, BMP, TIFF incl. multi-page, CCITT and the Leptonica fallback):
//! whatever the bytes, opening and decoding pages returns a result and never panics, hangs or
//! allocates without bound.
#![no_main]

use casefile::discover::{sniff, FileKind};
use casefile::load::{self, LoadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The loader is chosen by content, as discovery does.
    let Some(kind) = sniff(&data[..data.len().min(1024)]) else { return };
    if kind == FileKind::Pdf {
        return;
    }
    // A small pixel limit keeps each run fast; the limit itself is what is being tested.
    let opts = LoadOptions { force_ocr: false, default_dpi: 300, max_pixels: 4_000_000 };
    let Ok(opened) = load::open_bytes(data.to_vec(), kind, std::path::Path::new("fuzz.input"), &opts) else { return };
    for (i, page) in opened.pages.iter().take(4).enumerate() {
        let _ = load::load_page(page, i as u32 + 1, &opts);
    }
});
