//! The validated configuration of one run: plain data, built from the command line by the binary
//! (or directly by tests and benchmarks) before any work starts.

use std::path::PathBuf;

/// Everything a run needs to know. Built and checked before the first file is read.
#[derive(Debug, Clone)]
pub struct Config {
    /// Input roots (folders or single files), in the order given.
    pub inputs: Vec<PathBuf>,
    /// Output root; created if missing.
    pub out_dir: PathBuf,
    /// Recognise page images even where the PDF page already carries text.
    pub force_ocr: bool,
    /// Worker threads for recognition (one Tesseract engine each).
    pub jobs: usize,
    /// Tesseract language(s), e.g. "eng".
    pub language: String,
    /// Where Tesseract's language data lives; `None` uses the library's default.
    pub tessdata: Option<PathBuf>,
    /// DPI assumed when a file does not say (or says something implausible).
    pub default_dpi: u32,
    /// Write full SSNs into manifests instead of `***-**-1234`.
    pub reveal_ssn: bool,
    /// Print nothing but errors.
    pub quiet: bool,
    /// How to split the page stream into documents.
    pub split: crate::separate::Split,
    /// An operator's catalog merged over the built-in one.
    pub catalog: Option<PathBuf>,
    /// Output file names (see [`crate::naming`]).
    pub name_template: String,
    /// Pages (or images inside PDFs) with more pixels than this are refused before decoding.
    pub max_pixels: u64,
    /// Inputs modified more recently than this are left for a later run (a scanner may still be
    /// writing them).
    pub min_age: std::time::Duration,
    /// Process inputs the ledger says are done (or failed) again.
    pub force: bool,
    /// Longest one page's recognition may take; a page that takes longer keeps its image
    /// without text and its document goes to review. `None`: no limit.
    pub page_timeout: Option<std::time::Duration>,
    /// Recognise gray and colour pages of high resolution from a copy reduced to this many dpi
    /// (see [`crate::ocr::OcrSettings::recognition_dpi`]); `None`: at the scan's resolution.
    pub recognition_dpi: Option<f32>,
    /// Write the numeric boxes the digit readers see to this folder (`casefile eval
    /// --dump-zones`; see [`crate::eval::dump_zones`]).
    pub zone_dump: Option<PathBuf>,
}

/// Default of `--min-age`.
pub const DEFAULT_MIN_AGE: std::time::Duration = std::time::Duration::from_secs(30);

impl Config {
    /// A configuration with the defaults the command line uses.
    pub fn new(inputs: Vec<PathBuf>, out_dir: PathBuf) -> Self {
        Config {
            inputs,
            out_dir,
            force_ocr: false,
            jobs: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            language: "eng".to_string(),
            tessdata: None,
            default_dpi: 300,
            reveal_ssn: false,
            quiet: false,
            max_pixels: crate::load::DEFAULT_MAX_PIXELS,
            page_timeout: Some(std::time::Duration::from_secs_f64(crate::ocr::DEFAULT_PAGE_TIMEOUT_SECS)),
            recognition_dpi: crate::ocr::DEFAULT_RECOGNITION_DPI,
            split: crate::separate::Split::Auto,
            catalog: None,
            name_template: crate::naming::DEFAULT_TEMPLATE.to_string(),
            min_age: DEFAULT_MIN_AGE,
            force: false,
            zone_dump: None,
        }
    }

    /// The options that change results, as recorded in the manifest.
    pub fn result_options(&self) -> serde_json::Value {
        serde_json::json!({
            "force_ocr": self.force_ocr,
            "language": self.language,
            "default_dpi": self.default_dpi,
            "reveal_ssn": self.reveal_ssn,
            "split": self.split,
            "catalog": self.catalog.as_ref().map(|p| p.display().to_string()),
            "name_template": self.name_template,
            "page_timeout_secs": self.page_timeout.map(|t| t.as_secs_f64()),
            "recognition_dpi": self.recognition_dpi,
        })
    }
}
