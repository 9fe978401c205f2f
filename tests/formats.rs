//! End to end over generated scans in every supported format: each input gives a PDF that
//! passes `qpdf --check`, whose text layer holds at least 95 % of the words drawn on its pages,
//! with one page per source page, and a manifest that matches its schema and the files.

mod common;

use std::path::Path;
use std::sync::OnceLock;

use common::*;

struct Generated {
    _dir: tempfile::TempDir,
    scans: std::path::PathBuf,
    out: std::path::PathBuf,
    truth: Truth,
    output: std::process::Output,
}

/// Generate the `formats` set once and run casefile over it once; the tests below inspect it.
fn generated() -> &'static Generated {
    static G: OnceLock<Generated> = OnceLock::new();
    G.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let scans = dir.path().join("scans");
        let truth = generate("formats", 7, &scans);
        let out = dir.path().join("out");
        // One document per file: this suite is about reading every format.
        let output = run(&[&scans], &out, &["--jobs", "2", "--split", "file"]);
        Generated { scans, out, truth, output, _dir: dir }
    })
}

#[test]
fn run_succeeds_on_every_format() {
    let g = generated();
    assert_eq!(g.output.status.code(), Some(0), "stderr: {}\nstdout: {}", stderr(&g.output), stdout(&g.output));
    let m = manifest(&g.out);
    check_manifest(&g.out, &m);
    let inputs = m["inputs"].as_array().unwrap();
    // truth.json is not a scan: every other generated file is an input.
    assert_eq!(inputs.len(), g.truth.files.len(), "{inputs:#?}");
    assert!(inputs.iter().all(|i| i["status"] == "processed"), "{inputs:#?}");
    let formats: std::collections::BTreeSet<&str> = g.truth.files.iter().map(|f| f.format.as_str()).collect();
    for wanted in ["jpeg", "png", "bmp", "tiff-lzw", "tiff-deflate", "tiff-packbits", "tiff-g4", "tiff-g3", "pdf-jpeg", "pdf-flate", "pdf-g4"] {
        assert!(formats.iter().any(|f| f.starts_with(wanted)), "the generated set covers {wanted}: {formats:?}");
    }
}

#[test]
fn every_output_is_valid_and_searchable() {
    let g = generated();
    let m = manifest(&g.out);
    let docs = m["documents"].as_array().unwrap();
    let mut worst = (1.0f64, String::new());
    for file in &g.truth.files {
        let doc = docs
            .iter()
            .find(|d| d["pages"][0]["source"]["path"] == file.path.as_str())
            .unwrap_or_else(|| panic!("a document for {}", file.path));
        let pdf = g.out.join(doc["pdf"]["path"].as_str().unwrap());
        assert_qpdf_ok(&pdf);
        assert_eq!(pdf_pages(&pdf) as usize, file.pages.len(), "{}: one PDF page per source page", file.path);
        for page in &file.pages {
            let text = pdftotext(&pdf, Some(page.page));
            let recall = word_recall(&page.words, &text);
            if recall < worst.0 {
                worst = (recall, format!("{} page {}", file.path, page.page));
            }
            assert!(recall >= 0.95, "{} page {}: only {:.1} % of the words are in the text layer:\n{text}", file.path, page.page, recall * 100.0);
        }
    }
    eprintln!("lowest word recall: {:.1} % ({})", worst.0 * 100.0, worst.1);
}

#[test]
fn page_provenance_and_order() {
    let g = generated();
    let m = manifest(&g.out);
    let docs = m["documents"].as_array().unwrap();
    // Documents come in natural order of their input paths (scan_2 before scan_10).
    let sources: Vec<String> = docs.iter().map(|d| d["pages"][0]["source"]["path"].as_str().unwrap().to_string()).collect();
    let mut sorted = sources.clone();
    sorted.sort_by(|a, b| natord::compare(a, b));
    assert_eq!(sources, sorted);
    let pos = |name: &str| sources.iter().position(|s| s.ends_with(name));
    if let (Some(a), Some(b)) = (pos("scan_2.jpg"), pos("scan_10.jpg")) {
        assert!(a < b, "scan_2 before scan_10");
    }
    for d in docs {
        for (i, p) in d["pages"].as_array().unwrap().iter().enumerate() {
            assert_eq!(p["source"]["page"].as_u64().unwrap() as usize, i + 1);
            assert_eq!(p["text_source"], "ocr");
            let conf = p["ocr_confidence"].as_f64().unwrap();
            assert!((0.5..=1.0).contains(&conf), "confidence {conf}");
        }
    }
}

#[test]
fn jpeg_and_g4_are_embedded_without_reencoding() {
    let g = generated();
    let m = manifest(&g.out);
    for file in g.truth.files.iter().filter(|f| f.format == "jpeg" || f.format == "tiff-g4") {
        let doc = m["documents"].as_array().unwrap().iter().find(|d| d["pages"][0]["source"]["path"] == file.path.as_str()).unwrap();
        let pdf_bytes = std::fs::read(g.out.join(doc["pdf"]["path"].as_str().unwrap())).unwrap();
        let src = std::fs::read(g.scans.join(&file.path)).unwrap();
        let text = String::from_utf8_lossy(&pdf_bytes);
        if file.format == "jpeg" {
            assert!(contains(&pdf_bytes, &src), "{}: the JPEG bytes are in the PDF unchanged", file.path);
        } else {
            assert!(text.contains("/CCITTFaxDecode"), "{}: G4 stays G4", file.path);
        }
        // The PDF is not much bigger than the scan it holds.
        assert!((pdf_bytes.len() as f64) < src.len() as f64 * 1.10 + 20_000.0, "{}: {} bytes for a {}-byte scan", file.path, pdf_bytes.len(), src.len());
    }
}

/// Regression: bilevel pages must keep their polarity (Tesseract reads white-on-black text
/// too, so word recall alone would not notice a page written as a negative).
#[test]
fn pages_render_as_dark_text_on_white_paper() {
    let g = generated();
    let m = manifest(&g.out);
    for d in m["documents"].as_array().unwrap() {
        let pdf = g.out.join(d["pdf"]["path"].as_str().unwrap());
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("pdftoppm")
            .args(["-r", "20", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile"])
            .arg(&pdf)
            .arg(dir.path().join("p"))
            .status()
            .unwrap();
        assert!(status.success());
        let img = image::open(dir.path().join("p.png")).unwrap().to_luma8();
        let mean = img.pixels().map(|p| p.0[0] as f64).sum::<f64>() / (img.width() * img.height()) as f64;
        assert!(mean > 180.0, "{}: page 1 renders with mean brightness {mean:.0} (a negative?)", pdf.display());
    }
}

/// Regression: G4 pages written WhiteIsZero were decoded as negatives for recognition (the
/// tiff crate already normalises the polarity; casefile inverted them a second time). The PDF
/// did not show it (the G4 strip is copied as is), but blank, skew and separator detection did.
#[test]
fn bilevel_tiff_pages_decode_as_dark_ink_on_white() {
    let g = generated();
    let opts = casefile::load::LoadOptions { force_ocr: false, default_dpi: 300, max_pixels: casefile::load::DEFAULT_MAX_PIXELS };
    for file in g.truth.files.iter().filter(|f| f.format.starts_with("tiff") && f.color == "bilevel") {
        let found = casefile::discover::discover(&[g.scans.join(&file.path)], None);
        let opened = casefile::load::open(&found.inputs[0], &opts).unwrap();
        let page = casefile::load::load_page(&opened.pages[0], 1, &opts).unwrap();
        let img = &page.raster.as_ref().unwrap().image;
        let mean = img.pixels().map(|p| p.0[0] as f64).sum::<f64>() / (img.width() * img.height()) as f64;
        assert!(mean > 180.0, "{} ({}): decoded page has mean brightness {mean:.0}: a negative", file.path, file.format);
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn inputs_are_never_modified() {
    let g = generated();
    for file in &g.truth.files {
        let m = manifest(&g.out);
        let rec = m["inputs"].as_array().unwrap().iter().find(|i| i["path"] == file.path.as_str()).unwrap();
        let bytes = std::fs::read(g.scans.join(&file.path)).unwrap();
        assert_eq!(rec["sha256"].as_str().unwrap(), sha256(&bytes));
    }
    assert!(!Path::new(&g.scans).join("manifests").exists(), "nothing written into the input folder");
}
