//! `casefile-bench profile`: where a page's CPU time goes, stage by stage, measured with the
//! thread's CPU clock around the library's own functions on one thread (so the figures hold on a
//! busy machine). Prepare's parts (blank check, orientation, skew) are timed on their own beside
//! the real `prepare` call, which is what feeds recognition.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Result};
use sha2::{Digest, Sha256};

use casefile::catalog::Catalog;
use casefile::classify::{self, Classifier};
use casefile::load::{self, LoadOptions};
use casefile::ocr::{self, OcrSettings, RecognizedPage, TextSource};
use casefile::pdf::{self, PdfMeta};
use casefile::prepare;

use crate::CorpusSource;

#[derive(Debug, clap::Args)]
pub struct ProfileArgs {
    #[command(flatten)]
    source: CorpusSource,
    /// Profile at most this many pages.
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Tesseract language.
    #[arg(long, short = 'l', default_value = "eng")]
    language: String,
    /// Folder of *.traineddata (default: the system's).
    #[arg(long, value_name = "DIR")]
    tessdata: Option<PathBuf>,
    /// Also write the figures here as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Recognise gray and colour pages of high resolution from a copy reduced to this many dpi
    /// (0: at the scan's resolution), as `casefile run` does.
    #[arg(long, value_name = "DPI", default_value_t = casefile::ocr::DEFAULT_RECOGNITION_DPI.unwrap_or(0.0))]
    recognition_dpi: f32,
}

/// CPU seconds this thread has used.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

#[derive(Default)]
struct Stages {
    /// stage -> (CPU seconds, calls)
    t: BTreeMap<&'static str, (f64, usize)>,
    order: Vec<&'static str>,
}

impl Stages {
    fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let t0 = thread_cpu();
        let v = f();
        let dt = thread_cpu() - t0;
        if !self.t.contains_key(stage) {
            self.order.push(stage);
        }
        let e = self.t.entry(stage).or_default();
        e.0 += dt;
        e.1 += 1;
        v
    }
}

pub fn run(args: ProfileArgs) -> Result<()> {
    let corpus = args.source.resolve()?;
    let found = casefile::discover::discover(std::slice::from_ref(&corpus), None);
    if found.inputs.is_empty() {
        bail!("{}: no scans found", corpus.display());
    }
    let catalog = Catalog::load(None)?;
    let settings = OcrSettings {
        language: args.language.clone(),
        tessdata: args.tessdata.clone(),
        page_timeout: None,
        recognition_dpi: (args.recognition_dpi > 0.0).then_some(args.recognition_dpi),
        zone_dump: None,
        numeric_labels: ocr::NumericLabels::from_catalog(&catalog),
    };
    let opts = LoadOptions { force_ocr: false, default_dpi: 300, max_pixels: load::DEFAULT_MAX_PIXELS };
    let classifier = Classifier::new(&catalog);
    let mut st = Stages::default();

    // Engines start once per worker: timed apart from the pages.
    let tiny = image::GrayImage::from_pixel(64, 64, image::Luma([255]));
    st.time("engine start (once)", || {
        let _ = ocr::detect_orientation(&tiny, 300.0, &settings);
        let _ = ocr::recognize_image(&tiny, 300.0, &settings);
    });

    let mut pages = 0usize;
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    'files: for input in &found.inputs {
        let opened = st.time("read + sha256 (open)", || load::open(input, &opts));
        let Ok(opened) = opened else { continue };
        for (i, handle) in opened.pages.iter().enumerate() {
            if pages >= args.limit {
                break 'files;
            }
            pages += 1;
            *by_kind.entry(format!("{:?}", input.kind)).or_default() += 1;
            let stage = match input.kind {
                casefile::discover::FileKind::Jpeg => "decode (load_page) JPEG",
                casefile::discover::FileKind::Png => "decode (load_page) PNG",
                casefile::discover::FileKind::Tiff => "decode (load_page) TIFF",
                casefile::discover::FileKind::Bmp => "decode (load_page) BMP",
                casefile::discover::FileKind::Pdf => "decode (load_page) PDF",
            };
            let Ok(source) = st.time(stage, || load::load_page(handle, i as u32 + 1, &opts)) else { continue };
            if let Some(r) = source.raster.as_ref() {
                let img = &r.image;
                let blank = st.time("  blank check", || prepare::is_blank(img));
                if !blank {
                    st.time("  skew detection", || casefile::pix::find_skew(img));
                }
            }
            let mut prepared = st.time("prepare (total)", || prepare::prepare(source, &settings));
            // Part of recognition: the reduced copy it reads (gray and colour pages only).
            if let (Some(r), Some(target)) = (prepared.source.raster.as_ref(), settings.recognition_dpi) {
                if !prepared.blank && !r.dpi_assumed && r.image.as_raw().iter().any(|&v| v != 0 && v != 255) {
                    st.time("  reduction for recognition", || ocr::reduced_for_recognition(&r.image, r.dpi, target));
                }
            }
            let raster = prepared.source.raster.take();
            let (raster, text, separator, zones) = match raster {
                Some(mut r) if !prepared.blank => {
                    let mut text = st.time("recognition", || ocr::recognize_image(&r.image, r.dpi, &settings))?;
                    if !ocr::looks_upright(&text) {
                        let turned = st.time("orientation (OSD, when needed)", || prepare::turn_upright(&mut prepared, &r, &settings));
                        if let Some(turned) = turned {
                            r = turned;
                            text = st.time("recognition again (turned)", || ocr::recognize_image(&r.image, r.dpi, &settings))?;
                        }
                    }
                    prepared.unturned = None;
                    let words: usize = text.lines.iter().map(|l| l.words.len()).sum();
                    let sep = if words <= casefile::barcode::MAX_WORDS_ON_A_SEPARATOR {
                        st.time("barcode (pages <= 40 words)", || casefile::barcode::separator_kind(&r.image, r.dpi))
                    } else {
                        None
                    };
                    let zones = st.time("zonal digit re-read", || ocr::read_numeric_zones(&r.image, r.dpi, &text, &settings.numeric_labels, None, None));
                    (Some(r), Some(text), sep, zones)
                }
                other => (other, None, None, vec![]),
            };
            let raster = raster.as_ref();
            let dpi = raster.map(|r| r.dpi);
            let plain = text.as_ref().map(|t| t.plain()).unwrap_or_default();
            let confidence = text.as_ref().and_then(|t| t.mean_confidence());
            let page = RecognizedPage {
                prepared,
                text,
                plain_text: plain,
                text_source: TextSource::Ocr,
                confidence,
                dpi,
                separator,
                zones,
                zone_crops: vec![],
            };
            st.time("classify", || classifier.classify(&classify::lines_of(page.text.as_ref(), &page.plain_text)));
            let bytes = st.time("PDF writing", || pdf::build(&PdfMeta::default(), &[&page], &[(0, "Page 1".into())]))?;
            st.time("sha256 of the PDF", || Sha256::digest(&bytes));
        }
    }
    if pages == 0 {
        bail!("no page could be profiled");
    }

    let total: f64 = st.t.iter().filter(|(k, _)| !k.starts_with("  ") && !k.contains("once")).map(|(_, v)| v.0).sum();
    let recog = st.t.get("recognition").map(|v| v.0).unwrap_or(0.0);
    println!("{pages} pages ({}) from {}, one thread", by_kind.iter().map(|(k, v)| format!("{v} {k}")).collect::<Vec<_>>().join(", "), corpus.display());
    println!("{:<30} {:>9} {:>11} {:>7}", "stage", "CPU s", "CPU s/page", "share");
    for k in &st.order {
        let (s, _) = st.t[k];
        println!("{:<30} {:>9.3} {:>11.4} {:>6.1}%", k, s, s / pages as f64, 100.0 * s / total);
    }
    println!("{:<30} {:>9.3} {:>11.4}", "total per page (no engine start)", total, total / pages as f64);
    println!(
        "{:<30} {:>9.3} {:>11.4} {:>6.1}%  (everything but recognition)",
        "overhead beyond recognition",
        total - recog,
        (total - recog) / pages as f64,
        100.0 * (total - recog) / total
    );
    if let Some(path) = &args.json {
        let stages: serde_json::Map<String, serde_json::Value> = st
            .order
            .iter()
            .map(|k| (k.trim().to_string(), serde_json::json!({ "cpu_seconds": st.t[k].0, "calls": st.t[k].1, "cpu_seconds_per_page": st.t[k].0 / pages as f64 })))
            .collect();
        let v = serde_json::json!({ "pages": pages, "stages": stages, "total_cpu_seconds_per_page": total / pages as f64, "overhead_cpu_seconds_per_page": (total - recog) / pages as f64 });
        std::fs::write(path, serde_json::to_string_pretty(&v)? + "\n")?;
    }
    Ok(())
}

/// Calibration of `ocr::looks_upright`: for each page of a folder, as it comes (not turned),
/// its mean word confidence, words, confident words, what OSD says, and recognition CPU s.
/// Compare with the generator's truth.json rotations.
pub fn probe(dir: PathBuf) -> Result<()> {
    let found = casefile::discover::discover(std::slice::from_ref(&dir), None);
    let settings = OcrSettings { language: "eng".into(), tessdata: None, page_timeout: None, recognition_dpi: ocr::DEFAULT_RECOGNITION_DPI, zone_dump: None, numeric_labels: ocr::NumericLabels::builtin() };
    let opts = LoadOptions { force_ocr: false, default_dpi: 300, max_pixels: load::DEFAULT_MAX_PIXELS };
    for input in &found.inputs {
        let Ok(opened) = load::open(input, &opts) else { continue };
        for (i, h) in opened.pages.iter().enumerate() {
            let Ok(src) = load::load_page(h, i as u32 + 1, &opts) else { continue };
            let Some(r) = src.raster.as_ref() else { continue };
            if prepare::is_blank(&r.image) {
                continue;
            }
            let t0 = thread_cpu();
            let text = ocr::recognize_image(&r.image, r.dpi, &settings)?;
            let t1 = thread_cpu();
            let words: Vec<&ocr::Word> = text.lines.iter().flat_map(|l| l.words.iter()).collect();
            let good = words.iter().filter(|w| w.conf >= 85.0 && w.text.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 3).count();
            let osd = ocr::detect_orientation(&r.image, r.dpi, &settings);
            println!(
                "{}\t{}\t{:.3}\t{}\t{}\t{:?}\t{:.2}",
                input.rel_path.display(),
                i + 1,
                text.mean_confidence().unwrap_or(0.0),
                words.len(),
                good,
                osd,
                t1 - t0
            );
        }
    }
    Ok(())
}
