//! Planning the case set: which cases, which documents in which order, where
//! separator and blank sheets go, how each sheet is degraded and how each
//! case is packed into files. Planning is cheap and sequential; rendering
//! ([`super::generate`]) is parallel.

use rand::seq::SliceRandom;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::canvas::Filler;
use super::formpage::FormDoc;
use super::forms::{FormDef, FORMS};
use super::hand::{HandFonts, HandStyle};
use super::papers::{Distractor, SepKind};
use super::people::{Household, System, Writing};
use crate::encode::{Format, PdfImage, TiffCompression};
use crate::sets::rng_for;

/// A kind of case: the forms that arrive together for one subject.
struct CaseType {
    name: &'static str,
    system: System,
    /// Probability that OPM already assigned a claim number.
    claim: f64,
    /// One form from each group is always present.
    core: &'static [&'static [&'static str]],
    /// Further forms, some of which are added.
    pool: &'static [&'static str],
}

#[rustfmt::skip]
const CASE_TYPES: &[CaseType] = &[
    CaseType { name: "FERS retirement", system: System::Fers, claim: 0.35, core: &[&["SF 3107"]],
        pool: &["SF 3107-1", "SF 3107-2", "SF 3102", "SF 2818", "SF 2809", "SF 2823", "SF 3108", "W-4P", "SF 1199A", "SF 2817", "SF 2821", "SF 1152", "RI 20-97"] },
    CaseType { name: "CSRS retirement", system: System::Csrs, claim: 0.35, core: &[&["SF 2801"]],
        pool: &["SF 2801-1", "SF 2801-2", "SF 2808", "SF 3102", "SF 2803", "SF 2818", "SF 2809", "SF 2823", "W-4P", "SF 1199A", "SF 2821", "RI 20-97"] },
    CaseType { name: "disability retirement", system: System::Fers, claim: 0.3, core: &[&["SF 3107"], &["SF 3112A"]],
        pool: &["SF 3112B", "SF 3112C", "SF 3112D", "SF 3112E", "SF 2818", "SF 2809", "SF 3107-1"] },
    CaseType { name: "FERS deferred retirement", system: System::Fers, claim: 0.5, core: &[&["RI 92-19"]],
        pool: &["SF 2823", "SF 3102", "W-4P", "SF 1199A", "SF 2809", "SF 3108"] },
    CaseType { name: "CSRS deferred retirement", system: System::Csrs, claim: 0.5, core: &[&["OPM 1496A"]],
        pool: &["SF 2823", "SF 2808", "W-4P", "SF 1199A", "SF 2803"] },
    CaseType { name: "FERS refund", system: System::Fers, claim: 0.0, core: &[&["SF 3106"]],
        pool: &["W-4P", "SF 1199A", "SF 3108"] },
    CaseType { name: "CSRS refund", system: System::Csrs, claim: 0.0, core: &[&["SF 2802"]],
        pool: &["W-4P", "SF 1199A", "SF 2803"] },
    CaseType { name: "FERS annuitant maintenance", system: System::Fers, claim: 1.0, core: &[],
        pool: &["RI 38-107", "RI 30-2", "SF 2809", "SF 2818", "SF 2817", "SF 2823", "SF 3102", "SF 1199A", "W-4P", "RI 20-97"] },
    CaseType { name: "CSRS annuitant maintenance", system: System::Csrs, claim: 1.0, core: &[],
        pool: &["RI 38-107", "RI 30-2", "SF 2809", "SF 2818", "SF 2823", "SF 2808", "SF 1199A", "W-4P"] },
    CaseType { name: "FERS death claim", system: System::Fers, claim: 0.8, core: &[&["SF 3104"]],
        pool: &["RI 25-14", "SF 2823", "SF 3102", "SF 1152"] },
    CaseType { name: "CSRS death claim", system: System::Csrs, claim: 1.0, core: &[&["SF 2800"]],
        pool: &["RI 25-14", "SF 2823", "SF 2808"] },
];

/// Forms that need a spouse in the household.
const NEEDS_SPOUSE: &[&str] = &["SF 3107-2", "SF 2801-2"];
/// Forms completed by someone other than the subject (a supervisor, a physician).
const OTHER_WRITER: &[&str] = &["SF 3112B", "SF 3112C"];

/// What a document is.
#[derive(Debug, Clone)]
pub enum DocKind {
    Form(Box<FormDoc>),
    Distractor { kind: Distractor, pages: u8 },
}

/// One document of a case.
#[derive(Debug, Clone)]
pub struct DocPlan {
    pub kind: DocKind,
    pub handwritten: bool,
}

impl DocPlan {
    /// Number of pages (instructions included).
    pub fn pages(&self) -> u8 {
        match &self.kind {
            DocKind::Form(f) => f.pages(),
            DocKind::Distractor { pages, .. } => *pages,
        }
    }

    /// Form id, or `unknown` for a distractor.
    pub fn form_id(&self) -> &'static str {
        match &self.kind {
            DocKind::Form(f) => f.form.id,
            DocKind::Distractor { .. } => "unknown",
        }
    }

    fn is_distractor(&self) -> bool {
        matches!(self.kind, DocKind::Distractor { .. })
    }
}

/// What one sheet (page image) shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Content {
    /// Page `page` (0-based) of document `doc`.
    Doc {
        doc: usize,
        page: u8,
    },
    Separator(SepKind),
    /// A blank page; `show_through` is the sheet whose print shows faintly through it.
    Blank {
        show_through: Option<usize>,
    },
}

/// How a sheet is degraded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// Small clockwise rotation in degrees (scanner skew).
    pub skew: f32,
    /// Quarter turn clockwise: 0, 90, 180 or 270.
    pub rotation: u32,
    pub blur: f32,
    pub noise: f32,
    /// Phone photos: uneven lighting and uneven crop.
    pub lighting: Option<(f32, f32)>,
    pub margins: [i32; 4],
    /// Bilevel threshold (TIFF G4 cases).
    pub threshold: u8,
    pub speckle: u32,
}

/// One sheet of the stream.
#[derive(Debug, Clone)]
pub struct SheetPlan {
    pub content: Content,
    /// `first`, `continuation`, `instructions`, `separator`, `blank` or `distractor`.
    pub role: &'static str,
    pub look: Look,
}

/// Pixel type of a case's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Color,
    Gray,
    Bilevel,
}

/// How a case is packed into files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    /// One JPEG per page in a folder (`scan_001.jpg` or `scan_1.jpg`).
    JpegFolder,
    /// Multi-page CCITT G4 TIFF (one or two files).
    TiffG4,
    /// Phone-app PDF with JPEG pages of slightly uneven sizes (one or two files).
    PhonePdf,
}

impl Packing {
    pub fn name(self) -> &'static str {
        match self {
            Packing::JpegFolder => "jpeg-folder",
            Packing::TiffG4 => "tiff-g4",
            Packing::PhonePdf => "phone-pdf",
        }
    }
}

/// One output file and the sheets it holds, in order.
#[derive(Debug, Clone)]
pub struct FilePlan {
    pub path: String,
    pub format: Format,
    pub sheets: Vec<usize>,
}

/// A case: one subject, documents, sheets and files.
#[derive(Debug, Clone)]
pub struct CasePlan {
    /// `case-007`.
    pub id: String,
    pub kind: &'static str,
    pub household: Household,
    pub docs: Vec<DocPlan>,
    pub sheets: Vec<SheetPlan>,
    pub packing: Packing,
    pub tone: Tone,
    pub files: Vec<FilePlan>,
}

/// Plan cases until they hold at least `min_docs` documents. Every form of
/// the catalog is used before any is repeated (forms are drawn from a
/// shuffled queue), so a set of about 60 documents or more covers all forms.
pub fn plan(min_docs: usize, seed: u64, hand: &HandFonts) -> Vec<CasePlan> {
    let mut queue_rng = rng_for(seed, &["case", "queue"]);
    let mut pending: Vec<&'static str> = Vec::new();
    let mut cases = Vec::new();
    let mut docs = 0;
    while docs < min_docs {
        if pending.is_empty() {
            pending = FORMS.iter().map(|f| f.id).collect();
            pending.shuffle(&mut queue_rng);
        }
        let id = format!("case-{:03}", cases.len() + 1);
        let case = plan_case(&id, seed, &mut pending, hand);
        docs += case.docs.len();
        cases.push(case);
    }
    cases
}

fn plan_case(id: &str, seed: u64, pending: &mut Vec<&'static str>, hand: &HandFonts) -> CasePlan {
    let mut rng = rng_for(seed, &[id, "plan"]);
    let anchor = pending[0];
    let types: Vec<&CaseType> = CASE_TYPES
        .iter()
        .filter(|t| t.core.iter().any(|g| g.contains(&anchor)) || t.pool.contains(&anchor))
        .collect();
    let ty = types[rng.random_range(0..types.len())];
    let claim = rng.random_bool(ty.claim);
    let mut household = Household::random(&mut rng, ty.system, claim);
    if NEEDS_SPOUSE.contains(&anchor) {
        while household.spouse.is_none() {
            household = Household::random(&mut rng, ty.system, claim);
        }
    }

    // Forms: the core, the anchor, then pool forms (pending ones first).
    let mut forms: Vec<&'static str> = ty
        .core
        .iter()
        .map(|g| g[rng.random_range(0..g.len())])
        .collect();
    if !forms.contains(&anchor) {
        forms.push(anchor);
    }
    let want = rng.random_range(2..=5usize).max(forms.len());
    let mut pool: Vec<&'static str> = ty.pool.to_vec();
    pool.shuffle(&mut rng);
    pool.sort_by_key(|f| !pending.contains(f)); // stable: pending first, shuffled within
    for f in pool {
        if forms.len() >= want {
            break;
        }
        if forms.contains(&f) || (NEEDS_SPOUSE.contains(&f) && household.spouse.is_none()) {
            continue;
        }
        forms.push(f);
    }
    pending.retain(|f| !forms.contains(f));

    // Writers: the subject's hand, another hand for statements by others.
    let propensity = [0.35, 0.55, 0.75][rng.random_range(0..3)];
    let subject_hand = HandStyle::random(hand, &mut rng);
    let other_hand = HandStyle::random(hand, &mut rng);
    let hand_writing = Writing {
        hand: true,
        periods: rng.random_bool(0.3),
        pad_dates: rng.random_bool(0.75),
    };
    let mut docs: Vec<DocPlan> = Vec::new();
    for (i, f) in forms.iter().enumerate() {
        let Some(form) = FormDef::get(f) else {
            continue;
        };
        let handwritten = !form.typed_only && rng.random_bool(propensity);
        let filler = if handwritten {
            let style = if OTHER_WRITER.contains(f) {
                other_hand
            } else {
                subject_hand
            };
            Filler {
                writing: hand_writing,
                hand: Some(style),
            }
        } else {
            Filler::TYPED
        };
        let mut doc_rng = rng_for(seed, &[id, "doc", &i.to_string()]);
        let with_instructions = rng.random_bool(0.7);
        let doc = FormDoc::new(form, &household, filler, with_instructions, &mut doc_rng);
        docs.push(DocPlan {
            kind: DocKind::Form(Box::new(doc)),
            handwritten,
        });
    }
    // Distractors: a cover letter usually first, others anywhere after the first form.
    let n_distractors = [0, 1, 1, 2, 2, 3][rng.random_range(0..6)];
    let mut kinds = Distractor::ALL.to_vec();
    kinds.shuffle(&mut rng);
    for kind in kinds.into_iter().take(n_distractors) {
        let pages = kind.pages(&mut rng);
        let d = DocPlan {
            kind: DocKind::Distractor { kind, pages },
            handwritten: false,
        };
        let at = if kind == Distractor::CoverLetter && rng.random_bool(0.7) {
            0
        } else {
            rng.random_range(1..=docs.len())
        };
        docs.insert(at, d);
    }

    let packing = match rng.random_range(0..100) {
        0..45 => Packing::JpegFolder,
        45..75 => Packing::TiffG4,
        _ => Packing::PhonePdf,
    };
    let tone = match packing {
        Packing::TiffG4 => Tone::Bilevel,
        Packing::JpegFolder if rng.random_bool(0.35) => Tone::Color,
        Packing::JpegFolder => Tone::Gray,
        Packing::PhonePdf if rng.random_bool(0.7) => Tone::Color,
        Packing::PhonePdf => Tone::Gray,
    };
    let sheets = plan_sheets(&docs, packing, &mut rng);
    let files = plan_files(id, &sheets, packing, &mut rng);
    CasePlan {
        id: id.to_string(),
        kind: ty.name,
        household,
        docs,
        sheets,
        packing,
        tone,
        files,
    }
}

/// The stream of sheets: document pages, separators and blank pages.
fn plan_sheets(docs: &[DocPlan], packing: Packing, rng: &mut ChaCha8Rng) -> Vec<SheetPlan> {
    let mut sheets: Vec<SheetPlan> = Vec::new();
    let separator = |rng: &mut ChaCha8Rng| SheetPlan {
        content: Content::Separator(SepKind::ALL[rng.random_range(0..4)]),
        role: "separator",
        look: look(rng, packing, false),
    };
    if rng.random_bool(0.1) {
        sheets.push(separator(rng));
    }
    for (i, doc) in docs.iter().enumerate() {
        if i > 0 {
            // Consecutive distractors must be separated; forms only sometimes.
            let must = doc.is_distractor() && docs[i - 1].is_distractor();
            if must || rng.random_bool(0.2) {
                sheets.push(separator(rng));
            }
        }
        for page in 0..doc.pages() {
            let role = match &doc.kind {
                DocKind::Form(f) => f.role(page),
                DocKind::Distractor { .. } => "distractor",
            };
            sheets.push(SheetPlan {
                content: Content::Doc { doc: i, page },
                role,
                look: look(rng, packing, true),
            });
        }
        // The blank back of the document's last sheet.
        if rng.random_bool(0.08) {
            let front = sheets.len() - 1;
            sheets.push(SheetPlan {
                content: Content::Blank {
                    show_through: rng.random_bool(0.5).then_some(front),
                },
                role: "blank",
                look: look(rng, packing, false),
            });
        }
    }
    sheets
}

/// Scanner or phone degradation of one sheet; `turn` allows quarter turns.
fn look(rng: &mut ChaCha8Rng, packing: Packing, turn: bool) -> Look {
    // Mostly small skew, sometimes up to 5 degrees.
    let magnitude = match rng.random_range(0..20) {
        0..9 => rng.random_range(0.0..0.8),
        9..18 => rng.random_range(0.8..2.5),
        _ => rng.random_range(2.5..5.0),
    };
    let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
    let mut skew = (sign * magnitude * 10.0f32).round() / 10.0;
    if !turn {
        skew = skew.clamp(-1.5, 1.5);
    }
    let rotation = if turn {
        match rng.random_range(0..100) {
            0..4 => 90,
            4..8 => 180,
            8..10 => 270,
            _ => 0,
        }
    } else {
        0
    };
    let mut l = Look {
        skew,
        rotation,
        blur: rng.random_range(0.4..0.8),
        noise: rng.random_range(1.5..3.5),
        lighting: None,
        margins: [0; 4],
        threshold: rng.random_range(140..170),
        speckle: rng.random_range(5..40),
    };
    if packing == Packing::PhonePdf {
        l.blur = rng.random_range(0.6..1.0);
        l.noise = rng.random_range(2.0..4.5);
        l.lighting = Some((rng.random_range(0.04..0.16), rng.random_range(0.0..360.0)));
        l.margins = [(); 4].map(|_| rng.random_range(-12..30));
    }
    l
}

/// Pack the sheets into files.
fn plan_files(
    id: &str,
    sheets: &[SheetPlan],
    packing: Packing,
    rng: &mut ChaCha8Rng,
) -> Vec<FilePlan> {
    let all: Vec<usize> = (0..sheets.len()).collect();
    match packing {
        Packing::JpegFolder => {
            let quality = rng.random_range(70..=80);
            let padded = rng.random_bool(0.5);
            all.into_iter()
                .map(|i| FilePlan {
                    path: if padded {
                        format!("{id}/scan_{:03}.jpg", i + 1)
                    } else {
                        format!("{id}/scan_{}.jpg", i + 1)
                    },
                    format: Format::Jpeg { quality },
                    sheets: vec![i],
                })
                .collect()
        }
        Packing::TiffG4 | Packing::PhonePdf => {
            let (stem, ext, format) = if packing == Packing::TiffG4 {
                ("batch", "tif", Format::Tiff(TiffCompression::G4))
            } else {
                let quality = rng.random_range(70..=78);
                ("phone_scan", "pdf", Format::Pdf(PdfImage::Jpeg { quality }))
            };
            // Split into two files at a document start, sometimes.
            let starts: Vec<usize> = (1..sheets.len())
                .filter(|&i| {
                    matches!(
                        sheets[i].content,
                        Content::Doc { page: 0, .. } | Content::Separator(_)
                    )
                })
                .collect();
            let parts: Vec<Vec<usize>> = if !starts.is_empty() && rng.random_bool(0.4) {
                let cut = starts[rng.random_range(0..starts.len())];
                vec![all[..cut].to_vec(), all[cut..].to_vec()]
            } else {
                vec![all]
            };
            parts
                .into_iter()
                .enumerate()
                .map(|(k, sheets)| FilePlan {
                    path: format!("{id}/{stem}_{}.{ext}", k + 1),
                    format,
                    sheets,
                })
                .collect()
        }
    }
}
