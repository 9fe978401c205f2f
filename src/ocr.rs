//! Stage 4, ocr: recognise a page's words with Tesseract, through its library API.
//!
//! One engine per worker thread, created on first use and kept for the life of the thread
//! (engine start costs ~70 ms; recognition of a page ~1 s). The words come with their boxes
//! and confidences, grouped in lines with an estimated baseline, which is what the PDF text
//! layer needs to put each word over its image.

use std::cell::{Cell, RefCell};
use std::ffi::{CStr, CString};
use std::os::raw::{c_int, c_void};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use image::GrayImage;

use crate::load::SourcePage;
use crate::prepare::PreparedPage;

/// A recognised word; coordinates in pixels of the recognised image, origin top-left.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
    /// 0..100, as Tesseract reports it.
    pub conf: f32,
}

/// A line of words with its baseline (pixels from the top).
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub words: Vec<Word>,
    pub baseline: f32,
    /// Top of the line's box (pixels from the top).
    pub top: f32,
}

/// The text of a page, positioned on an image of `width` x `height` pixels.
#[derive(Debug, Clone, Default)]
pub struct PageText {
    pub width: u32,
    pub height: u32,
    pub lines: Vec<Line>,
}

impl PageText {
    /// Plain text, one line per line.
    pub fn plain(&self) -> String {
        let mut s = String::new();
        for line in &self.lines {
            let words: Vec<&str> = line.words.iter().map(|w| w.text.as_str()).collect();
            s.push_str(&words.join(" "));
            s.push('\n');
        }
        s
    }

    /// The same text on an image of `width` x `height` pixels of which this one's is a
    /// reduction: each box grows to cover at least the pixels it covered (edges rounded
    /// outwards), so the text layer and the zonal re-read find the words on the full image.
    pub fn scaled_to(self, width: u32, height: u32) -> PageText {
        let fx = width as f32 / self.width.max(1) as f32;
        let fy = height as f32 / self.height.max(1) as f32;
        let x = |v: u32, up: bool| {
            let s = v as f32 * fx;
            (if up { s.ceil() } else { s.floor() } as u32).min(width)
        };
        let y = |v: u32, up: bool| {
            let s = v as f32 * fy;
            (if up { s.ceil() } else { s.floor() } as u32).min(height)
        };
        let lines = self
            .lines
            .into_iter()
            .map(|line| Line {
                words: line
                    .words
                    .into_iter()
                    .map(|w| Word { x0: x(w.x0, false), y0: y(w.y0, false), x1: x(w.x1, true), y1: y(w.y1, true), ..w })
                    .collect(),
                baseline: line.baseline * fy,
                top: line.top * fy,
            })
            .collect();
        PageText { width, height, lines }
    }

    /// Mean word confidence, 0..1.
    pub fn mean_confidence(&self) -> Option<f32> {
        let confs: Vec<f32> = self.lines.iter().flat_map(|l| l.words.iter().map(|w| w.conf)).collect();
        (!confs.is_empty()).then(|| confs.iter().sum::<f32>() / confs.len() as f32 / 100.0)
    }
}

/// Where a page's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TextSource {
    /// Recognised by Tesseract.
    Ocr,
    /// Already in the PDF page.
    Pdf,
    /// No text: blank page, or nothing that could be recognised.
    None,
}

/// A page after recognition.
pub struct RecognizedPage {
    pub prepared: PreparedPage,
    /// Positioned words (recognised pages only).
    pub text: Option<PageText>,
    /// All of the page's text.
    pub plain_text: String,
    pub text_source: TextSource,
    /// Mean word confidence 0..1 (recognised pages only).
    pub confidence: Option<f32>,
    /// Resolution of the page image, when it has one.
    pub dpi: Option<f32>,
    /// The separator sheet this page is ("code128", "qr", "patch-t"), when it is one.
    pub separator: Option<String>,
    /// Second readings of the boxes next to numeric labels (dates of birth, SSNs, claim
    /// numbers), digits only (a claim number with its letters).
    pub zones: Vec<ZoneRead>,
    /// The boxes those readings were made from, kept only when [`OcrSettings::zone_dump`]
    /// asks for them; the pipeline writes them out and empties this as soon as the page is
    /// recognised.
    pub zone_crops: Vec<ZoneCrop>,
}

/// A box next to a numeric label, as the digit readers saw it.
pub struct ZoneCrop {
    /// The field whose label the box belongs to.
    pub field: &'static str,
    /// The label's line, as recognised.
    pub label: String,
    pub dpi: f32,
    pub image: GrayImage,
}

/// A box read again as one line of digits: hand-printed numbers that the page-wide reading
/// took for letters are often read right this way.
#[derive(Debug, Clone)]
pub struct ZoneRead {
    /// The field whose label the box belongs to ("date_of_birth", "ssn", "claim_number").
    pub field: &'static str,
    /// Index of the label's line in the page's lines.
    pub line: usize,
    /// The label's context, lower case: its line from the label's item number (or the line's
    /// start) to its end ("22. applicant's date of birth (mm/dd/yyyy)"), for extraction to tell
    /// whose box it is on a form that names other people (`Form::others` in the catalog).
    pub context: String,
    pub text: String,
    /// 0..1; the digit reader's capped at [`ICR_CONFIDENCE_CAP`].
    pub conf: f32,
    /// The reader's own confidence, 0..1, the digit reader's uncapped: which of a box's
    /// readings that disagree to show.
    pub certainty: f32,
    /// Read by the digit reader only, to check a value the page-wide reading already gave
    /// (see `extract::find_field`).
    pub check: bool,
}

/// The highest confidence a value read by the hand-printed digit reader may carry: below
/// [`crate::extract::REVIEW_FIELD_CONFIDENCE`] once `from_zones` has scaled it, so its document
/// goes to review for a person to check the value.
pub const ICR_CONFIDENCE_CAP: f32 = 0.45;

/// A label whose box is read again, digits only (a claim number: its letters and digits), from
/// the catalog's `[fields.<field>.reread]` (see `catalog/forms.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct NumericLabel {
    /// "ssn", "date_of_birth" or "claim_number".
    pub field: &'static str,
    /// The label's letters and digits run together, lower case ("dateofbirth").
    pub squashed: String,
    /// A label's end, looked for on a line where no whole label of its field is: a value
    /// hand-printed high in its box runs over the start of its label ("2. Date of birth" read as
    /// "wy of birth (mm/dd/yyyy)"), and the label's end is what is left of it.
    pub tail: bool,
    /// After an end, what makes it another field's label (squashed): "yyyy" after "of birth
    /// (mm" is a "Month and year of birth (mm/yyyy)", no date of birth.
    pub not_before: Vec<String>,
    /// Words of the label's context that make it someone else's or another number (the field's
    /// `exclude`, lower case): "Spouse's date of birth", "Medicare claim number".
    pub others: Vec<String>,
}

/// The labels whose boxes are read again: every whole label first, then the ends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NumericLabels(pub Vec<NumericLabel>);

impl NumericLabels {
    /// The labels of the catalog's fields that have a `reread` table.
    pub fn from_catalog(catalog: &crate::catalog::Catalog) -> NumericLabels {
        let squash = crate::extract::norm;
        let mut wholes = Vec::new();
        let mut tails = Vec::new();
        for (name, rule) in &catalog.fields {
            let (Some(reread), Some(field)) = (&rule.reread, crate::catalog::IDENTIFIERS.iter().find(|f| *f == name)) else { continue };
            let others: Vec<String> = rule.exclude.iter().map(|x| x.to_lowercase()).collect();
            for label in &reread.labels {
                wholes.push(NumericLabel { field, squashed: squash(label), tail: false, not_before: Vec::new(), others: others.clone() });
            }
            for end in &reread.ends {
                let not_before = reread.not_before.iter().map(|n| squash(n)).collect();
                tails.push(NumericLabel { field, squashed: squash(end), tail: true, not_before, others: others.clone() });
            }
        }
        wholes.extend(tails);
        NumericLabels(wholes)
    }

    /// The built-in catalog's (for tests and the benchmark).
    pub fn builtin() -> NumericLabels {
        crate::catalog::Catalog::builtin().map(|c| Self::from_catalog(&c)).unwrap_or_default()
    }
}

/// How far left of a label's end its damaged start may reach, in inches.
const LABEL_HEAD: f32 = 1.2;

impl RecognizedPage {
    pub fn source(&self) -> &SourcePage {
        &self.prepared.source
    }
}

/// Engine settings shared by every worker.
#[derive(Debug, Clone)]
pub struct OcrSettings {
    pub language: String,
    pub tessdata: Option<PathBuf>,
    /// Longest a page's recognition may take (`--page-timeout`); `None`: no limit.
    pub page_timeout: Option<Duration>,
    /// Gray and colour pages scanned at [`REDUCE_FROM`] times this resolution or more are
    /// recognised from a copy reduced to it; `None`: always at the scan's own resolution.
    /// Only recognition sees the copy: the PDF keeps the page's own image, the word boxes are
    /// mapped back onto its pixels, and orientation detection, barcodes and the zonal digit
    /// re-read work on the full-resolution image. Black-and-white pages are never reduced (they
    /// go to Tesseract 1 bit per pixel, already its cheapest input).
    pub recognition_dpi: Option<f32>,
    /// Keep each page's numeric boxes in [`RecognizedPage::zone_crops`], for the pipeline to
    /// write to this folder (`casefile eval --dump-zones`: work on the digit reader; the boxes
    /// hold full SSNs).
    pub zone_dump: Option<PathBuf>,
    /// The labels whose boxes are read again ([`NumericLabels::from_catalog`]).
    pub numeric_labels: NumericLabels,
}

/// Default of [`OcrSettings::recognition_dpi`]: a 300-dpi gray page recognised at 200 dpi costs
/// about a fifth less CPU (17 % less over the benchmark's mix, which has G4 pages too), with
/// the numeric fields of the 300-dpi evaluation sets read as well as before (docs/performance.md).
pub const DEFAULT_RECOGNITION_DPI: Option<f32> = Some(200.0);

/// A page is reduced for recognition only from this many times the recognition resolution up
/// (280 dpi for 200): the one trial of a small reduction (300 -> 240 dpi, with a slower resize
/// than [`crate::prepare::reduce`]) was slower than none, and a 240-dpi page is cheap already.
pub const REDUCE_FROM: f32 = 1.4;

/// Default of `--page-timeout`: a dense 300-dpi page takes 1-5 s, so this only stops pages
/// that would otherwise hold a worker for many minutes.
pub const DEFAULT_PAGE_TIMEOUT_SECS: f64 = 180.0;

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("Tesseract could not start with language '{language}'{where_}: is the language data installed? (Debian: apt-get install tesseract-ocr-{language})")]
    Init { language: String, where_: String },
    #[error("recognition failed: {0}")]
    Recognize(String),
    #[error("recognition took over {0} s (see --page-timeout)")]
    TimedOut(f64),
}

/// Page segmentation for forms: mode 3 (automatic) breaks columns of item numbers into
/// garbage blocks; mode 4 (a single column of text of variable sizes) reads forms in rows.
const SEG_MODE: tesseract_sys::TessPageSegMode = tesseract_sys::TessPageSegMode_PSM_SINGLE_COLUMN;

/// A Tesseract engine driven through its C API. (The `tesseract` crate does not give its
/// handle, and recognition with a deadline needs one: `TessBaseAPIRecognize` with a monitor.)
struct Engine(*mut tesseract_sys::TessBaseAPI);

// SAFETY: a TessBaseAPI may move between threads; it is only used by one thread at a time
// (it lives in a thread-local).
unsafe impl Send for Engine {}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: created by TessBaseAPICreate, deleted once.
        unsafe { tesseract_sys::TessBaseAPIDelete(self.0) }
    }
}

/// What the cancel callback reads and writes during one recognition.
struct Deadline {
    at: Instant,
    passed: Cell<bool>,
}

/// Tesseract calls this between words; `true` stops the recognition.
unsafe extern "C" fn past_deadline(this: *mut c_void, _words: c_int) -> bool {
    // SAFETY: `this` is the `Deadline` set by `Engine::recognize`, alive for the whole call.
    let deadline = unsafe { &*(this as *const Deadline) };
    if Instant::now() >= deadline.at {
        deadline.passed.set(true);
    }
    deadline.passed.get()
}

impl Engine {
    fn new(settings: &OcrSettings) -> Result<Engine, OcrError> {
        let datapath = settings.tessdata.as_ref().map(|p| p.to_string_lossy().into_owned());
        let init_err = || OcrError::Init {
            language: settings.language.clone(),
            where_: datapath.as_ref().map(|p| format!(" from {p}")).unwrap_or_default(),
        };
        let c_datapath = match &datapath {
            Some(p) => Some(CString::new(p.as_str()).map_err(|_| init_err())?),
            None => None,
        };
        let c_lang = CString::new(settings.language.as_str()).map_err(|_| init_err())?;
        // SAFETY: plain C API calls on a handle we own; the strings outlive the calls.
        let engine = unsafe { Engine(tesseract_sys::TessBaseAPICreate()) };
        let dp = c_datapath.as_ref().map(|c| c.as_ptr()).unwrap_or(std::ptr::null());
        if unsafe { tesseract_sys::TessBaseAPIInit3(engine.0, dp, c_lang.as_ptr()) } != 0 {
            return Err(init_err());
        }
        let mut engine = engine;
        engine.set_page_seg_mode(SEG_MODE);
        // Keep Tesseract's own warnings off the user's terminal.
        if !engine.set_variable("debug_file", "/dev/null") {
            return Err(init_err());
        }
        Ok(engine)
    }

    fn set_variable(&mut self, name: &str, value: &str) -> bool {
        let (Ok(n), Ok(v)) = (CString::new(name), CString::new(value)) else { return false };
        // SAFETY: valid handle and NUL-terminated strings that outlive the call.
        unsafe { tesseract_sys::TessBaseAPISetVariable(self.0, n.as_ptr(), v.as_ptr()) != 0 }
    }

    fn set_page_seg_mode(&mut self, mode: tesseract_sys::TessPageSegMode) {
        // SAFETY: valid handle.
        unsafe { tesseract_sys::TessBaseAPISetPageSegMode(self.0, mode) }
    }

    /// Hand an 8-bit gray image to the engine (it copies the pixels).
    fn set_image(&mut self, img: &GrayImage, dpi: f32) -> Result<(), OcrError> {
        let packed = pack_bilevel(img);
        self.set_pixels(img, packed.as_deref(), dpi)
    }

    /// [`Engine::set_image`] with the image already packed 1 bit per pixel (by
    /// [`pack_bilevel`]) when it is black and white.
    fn set_pixels(&mut self, img: &GrayImage, packed: Option<&[u8]>, dpi: f32) -> Result<(), OcrError> {
        let (w, h) = img.dimensions();
        let (Ok(wi), Ok(hi)) = (i32::try_from(w), i32::try_from(h)) else {
            return Err(OcrError::Recognize(format!("image of {w} x {h} pixels is too large for Tesseract")));
        };
        if w == 0 || h == 0 || img.as_raw().len() < w as usize * h as usize {
            return Err(OcrError::Recognize(format!("cannot hand a {w} x {h} image to Tesseract")));
        }
        // A black-and-white page goes in as 1 bit per pixel: the same pixels, and Tesseract
        // skips its own thresholding (about a tenth of a recognition).
        let (data, bpp, bpl) = match packed {
            Some(bits) if bits.len() >= w.div_ceil(8) as usize * h as usize => (bits, 0, w.div_ceil(8) as c_int),
            _ => (img.as_raw().as_slice(), 1, wi),
        };
        // SAFETY: the buffer holds h rows of bpl bytes (one byte per pixel, or packed bits) and
        // outlives the call; Tesseract copies what it keeps.
        unsafe {
            tesseract_sys::TessBaseAPISetImage(self.0, data.as_ptr(), wi, hi, bpp, bpl);
            tesseract_sys::TessBaseAPISetSourceResolution(self.0, dpi.round() as c_int);
        }
        Ok(())
    }

    /// Recognise the image set, stopping between words once `deadline` has passed.
    fn recognize(&mut self, deadline: Option<(Instant, Duration)>) -> Result<(), OcrError> {
        let Some((at, limit)) = deadline else {
            // SAFETY: valid handle; a null monitor is allowed.
            let rc = unsafe { tesseract_sys::TessBaseAPIRecognize(self.0, std::ptr::null_mut()) };
            return if rc == 0 { Ok(()) } else { Err(OcrError::Recognize("Tesseract could not recognise the page".into())) };
        };
        if Instant::now() >= at {
            return Err(OcrError::TimedOut(limit.as_secs_f64()));
        }
        let state = Deadline { at, passed: Cell::new(false) };
        // SAFETY: the monitor is created and deleted here; its cancel data (`state`) outlives
        // the recognition, which is the only time the callback runs.
        let rc = unsafe {
            let monitor = tesseract_sys::TessMonitorCreate();
            if monitor.is_null() {
                return Err(OcrError::Recognize("Tesseract could not create a progress monitor".into()));
            }
            tesseract_sys::TessMonitorSetCancelFunc(monitor, Some(past_deadline));
            tesseract_sys::TessMonitorSetCancelThis(monitor, &state as *const Deadline as *mut c_void);
            let ms = at.saturating_duration_since(Instant::now()).as_millis().clamp(1, i32::MAX as u128) as c_int;
            tesseract_sys::TessMonitorSetDeadlineMSecs(monitor, ms);
            let rc = tesseract_sys::TessBaseAPIRecognize(self.0, monitor);
            tesseract_sys::TessMonitorDelete(monitor);
            rc
        };
        if state.passed.get() || Instant::now() >= at {
            return Err(OcrError::TimedOut(limit.as_secs_f64()));
        }
        if rc == 0 {
            Ok(())
        } else {
            Err(OcrError::Recognize("Tesseract could not recognise the page".into()))
        }
    }

    /// Take a string Tesseract allocated.
    fn take_text(ptr: *mut std::os::raw::c_char, what: &str) -> Result<String, OcrError> {
        if ptr.is_null() {
            return Err(OcrError::Recognize(format!("Tesseract gave no {what}")));
        }
        // SAFETY: a NUL-terminated string from Tesseract, freed once with TessDeleteText.
        unsafe {
            let s = CStr::from_ptr(ptr).to_string_lossy().into_owned();
            tesseract_sys::TessDeleteText(ptr);
            Ok(s)
        }
    }

    fn tsv(&mut self) -> Result<String, OcrError> {
        // SAFETY: valid handle, after recognition.
        Self::take_text(unsafe { tesseract_sys::TessBaseAPIGetTsvText(self.0, 0) }, "TSV")
    }

    fn text(&mut self) -> Result<String, OcrError> {
        // SAFETY: valid handle, after recognition.
        Self::take_text(unsafe { tesseract_sys::TessBaseAPIGetUTF8Text(self.0) }, "text")
    }

    fn mean_text_conf(&mut self) -> i32 {
        // SAFETY: valid handle, after recognition.
        unsafe { tesseract_sys::TessBaseAPIMeanTextConf(self.0) }
    }
}

fn new_engine(settings: &OcrSettings) -> Result<Engine, OcrError> {
    Engine::new(settings)
}

/// Check once, before any work, that an engine can start (missing language data: exit 3).
pub fn check_engine(settings: &OcrSettings) -> Result<(), OcrError> {
    new_engine(settings).map(drop)
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// Recognise a prepared page (on this thread's engine), or take the text it already has.
/// The page's pixels are released once recognised: only the text travels on.
pub fn recognize(mut page: PreparedPage, settings: &OcrSettings) -> Result<RecognizedPage, OcrError> {
    let raster = page.source.raster.take();
    let dpi = raster.as_ref().map(|r| r.dpi);
    let done = |page, text: Option<PageText>, plain_text, text_source, separator, (zones, zone_crops)| {
        let confidence = text.as_ref().and_then(PageText::mean_confidence);
        Ok(RecognizedPage { prepared: page, text, plain_text, text_source, confidence, dpi, separator, zones, zone_crops })
    };
    let none = || (vec![], vec![]);
    if page.blank {
        return done(page, None, String::new(), TextSource::None, None, none());
    }
    if let Some(existing) = page.source.existing_text.clone() {
        return done(page, None, existing, TextSource::Pdf, None, none());
    }
    match raster {
        Some(mut raster) => {
            // A page that takes too long keeps its image, without text, and its document goes
            // to review (the note says why): one such page does not cost the others.
            let (mut text, mut deadline) = match recognize_with_deadline(&raster.image, raster.dpi, !raster.dpi_assumed, settings) {
                Ok(read) => read,
                Err(e @ OcrError::TimedOut(_)) => {
                    page.unturned = None;
                    page.source.note = Some(format!("not recognised: {e}"));
                    return done(page, None, String::new(), TextSource::None, None, none());
                }
                Err(e) => return Err(e),
            };
            // Orientation detection only for pages whose reading does not look upright.
            if !looks_upright(&text) {
                if let Some(turned) = crate::prepare::turn_upright(&mut page, &raster, settings) {
                    raster = turned;
                    match recognize_with_deadline(&raster.image, raster.dpi, !raster.dpi_assumed, settings) {
                        Ok(read) => (text, deadline) = read,
                        Err(e @ OcrError::TimedOut(_)) => {
                            page.unturned = None;
                            page.source.note = Some(format!("not recognised: {e}"));
                            return done(page, None, String::new(), TextSource::None, None, none());
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
            page.unturned = None;
            let plain = text.plain();
            let words = text.lines.iter().map(|l| l.words.len()).sum::<usize>();
            let separator = (words <= crate::barcode::MAX_WORDS_ON_A_SEPARATOR).then(|| crate::barcode::separator_kind(&raster.image, raster.dpi)).flatten();
            let mut crops = Vec::new();
            let zones = read_numeric_zones(&raster.image, raster.dpi, &text, &settings.numeric_labels, deadline, settings.zone_dump.is_some().then_some(&mut crops));
            done(page, Some(text), plain, TextSource::Ocr, separator, (zones, crops))
        }
        None => done(page, None, String::new(), TextSource::None, None, none()),
    }
}

/// Does a page's first reading look like upright text? Upright pages of the evaluation corpus
/// read with a mean word confidence of 0.70 or more and at least 40 % of their words
/// confident (85+) and of three letters or more; pages turned by 90, 180 or 270 degrees read
/// under 0.45 with under 6 % such words. Pages with fewer than 3 words say too little and get
/// orientation detection (cheap on a nearly empty page).
pub fn looks_upright(text: &PageText) -> bool {
    let words: Vec<&Word> = text.lines.iter().flat_map(|l| l.words.iter()).collect();
    if words.len() < 3 {
        return false;
    }
    let mean = words.iter().map(|w| w.conf).sum::<f32>() / words.len() as f32;
    let good = words.iter().filter(|w| w.conf >= 85.0 && w.text.chars().filter(char::is_ascii_alphabetic).count() >= 3).count();
    mean >= 65.0 && good * 4 >= words.len()
}

/// Recognise a grayscale image at a resolution (within the settings' page timeout). `dpi` is
/// taken as the image's true resolution: a gray image of high resolution is recognised from a
/// reduced copy as [`OcrSettings::recognition_dpi`] says (the words come back in `img`'s pixels).
pub fn recognize_image(img: &GrayImage, dpi: f32, settings: &OcrSettings) -> Result<PageText, OcrError> {
    recognize_with_deadline(img, dpi, true, settings).map(|(text, _)| text)
}

/// Recognise an image; the page timeout runs from the moment the engine has the image (not
/// counting the engine's start on a thread's first page). Returns the deadline, which the
/// page's further reads share. `dpi_known`: the resolution is the file's own, so a reduced copy
/// may be read instead (see [`OcrSettings::recognition_dpi`]).
#[allow(clippy::type_complexity)]
fn recognize_with_deadline(img: &GrayImage, dpi: f32, dpi_known: bool, settings: &OcrSettings) -> Result<(PageText, Option<(Instant, Duration)>), OcrError> {
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let mut tess = match slot.take() {
            Some(t) => t,
            None => new_engine(settings)?,
        };
        let (w, h) = img.dimensions();
        // The page timeout counts the reduction too: it is part of the page's recognition.
        let deadline = settings.page_timeout.map(|t| (Instant::now() + t, t));
        let packed = pack_bilevel(img);
        let reduced = match (&packed, settings.recognition_dpi) {
            (None, Some(target)) if dpi_known => reduced_for_recognition(img, dpi, target),
            _ => None,
        };
        let set = match &reduced {
            // A reduced gray page has gray pixels: nothing to pack.
            Some((small, small_dpi)) => tess.set_pixels(small, None, *small_dpi),
            None => tess.set_pixels(img, packed.as_deref(), dpi),
        };
        // The engine has copied the pixels it keeps.
        drop(packed);
        // The engine goes back in its slot whatever happens: it stays usable after a timeout.
        let result = set.and_then(|()| tess.recognize(deadline)).and_then(|()| tess.tsv());
        *slot = Some(tess);
        let text = match &reduced {
            Some((small, _)) => parse_tsv(&result?, small.width(), small.height()).scaled_to(w, h),
            None => parse_tsv(&result?, w, h),
        };
        Ok((text, deadline))
    })
}

/// The copy of a gray page that recognition reads instead of it, with its resolution: reduced
/// to `target` dpi when the page has [`REDUCE_FROM`] times that or more; `None`: read the page
/// as it is. (Public for the benchmark's per-stage profile.)
pub fn reduced_for_recognition(img: &GrayImage, dpi: f32, target: f32) -> Option<(GrayImage, f32)> {
    if !(target > 0.0 && dpi.is_finite() && dpi >= target * REDUCE_FROM) {
        return None;
    }
    let (w, h) = img.dimensions();
    let scale = target / dpi;
    let (sw, sh) = (((w as f32 * scale).round() as u32).max(1), ((h as f32 * scale).round() as u32).max(1));
    let small = crate::prepare::reduce(img, sw, sh)?;
    // The resolution the reduced pixels really have (sizes are whole pixels).
    Some((small, dpi * sw as f32 / w as f32))
}

/// The image packed 1 bit per pixel (rows padded to a byte, most significant bit first, 1 =
/// white), when it holds only black (0) and white (255) pixels; `None` otherwise. Gray pages
/// are told apart at their first gray pixel.
fn pack_bilevel(img: &GrayImage) -> Option<Vec<u8>> {
    if !img.as_raw().iter().all(|&v| v == 0 || v == 255) {
        return None;
    }
    let (w, h) = (img.width() as usize, img.height() as usize);
    let bpl = w.div_ceil(8);
    let mut out = vec![0u8; bpl * h];
    for (row, bits) in img.as_raw().chunks_exact(w.max(1)).zip(out.chunks_exact_mut(bpl.max(1))) {
        for (x, &v) in row.iter().enumerate() {
            if v == 255 {
                bits[x / 8] |= 0x80 >> (x % 8);
            }
        }
    }
    Some(out)
}

/// Read again, as single lines of digits, the boxes after and below numeric labels (public for
/// the benchmark's per-stage profile). With `crops`, each box read is kept there too.
pub fn read_numeric_zones(img: &GrayImage, dpi: f32, text: &PageText, labels: &NumericLabels, deadline: Option<(Instant, Duration)>, mut crops: Option<&mut Vec<ZoneCrop>>) -> Vec<ZoneRead> {
    let mut out = Vec::new();
    // (line, field) of the labels wrapped onto a line from the line before.
    let mut wrapped: Vec<(usize, &str)> = Vec::new();
    for (first_li, first_line) in text.lines.iter().enumerate() {
        let joined: String = first_line.words.iter().map(|w| w.text.to_lowercase()).collect::<Vec<_>>().join(" ");
        let squashed: String = joined.chars().filter(|c| c.is_alphanumeric()).collect();
        for NumericLabel { field, squashed: label, tail, not_before, others } in &labels.0 {
            let (label, tail) = (label.as_str(), *tail);
            // A label's end alone, where no whole label of its field is: on this line, or
            // ending on it after a start on the line before ("3. Social" / "Security Number").
            if tail && (labels.0.iter().any(|l| !l.tail && l.field == *field && squashed.contains(&l.squashed)) || wrapped.contains(&(first_li, *field))) {
                continue;
            }
            // The label's words: `a..=b` of line `li`; for a label wrapped over two lines, the
            // end on the next line (`li`) and its start at word `first_a` of this one.
            let (pos, li, a, b, first_a) = match squashed.find(label) {
                Some(at) if tail && not_before.iter().any(|n| squashed[at + label.len()..].starts_with(n.as_str())) => continue,
                Some(at) => {
                    // From bytes to characters (OCR text is not all ASCII).
                    let pos = squashed[..at].chars().count();
                    let Some((a, b)) = label_words(&first_line.words, pos, label.len()) else { continue };
                    (pos, first_li, a, b, a)
                }
                None if tail => continue,
                None => {
                    let Some((pos, first_a, b)) = wrapped_label(text, first_li, &squashed, label) else { continue };
                    wrapped.push((first_li + 1, *field));
                    (pos, first_li + 1, 0, b, first_a)
                }
            };
            let line = &text.lines[li];
            let context = label_context(first_line, first_a, (li != first_li).then_some(line), b);
            let before: String = first_line.words[first_a.saturating_sub(4)..first_a].iter().map(|w| w.text.to_lowercase()).collect::<Vec<_>>().join(" ");
            // The line up to just past the label (by characters: OCR text is not all ASCII).
            let upto: String = joined.chars().take(pos + label.len() + 8).collect();
            if others.iter().any(|o| before.contains(o.as_str()) || upto.contains(o.as_str())) {
                continue;
            }
            if !label_like(&line.words, a, b, others) {
                continue;
            }
            // A value the page-wide reading already gave is only checked by the digit reader
            // (Tesseract would read the same ink the same way).
            let check = value_already_read(field, text, li, a, b);
            // The value's box starts where its item's label does ("4. CSA claim number": at
            // "CSA"), and hand-printed values often start left of that: a quarter inch of margin.
            // A label's end alone: its damaged start is the words just before it (up to its
            // item number, and no further than LABEL_HEAD: an item number further left is the
            // item before's), and so is the start of the value written over it.
            let numbered = first_line.words[..first_a].iter().rposition(|w| is_item_number(&w.text)).map(|m| m + 1);
            let item = match tail {
                true => {
                    let head = first_line.words[..first_a].iter().rposition(|w| first_line.words[first_a].x0 as f32 - w.x0 as f32 > dpi * LABEL_HEAD).map_or(0, |k| k + 1);
                    numbered.unwrap_or(0).max(head)
                }
                false => numbered.unwrap_or(first_a),
            };
            let x0 = first_line.words[item].x0.min(first_line.words[first_a].x0).min(line.words[a].x0).saturating_sub((dpi * 0.25) as u32);
            let x_end = line.words[b + 1..].iter().find(|w| is_item_number(&w.text)).map(|w| w.x0).unwrap_or(img.width());
            let x1 = x_end.min(line.words[a].x0 + (dpi * 3.0) as u32).min(img.width());
            let height = (line.baseline - line.top).max(dpi * 0.08);
            let top = line.baseline as u32 + (height * 0.15) as u32;
            // Small print labels a tall box (W-4P: a 7-point label, the value a third of an
            // inch below it): at least 0.35 in. A next item's label that falls inside is
            // passed over by the reader (it reads the first row that reads as a value).
            let bottom = ((line.baseline + (height * 3.2).max(dpi * 0.35)) as u32).min(img.height());
            // Below the label, then after it on its line.
            let below = (x0, top, x1, bottom);
            let after_x0 = line.words[b].x1 + (dpi * 0.03) as u32;
            let after = (after_x0, line.top.max(0.0) as u32, x1, (line.baseline + height * 0.3) as u32);
            for (l, t, r, btm) in [below, after] {
                if r <= l + (dpi * 0.3) as u32 || btm <= t + 4 {
                    continue;
                }
                let crop = image::imageops::crop_imm(img, l, t, r - l, btm - t).to_image();
                if let Some(crops) = crops.as_deref_mut() {
                    crops.push(ZoneCrop { field, label: joined.clone(), dpi, image: crop.clone() });
                }
                if !check {
                    let chars = if *field == "claim_number" { CLAIM_LETTERS } else { DIGIT_LETTERS };
                    if let Ok(Some((text, conf))) = read_line(&crop, dpi, chars, SEG_LINE, deadline) {
                        if text.chars().filter(char::is_ascii_digit).count() >= 6 {
                            out.push(ZoneRead { field, line: li, context: context.clone(), text, conf, certainty: conf, check: false });
                        }
                    }
                }
                // Then the hand-printed digit reader (crate::icr), for boxes Tesseract cannot read; its
                // values always go to review.
                if let Some(read) = crate::icr::read_digits(&crop, dpi, field) {
                    let text = match (*field, &read.lead) {
                        // A claim number whose letters the row reader was not sure of: its prefix
                        // is Tesseract's reading of the letters' ink, taken only when it is CSA,
                        // CSF or CSI; else the row reader's unsure one (the value goes to review
                        // like all of this reader's).
                        ("claim_number", Some(lead)) => claim_prefix(lead, dpi, deadline).map(|p| format!("{p} {}", read.text)).or(read.unsure.clone()),
                        // Digits whose letters the network read as nothing (no ink left for
                        // Tesseract): its unsure whole reading, if it has one (generated seed
                        // 31, case-021: an SF 2823's hand-printed "CSA 7916920" with a round C).
                        ("claim_number", None) if !read.text.starts_with(|c: char| c.is_ascii_uppercase()) => read.unsure.clone(),
                        _ => Some(read.text),
                    };
                    if let Some(text) = text {
                        out.push(ZoneRead { field, line: li, context: context.clone(), text, conf: read.conf.min(ICR_CONFIDENCE_CAP), certainty: read.conf, check });
                    }
                }
            }
        }
    }
    out
}

/// A label's context, lower case: the words of `first` from the item number before word `a`
/// (or the line's start) to the label's end, word `b` of `first` or, for a label wrapped over
/// two lines, of `second`.
fn label_context(first: &Line, a: usize, second: Option<&Line>, b: usize) -> String {
    let start = first.words[..a].iter().rposition(|w| is_item_number(&w.text)).unwrap_or(0);
    let words = match second {
        Some(second) => first.words[start..].iter().chain(&second.words[..=b]).collect::<Vec<_>>(),
        None => first.words[start..=b].iter().collect(),
    };
    words.iter().map(|w| w.text.to_lowercase()).collect::<Vec<_>>().join(" ")
}

/// The words of a line (`words`) that hold the characters `pos..pos + len` of the line's
/// squashed text (its letters and digits alone): the first and the last word's index.
fn label_words(words: &[Word], pos: usize, len: usize) -> Option<(usize, usize)> {
    let mut acc = 0;
    let mut a = None;
    for (i, w) in words.iter().enumerate() {
        let n = alphanumerics(w);
        if a.is_none() && acc + n > pos {
            a = Some(i);
        }
        acc += n;
        if acc >= pos + len {
            return Some((a?, i));
        }
    }
    None
}

/// How many letters and digits a word has (its share of a line's squashed text).
fn alphanumerics(w: &Word) -> usize {
    w.text.chars().filter(|c| c.is_alphanumeric()).count()
}

/// A label wrapped over two lines in a narrow box ("4. CSF claim" / "number of the deceased"):
/// line `li` (squashed: `squashed`) ends with the label's first word or words, whole (not the end
/// of "reclaim"), and line `li + 1` starts with the rest, within one and a half line heights below
/// and starting in the label's column.
/// Returns where the label starts in `squashed` (in characters), the index of its first word on
/// line `li` and that of its last word on the next line.
fn wrapped_label(text: &PageText, li: usize, squashed: &str, label: &str) -> Option<(usize, usize, usize)> {
    let (line, next) = (&text.lines[li], text.lines.get(li + 1)?);
    // The line ends where a word does: "claim|number", "dateof|birth", "birth|date".
    let rest: String = next.words.iter().flat_map(|w| w.text.chars()).filter(|c| c.is_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    let split = (4..=label.len().saturating_sub(4)).find(|&k| squashed.ends_with(&label[..k]) && rest.starts_with(&label[k..]))?;
    let pos = squashed.chars().count() - split;
    let (a, _) = label_words(&line.words, pos, split)?;
    if line.words[..a].iter().map(alphanumerics).sum::<usize>() != pos {
        return None;
    }
    let height = (line.baseline - line.top).max(1.0);
    // The line's text starts after its item number: the wrapped words start under it.
    let start = line.words.iter().find(|w| !is_item_number(&w.text)).map_or(line.words[a].x0, |w| w.x0) as f32;
    let first = next.words.first()?;
    let below = next.top - line.baseline < height * 1.5 && next.top > line.top;
    let in_column = (first.x0 as f32 - start).abs() < height * 3.0;
    if !below || !in_column {
        return None;
    }
    let (_, b) = label_words(&next.words, 0, label.len() - split)?;
    Some((pos, a, b))
}

/// An item's number before its label: "4." or "4)", and "4," (a period read as a comma).
fn is_item_number(w: &str) -> bool {
    let t = w.trim_end_matches(['.', ')', ',']);
    w.len() > t.len() && !t.is_empty() && t.len() <= 2 && t.chars().all(|c| c.is_ascii_digit())
}

/// A hand-printed claim number's letters (the row reader's lead ink), read by Tesseract as a
/// line of the letters C, S, A, F and I: CSA, CSF or CSI, or `None`. Tesseract often drops a
/// thin I ("CS"); then the last glyph is read alone as A, F or I.
fn claim_prefix(lead: &GrayImage, dpi: f32, deadline: Option<(Instant, Duration)>) -> Option<String> {
    let (whole, _) = read_line(lead, dpi, CLAIM_PREFIX_LETTERS, SEG_LINE, deadline).ok()??;
    if matches!(whole.as_str(), "CSA" | "CSF" | "CSI") {
        return Some(whole);
    }
    if whole != "CS" {
        return None;
    }
    let glyph = crate::icr::last_glyph(lead)?;
    let (last, _) = read_line(&glyph, dpi, "AFI", SEG_CHAR, deadline).ok()??;
    matches!(last.as_str(), "A" | "F" | "I").then(|| format!("CS{last}"))
}

/// Is the label found in words `a..=b` a form's label rather than words of a sentence
/// ("your Social Security number is needed", "the same name and birth date. Failure ...",
/// "Social Security Administration")? A label is followed (after "Number", "No.") by nothing,
/// a parenthesis ("(mm/dd/yyyy)"), the next item's number, or something with digits, a slash or
/// a hyphen (its value, however badly read); a label that starts its line may also be followed by
/// another capitalised label (a table's header row).
fn label_like(words: &[Word], a: usize, b: usize, others: &[String]) -> bool {
    let mut k = b + 1;
    while let Some(w) = words.get(k) {
        let t = w.text.trim_matches(|c: char| !c.is_alphanumeric() && c != '#').to_lowercase();
        if matches!(t.as_str(), "number" | "no" | "num" | "#" | "") {
            k += 1;
        } else {
            break;
        }
    }
    if words[b..k].iter().any(|w| w.text.ends_with(':')) {
        return true;
    }
    // "Claim number of the deceased", "date of birth of annuitant": whose number it is, ending
    // the line or followed by what may follow a label.
    let plain = |w: &Word| w.text.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    if words.get(k).is_some_and(|w| plain(w) == "of") {
        let mut j = k + 1;
        if words.get(j).is_some_and(|w| matches!(plain(w).as_str(), "the" | "a")) {
            j += 1;
        }
        let ends = |w: Option<&Word>| w.is_none_or(|w| is_item_number(&w.text) || w.text.starts_with(['(', '[', ':']) || w.text.chars().any(|c| c.is_ascii_digit()));
        // "Date of birth of spouse" is someone else's.
        let whose = words.get(j).map(plain);
        if whose.as_deref().is_some_and(|w| others.iter().any(|o| w.contains(o.as_str()))) {
            return false;
        }
        if whose.is_some() && ends(words.get(j + 1)) {
            return true;
        }
    }
    // "Claim number or OWCP case number": a label offering another number in the value's place
    // (generated seeds 57 and 61: an SF 2818's item 5, whose box was never read again).
    if words.get(k).is_some_and(|w| plain(w) == "or") && words[k + 1..].iter().take(4).any(|w| matches!(plain(w).as_str(), "number" | "no" | "num")) {
        return true;
    }
    let Some(next) = words.get(k) else { return true };
    let t = next.text.as_str();
    if is_item_number(t) || t.starts_with(['(', '[', ':']) || t.chars().any(|c| c.is_ascii_digit() || c == '/' || c == '-') {
        return true;
    }
    let starts_line = a == 0 || words.get(a - 1).is_some_and(|w| is_item_number(&w.text));
    starts_line && t.chars().next().is_some_and(char::is_uppercase)
}

/// Does the page-wide reading already show a valid value for `field` where extraction looks for
/// it: after the label (words `a..=b` of line `li`) up to the next item number, or below it in
/// its column on the next two lines? Then the second reading would never be used (extraction
/// takes the page-wide value first), and costs a recognition of its boxes for nothing.
fn value_already_read(field: &str, text: &PageText, li: usize, a: usize, b: usize) -> bool {
    let line = &text.lines[li].words;
    let join = |words: &[&Word]| words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
    let after: Vec<&Word> = line[b + 1..].iter().take_while(|w| !is_item_number(&w.text)).collect();
    if !after.is_empty() && crate::extract::validate(field, &join(&after)).is_some() {
        return true;
    }
    let col_x0 = line[a.saturating_sub(1)].x0.min(line[a].x0) as f32;
    let col_x1 = line[b + 1..].iter().find(|w| is_item_number(&w.text)).map(|w| w.x0 as f32).unwrap_or(f32::MAX);
    let slack = (line[b].x1 as f32 - line[a].x0 as f32).max(1.0) * 0.25;
    text.lines.iter().skip(li + 1).take(2).any(|below| {
        let in_col: Vec<&Word> = below
            .words
            .iter()
            .filter(|w| {
                let cx = (w.x0 + w.x1) as f32 / 2.0;
                cx >= col_x0 - slack && cx < col_x1
            })
            .collect();
        !in_col.is_empty() && crate::extract::validate(field, &join(&in_col)).is_some()
    })
}

/// What a numeric box may hold when Tesseract reads it again: an SSN's or a date's characters.
const DIGIT_LETTERS: &str = "0123456789/-";
/// A claim number's characters (CSA, CSF, CSI and digits).
const CLAIM_LETTERS: &str = "ACFIS0123456789";
/// A claim number's prefix letters alone.
const CLAIM_PREFIX_LETTERS: &str = "ACFIS";
const SEG_LINE: tesseract_sys::TessPageSegMode = tesseract_sys::TessPageSegMode_PSM_SINGLE_LINE;
const SEG_CHAR: tesseract_sys::TessPageSegMode = tesseract_sys::TessPageSegMode_PSM_SINGLE_CHAR;

/// Recognise one box cut from the page as a single line (or word) of the characters `chars`,
/// within the page's deadline.
fn read_line(crop: &GrayImage, dpi: f32, chars: &str, mode: tesseract_sys::TessPageSegMode, deadline: Option<(Instant, Duration)>) -> Result<Option<(String, f32)>, OcrError> {
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let Some(mut tess) = slot.take() else { return Ok(None) };
        tess.set_variable("tessedit_char_whitelist", chars);
        tess.set_page_seg_mode(mode);
        let result = tess.set_image(crop, dpi).and_then(|()| tess.recognize(deadline)).and_then(|()| tess.text());
        let conf = tess.mean_text_conf() as f32 / 100.0;
        // Back to the page-wide settings for the next page, whatever happened.
        tess.set_variable("tessedit_char_whitelist", "");
        tess.set_page_seg_mode(SEG_MODE);
        *slot = Some(tess);
        Ok(Some((result?.trim().to_string(), conf)))
    })
}

/// Group Tesseract's TSV rows (level 4 = line, 5 = word) into lines of words.
///
/// Columns: level page block par line word left top width height conf text.
pub fn parse_tsv(tsv: &str, width: u32, height: u32) -> PageText {
    let mut lines: Vec<Line> = Vec::new();
    let mut current: Option<(Vec<Word>, f32)> = None;
    let flush = |cur: Option<(Vec<Word>, f32)>, lines: &mut Vec<Line>| {
        if let Some((words, top)) = cur {
            if !words.is_empty() {
                // Most words sit on the baseline; the ones with descenders reach below it.
                let mut bottoms: Vec<u32> = words.iter().map(|w| w.y1).collect();
                bottoms.sort_unstable();
                let baseline = bottoms[bottoms.len() / 2] as f32;
                lines.push(Line { words, baseline, top });
            }
        }
    };
    for row in tsv.lines() {
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        if cols.len() < 11 {
            continue;
        }
        let n = |i: usize| cols[i].trim().parse::<i64>().ok();
        let (Some(level), Some(left), Some(top), Some(w), Some(h)) = (n(0), n(6), n(7), n(8), n(9)) else { continue };
        match level {
            4 => {
                flush(current.take(), &mut lines);
                current = Some((Vec::new(), top as f32));
            }
            5 => {
                let text = cols.get(11).map(|t| t.trim()).unwrap_or("");
                let conf = cols[10].trim().parse::<f32>().unwrap_or(-1.0);
                if text.is_empty() || conf < 0.0 {
                    continue;
                }
                let word = Word {
                    text: text.to_string(),
                    x0: left.max(0) as u32,
                    y0: top.max(0) as u32,
                    x1: (left + w).max(0) as u32,
                    y1: (top + h).max(0) as u32,
                    conf,
                };
                match current.as_mut() {
                    Some((words, _)) => words.push(word),
                    None => current = Some((vec![word], top as f32)),
                }
            }
            _ => {}
        }
    }
    flush(current, &mut lines);
    PageText { width, height, lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Boxes cut from generated forms under "CSA claim number" labels (fake people; one from a
    /// black-and-white page): the row reader reads them whole, letters and digits. The letters'
    /// ink it hands back when unsure of them is read by Tesseract; a thin I that Tesseract drops
    /// from "CSI" is read alone.
    #[test]
    fn hand_printed_claim_numbers_are_read() {
        let settings = OcrSettings { language: "eng".into(), tessdata: None, page_timeout: None, recognition_dpi: None, zone_dump: None, numeric_labels: NumericLabels::builtin() };
        ENGINE.with(|cell| *cell.borrow_mut() = Some(new_engine(&settings).expect("Tesseract starts")));
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/icr/");
        for (file, want) in [("claim_csa.png", "CSA 6147167"), ("claim_csi.png", "CSI 7049013"), ("claim_csf_g4.png", "CSF 8533556")] {
            let img = image::open(format!("{path}{file}")).expect("test box").to_luma8();
            let read = crate::icr::read_digits(&img, 200.0, "claim_number").unwrap_or_else(|| panic!("{file}: no reading"));
            assert_eq!((read.text.as_str(), read.lead.is_none()), (want, true), "{file}");
        }
        // Tesseract on the letters' ink alone (the row reader's lead), as when it is unsure of them.
        for (file, prefix) in [("claim_csa.png", "CSA"), ("claim_csi.png", "CSI"), ("claim_csi_thin.png", "CSI"), ("claim_csf_g4.png", "CSF")] {
            let img = image::open(format!("{path}{file}")).expect("test box").to_luma8();
            let lead = crate::icr::lead_of(&img, 200.0, "claim_number").unwrap_or_else(|| panic!("{file}: no letters"));
            assert_eq!(claim_prefix(&lead, 200.0, None).as_deref(), Some(prefix), "{file}");
        }
        // A box with no letters before its digits has no prefix: no claim number.
        let img = image::open(format!("{path}ssn_boxed.png")).expect("test box").to_luma8();
        assert!(crate::icr::read_digits(&img, 200.0, "claim_number").is_none_or(|r| r.lead.is_none() && !r.text.starts_with(|c: char| c.is_ascii_uppercase())));
    }

    /// Regression: non-ASCII OCR text before a label must not panic the zone reader.
    #[test]
    fn zone_reader_takes_non_ascii_lines() {
        let img = GrayImage::from_pixel(400, 200, image::Luma([255]));
        let word = |t: &str, x0| Word { text: t.into(), x0, y0: 10, x1: x0 + 30, y1: 30, conf: 90.0 };
        let text = PageText {
            width: 400,
            height: 200,
            lines: vec![Line { words: vec![word("Épouse—née", 0), word("Date", 60), word("of", 100), word("birth", 130)], baseline: 30.0, top: 10.0 }],
        };
        let _ = read_numeric_zones(&img, 200.0, &text, &NumericLabels::builtin(), None, None);
    }

    /// A line of words 50 px wide and 20 px high at `top`, each starting at its x.
    fn words_line(words: &[(&str, u32)], top: u32) -> Line {
        Line { words: words.iter().map(|&(t, x0)| Word { text: t.into(), x0, y0: top, x1: x0 + 50, y1: top + 20, conf: 90.0 }).collect(), baseline: (top + 20) as f32, top: top as f32 }
    }

    /// A white page with a black block: a value's ink.
    fn page_with_ink(width: u32, height: u32, xs: std::ops::Range<u32>, ys: std::ops::Range<u32>) -> GrayImage {
        GrayImage::from_fn(width, height, |x, y| image::Luma([if xs.contains(&x) && ys.contains(&y) { 0 } else { 255 }]))
    }

    /// Regression (seed 42, an SF 2823): "4, CSA, CSF, CSI or OWCP claim number", its item
    /// number read with a comma, had its box start at "claim", right of the value written
    /// under "4,"; the claim number was never read there.
    #[test]
    fn regression_item_number_read_with_a_comma_starts_the_box() {
        let img = page_with_ink(1200, 400, 20..60, 60..90);
        let words = [("4,", 0), ("CSA,", 60), ("CSF,", 130), ("CSI", 200), ("or", 260), ("OWCP", 300), ("claim", 400), ("number", 470)];
        let text = PageText { width: 1200, height: 400, lines: vec![words_line(&words, 10)] };
        let mut crops = Vec::new();
        let _ = read_numeric_zones(&img, 200.0, &text, &NumericLabels::builtin(), None, Some(&mut crops));
        let inked = |c: &ZoneCrop| c.image.pixels().any(|p| p.0[0] < 128);
        assert!(crops.iter().any(|c| c.field == "claim_number" && inked(c)), "the box under the item holds the value's ink");
    }

    /// Regression (seed 35, an SF 3104): "4. CSF claim" / "number of the deceased", the label
    /// wrapped over two lines of a narrow box, was not found; the hand-printed claim number
    /// under it was never read.
    #[test]
    fn regression_a_label_wrapped_over_two_lines_is_found() {
        // The value's ink, under the label's second line.
        let img = page_with_ink(1200, 400, 40..80, 90..120);
        let line = words_line;
        let text = PageText {
            width: 1200,
            height: 400,
            lines: vec![line(&[("4.", 0), ("CSF", 40), ("claim", 100)], 10), line(&[("number", 40), ("of", 110), ("the", 140), ("deceased", 180)], 40)],
        };
        let mut crops = Vec::new();
        let _ = read_numeric_zones(&img, 200.0, &text, &NumericLabels::builtin(), None, Some(&mut crops));
        let inked = |c: &ZoneCrop| c.image.pixels().any(|p| p.0[0] < 128);
        assert!(crops.iter().any(|c| c.field == "claim_number" && inked(c)), "the box under the wrapped label holds the value's ink");
        // Not when the next line is far below or elsewhere on the page.
        let mut far = text.clone();
        far.lines[1] = line(&[("number", 600), ("of", 670), ("the", 700), ("deceased", 740)], 40);
        let mut crops = Vec::new();
        let _ = read_numeric_zones(&img, 200.0, &far, &NumericLabels::builtin(), None, Some(&mut crops));
        assert!(crops.iter().all(|c| c.field != "claim_number"), "a line in another column does not finish the label");
        // A wrapped label is read once: its second line's "Security Number" is not read again
        // as a label's end.
        let count = |text: &PageText| {
            let mut crops = Vec::new();
            let _ = read_numeric_zones(&img, 200.0, text, &NumericLabels::builtin(), None, Some(&mut crops));
            crops.iter().filter(|c| c.field == "ssn").count()
        };
        let two = PageText { width: 1200, height: 400, lines: vec![line(&[("3.", 0), ("Social", 40)], 10), line(&[("Security", 40), ("Number", 130)], 40)] };
        let one = PageText { width: 1200, height: 400, lines: vec![line(&[("3.", 0), ("Social", 40), ("Security", 110), ("Number", 200)], 40)] };
        assert_eq!((count(&two), count(&one)), (2, 2));
        // Only whole words end the line: "reclaim" / "number" is no label.
        let reclaim = PageText { width: 1200, height: 400, lines: vec![line(&[("4.", 0), ("reclaim", 40)], 10), line(&[("number", 40), ("of", 110), ("the", 140), ("deceased", 180)], 40)] };
        let mut crops = Vec::new();
        let _ = read_numeric_zones(&img, 200.0, &reclaim, &NumericLabels::builtin(), None, Some(&mut crops));
        assert!(crops.iter().all(|c| c.field != "claim_number"));
    }

    /// Regression (generated seed 42, an SF 2803; seed 35, an RI 20-97): a value hand-printed
    /// high in its box ran over the start of its label, read as "wy of birth (mm/dd/yyyy)" and
    /// "aga BO)Security Number"; no box was read, and the date of birth and the SSN were absent.
    #[test]
    fn regression_a_label_whose_start_the_value_ran_over_is_found_by_its_end() {
        // The value's ink starts under the damaged start of the label, left of its end.
        let img = page_with_ink(1600, 400, 15..45, 45..75);
        let page = |words: &[(&str, u32)]| PageText { width: 1600, height: 400, lines: vec![words_line(words, 10)] };
        let boxes = |text: &PageText, field: &str| {
            let mut crops = Vec::new();
            let _ = read_numeric_zones(&img, 200.0, text, &NumericLabels::builtin(), None, Some(&mut crops));
            let inked = |c: &ZoneCrop| c.image.pixels().any(|p| p.0[0] < 128);
            let of_field: Vec<bool> = crops.iter().filter(|c| c.field == field).map(inked).collect();
            (of_field.len(), of_field.iter().any(|i| *i))
        };
        let date = page(&[("wy", 50), ("of", 110), ("birth", 150), ("(mm/dd/yyyy)", 220), ("3.", 800), ("Social", 850), ("Security", 920), ("Number", 1000)]);
        assert_eq!(boxes(&date, "date_of_birth"), (2, true), "the box of a date of birth found by its label's end holds the value's ink");
        let ssn = page(&[("aga", 50), ("BO)Security", 110), ("Number", 230), ("3.", 800), ("Branch", 850)]);
        assert_eq!(boxes(&ssn, "ssn"), (2, true), "the SSN's box starts at the damaged start of its label");
        // A whole label is read once, not again by its end; another item's birth is no box.
        let whole = page(&[("2.", 10), ("Date", 50), ("of", 110), ("birth", 150), ("(mm/dd/yyyy)", 220)]);
        assert_eq!(boxes(&whole, "date_of_birth").0, 2);
        let place = page(&[("5.", 10), ("Place", 50), ("of", 110), ("birth", 150), ("6.", 800), ("Agency", 850)]);
        assert_eq!(boxes(&place, "date_of_birth").0, 0);
        let year = page(&[("5.", 10), ("Year", 50), ("of", 110), ("birth", 150), ("(yyyy)", 220), ("6.", 800), ("Agency", 850)]);
        assert_eq!(boxes(&year, "date_of_birth").0, 0, "a year of birth is no date of birth");
        let month_year = page(&[("wy", 50), ("of", 110), ("birth", 150), ("(mm/yyyy)", 220), ("6.", 800), ("Agency", 850)]);
        assert_eq!(boxes(&month_year, "date_of_birth").0, 0, "a month and year of birth is no date of birth");
        // Regression (generated seed 33, an SF 3107): the format's slashes read as letters.
        let slashes = page(&[("a/b)", 50), ("of", 110), ("birth", 150), ("(mmiddiyyyy)", 220), ("3,", 800), ("Social", 850)]);
        assert_eq!(boxes(&slashes, "date_of_birth"), (2, true));
        // The item number of the item before is not this box's start: the box starts at the
        // damaged start, not at the name the item before holds.
        let after_name = page(&[("1.", 10), ("Name", 50), ("(Last,", 110), ("First)", 180), ("wy", 540), ("of", 600), ("birth", 640), ("(mm/dd/yyyy)", 700)]);
        let mut crops = Vec::new();
        let _ = read_numeric_zones(&img, 200.0, &after_name, &NumericLabels::builtin(), None, Some(&mut crops));
        let widest = crops.iter().filter(|c| c.field == "date_of_birth").map(|c| c.image.width()).max();
        assert!(widest.is_some_and(|w| w <= 1600 - 490), "{widest:?}");
    }

    #[test]
    fn bilevel_pages_are_packed_one_bit_per_pixel() {
        let mut img = GrayImage::from_pixel(10, 2, image::Luma([255]));
        img.put_pixel(0, 0, image::Luma([0]));
        img.put_pixel(9, 1, image::Luma([0]));
        // 10 pixels: 2 bytes a row, 1 = white, most significant bit first.
        assert_eq!(pack_bilevel(&img), Some(vec![0b0111_1111, 0b1100_0000, 0b1111_1111, 0b1000_0000]));
        img.put_pixel(5, 0, image::Luma([128]));
        assert_eq!(pack_bilevel(&img), None, "a gray page is left as it is");
    }

    #[test]
    fn labels_are_told_from_sentences() {
        let line = |t: &str| -> Vec<Word> {
            t.split(' ').enumerate().map(|(i, w)| Word { text: w.into(), x0: i as u32 * 50, y0: 0, x1: i as u32 * 50 + 40, y1: 20, conf: 90.0 }).collect()
        };
        // (line, label's first and last word, is a label)
        let cases = [
            ("3. Social Security Number", 1, 2, true),
            ("3. Social Security Number 4. Date of birth", 1, 2, true),
            ("Social Security No. 123-45-6789", 0, 1, true),
            ("Date of birth (mm/dd/yyyy)", 0, 2, true),
            ("2. Date of Birth", 1, 3, true),
            ("Date of Birth Social Security Number", 0, 2, true),
            ("Social Security Number: O4l", 0, 1, true),
            ("4. CSF claim number of the deceased", 2, 3, true),
            // Regression (seed 61, case-003, SF 2818): a label that offers another number.
            ("5. CSA/CSF claim number or OWCP case number", 2, 3, true),
            ("your claim number or your name", 1, 2, false),
            ("number of the deceased", 0, 0, true),
            ("2. Date of birth of spouse", 1, 3, false),
            ("Social Security Number of the spouse (mm/dd/yyyy)", 0, 1, false),
            ("enter the claim number of the deceased in item 4 of this form", 2, 3, false),
            ("your Social Security number is needed to keep your records", 1, 2, false),
            ("the same name and birth date. Failure to furnish", 4, 5, false),
            ("write your name and social security number on each sheet.", 4, 5, false),
            ("and to determine your rights. Social Security Administration", 5, 6, false),
        ];
        let labels = NumericLabels::builtin();
        let others = labels.0.iter().find(|l| l.field == "date_of_birth").map(|l| l.others.clone()).unwrap_or_default();
        for (text, a, b, want) in cases {
            assert_eq!(label_like(&line(text), a, b, &others), want, "{text}");
        }
    }

    #[test]
    fn the_labels_read_again_come_from_the_catalog() {
        let labels = NumericLabels::builtin();
        let names: Vec<(&str, &str, bool)> = labels.0.iter().map(|l| (l.field, l.squashed.as_str(), l.tail)).collect();
        for want in [("date_of_birth", "dateofbirth", false), ("ssn", "socialsecurity", false), ("claim_number", "claimorpayroll", false), ("date_of_birth", "ofbirthmm", true), ("ssn", "securitynumber", true)] {
            assert!(names.contains(&want), "{want:?} in {names:?}");
        }
        // Whole labels before ends: an end is looked for only where no whole label is.
        assert!(labels.0.windows(2).all(|w| !(w[0].tail && !w[1].tail)));
        let dob_end = labels.0.iter().find(|l| l.squashed == "ofbirthmm").map(|l| l.not_before.clone());
        assert_eq!(dob_end, Some(vec!["yyyy".to_string()]));
        // An operator's catalog may add a label; `reread` on a field that is not numeric is refused.
        let more = "[fields.ssn]\nlabels = [\"SSN\"]\n[fields.ssn.reread]\nlabels = [\"Soc. Sec. No.\"]\n";
        let cat = crate::catalog::Catalog::with_operator_text(more, "extra.toml").expect("valid");
        assert!(NumericLabels::from_catalog(&cat).0.iter().any(|l| l.squashed == "socsecno"));
        let bad = "[fields.name]\nlabels = [\"Name\"]\n[fields.name.reread]\nlabels = [\"Name\"]\n";
        assert!(crate::catalog::Catalog::with_operator_text(bad, "bad.toml").is_err());
    }

    #[test]
    fn reduced_readings_map_back_onto_the_page() {
        let word = Word { text: "Claim".into(), x0: 100, y0: 201, x1: 151, y1: 231, conf: 90.0 };
        let text = PageText { width: 1700, height: 2200, lines: vec![Line { words: vec![word], baseline: 230.0, top: 200.0 }] };
        let big = text.scaled_to(2550, 3300);
        assert_eq!((big.width, big.height), (2550, 3300));
        let w = &big.lines[0].words[0];
        // x 1.5: edges rounded outwards, so the box covers at least what it covered.
        assert_eq!((w.x0, w.y0, w.x1, w.y1), (150, 301, 227, 347));
        assert_eq!((big.lines[0].baseline, big.lines[0].top), (345.0, 300.0));
        assert_eq!((w.text.as_str(), w.conf), ("Claim", 90.0));
    }

    #[test]
    fn only_pages_of_high_resolution_are_reduced() {
        let page = GrayImage::from_pixel(2550, 300, image::Luma([200]));
        let (small, dpi) = reduced_for_recognition(&page, 300.0, 200.0).unwrap();
        assert_eq!(small.dimensions(), (1700, 200));
        assert!((dpi - 200.0).abs() < 0.01, "{dpi}");
        assert!(reduced_for_recognition(&page, 279.0, 200.0).is_none(), "a small reduction does not pay");
        assert!(reduced_for_recognition(&page, 200.0, 200.0).is_none());
        assert!(reduced_for_recognition(&page, 300.0, 0.0).is_none());
        assert!(reduced_for_recognition(&page, f32::NAN, 200.0).is_none());
    }

    #[test]
    fn tsv_groups_words_in_lines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
1\t1\t0\t0\t0\t0\t0\t0\t2550\t3300\t-1\t\n\
4\t1\t1\t1\t1\t0\t100\t200\t500\t40\t-1\t\n\
5\t1\t1\t1\t1\t1\t100\t200\t200\t30\t96.5\tDesignation\n\
5\t1\t1\t1\t1\t2\t320\t205\t40\t25\t95.0\tof\n\
5\t1\t1\t1\t1\t3\t380\t200\t220\t40\t91.0\tBeneficiary\n\
4\t1\t1\t1\t2\t0\t100\t300\t300\t40\t-1\t\n\
5\t1\t1\t1\t2\t1\t100\t300\t300\t40\t88.0\tPart\n";
        let t = parse_tsv(tsv, 2550, 3300);
        assert_eq!(t.lines.len(), 2);
        assert_eq!(t.lines[0].words.len(), 3);
        assert_eq!(t.lines[0].baseline, 230.0);
        assert_eq!(t.plain(), "Designation of Beneficiary\nPart\n");
        let c = t.mean_confidence().unwrap();
        assert!((c - 0.926).abs() < 0.01, "{c}");
    }
}

/// Tesseract's orientation and script detection (osd.traineddata), one engine per thread.
/// The `tesseract` crate does not expose it, so this goes through the C API directly.
struct OsdEngine(*mut tesseract_sys::TessBaseAPI);

// SAFETY: a TessBaseAPI may move between threads; it is only used by one thread at a time
// (it lives in a thread-local).
unsafe impl Send for OsdEngine {}

impl Drop for OsdEngine {
    fn drop(&mut self) {
        // SAFETY: created by TessBaseAPICreate, deleted once.
        unsafe { tesseract_sys::TessBaseAPIDelete(self.0) }
    }
}

impl OsdEngine {
    fn new(settings: &OcrSettings) -> Option<OsdEngine> {
        use std::ffi::CString;
        let datapath = match &settings.tessdata {
            Some(p) => Some(CString::new(p.to_string_lossy().as_bytes()).ok()?),
            None => None,
        };
        let lang = CString::new("osd").ok()?;
        // SAFETY: plain C API calls on a handle we own; strings outlive the calls.
        unsafe {
            let engine = OsdEngine(tesseract_sys::TessBaseAPICreate());
            let dp = datapath.as_ref().map(|c| c.as_ptr()).unwrap_or(std::ptr::null());
            if tesseract_sys::TessBaseAPIInit3(engine.0, dp, lang.as_ptr()) != 0 {
                return None;
            }
            tesseract_sys::TessBaseAPISetPageSegMode(engine.0, tesseract_sys::TessPageSegMode_PSM_OSD_ONLY);
            let (k, v) = (CString::new("debug_file").ok()?, CString::new("/dev/null").ok()?);
            tesseract_sys::TessBaseAPISetVariable(engine.0, k.as_ptr(), v.as_ptr());
            Some(engine)
        }
    }

    /// (clockwise degrees that make the page upright, confidence)
    fn detect(&mut self, img: &GrayImage, dpi: f32) -> Option<(u16, f32)> {
        let (w, h) = img.dimensions();
        let mut deg: std::os::raw::c_int = 0;
        let mut conf: f32 = 0.0;
        let mut script: *const std::os::raw::c_char = std::ptr::null();
        let mut script_conf: f32 = 0.0;
        // SAFETY: the image buffer outlives the call; Tesseract copies what it keeps.
        let ok = unsafe {
            tesseract_sys::TessBaseAPISetImage(self.0, img.as_raw().as_ptr(), w as i32, h as i32, 1, w as i32);
            tesseract_sys::TessBaseAPISetSourceResolution(self.0, dpi.round() as i32);
            tesseract_sys::TessBaseAPIDetectOrientationScript(self.0, &mut deg, &mut conf, &mut script, &mut script_conf)
        };
        // Tesseract reports how far the page is turned clockwise; turning it back takes the
        // rest of the circle, clockwise (checked by tests/orientation.rs).
        let turned = (deg.rem_euclid(360) / 90 * 90) as u16;
        (ok != 0).then_some(((360 - turned) % 360, conf))
    }
}

thread_local! {
    /// `Some(None)`: the OSD model could not be loaded; do not try again on this thread.
    static OSD: RefCell<Option<Option<OsdEngine>>> = const { RefCell::new(None) };
}

/// Clockwise rotation (0, 90, 180, 270) that makes a page upright, with Tesseract's confidence;
/// `None` when the orientation model is missing or the page says too little.
pub fn detect_orientation(img: &GrayImage, dpi: f32, settings: &OcrSettings) -> Option<(u16, f32)> {
    OSD.with(|cell| {
        let mut slot = cell.borrow_mut();
        let engine = slot.get_or_insert_with(|| OsdEngine::new(settings));
        engine.as_mut()?.detect(img, dpi)
    })
}
