//! `scan_sf2809`: home scans of OPM's real SF 2809 (Health Benefits Election
//! Form), filled in for fake people.
//!
//! ```sh
//! cargo run --release -p fixturegen --bin scan_sf2809 -- \
//!     --form /work/shared/corpus/real/sf2809-nov2014.pdf --seed 5 --count 10 --out DIR
//! ```
//!
//! What a person does, simulated: print the form's own two pages (14 and 15 of
//! the November 2014 PDF), fill them in on a typewriter or by hand in block
//! capitals, sign, and scan both sides at 200 dpi on a home flatbed.
//!
//! 1. Pages 14-15 are rendered once with poppler (`pdftoppm -r 200 -gray`).
//! 2. Where to write comes from the PDF's widget annotations (`/Rect` of each
//!    fillable field, read with `lopdf`, which decrypts the AES file with its
//!    empty user password), cross-checked against `sf2809-fields.json` when
//!    it is found next to the form (or given with `--fields`). Widgets that
//!    do not print (the PRINT / SAVE / CLEAR buttons) are blanked, as on paper.
//! 3. Per document: a fake enrollee (SSN in the never-issued 9xx area, born
//!    1940-1975, US address), usually a family member in items 13-21, plans
//!    and event in Parts B-D, the date and a signature in Part H, a few
//!    check boxes. Half the documents are typed (Liberation Mono), half
//!    hand-printed in block capitals (per-glyph rotation, slant, scale,
//!    baseline and spacing jitter, blue-black or black ink): two in three
//!    with Humor Sans (`fonts-humor-sans`) when installed, the others (or
//!    all, without it) with DejaVu Sans / Liberation Sans.
//!    Values sit on the printed rule found just below each widget rectangle.
//! 4. Home-scan degradation: printer scaling and offset, off-white paper,
//!    skew within ±2°, slight blur and noise, JPEG quality ~75; about one
//!    document in ten is scanned upside down (both pages turned 180°).
//!
//! Output: `DIR/sf2809-NNN/page_1.jpg` (the front, page 14) and `page_2.jpg`
//! (the reverse, page 15), RGB JPEG with a JFIF density of 200 dpi, and
//! `DIR/truth.json` in fixturegen's truth format with a `documents` list.
//! Only the enrollee's values are in the truth fields; the family member's
//! name, SSN and date of birth appear only in the page `words`, which list
//! the values written into the fields (not the preprinted form text, the
//! check marks or the signature). The form has no retirement claim number
//! (CSA) field, so `claim_number` is never in the truth; item 8 holds a
//! Medicare number, recorded in no field.
//!
//! Everything random comes from ChaCha8 RNGs seeded from `--seed` and a label
//! (document number and purpose): the same seed gives the same bytes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use ab_glyph::{point, Font, FontVec, PxScale, ScaleFont};
use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use image::codecs::jpeg::{JpegEncoder, PixelDensity};
use image::{imageops, ExtendedColorType, GrayImage, Rgb, RgbImage};
use lopdf::{Document, Object};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Scan resolution (dots per inch) of the rendered form and of the output.
const DPI: u32 = 200;
/// The PDF pages that are the form itself (1-based); the rest are instructions.
const FORM_PAGES: [u32; 2] = [14, 15];
/// Form identifier written to the truth.
const FORM_ID: &str = "SF 2809";
/// Revision printed in the form's footer.
const REVISION: &str = "November 2014";
/// Name of the set in the truth.
const SET_NAME: &str = "sf2809-scan";

/// Fully qualified names of the widgets this tool writes into (as in
/// `sf2809-fields.json`, `pdf_name`; note the doubled spaces in some).
mod widget {
    pub const NAME: &str = "1. Name";
    pub const SSN: &str = "2. SS";
    pub const DOB: &str = "3. DOB";
    pub const MALE: &str = "male";
    pub const FEMALE: &str = "female";
    pub const MARRIED: &str = "married";
    pub const NOT_MARRIED: &str = "not married";
    pub const ADDRESS_1: &str = "6. address 1";
    pub const ADDRESS_2: &str = "6. address 2";
    pub const MED_A: &str = "Med A";
    pub const MED_B: &str = "Med B";
    pub const MEDICARE: &str = "8.  medical claim";
    pub const NO_OTHER: &str = "9.  no other";
    pub const PHONE: &str = "12. Preferred telephone number";
    pub const FAM_NAME: &str = "13. Name";
    pub const FAM_SSN: &str = "14. SS";
    pub const FAM_DOB: &str = "15. DOB";
    pub const FAM_MALE: &str = "16. male";
    pub const FAM_FEMALE: &str = "16. female";
    pub const FAM_RELATION: &str = "17. relation";
    pub const FAM_MED_A: &str = "19. Med A";
    pub const FAM_MED_B: &str = "19. Med B";
    pub const FAM_MEDICARE: &str = "20.  medicare claim";
    pub const FAM_NO_OTHER: &str = "21.  no other";
    pub const P2_NAME: &str = "Enrollee name pg 15";
    pub const P2_DOB: &str = "Date of Birth page 15";
    pub const CURRENT_PLAN: &str = "current plan";
    pub const CURRENT_CODE: &str = "enrollment code";
    pub const NEW_PLAN: &str = "New Plan Name";
    pub const NEW_CODE: &str = "enrollment new";
    pub const EVENT: &str = "event";
    pub const EVENT_DATE: &str = "event date 1";
    /// Part H date; the signature goes to its left (the form has no signature widget).
    pub const SIGN_DATE: &str = "H.  event date 1";

    /// Text widgets used, by page index (0 = front, 1 = reverse).
    pub const TEXT: &[(usize, &str)] = &[
        (0, NAME),
        (0, SSN),
        (0, DOB),
        (0, ADDRESS_1),
        (0, ADDRESS_2),
        (0, MEDICARE),
        (0, PHONE),
        (0, FAM_NAME),
        (0, FAM_SSN),
        (0, FAM_DOB),
        (0, FAM_RELATION),
        (0, FAM_MEDICARE),
        (1, P2_NAME),
        (1, P2_DOB),
        (1, CURRENT_PLAN),
        (1, CURRENT_CODE),
        (1, NEW_PLAN),
        (1, NEW_CODE),
        (1, EVENT),
        (1, EVENT_DATE),
        (1, SIGN_DATE),
    ];
    /// Check boxes used, all on the front.
    pub const BUTTONS: &[&str] = &[
        MALE,
        FEMALE,
        MARRIED,
        NOT_MARRIED,
        MED_A,
        MED_B,
        NO_OTHER,
        FAM_MALE,
        FAM_FEMALE,
        FAM_MED_A,
        FAM_MED_B,
        FAM_NO_OTHER,
    ];
}

/// Command line.
#[derive(Debug, Parser)]
#[command(
    name = "scan_sf2809",
    about = "Home scans (200 dpi JPEG) of OPM's real SF 2809 filled in for fake people, with truth.json"
)]
struct Args {
    /// The real fillable SF 2809 PDF (15 pages; the form is on pages 14-15).
    #[arg(long, value_name = "PDF")]
    form: PathBuf,
    /// The form's field list (default: `sf2809-fields.json` next to the PDF, if present).
    #[arg(long, value_name = "JSON")]
    fields: Option<PathBuf>,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of filled-in forms (documents) to produce.
    #[arg(long, default_value_t = 10)]
    count: usize,
    /// Output directory (created if missing; existing files overwritten, nothing deleted).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.count == 0 || args.count > 999 {
        bail!("--count must be between 1 and 999");
    }
    if !args.form.is_file() {
        bail!("{}: no such file", args.form.display());
    }
    let pages = load_form(&args.form)?;
    let fields_path = args.fields.clone().or_else(|| {
        let p = args.form.with_file_name("sf2809-fields.json");
        p.is_file().then_some(p)
    });
    if let Some(path) = &fields_path {
        check_field_list(path)?;
    }
    let fonts = Fonts::load()?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;

    let plans = plan_set(args.seed, args.count);
    let results: Vec<(FileTruthPair, DocumentTruth)> = plans
        .par_iter()
        .enumerate()
        .map(|(i, plan)| produce_document(&args, &pages, &fonts, i, plan))
        .collect::<Result<_>>()?;

    let mut truth = Truth {
        seed: args.seed,
        set: SET_NAME.to_string(),
        files: Vec::new(),
        documents: Vec::new(),
        separators: Vec::new(),
    };
    for (files, doc) in results {
        truth.files.extend(files);
        truth.documents.push(doc);
    }
    let json = serde_json::to_string_pretty(&truth).context("serializing truth")?;
    let truth_path = args.out.join("truth.json");
    std::fs::write(&truth_path, json + "\n")
        .with_context(|| format!("writing {}", truth_path.display()))?;
    let hand = truth.documents.iter().filter(|d| d.handwritten).count();
    eprintln!(
        "wrote {} documents ({} hand-printed, {} typed), {} pages, and {}",
        truth.documents.len(),
        hand,
        truth.documents.len() - hand,
        truth.files.len(),
        truth_path.display()
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// Truth (mirrors fixturegen's `truth.json` format; serde only)
// ---------------------------------------------------------------------------

/// Root of `truth.json`.
#[derive(Debug, Serialize)]
struct Truth {
    seed: u64,
    set: String,
    files: Vec<FileTruth>,
    documents: Vec<DocumentTruth>,
    /// Always empty: these scans have no separator or blank sheets.
    separators: Vec<PageRef>,
}

/// One produced file (here: one JPEG, one page).
#[derive(Debug, Serialize)]
struct FileTruth {
    path: String,
    format: String,
    color: String,
    pages: Vec<PageTruth>,
}

/// One page of a file.
#[derive(Debug, Serialize)]
struct PageTruth {
    page: u32,
    dpi: u32,
    width_px: u32,
    height_px: u32,
    /// Clockwise quarter-turn rotation applied to the upright page (0 or 180).
    rotation: u32,
    /// Small clockwise rotation in degrees applied before the quarter turn.
    #[serde(skip_serializing_if = "is_zero")]
    skew_degrees: f32,
    /// The values written into the form's fields, token by token.
    words: Vec<String>,
    form: String,
    fields: BTreeMap<String, String>,
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

/// A page of a file.
#[derive(Debug, Clone, Serialize)]
struct PageRef {
    path: String,
    page: u32,
}

/// One filled-in form.
#[derive(Debug, Serialize)]
struct DocumentTruth {
    id: String,
    form: String,
    revision: String,
    pages: Vec<PageRef>,
    /// The enrollee's `name`, `ssn` and `date_of_birth` (ISO), as written.
    fields: BTreeMap<String, String>,
    handwritten: bool,
}

/// The two files of one document.
type FileTruthPair = [FileTruth; 2];

// ---------------------------------------------------------------------------
// The form: rendering and widget positions
// ---------------------------------------------------------------------------

/// A rectangle in page pixels (origin top left, y down).
#[derive(Debug, Clone, Copy)]
struct RectPx {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
}

impl RectPx {
    fn width(&self) -> f32 {
        self.x1 - self.x0
    }
    fn height(&self) -> f32 {
        self.y1 - self.y0
    }
}

/// One widget annotation of a form page.
#[derive(Debug, Clone)]
struct Widget {
    /// Fully qualified field name (`/T` of the widget and its parents, joined with `.`).
    name: String,
    /// Field type (`/FT`, inherited): `Tx`, `Btn`, ...
    kind: String,
    rect: RectPx,
    /// The annotation's Print flag (bit 3 of `/F`).
    printable: bool,
}

/// One rendered page of the form with its widgets.
struct FormPage {
    /// The page at [`DPI`], 8-bit gray, with non-printing widgets blanked.
    image: GrayImage,
    widgets: Vec<Widget>,
}

impl FormPage {
    /// The widget's rectangle.
    fn rect(&self, name: &str) -> Result<RectPx> {
        self.widgets
            .iter()
            .find(|w| w.name == name)
            .map(|w| w.rect)
            .ok_or_else(|| anyhow!("widget {name:?} not found on the form page"))
    }

    /// Where a person writes for a text widget: its rectangle, the bottom
    /// moved to the top of the printed rule (cell border, underline or
    /// dashed line) found near the rectangle's bottom, if any.
    fn writing_area(&self, name: &str) -> Result<RectPx> {
        let mut r = self.rect(name)?;
        if let Some(y) = find_rule(&self.image, r) {
            r.y1 = y;
        }
        Ok(r)
    }
}

/// The first row, from 5 pt above to 6 pt below the bottom of `r`, that is
/// at least 35 % dark across the middle 80 % of its width.
fn find_rule(img: &GrayImage, r: RectPx) -> Option<f32> {
    let (w, h) = img.dimensions();
    let x0 = (r.x0 + r.width() * 0.1).max(0.0) as u32;
    let x1 = ((r.x1 - r.width() * 0.1).max(0.0) as u32).min(w);
    if x1 <= x0 {
        return None;
    }
    let y0 = (r.y1 - pt(5.0)).max(0.0) as u32;
    let y1 = ((r.y1 + pt(6.0)).max(0.0) as u32).min(h);
    (y0..y1)
        .find(|&y| {
            let dark = (x0..x1).filter(|&x| img.get_pixel(x, y).0[0] < 128).count();
            dark * 100 >= (x1 - x0) as usize * 35
        })
        .map(|y| y as f32)
}

/// Render the form pages with poppler and read their widgets with lopdf.
fn load_form(pdf: &Path) -> Result<[FormPage; 2]> {
    let images = render_pages(pdf)?;
    let doc = Document::load(pdf).with_context(|| format!("reading {}", pdf.display()))?;
    let page_ids = doc.get_pages();
    let mut out = Vec::new();
    for (i, (&number, image)) in FORM_PAGES.iter().zip(images).enumerate() {
        let &id = page_ids
            .get(&number)
            .ok_or_else(|| anyhow!("{} has no page {number}", pdf.display()))?;
        let media = media_box(&doc, id)?;
        let widgets = read_widgets(&doc, id, media, image.dimensions())
            .with_context(|| format!("reading the widgets of page {number}"))?;
        let mut page = FormPage { image, widgets };
        blank_nonprinting(&mut page);
        for (p, name) in widget::TEXT {
            if *p == i {
                expect_widget(&page, name, "Tx", number)?;
            }
        }
        if i == 0 {
            for name in widget::BUTTONS {
                expect_widget(&page, name, "Btn", number)?;
            }
        }
        out.push(page);
    }
    out.try_into()
        .map_err(|_| anyhow!("expected two form pages"))
}

fn expect_widget(page: &FormPage, name: &str, kind: &str, number: u32) -> Result<()> {
    match page.widgets.iter().find(|w| w.name == name) {
        Some(w) if w.kind == kind => Ok(()),
        Some(w) => bail!(
            "widget {name:?} on page {number} is /{}, expected /{kind}",
            w.kind
        ),
        None => bail!("widget {name:?} not found on page {number}: not the November 2014 SF 2809?"),
    }
}

/// `pdftoppm -r 200 -gray -f 14 -l 15 -png FORM PREFIX` into a scratch folder.
fn render_pages(pdf: &Path) -> Result<Vec<GrayImage>> {
    let dir = ScratchDir::new()?;
    let prefix = dir.0.join("page");
    let [first, last] = FORM_PAGES;
    let status = Command::new("pdftoppm")
        .args(["-r", &DPI.to_string(), "-gray"])
        .args(["-f", &first.to_string(), "-l", &last.to_string(), "-png"])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .context("running pdftoppm (install poppler-utils)")?;
    if !status.success() {
        bail!("pdftoppm failed on {} ({status})", pdf.display());
    }
    // pdftoppm names the files page-14.png, page-15.png (digits padded to the page count).
    let mut files: Vec<(u32, PathBuf)> = std::fs::read_dir(&dir.0)
        .with_context(|| format!("listing {}", dir.0.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?;
            let n = stem.strip_prefix("page-")?.parse().ok()?;
            Some((n, p))
        })
        .collect();
    files.sort();
    let numbers: Vec<u32> = files.iter().map(|(n, _)| *n).collect();
    if numbers != FORM_PAGES {
        bail!("pdftoppm produced pages {numbers:?}, expected {FORM_PAGES:?}");
    }
    files
        .iter()
        .map(|(_, p)| {
            Ok(image::open(p)
                .with_context(|| format!("reading {}", p.display()))?
                .to_luma8())
        })
        .collect()
}

/// A scratch folder removed when dropped.
struct ScratchDir(PathBuf);

impl ScratchDir {
    fn new() -> Result<Self> {
        let path = std::env::temp_dir().join(format!("scan_sf2809-{}", std::process::id()));
        std::fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok(ScratchDir(path))
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The page's MediaBox (inherited from the page tree if needed), in points.
fn media_box(doc: &Document, page: lopdf::ObjectId) -> Result<[f32; 4]> {
    let mut id = page;
    for _ in 0..32 {
        let dict = doc.get_dictionary(id)?;
        if let Ok(obj) = dict.get(b"MediaBox") {
            let (_, obj) = doc.dereference(obj)?;
            let v: Vec<f32> = obj
                .as_array()?
                .iter()
                .map(|o| doc.dereference(o).and_then(|(_, o)| o.as_float()))
                .collect::<lopdf::Result<_>>()?;
            if let [x0, y0, x1, y1] = v[..] {
                return Ok([x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]);
            }
            bail!("malformed MediaBox");
        }
        match dict.get(b"Parent") {
            Ok(Object::Reference(parent)) => id = *parent,
            _ => break,
        }
    }
    Ok([0.0, 0.0, 612.0, 792.0])
}

/// Every widget annotation of a page, its `/Rect` mapped to pixels of an
/// image of `size` rendered from `media` (PDF y up, image y down).
fn read_widgets(
    doc: &Document,
    page: lopdf::ObjectId,
    media: [f32; 4],
    size: (u32, u32),
) -> Result<Vec<Widget>> {
    let kx = size.0 as f32 / (media[2] - media[0]);
    let ky = size.1 as f32 / (media[3] - media[1]);
    let page_dict = doc.get_dictionary(page)?;
    let Ok(annots) = page_dict.get(b"Annots") else {
        return Ok(Vec::new());
    };
    let (_, annots) = doc.dereference(annots)?;
    let mut out = Vec::new();
    for annot in annots.as_array()? {
        let (_, annot) = doc.dereference(annot)?;
        let Ok(dict) = annot.as_dict() else { continue };
        if dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Widget".as_slice()) {
            continue;
        }
        let Ok(rect) = dict.get(b"Rect") else {
            continue;
        };
        let (_, rect) = doc.dereference(rect)?;
        let r: Vec<f32> = rect
            .as_array()?
            .iter()
            .map(|o| doc.dereference(o).and_then(|(_, o)| o.as_float()))
            .collect::<lopdf::Result<_>>()?;
        let [x0, y0, x1, y1] = r[..] else { continue };
        let flags = dict.get(b"F").and_then(Object::as_i64).unwrap_or(0);
        // Walk up the field hierarchy: partial names and the inherited field type.
        let mut names = Vec::new();
        let mut kind = None;
        let mut cur = dict;
        for _ in 0..32 {
            if let Ok(t) = cur.get(b"T") {
                names.push(lopdf::decode_text_string(t).unwrap_or_default());
            }
            if kind.is_none() {
                kind = cur
                    .get(b"FT")
                    .and_then(Object::as_name)
                    .ok()
                    .map(|n| String::from_utf8_lossy(n).into_owned());
            }
            match cur.get(b"Parent") {
                Ok(Object::Reference(parent)) => cur = doc.get_dictionary(*parent)?,
                _ => break,
            }
        }
        names.reverse();
        out.push(Widget {
            name: names.join("."),
            kind: kind.unwrap_or_default(),
            rect: RectPx {
                x0: (x0.min(x1) - media[0]) * kx,
                x1: (x0.max(x1) - media[0]) * kx,
                y0: (media[3] - y0.max(y1)) * ky,
                y1: (media[3] - y0.min(y1)) * ky,
            },
            printable: flags & 4 != 0,
        });
    }
    Ok(out)
}

/// Paint non-printing widgets (the PRINT / SAVE / CLEAR buttons, which a
/// screen renderer draws but a printer does not) white.
fn blank_nonprinting(page: &mut FormPage) {
    let (w, h) = page.image.dimensions();
    let margin = 3.0 * DPI as f32 / 72.0;
    for widget in page.widgets.iter().filter(|w| !w.printable) {
        let r = widget.rect;
        let x0 = (r.x0 - margin).max(0.0) as u32;
        let y0 = (r.y0 - margin).max(0.0) as u32;
        let x1 = ((r.x1 + margin).max(0.0) as u32).min(w);
        let y1 = ((r.y1 + margin).max(0.0) as u32).min(h);
        for y in y0..y1 {
            for x in x0..x1 {
                page.image.put_pixel(x, y, image::Luma([255]));
            }
        }
    }
}

/// One entry of `sf2809-fields.json`.
#[derive(Debug, Deserialize)]
struct FieldSpec {
    pdf_name: String,
    #[serde(rename = "type")]
    kind: String,
}

/// Every widget this tool writes into must be listed in the field list, with the right type.
fn check_field_list(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let specs: Vec<FieldSpec> = serde_json::from_slice(&bytes)
        .with_context(|| format!("{}: not a field list", path.display()))?;
    let kind_of = |name: &str| {
        specs
            .iter()
            .find(|s| s.pdf_name == name)
            .map(|s| s.kind.as_str())
    };
    let wanted = widget::TEXT
        .iter()
        .map(|(_, n)| (*n, "text"))
        .chain(widget::BUTTONS.iter().map(|n| (*n, "button")));
    for (name, kind) in wanted {
        match kind_of(name) {
            Some(k) if k == kind => {}
            Some(k) => bail!("{}: field {name:?} is {k}, expected {kind}", path.display()),
            None => bail!("{}: field {name:?} missing", path.display()),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Fonts
// ---------------------------------------------------------------------------

/// Directories searched for fonts, after `$FIXTUREGEN_FONT_DIR`.
const FONT_DIRS: &[&str] = &[
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/humor-sans",
];

/// Typewriter face.
const MONO_FONT: &str = "LiberationMono-Regular.ttf";
/// Plain faces hand printing can be drawn with (required), with stronger jitter.
const HAND_FONTS: &[&str] = &["DejaVuSans.ttf", "LiberationSans-Regular.ttf"];
/// Number of [`HAND_FONTS`].
const PLAIN_HAND_FACES: usize = HAND_FONTS.len();
/// A handwriting-like face (Debian `fonts-humor-sans`), preferred when installed.
const HANDWRITING_FONT: &str = "Humor-Sans.ttf";
/// Faces signatures are drawn with (slanted further, mixed case), first
/// found wins: DejaVu Sans Oblique (`fonts-dejavu-extra`), Liberation Sans
/// Italic (`fonts-liberation`), else the plain DejaVu Sans.
const SIGNATURE_FONTS: &[&str] = &[
    "DejaVuSans-Oblique.ttf",
    "LiberationSans-Italic.ttf",
    "DejaVuSans.ttf",
];

/// Loaded faces.
struct Fonts {
    mono: FontVec,
    /// [`HAND_FONTS`], then [`HANDWRITING_FONT`] if installed.
    hand: Vec<FontVec>,
    /// Index of [`HANDWRITING_FONT`] in `hand`, if installed.
    handwriting: Option<usize>,
    signature: FontVec,
}

impl Fonts {
    fn load() -> Result<Self> {
        let mut dirs: Vec<PathBuf> = std::env::var_os("FIXTUREGEN_FONT_DIR")
            .map(PathBuf::from)
            .into_iter()
            .collect();
        dirs.extend(FONT_DIRS.iter().map(PathBuf::from));
        let find = |name: &str| dirs.iter().map(|d| d.join(name)).find(|p| p.is_file());
        let load = |path: &Path| -> Result<FontVec> {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading font {}", path.display()))?;
            FontVec::try_from_vec(bytes).with_context(|| format!("parsing font {}", path.display()))
        };
        let require = |name: &str| -> Result<FontVec> {
            let path = find(name).ok_or_else(|| {
                anyhow!(
                    "font {name} not found in {dirs:?}; install fonts-liberation and \
                     fonts-dejavu-core or set FIXTUREGEN_FONT_DIR"
                )
            })?;
            load(&path)
        };
        let mut hand = HAND_FONTS
            .iter()
            .map(|name| require(name))
            .collect::<Result<Vec<_>>>()?;
        let handwriting = match find(HANDWRITING_FONT) {
            Some(path) => {
                hand.push(load(&path)?);
                Some(hand.len() - 1)
            }
            None => None,
        };
        Ok(Fonts {
            mono: require(MONO_FONT)?,
            hand,
            handwriting,
            signature: match SIGNATURE_FONTS.iter().find_map(|name| find(name)) {
                Some(path) => load(&path)?,
                None => require(SIGNATURE_FONTS[0])?,
            },
        })
    }
}

/// ab_glyph's `PxScale` is ascent-to-descent; convert from an em size in pixels.
fn em_scale(font: &FontVec, em_px: f32) -> PxScale {
    let units_per_em = font.units_per_em().unwrap_or(1000.0);
    PxScale::from(em_px * font.height_unscaled() / units_per_em)
}

/// Advance of `ch` in pixels at `em_px`.
fn advance(font: &FontVec, em_px: f32, ch: char) -> f32 {
    font.as_scaled(em_scale(font, em_px))
        .h_advance(font.glyph_id(ch))
}

// ---------------------------------------------------------------------------
// Fake people and what they write
// ---------------------------------------------------------------------------

const LAST_NAMES: &[&str] = &[
    "Jablonski",
    "Thompson",
    "Martinez",
    "Okafor",
    "Nguyen",
    "Whitfield",
    "Kowalczyk",
    "Delgado",
    "Harrington",
    "Brennan",
    "Castillo",
    "Fitzgerald",
    "Lindqvist",
    "Abernathy",
    "Washington",
    "Gallagher",
    "Ramirez",
    "Schneider",
    "Patterson",
    "Moreno",
    "Sullivan",
    "Kaczmarek",
    "Henderson",
    "Yamamoto",
    "Rosenberg",
    "Bianchi",
    "McAllister",
    "Dubois",
    "Petrov",
    "Hollis",
    "Carrington",
    "Vasquez",
    "Lindgren",
    "Donovan",
    "Pruitt",
    "Haskins",
    "Mendez",
    "Caldwell",
    "Thornton",
    "Blackwell",
    "Espinoza",
    "Novak",
    "Whitaker",
    "O'Connell",
    "Stokes",
    "Fairbanks",
    "Greenberg",
    "Tran",
];
const MALE_NAMES: &[&str] = &[
    "Robert", "James", "Michael", "William", "David", "Richard", "Thomas", "Charles", "Gary",
    "Kenneth", "Ronald", "Dennis", "Larry", "Raymond", "Gerald", "Walter", "Douglas", "Harold",
    "Carl", "Curtis", "Leonard", "Vincent", "Francis", "Melvin", "Howard", "Eugene", "Roger",
    "Wayne", "Alvin", "Stanley",
];
const FEMALE_NAMES: &[&str] = &[
    "Mary", "Patricia", "Linda", "Barbara", "Elaine", "Susan", "Deborah", "Carol", "Sandra",
    "Donna", "Sharon", "Kathleen", "Brenda", "Diane", "Janet", "Cynthia", "Gloria", "Theresa",
    "Beverly", "Marilyn", "Joyce", "Judith", "Frances", "Rosemary", "Yvonne", "Loretta", "Darlene",
    "Phyllis", "Lorraine", "Connie",
];
const CHILD_NAMES: &[(&str, bool)] = &[
    ("Tyler", true),
    ("Brandon", true),
    ("Jordan", true),
    ("Austin", true),
    ("Kayla", false),
    ("Megan", false),
    ("Hannah", false),
    ("Alexis", false),
];
/// Street names with their type (full, abbreviated).
const STREETS: &[(&str, &str, &str)] = &[
    ("Maple", "Avenue", "Ave"),
    ("Oak", "Street", "St"),
    ("Cedar", "Lane", "Ln"),
    ("Elm", "Street", "St"),
    ("Washington", "Boulevard", "Blvd"),
    ("Lincoln", "Road", "Rd"),
    ("Highland", "Drive", "Dr"),
    ("Park", "Avenue", "Ave"),
    ("Ridge", "Road", "Rd"),
    ("Sunset", "Drive", "Dr"),
    ("Willow", "Court", "Ct"),
    ("Chestnut", "Street", "St"),
    ("Lakeview", "Terrace", "Ter"),
    ("Forest Hill", "Road", "Rd"),
    ("Church", "Street", "St"),
    ("Meadowbrook", "Lane", "Ln"),
    ("Jefferson", "Street", "St"),
    ("Spring Valley", "Road", "Rd"),
    ("Hillcrest", "Drive", "Dr"),
    ("Pine", "Street", "St"),
];
/// City, state, ZIP code, telephone area code.
const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Columbus", "OH", "43215", "614"),
    ("Silver Spring", "MD", "20910", "301"),
    ("Alexandria", "VA", "22304", "703"),
    ("Harrisburg", "PA", "17110", "717"),
    ("Albuquerque", "NM", "87110", "505"),
    ("San Antonio", "TX", "78209", "210"),
    ("Tacoma", "WA", "98406", "253"),
    ("Jacksonville", "FL", "32210", "904"),
    ("Huntsville", "AL", "35801", "256"),
    ("Dayton", "OH", "45420", "937"),
    ("Colorado Springs", "CO", "80918", "719"),
    ("Ogden", "UT", "84403", "801"),
    ("Oklahoma City", "OK", "73120", "405"),
    ("Fayetteville", "NC", "28303", "910"),
    ("Sacramento", "CA", "95825", "916"),
    ("Norfolk", "VA", "23505", "757"),
    ("Kansas City", "MO", "64131", "816"),
    ("Warner Robins", "GA", "31088", "478"),
    ("Bremerton", "WA", "98312", "360"),
    ("Bowie", "MD", "20715", "301"),
];
/// FEHB plans as people write them, with enrollment codes (self only, self and family).
const PLANS: &[(&str, &str, &str)] = &[
    ("BCBS Standard", "104", "105"),
    ("BCBS Basic", "111", "112"),
    ("GEHA High", "311", "312"),
    ("GEHA Standard", "314", "315"),
    ("NALC High", "321", "322"),
    ("MHBP Standard", "454", "455"),
    ("Aetna Direct", "N61", "N62"),
];

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    fn random(rng: &mut ChaCha8Rng, years: std::ops::RangeInclusive<i32>) -> Self {
        let year = rng.random_range(years);
        let month = rng.random_range(1..=12);
        let day = rng.random_range(1..=days_in_month(year, month));
        Date { year, month, day }
    }
    /// As written on the form: `mm/dd/yyyy`.
    fn us(&self) -> String {
        format!("{:02}/{:02}/{:04}", self.month, self.day, self.year)
    }
    /// As recorded in the truth: `yyyy-mm-dd`.
    fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
    fn plus_days(mut self, days: u32) -> Self {
        for _ in 0..days {
            self.day += 1;
            if self.day > days_in_month(self.year, self.month) {
                self.day = 1;
                self.month += 1;
                if self.month > 12 {
                    self.month = 1;
                    self.year += 1;
                }
            }
        }
        self
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A fake person.
#[derive(Debug, Clone)]
struct Person {
    last: String,
    first: String,
    middle: Option<char>,
    male: bool,
    dob: Date,
    ssn: String,
}

impl Person {
    fn random(rng: &mut ChaCha8Rng, last: Option<&str>, male: bool, years: (i32, i32)) -> Self {
        let first = if male { MALE_NAMES } else { FEMALE_NAMES };
        Person {
            last: last
                .unwrap_or(LAST_NAMES[rng.random_range(0..LAST_NAMES.len())])
                .to_string(),
            first: first[rng.random_range(0..first.len())].to_string(),
            middle: rng
                .random_bool(0.88)
                .then(|| (b'A' + rng.random_range(0..26u8)) as char),
            male,
            dob: Date::random(rng, years.0..=years.1),
            ssn: fake_ssn(rng),
        }
    }

    /// `Last, First M.` (typed, mixed case) or `LAST, FIRST M` (capitals).
    fn written_name(&self, upper: bool) -> String {
        let name = match (self.middle, upper) {
            (Some(m), false) => format!("{}, {} {m}.", self.last, self.first),
            (Some(m), true) => format!("{}, {} {m}", self.last, self.first),
            (None, _) => format!("{}, {}", self.last, self.first),
        };
        if upper {
            name.to_uppercase()
        } else {
            name
        }
    }
}

/// An SSN in the never-issued 9xx area: `9NN-NN-NNNN`.
fn fake_ssn(rng: &mut ChaCha8Rng) -> String {
    format!(
        "9{:02}-{:02}-{:04}",
        rng.random_range(0..100u32),
        rng.random_range(1..100u32),
        rng.random_range(1..10000u32)
    )
}

/// A Medicare Beneficiary Identifier (`1EG4-TE5-MK73` style); not a CSA claim number.
fn fake_mbi(rng: &mut ChaCha8Rng) -> String {
    const LETTERS: &[u8] = b"ACDEFGHJKMNPQRTUVWXY";
    const ALNUM: &[u8] = b"ACDEFGHJKMNPQRTUVWXY0123456789";
    const DIGITS: &[u8] = b"0123456789";
    let pick = |rng: &mut ChaCha8Rng, set: &[u8]| set[rng.random_range(0..set.len())] as char;
    let c1 = (b'1' + rng.random_range(0..9u8)) as char;
    let (c2, c3) = (pick(rng, LETTERS), pick(rng, ALNUM));
    let c4 = pick(rng, DIGITS);
    let (c5, c6) = (pick(rng, LETTERS), pick(rng, ALNUM));
    let c7 = pick(rng, DIGITS);
    let (c8, c9) = (pick(rng, LETTERS), pick(rng, LETTERS));
    let (c10, c11) = (pick(rng, DIGITS), pick(rng, DIGITS));
    format!("{c1}{c2}{c3}{c4}-{c5}{c6}{c7}-{c8}{c9}{c10}{c11}")
}

/// Text written into one widget.
#[derive(Debug, Clone)]
struct Entry {
    page: usize,
    widget: &'static str,
    text: String,
}

/// Everything one filled-in form shows.
#[derive(Debug, Clone)]
struct DocPlan {
    handwritten: bool,
    /// Scanned upside down (both pages turned 180°).
    flipped: bool,
    entries: Vec<Entry>,
    /// Check boxes marked (front page).
    checks: Vec<&'static str>,
    signature: String,
    /// Truth fields per page.
    page_fields: [BTreeMap<String, String>; 2],
    /// Truth fields of the document.
    doc_fields: BTreeMap<String, String>,
}

/// A ChaCha8 RNG for `label` under `seed` (FNV-1a of the label, then SplitMix64).
fn rng_for(seed: u64, label: &str) -> ChaCha8Rng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in label.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut z = seed ^ h;
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

/// Plans for `count` documents: exactly half (rounded down) hand-printed, one
/// in ten (rounded) scanned upside down.
fn plan_set(seed: u64, count: usize) -> Vec<DocPlan> {
    let mut rng = rng_for(seed, "sf2809/set");
    let mut hand: Vec<bool> = (0..count).map(|i| i < count / 2).collect();
    shuffle(&mut hand, &mut rng);
    let mut flip: Vec<bool> = (0..count).map(|i| i < count.div_ceil(10)).collect();
    shuffle(&mut flip, &mut rng);
    (0..count)
        .map(|i| {
            let mut rng = rng_for(seed, &format!("sf2809/{i}/content"));
            plan_document(&mut rng, hand[i], flip[i])
        })
        .collect()
}

fn shuffle<T>(v: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..v.len()).rev() {
        v.swap(i, rng.random_range(0..=i));
    }
}

/// Decide what one form says.
fn plan_document(rng: &mut ChaCha8Rng, handwritten: bool, flipped: bool) -> DocPlan {
    let male = rng.random_bool(0.5);
    let enrollee = Person::random(rng, None, male, (1940, 1975));
    // Typists use capitals or mixed case; hand printing is in block capitals.
    let upper = handwritten || rng.random_bool(0.5);
    let case = |s: String| if upper { s.to_uppercase() } else { s };
    let name = enrollee.written_name(upper);

    let (city, state, zip, area) = CITIES[rng.random_range(0..CITIES.len())];
    let (street, full_type, short_type) = STREETS[rng.random_range(0..STREETS.len())];
    let street_type = if rng.random_bool(0.5) {
        short_type
    } else {
        full_type
    };
    let mut line1 = format!("{} {street} {street_type}", rng.random_range(100..10000u32));
    if rng.random_bool(0.15) {
        line1 += &format!(" Apt {}", rng.random_range(1..40u32));
    }
    let line1 = case(line1);
    let line2 = case(format!("{city}, {state} {zip}"));
    let address = format!("{line1}, {line2}");
    let phone = rng
        .random_bool(0.7)
        .then(|| format!("{area}-555-01{:02}", rng.random_range(0..100u32)));

    // Medicare: likelier the older the enrollee.
    let medicare = enrollee.dob.year < 1958 && rng.random_bool(0.8);
    // A family member: mostly the spouse, sometimes a child.
    let family = rng.random_bool(0.8).then(|| {
        if enrollee.dob.year < 1962 || rng.random_bool(0.6) {
            let last = rng.random_bool(0.85).then_some(enrollee.last.as_str());
            let y = enrollee.dob.year;
            let spouse = Person::random(rng, last, !male, (y - 6, y + 6));
            (spouse, "01")
        } else {
            let (first, boy) = CHILD_NAMES[rng.random_range(0..CHILD_NAMES.len())];
            let mut child = Person::random(rng, Some(&enrollee.last), boy, (1998, 2004));
            child.first = first.to_string();
            (child, "19")
        }
    });
    let married = family.as_ref().is_some_and(|(_, rel)| *rel == "01") || rng.random_bool(0.3);

    let mut entries = Vec::new();
    let mut add = |page: usize, widget: &'static str, text: String| {
        entries.push(Entry { page, widget, text })
    };
    add(0, widget::NAME, name.clone());
    add(0, widget::SSN, enrollee.ssn.clone());
    add(0, widget::DOB, enrollee.dob.us());
    add(0, widget::ADDRESS_1, line1);
    add(0, widget::ADDRESS_2, line2);
    if medicare {
        add(0, widget::MEDICARE, fake_mbi(rng));
    }
    if let Some(p) = &phone {
        add(0, widget::PHONE, p.clone());
    }
    let mut checks = vec![
        if male { widget::MALE } else { widget::FEMALE },
        if married {
            widget::MARRIED
        } else {
            widget::NOT_MARRIED
        },
        widget::NO_OTHER,
    ];
    if medicare {
        checks.extend([widget::MED_A, widget::MED_B]);
    }
    if let Some((member, relation)) = &family {
        add(0, widget::FAM_NAME, member.written_name(upper));
        add(0, widget::FAM_SSN, member.ssn.clone());
        add(0, widget::FAM_DOB, member.dob.us());
        add(0, widget::FAM_RELATION, relation.to_string());
        checks.push(if member.male {
            widget::FAM_MALE
        } else {
            widget::FAM_FEMALE
        });
        checks.push(widget::FAM_NO_OTHER);
        if member.dob.year < 1958 && rng.random_bool(0.8) {
            add(0, widget::FAM_MEDICARE, fake_mbi(rng));
            checks.extend([widget::FAM_MED_A, widget::FAM_MED_B]);
        }
    }

    // Reverse: name and date of birth again, Parts B-D, Part H date.
    add(1, widget::P2_NAME, name.clone());
    add(1, widget::P2_DOB, enrollee.dob.us());
    let family_plan = family.is_some();
    let current = rng.random_range(0..PLANS.len());
    let new = (current + rng.random_range(1..PLANS.len())) % PLANS.len();
    let code = |i: usize| {
        if family_plan {
            PLANS[i].2
        } else {
            PLANS[i].1
        }
    };
    let (event, event_date) = match rng.random_range(0..3) {
        0 => {
            let year = rng.random_range(2015..=2024);
            let start = Date {
                year,
                month: 11,
                day: rng.random_range(8..=15),
            };
            ("2A", start.plus_days(rng.random_range(0..20)))
        }
        1 => ("2B", Date::random(rng, 2015..=2024)),
        _ => ("2L", Date::random(rng, 2015..=2024)),
    };
    let signed = event_date.plus_days(rng.random_range(0..15));
    add(1, widget::CURRENT_PLAN, case(PLANS[current].0.to_string()));
    add(1, widget::CURRENT_CODE, code(current).to_string());
    add(1, widget::NEW_PLAN, case(PLANS[new].0.to_string()));
    add(1, widget::NEW_CODE, code(new).to_string());
    add(1, widget::EVENT, event.to_string());
    add(1, widget::EVENT_DATE, event_date.us());
    add(1, widget::SIGN_DATE, signed.us());

    let signature = match enrollee.middle {
        Some(m) if rng.random_bool(0.5) => {
            format!("{} {m}. {}", enrollee.first, enrollee.last)
        }
        _ => format!("{} {}", enrollee.first, enrollee.last),
    };

    let mut front = BTreeMap::new();
    front.insert("name".to_string(), name.clone());
    front.insert("ssn".to_string(), enrollee.ssn.clone());
    front.insert("date_of_birth".to_string(), enrollee.dob.iso());
    front.insert("address".to_string(), address);
    if let Some(p) = phone {
        front.insert("phone".to_string(), p);
    }
    let mut back = BTreeMap::new();
    back.insert("name".to_string(), name.clone());
    back.insert("date_of_birth".to_string(), enrollee.dob.iso());
    back.insert("date_signed".to_string(), signed.iso());
    let mut doc_fields = BTreeMap::new();
    doc_fields.insert("name".to_string(), name);
    doc_fields.insert("ssn".to_string(), enrollee.ssn.clone());
    doc_fields.insert("date_of_birth".to_string(), enrollee.dob.iso());

    DocPlan {
        handwritten,
        flipped,
        entries,
        checks,
        signature,
        page_fields: [front, back],
        doc_fields,
    }
}

// ---------------------------------------------------------------------------
// Pens: typewriter and hand printing
// ---------------------------------------------------------------------------

/// How one document's values are put on paper.
#[derive(Debug, Clone, Copy)]
struct Pen {
    /// Typewriter (Liberation Mono) rather than hand printing.
    typed: bool,
    /// Index into [`Fonts::hand`] (hand printing only).
    face: usize,
    /// Em size in pixels.
    em_px: f32,
    ink: [u8; 3],
    /// Letter spacing factor on the font's advances.
    spacing: f32,
    /// Writer's slant (shear; positive leans right).
    slant: f32,
    /// Per-glyph jitter: rotation (degrees), scale, baseline (px), slant.
    rot_jitter: f32,
    scale_jitter: f32,
    baseline_jitter: f32,
    slant_jitter: f32,
    /// Stroke thickening passes (pen weight).
    weight: u8,
    /// Lightest per-glyph ink intensity (ribbon wear, pen pressure).
    min_intensity: f32,
}

impl Pen {
    fn typewriter(rng: &mut ChaCha8Rng) -> Self {
        let black = rng.random_range(14..30u8);
        Pen {
            typed: true,
            face: 0,
            em_px: pt(rng.random_range(10.5..11.5)),
            ink: [black, black, black + 4],
            spacing: 1.0,
            slant: 0.0,
            rot_jitter: 0.4,
            scale_jitter: 0.0,
            baseline_jitter: 0.6,
            slant_jitter: 0.0,
            weight: rng.random_range(0..=1),
            min_intensity: rng.random_range(0.7..0.85),
        }
    }

    fn hand(rng: &mut ChaCha8Rng, fonts: &Fonts) -> Self {
        // Blue ballpoint, blue-black or black.
        let ink = match rng.random_range(0..3) {
            0 => [28, 42, 120],
            1 => [24, 30, 70],
            _ => [22, 22, 26],
        };
        // A handwriting face, when installed, two times in three; else a plain sans.
        let face = match fonts.handwriting {
            Some(i) if rng.random_bool(0.67) => i,
            _ => rng.random_range(0..PLAIN_HAND_FACES),
        };
        let plain = Some(face) != fonts.handwriting;
        Pen {
            typed: false,
            face,
            em_px: pt(rng.random_range(10.5..12.5)),
            ink,
            spacing: rng.random_range(1.0..1.15),
            slant: rng.random_range(-0.05..0.2),
            rot_jitter: 6.0,
            scale_jitter: 0.1,
            baseline_jitter: 1.5,
            slant_jitter: 0.08,
            // Plain faces have thin and thick strokes; a heavier pen evens them out.
            weight: if plain { 1 } else { rng.random_range(0..=1) },
            min_intensity: rng.random_range(0.75..0.9),
        }
    }

    fn font<'a>(&self, fonts: &'a Fonts) -> &'a FontVec {
        if self.typed {
            &fonts.mono
        } else {
            &fonts.hand[self.face % fonts.hand.len()]
        }
    }
}

/// Points to pixels at [`DPI`].
fn pt(points: f32) -> f32 {
    points * DPI as f32 / 72.0
}

/// A glyph to draw: outline, size and the per-glyph transform.
struct GlyphDraw<'a> {
    font: &'a FontVec,
    em_px: f32,
    ch: char,
    /// Clockwise rotation in radians.
    rot: f32,
    shear: f32,
    sx: f32,
    sy: f32,
    ink: [u8; 3],
    intensity: f32,
    weight: u8,
}

/// Where a glyph goes: on a baseline with its ink centred horizontally on a
/// point (per-glyph rotation then turns it about its own foot, so it does
/// not dip below the line), or with its outline centred on a point.
#[derive(Clone, Copy)]
enum Anchor {
    Baseline(f32, f32),
    Centre(f32, f32),
}

/// Rasterize a glyph upright, then map it onto the page through its
/// transform (bilinear sampling) and darken the paper with the ink.
fn draw_glyph(img: &mut RgbImage, g: &GlyphDraw, anchor: Anchor) {
    let glyph = g
        .font
        .glyph_id(g.ch)
        .with_scale_and_position(em_scale(g.font, g.em_px), point(0.0, 0.0));
    let Some(outline) = g.font.outline_glyph(glyph) else {
        return;
    };
    let b = outline.px_bounds();
    let m = 1 + g.weight as usize;
    let bw = b.width().ceil() as usize + 2 * m;
    let bh = b.height().ceil() as usize + 2 * m;
    let mut cov = vec![0f32; bw * bh];
    outline.draw(|x, y, c| {
        let i = (y as usize + m) * bw + x as usize + m;
        if let Some(v) = cov.get_mut(i) {
            *v = c.clamp(0.0, 1.0);
        }
    });
    for _ in 0..g.weight {
        cov = dilate(&cov, bw, bh);
    }
    // Local glyph coordinates of buffer pixel (i, j)'s corner.
    let (ox, oy) = (b.min.x - m as f32, b.min.y - m as f32);
    let (ax, ay, cu, cv) = match anchor {
        Anchor::Baseline(x, y) => (x, y, (b.min.x + b.max.x) / 2.0, foot(g.font, g.em_px)),
        Anchor::Centre(x, y) => (x, y, (b.min.x + b.max.x) / 2.0, (b.min.y + b.max.y) / 2.0),
    };
    // Forward map M = R(rot) · [[sx, -shear·sy], [0, sy]].
    let (sin, cos) = g.rot.sin_cos();
    let m00 = cos * g.sx;
    let m01 = -cos * g.shear * g.sy - sin * g.sy;
    let m10 = sin * g.sx;
    let m11 = -sin * g.shear * g.sy + cos * g.sy;
    let det = m00 * m11 - m01 * m10;
    if det.abs() < 1e-6 {
        return;
    }
    let (i00, i01, i10, i11) = (m11 / det, -m01 / det, -m10 / det, m00 / det);
    let fwd = |u: f32, v: f32| {
        let (u, v) = (u - cu, v - cv);
        (ax + m00 * u + m01 * v, ay + m10 * u + m11 * v)
    };
    let corners = [
        fwd(ox, oy),
        fwd(ox + bw as f32, oy),
        fwd(ox, oy + bh as f32),
        fwd(ox + bw as f32, oy + bh as f32),
    ];
    let (w, h) = img.dimensions();
    let x0 = corners
        .iter()
        .map(|c| c.0)
        .fold(f32::MAX, f32::min)
        .floor()
        .max(0.0) as u32;
    let y0 = corners
        .iter()
        .map(|c| c.1)
        .fold(f32::MAX, f32::min)
        .floor()
        .max(0.0) as u32;
    let x1 = (corners
        .iter()
        .map(|c| c.0)
        .fold(f32::MIN, f32::max)
        .ceil()
        .max(0.0) as u32)
        .min(w);
    let y1 = (corners
        .iter()
        .map(|c| c.1)
        .fold(f32::MIN, f32::max)
        .ceil()
        .max(0.0) as u32)
        .min(h);
    for py in y0..y1 {
        for px in x0..x1 {
            let (dx, dy) = (px as f32 + 0.5 - ax, py as f32 + 0.5 - ay);
            let u = i00 * dx + i01 * dy + cu;
            let v = i10 * dx + i11 * dy + cv;
            let c = sample(&cov, bw, bh, u - ox - 0.5, v - oy - 0.5);
            if c > 0.0 {
                ink_pixel(img, px, py, c * g.intensity, g.ink);
            }
        }
    }
}

/// How far below the font's baseline its capitals end (some handwriting
/// faces draw below their baseline): the bottom of `H`, in pixels.
fn foot(font: &FontVec, em_px: f32) -> f32 {
    let glyph = font
        .glyph_id('H')
        .with_scale_and_position(em_scale(font, em_px), point(0.0, 0.0));
    font.outline_glyph(glyph)
        .map_or(0.0, |o| o.px_bounds().max.y.max(0.0))
}

/// One pass of stroke thickening: each pixel takes the strongest of itself
/// and (slightly weakened) its four neighbours.
fn dilate(cov: &[f32], w: usize, h: usize) -> Vec<f32> {
    let mut out = cov.to_vec();
    for y in 0..h {
        for x in 0..w {
            let mut v = cov[y * w + x];
            if x > 0 {
                v = v.max(0.8 * cov[y * w + x - 1]);
            }
            if x + 1 < w {
                v = v.max(0.8 * cov[y * w + x + 1]);
            }
            if y > 0 {
                v = v.max(0.8 * cov[(y - 1) * w + x]);
            }
            if y + 1 < h {
                v = v.max(0.8 * cov[(y + 1) * w + x]);
            }
            out[y * w + x] = v;
        }
    }
    out
}

/// Bilinear sample of a coverage buffer (0 outside).
fn sample(cov: &[f32], w: usize, h: usize, x: f32, y: f32) -> f32 {
    if x <= -1.0 || y <= -1.0 || x >= w as f32 || y >= h as f32 {
        return 0.0;
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let at = |xi: f32, yi: f32| {
        if xi < 0.0 || yi < 0.0 || xi >= w as f32 || yi >= h as f32 {
            0.0
        } else {
            cov[yi as usize * w + xi as usize]
        }
    };
    at(x0, y0) * (1.0 - fx) * (1.0 - fy)
        + at(x0 + 1.0, y0) * fx * (1.0 - fy)
        + at(x0, y0 + 1.0) * (1.0 - fx) * fy
        + at(x0 + 1.0, y0 + 1.0) * fx * fy
}

/// Darken one pixel with ink at coverage `c` (multiplicative, like ink on paper).
fn ink_pixel(img: &mut RgbImage, x: u32, y: u32, c: f32, ink: [u8; 3]) {
    let c = c.clamp(0.0, 1.0);
    let p = img.get_pixel_mut(x, y);
    for (dst, k) in p.0.iter_mut().zip(ink) {
        let f = 1.0 - c + c * k as f32 / 255.0;
        *dst = (*dst as f32 * f).round() as u8;
    }
}

/// Write `text` into `rect` with `pen`, shrinking it to fit the width.
fn write_text(
    img: &mut RgbImage,
    fonts: &Fonts,
    pen: &Pen,
    rng: &mut ChaCha8Rng,
    text: &str,
    rect: RectPx,
) {
    let font = pen.font(fonts);
    let word_gap = if pen.typed { 1.0 } else { 1.3 };
    let width_at = |em: f32| -> f32 {
        text.chars()
            .map(|ch| {
                let gap = if ch == ' ' { word_gap } else { 1.0 };
                advance(font, em, ch) * pen.spacing * gap
            })
            .sum()
    };
    let pad = if pen.typed {
        pt(rng.random_range(2.0..5.0))
    } else {
        pt(rng.random_range(2.0..9.0))
    };
    let avail = (rect.width() - pad - pt(2.0)).max(1.0);
    let mut em = pen.em_px;
    // Hand printing comes out wider than the font's advances (scale and spacing jitter).
    let natural = width_at(em) * if pen.typed { 1.0 } else { 1.12 };
    if natural > avail {
        em *= avail / natural;
    }
    // Just above the rule the area ends on.
    let baseline = rect.y1
        - if pen.typed {
            pt(rng.random_range(2.0..3.0))
        } else {
            pt(rng.random_range(2.5..4.0))
        };
    // The line drifts up or down by at most 1 pt over its length.
    let length = natural.min(avail).max(1.0);
    let max_drift = if pen.typed { 0.2f32 } else { 1.2f32 }
        .to_radians()
        .min((pt(1.0) / length).atan());
    let drift = rng.random_range(-1.0f32..1.0) * max_drift;
    let x_start = rect.x0 + pad;
    let mut caret = x_start;
    let mut wander = 0.0f32;
    for ch in text.chars() {
        let adv = advance(font, em, ch) * pen.spacing;
        if ch == ' ' {
            caret += adv * word_gap * rng.random_range(0.85..1.2);
            continue;
        }
        // Hand baselines wander smoothly; typewriter baselines jitter per key.
        wander = (wander + rng.random_range(-0.5..0.5) * pen.baseline_jitter)
            .clamp(-pen.baseline_jitter, pen.baseline_jitter);
        let scale = 1.0 + rng.random_range(-1.0..1.0) * pen.scale_jitter;
        let y = baseline
            + (caret - x_start) * drift.tan()
            + wander
            + if pen.typed {
                rng.random_range(-1.0..1.0) * pen.baseline_jitter
            } else {
                0.0
            };
        let g = GlyphDraw {
            font,
            em_px: em,
            ch,
            rot: (rng.random_range(-1.0f32..1.0) * pen.rot_jitter).to_radians(),
            shear: pen.slant + rng.random_range(-1.0..1.0) * pen.slant_jitter,
            sx: scale * (1.0 + rng.random_range(-0.5..0.5) * pen.scale_jitter),
            sy: scale,
            ink: pen.ink,
            intensity: rng.random_range(pen.min_intensity..1.0),
            weight: pen.weight,
        };
        let x = caret
            + adv * scale / 2.0
            + if pen.typed {
                rng.random_range(-0.4..0.4)
            } else {
                0.0
            };
        draw_glyph(img, &g, Anchor::Baseline(x, y));
        let spacing_jitter = if pen.typed {
            1.0
        } else {
            rng.random_range(0.92..1.12)
        };
        caret += adv * scale * spacing_jitter;
    }
}

/// Mark a check box: a typed `X`, or two pen strokes.
fn check_box(img: &mut RgbImage, fonts: &Fonts, pen: &Pen, rng: &mut ChaCha8Rng, rect: RectPx) {
    let (cx, cy) = (
        (rect.x0 + rect.x1) / 2.0 + rng.random_range(-1.0..1.0),
        (rect.y0 + rect.y1) / 2.0 + rng.random_range(-1.0..1.0),
    );
    if pen.typed {
        let g = GlyphDraw {
            font: &fonts.mono,
            em_px: pen.em_px,
            ch: 'X',
            rot: 0.0,
            shear: 0.0,
            sx: 1.0,
            sy: 1.0,
            ink: pen.ink,
            intensity: rng.random_range(pen.min_intensity..1.0),
            weight: pen.weight,
        };
        draw_glyph(img, &g, Anchor::Centre(cx, cy));
        return;
    }
    let half = rect.width().min(rect.height()) / 2.0 * rng.random_range(0.75..1.15);
    let width = pt(rng.random_range(0.9..1.4));
    let mut j = || rng.random_range(-pt(1.2)..pt(1.2));
    let strokes = [
        (
            (cx - half + j(), cy - half + j()),
            (cx + half + j(), cy + half + j()),
        ),
        (
            (cx + half + j(), cy - half + j()),
            (cx - half + j(), cy + half + j()),
        ),
    ];
    for (a, b) in strokes {
        draw_stroke(img, a, b, width, pen.ink, rng.random_range(0.85..1.0));
    }
}

/// An anti-aliased straight pen stroke of `width` pixels.
fn draw_stroke(img: &mut RgbImage, a: (f32, f32), b: (f32, f32), width: f32, ink: [u8; 3], k: f32) {
    let (w, h) = img.dimensions();
    let r = width / 2.0;
    let x0 = (a.0.min(b.0) - r - 1.0).max(0.0) as u32;
    let y0 = (a.1.min(b.1) - r - 1.0).max(0.0) as u32;
    let x1 = ((a.0.max(b.0) + r + 2.0).max(0.0) as u32).min(w);
    let y1 = ((a.1.max(b.1) + r + 2.0).max(0.0) as u32).min(h);
    let (vx, vy) = (b.0 - a.0, b.1 - a.1);
    let len2 = (vx * vx + vy * vy).max(1e-6);
    for y in y0..y1 {
        for x in x0..x1 {
            let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
            let t = (((px - a.0) * vx + (py - a.1) * vy) / len2).clamp(0.0, 1.0);
            let (dx, dy) = (px - a.0 - t * vx, py - a.1 - t * vy);
            let c = (r + 0.5 - (dx * dx + dy * dy).sqrt()).clamp(0.0, 1.0);
            if c > 0.0 {
                ink_pixel(img, x, y, c * k, ink);
            }
        }
    }
}

/// Sign in Part H, left of the date box: slanted mixed-case script in pen ink.
fn sign(
    img: &mut RgbImage,
    fonts: &Fonts,
    ink: [u8; 3],
    rng: &mut ChaCha8Rng,
    text: &str,
    date: RectPx,
) {
    let pen = Pen {
        typed: false,
        face: 0,
        em_px: pt(rng.random_range(14.0..18.0)),
        ink,
        spacing: rng.random_range(0.95..1.05),
        slant: rng.random_range(0.2..0.4),
        rot_jitter: 4.0,
        scale_jitter: 0.12,
        baseline_jitter: 2.5,
        slant_jitter: 0.06,
        weight: 0,
        min_intensity: 0.8,
    };
    // The signature cell spans from the left margin to the date column.
    let x0 = pt(rng.random_range(95.0..160.0));
    let rect = RectPx {
        x0,
        x1: date.x0 - pt(40.0),
        y0: date.y0,
        y1: date.y1 + pt(1.0),
    };
    let font = &fonts.signature;
    let mut caret = rect.x0 + pt(2.0);
    let drift = rng.random_range(-3.0f32..1.0).to_radians();
    for ch in text.chars() {
        let adv = advance(font, pen.em_px, ch) * pen.spacing;
        if ch == ' ' {
            caret += adv * 1.4;
            continue;
        }
        let scale = 1.0 + rng.random_range(-1.0..1.0) * pen.scale_jitter;
        let g = GlyphDraw {
            font,
            em_px: pen.em_px,
            ch,
            rot: (rng.random_range(-1.0f32..1.0) * pen.rot_jitter).to_radians(),
            shear: pen.slant + rng.random_range(-1.0..1.0) * pen.slant_jitter,
            sx: scale * rng.random_range(1.0..1.1),
            sy: scale,
            ink: pen.ink,
            intensity: rng.random_range(pen.min_intensity..1.0),
            weight: 0,
        };
        let y = rect.y1 - pt(3.0)
            + (caret - rect.x0) * drift.tan()
            + rng.random_range(-1.0..1.0) * pen.baseline_jitter;
        draw_glyph(img, &g, Anchor::Baseline(caret + adv * scale / 2.0, y));
        caret += adv * scale;
        if caret > rect.x1 {
            break;
        }
    }
}

// ---------------------------------------------------------------------------
// Printing, scanning, encoding
// ---------------------------------------------------------------------------

/// How the home printer placed the page: scale about the page centre, then offset (pixels).
#[derive(Debug, Clone, Copy)]
struct PrintMap {
    scale: f32,
    dx: f32,
    dy: f32,
    cx: f32,
    cy: f32,
}

impl PrintMap {
    fn map(&self, x: f32, y: f32) -> (f32, f32) {
        (
            (x - self.cx) * self.scale + self.cx + self.dx,
            (y - self.cy) * self.scale + self.cy + self.dy,
        )
    }
    fn map_rect(&self, r: RectPx) -> RectPx {
        let (x0, y0) = self.map(r.x0, r.y0);
        let (x1, y1) = self.map(r.x1, r.y1);
        RectPx { x0, y0, x1, y1 }
    }
}

/// Print the form page on off-white paper: printer scaling ("fit to page")
/// and offset, toner density, paper colour and uneven lighting.
fn print_page(form: &GrayImage, rng: &mut ChaCha8Rng) -> (RgbImage, PrintMap) {
    let (w, h) = form.dimensions();
    let map = PrintMap {
        scale: if rng.random_bool(0.5) {
            1.0
        } else {
            rng.random_range(0.955..0.99)
        },
        dx: rng.random_range(-14.0..14.0),
        dy: rng.random_range(-14.0..14.0),
        cx: w as f32 / 2.0,
        cy: h as f32 / 2.0,
    };
    let toner = rng.random_range(0.82..1.0f32);
    let warm = rng.random_range(0.0..10.0f32);
    let paper = [252.0 - warm * 0.4, 250.0 - warm * 0.6, 246.0 - warm * 1.2];
    let (gx, gy) = (
        rng.random_range(-0.02..0.02f32),
        rng.random_range(-0.025..0.01f32),
    );
    let img = RgbImage::from_fn(w, h, |x, y| {
        // Inverse of the print map, bilinear in the rendered form.
        let sx = (x as f32 + 0.5 - map.cx - map.dx) / map.scale + map.cx - 0.5;
        let sy = (y as f32 + 0.5 - map.cy - map.dy) / map.scale + map.cy - 0.5;
        let v = gray_at(form, sx, sy);
        let v = 1.0 - (1.0 - v / 255.0) * toner;
        let light = 1.0 + gx * (x as f32 / w as f32 - 0.5) + gy * (y as f32 / h as f32);
        let px = |c: f32| (c * v * light).round().clamp(0.0, 255.0) as u8;
        Rgb([px(paper[0]), px(paper[1]), px(paper[2])])
    });
    (img, map)
}

/// Bilinear gray value; white outside the image.
fn gray_at(img: &GrayImage, x: f32, y: f32) -> f32 {
    let (w, h) = img.dimensions();
    let at = |xi: i64, yi: i64| {
        if xi < 0 || yi < 0 || xi >= w as i64 || yi >= h as i64 {
            255.0
        } else {
            img.get_pixel(xi as u32, yi as u32).0[0] as f32
        }
    };
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (xi, yi) = (x0 as i64, y0 as i64);
    at(xi, yi) * (1.0 - fx) * (1.0 - fy)
        + at(xi + 1, yi) * fx * (1.0 - fy)
        + at(xi, yi + 1) * (1.0 - fx) * fy
        + at(xi + 1, yi + 1) * fx * fy
}

/// Rotate about the centre by `degrees` clockwise, keeping the size; the
/// uncovered corners show the scanner lid.
fn skew(img: &RgbImage, degrees: f32, lid: [u8; 3]) -> RgbImage {
    let (w, h) = img.dimensions();
    let (sin, cos) = (-degrees.to_radians()).sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    RgbImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        let sx = cos * dx - sin * dy + cx - 0.5;
        let sy = sin * dx + cos * dy + cy - 0.5;
        if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f32 || sy >= (h - 1) as f32 {
            return Rgb(lid);
        }
        let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
        let (fx, fy) = (sx - x0 as f32, sy - y0 as f32);
        let mut out = [0u8; 3];
        for (c, o) in out.iter_mut().enumerate() {
            let v = img.get_pixel(x0, y0).0[c] as f32 * (1.0 - fx) * (1.0 - fy)
                + img.get_pixel(x0 + 1, y0).0[c] as f32 * fx * (1.0 - fy)
                + img.get_pixel(x0, y0 + 1).0[c] as f32 * (1.0 - fx) * fy
                + img.get_pixel(x0 + 1, y0 + 1).0[c] as f32 * fx * fy;
            *o = v.round() as u8;
        }
        Rgb(out)
    })
}

/// Sensor noise: the sum of four uniform bytes is close enough to a gaussian.
fn add_noise(img: &mut RgbImage, sigma: f32, rng: &mut ChaCha8Rng) {
    let k = sigma / 147.8;
    for v in img.iter_mut() {
        let r = rng.next_u32();
        let sum = (r & 0xff) + ((r >> 8) & 0xff) + ((r >> 16) & 0xff) + (r >> 24);
        *v = (*v as f32 + (sum as f32 - 510.0) * k)
            .round()
            .clamp(0.0, 255.0) as u8;
    }
}

/// Baseline RGB JPEG with a JFIF density of [`DPI`].
fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
    enc.set_pixel_density(PixelDensity::dpi(DPI as u16));
    enc.encode(
        img.as_raw(),
        img.width(),
        img.height(),
        ExtendedColorType::Rgb8,
    )
    .context("encoding JPEG")?;
    Ok(out)
}

/// Fill in, scan and write one document; return its truth.
fn produce_document(
    args: &Args,
    pages: &[FormPage; 2],
    fonts: &Fonts,
    index: usize,
    plan: &DocPlan,
) -> Result<(FileTruthPair, DocumentTruth)> {
    let id = format!("sf2809-{:03}", index + 1);
    let dir = args.out.join(&id);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut pen_rng = rng_for(args.seed, &format!("sf2809/{index}/pen"));
    let pen = if plan.handwritten {
        Pen::hand(&mut pen_rng, fonts)
    } else {
        Pen::typewriter(&mut pen_rng)
    };
    // The signature is in pen even on typed forms.
    let sig_ink = if plan.handwritten {
        pen.ink
    } else {
        [[28, 42, 120], [22, 22, 26]][pen_rng.random_range(0..2)]
    };
    let mut files = Vec::new();
    let mut refs = Vec::new();
    for (p, page) in pages.iter().enumerate() {
        let mut rng = rng_for(args.seed, &format!("sf2809/{index}/page{p}"));
        let (mut img, print) = print_page(&page.image, &mut rng);
        let mut words = Vec::new();
        for e in plan.entries.iter().filter(|e| e.page == p) {
            let rect = print.map_rect(page.writing_area(e.widget)?);
            write_text(&mut img, fonts, &pen, &mut rng, &e.text, rect);
            words.extend(e.text.split_whitespace().map(str::to_string));
        }
        if p == 0 {
            for name in &plan.checks {
                let rect = print.map_rect(page.rect(name)?);
                check_box(&mut img, fonts, &pen, &mut rng, rect);
            }
        } else {
            let date = print.map_rect(page.rect(widget::SIGN_DATE)?);
            sign(&mut img, fonts, sig_ink, &mut rng, &plan.signature, date);
        }
        // Scan: skew, optics blur, sensor noise, upside down, JPEG.
        let skew_degrees = rng.random_range(-40..=40i32) as f32 / 20.0;
        let lid = rng.random_range(228..240u8);
        if skew_degrees != 0.0 {
            img = skew(&img, skew_degrees, [lid, lid, lid.saturating_sub(3)]);
        }
        img = imageops::blur(&img, rng.random_range(0.45..0.75));
        add_noise(&mut img, rng.random_range(1.8..3.2), &mut rng);
        let rotation = if plan.flipped {
            imageops::rotate180_in_place(&mut img);
            180
        } else {
            0
        };
        let bytes = encode_jpeg(&img, rng.random_range(72..=78))?;
        let name = format!("page_{}.jpg", p + 1);
        let path = dir.join(&name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        let rel = format!("{id}/{name}");
        refs.push(PageRef {
            path: rel.clone(),
            page: 1,
        });
        files.push(FileTruth {
            path: rel,
            format: "jpeg".to_string(),
            color: "rgb".to_string(),
            pages: vec![PageTruth {
                page: 1,
                dpi: DPI,
                width_px: img.width(),
                height_px: img.height(),
                rotation,
                skew_degrees,
                words,
                form: FORM_ID.to_string(),
                fields: plan.page_fields[p].clone(),
            }],
        });
    }
    let files: FileTruthPair = files
        .try_into()
        .map_err(|_| anyhow!("expected two pages"))?;
    let doc = DocumentTruth {
        id,
        form: FORM_ID.to_string(),
        revision: REVISION.to_string(),
        pages: refs,
        fields: plan.doc_fields.clone(),
        handwritten: plan.handwritten,
    };
    Ok((files, doc))
}
