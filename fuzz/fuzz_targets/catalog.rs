//! The operator's form catalog (`--catalog FILE`, TOML) merged over the built-in one, then
//! compiled into a classifier and used on a page: a hostile catalog gives an error, never a
//! panic.
#![no_main]

use casefile::catalog::Catalog;
use casefile::classify::{Classifier, TextLine};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(catalog) = Catalog::with_operator_text(text, "fuzz.toml") else { return };
    let classifier = Classifier::new(&catalog);
    // A page made of the catalog's own phrases, so its matching rules are exercised.
    let mut lines: Vec<TextLine> = Vec::new();
    for (i, f) in catalog.forms.iter().rev().take(4).enumerate() {
        for p in f.numbers.iter().chain(&f.titles).chain(&f.headings).chain(&f.labels).chain(&f.first_page).take(6) {
            lines.push(TextLine { text: p.clone(), top: i as f32 * 40.0 });
        }
    }
    lines.push(TextLine { text: "Social Security Number 123-45-6789 Date of birth 01/02/1950".into(), top: 900.0 });
    let _ = classifier.classify(&lines);
});
