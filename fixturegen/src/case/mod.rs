//! The `case` set: a realistic corpus of OPM retirement case files with
//! ground truth for classification, document separation and field
//! extraction (`casefile eval`).
//!
//! A case is one subject's paperwork: several forms of the catalog
//! ([`forms`]) filled in for a household ([`people`]) by typing or by hand
//! ([`hand`]), distractor documents and separator sheets ([`papers`]), in a
//! stream of sheets planned by [`plan`], each degraded like a scan and packed
//! as a JPEG folder, a multi-page G4 TIFF or a phone-app PDF.
//!
//! Conventions recorded in the truth (see the README):
//! - separator sheets (`blank`, `code128`, `qr`, `patch-t`) and blank pages
//!   belong to no document; blank pages only occur at document boundaries
//!   (the blank back of a document's last sheet), so every document is a
//!   contiguous run of the stream;
//! - instruction pages belong to the form that follows them;
//! - `fields` hold only the document subject's key values printed on it.

pub mod barcode;
pub mod canvas;
pub mod formpage;
pub mod forms;
pub mod hand;
pub mod papers;
pub mod people;
pub mod plan;

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use image::imageops;
use rayon::prelude::*;

use crate::degrade::{self, Raster, Step};
use crate::render::{rasterize, Fonts, Palette};
use crate::sets::{rng_for, Sink};
use crate::truth::{DocumentTruth, FileTruth, PageRef, PageTruth, SeparatorTruth, Truth};
use canvas::Sheet;
use hand::HandFonts;
use plan::{CasePlan, Content, DocKind, FilePlan, Tone};

/// Default number of documents of the case set.
pub const DEFAULT_DOCS: u32 = 120;
/// Resolution of the case set's pages.
pub const DEFAULT_DPI: u32 = 200;

/// What every sheet's rendering needs.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    seed: u64,
    dpi: u32,
    fonts: &'a Fonts,
    hand: &'a HandFonts,
}

/// Generate the case set with at least `min_docs` documents at `dpi`
/// ([`DEFAULT_DPI`] for the CLI; tests use less); hand every file to `sink`
/// and return the truth.
pub fn generate(
    min_docs: u32,
    dpi: u32,
    seed: u64,
    fonts: &Fonts,
    hand: &HandFonts,
    sink: &Sink,
) -> Result<Truth> {
    let ctx = Ctx {
        seed,
        dpi,
        fonts,
        hand,
    };
    let cases = plan::plan(min_docs as usize, seed, hand);
    let jobs: Vec<(usize, &FilePlan)> = cases
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.files.iter().map(move |f| (i, f)))
        .collect();
    let files = jobs
        .par_iter()
        .map(|&(ci, file)| {
            render_file(&cases[ci], file, ctx, sink)
                .with_context(|| format!("generating {}", file.path))
        })
        .collect::<Result<Vec<FileTruth>>>()?;

    // Where each sheet went, and what it carries.
    let mut located: BTreeMap<(usize, usize), (PageRef, BTreeMap<String, String>)> =
        BTreeMap::new();
    for (&(ci, plan), truth) in jobs.iter().zip(&files) {
        for (&sheet, page) in plan.sheets.iter().zip(&truth.pages) {
            let at = PageRef {
                path: truth.path.clone(),
                page: page.page,
            };
            located.insert((ci, sheet), (at, page.fields.clone()));
        }
    }
    let mut documents = Vec::new();
    let mut separators = Vec::new();
    for (ci, case) in cases.iter().enumerate() {
        for (si, sheet) in case.sheets.iter().enumerate() {
            let kind = match sheet.content {
                Content::Separator(k) => k.name(),
                Content::Blank { .. } => "blank",
                Content::Doc { .. } => continue,
            };
            let (at, _) = &located[&(ci, si)];
            separators.push(SeparatorTruth {
                path: at.path.clone(),
                page: at.page,
                kind: kind.to_string(),
            });
        }
        for (di, doc) in case.docs.iter().enumerate() {
            let mut pages = Vec::new();
            let mut fields = BTreeMap::new();
            for (si, sheet) in case.sheets.iter().enumerate() {
                if matches!(sheet.content, Content::Doc { doc, .. } if doc == di) {
                    let (at, f) = &located[&(ci, si)];
                    pages.push(at.clone());
                    fields.extend(f.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
            documents.push(DocumentTruth {
                id: format!("{}/doc-{:02}", case.id, di + 1),
                form: doc.form_id().to_string(),
                revision: match &doc.kind {
                    DocKind::Form(f) => Some(f.revision.to_string()),
                    DocKind::Distractor { .. } => None,
                },
                pages,
                fields,
                handwritten: doc.handwritten,
            });
        }
    }
    Ok(Truth {
        seed,
        set: "case".to_string(),
        files,
        documents,
        separators,
    })
}

/// Compose sheet `index` of `case` (deterministic: depends only on the seed, case and index).
fn compose_sheet(case: &CasePlan, index: usize, ctx: Ctx) -> Result<(Sheet, &'static str)> {
    let Ctx {
        seed,
        dpi,
        fonts,
        hand,
    } = ctx;
    let rng = rng_for(seed, &[&case.id, "sheet", &index.to_string()]);
    let hh = &case.household;
    Ok(match case.sheets[index].content {
        Content::Doc { doc, page } => match &case.docs[doc].kind {
            DocKind::Form(f) => (formpage::compose(f, page, hh, fonts, hand, rng), f.form.id),
            DocKind::Distractor { kind, pages } => (
                papers::compose_distractor(*kind, page + 1, *pages, hh, fonts, hand, rng),
                "unknown",
            ),
        },
        Content::Separator(kind) => (
            papers::compose_separator(kind, dpi, fonts, hand, rng)?,
            "unknown",
        ),
        Content::Blank { .. } => (Sheet::empty(), "unknown"),
    })
}

/// Render, degrade and encode one file.
fn render_file(case: &CasePlan, file: &FilePlan, ctx: Ctx, sink: &Sink) -> Result<FileTruth> {
    let pages = file
        .sheets
        .par_iter()
        .enumerate()
        .map(|(k, &index)| {
            let (raster, mut truth) = render_sheet(case, index, ctx)?;
            truth.page = k as u32 + 1;
            Ok((raster, truth))
        })
        .collect::<Result<Vec<_>>>()?;
    let color = pages
        .first()
        .map_or("gray", |(r, _)| r.color_name())
        .to_string();
    if file.format.multi_page() {
        let rasters: Vec<Raster> = pages.iter().map(|(r, _)| r.clone()).collect();
        sink(&file.path, &file.format.encode(&rasters, ctx.dpi)?)?;
    } else {
        sink(
            &file.path,
            &file.format.encode(&[pages[0].0.clone()], ctx.dpi)?,
        )?;
    }
    Ok(FileTruth {
        path: file.path.clone(),
        format: file.format.name().to_string(),
        color,
        pages: pages.into_iter().map(|(_, t)| t).collect(),
    })
}

/// The degradation steps of a sheet.
fn steps(case: &CasePlan, look: &plan::Look) -> Vec<Step> {
    let mut steps = Vec::new();
    if case.tone != Tone::Color {
        steps.push(Step::Gray);
    }
    if look.skew != 0.0 {
        steps.push(Step::Skew(look.skew));
    }
    if look.rotation != 0 {
        steps.push(Step::Rotate(look.rotation));
    }
    if let Some((strength, angle)) = look.lighting {
        steps.push(Step::Lighting { strength, angle });
    }
    if look.margins != [0; 4] {
        steps.push(Step::Margins(look.margins));
    }
    steps.push(Step::Blur(look.blur));
    match case.tone {
        Tone::Bilevel => {
            steps.extend([Step::Binarize(look.threshold), Step::Speckle(look.speckle)])
        }
        _ => steps.push(Step::Noise(look.noise)),
    }
    steps
}

/// Render one sheet: compose, rasterize, hand marks, show-through, degrade.
fn render_sheet(case: &CasePlan, index: usize, ctx: Ctx) -> Result<(Raster, PageTruth)> {
    let Ctx {
        seed,
        dpi,
        fonts,
        hand,
    } = ctx;
    let plan = &case.sheets[index];
    let (sheet, form) = compose_sheet(case, index, ctx)?;
    let label = index.to_string();
    let palette = Palette::random(&mut rng_for(seed, &[&case.id, &label, "paper"]));
    let mut img = rasterize(&sheet.layout, fonts, dpi, &palette);
    hand::draw(&mut img, &sheet.marks, hand, dpi);
    if let Content::Blank {
        show_through: Some(front),
    } = plan.content
    {
        // The front's print, mirrored and faint, seen through the paper.
        let (front_sheet, _) = compose_sheet(case, front, ctx)?;
        let p = palette.paper;
        let ghost = Palette {
            paper: p,
            print: p.map(|v| v.saturating_sub(22)),
            typed: p.map(|v| v.saturating_sub(18)),
            shade: p.map(|v| v.saturating_sub(4)),
        };
        let back = imageops::flip_horizontal(&rasterize(&front_sheet.layout, fonts, dpi, &ghost));
        for (dst, src) in img.pixels_mut().zip(back.pixels()) {
            for c in 0..3 {
                dst.0[c] = dst.0[c].min(src.0[c]);
            }
        }
    }
    let steps = steps(case, &plan.look);
    let raster = degrade::apply(
        Raster::Rgb(img),
        &steps,
        &mut rng_for(seed, &[&case.id, &label, "degrade"]),
    )?;
    let (width_px, height_px) = raster.dimensions();
    let truth = PageTruth {
        page: 0,
        dpi,
        width_px,
        height_px,
        rotation: plan.look.rotation,
        skew_degrees: plan.look.skew,
        role: Some(plan.role.to_string()),
        words: sheet.words,
        form: form.to_string(),
        fields: sheet.fields,
    };
    Ok((raster, truth))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::truth::DocumentTruth;
    use std::cmp::Ordering;
    use std::collections::{BTreeSet, HashMap};
    use std::sync::Mutex;

    fn run(seed: u64, docs: u32, dpi: u32) -> (Truth, BTreeMap<String, Vec<u8>>) {
        let fonts = Fonts::load().unwrap();
        let hand = HandFonts::load().unwrap();
        let files = Mutex::new(BTreeMap::new());
        let sink = |path: &str, bytes: &[u8]| {
            files
                .lock()
                .unwrap()
                .insert(path.to_string(), bytes.to_vec());
            Ok(())
        };
        let truth = generate(docs, dpi, seed, &fonts, &hand, &sink).unwrap();
        (truth, files.into_inner().unwrap())
    }

    /// Natural order: digit runs compare as numbers (`scan_2` < `scan_10`).
    fn natural(a: &str, b: &str) -> Ordering {
        fn chunks(s: &str) -> Vec<(bool, String)> {
            let mut out: Vec<(bool, String)> = Vec::new();
            for c in s.chars() {
                let d = c.is_ascii_digit();
                match out.last_mut() {
                    Some((ld, chunk)) if *ld == d => chunk.push(c),
                    _ => out.push((d, c.to_string())),
                }
            }
            out
        }
        let (ca, cb) = (chunks(a), chunks(b));
        for (x, y) in ca.iter().zip(&cb) {
            let o = if x.0 && y.0 {
                let (nx, ny) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                nx.len().cmp(&ny.len()).then(nx.cmp(ny))
            } else {
                x.1.cmp(&y.1)
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        ca.len().cmp(&cb.len())
    }

    fn is_ssn(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 11
            && b.iter().enumerate().all(|(i, c)| {
                if i == 3 || i == 6 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            })
    }

    #[test]
    fn same_seed_same_bytes_and_different_seed_different_corpus() {
        let (truth_a, files_a) = run(5, 6, 36);
        let (truth_b, files_b) = run(5, 6, 36);
        assert_eq!(truth_a, truth_b);
        assert_eq!(files_a, files_b);
        let (truth_c, _) = run(6, 6, 36);
        assert_ne!(truth_a.documents, truth_c.documents);
    }

    #[test]
    fn truth_invariants_hold() {
        let (truth, files) = run(21, 40, 30);
        assert_eq!(truth.set, "case");
        assert!(truth.documents.len() >= 40);
        let listed: BTreeSet<&str> = truth.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(listed, files.keys().map(String::as_str).collect());

        // Files are listed in natural order; the stream is files then pages.
        for w in truth.files.windows(2) {
            assert_eq!(
                natural(&w[0].path, &w[1].path),
                Ordering::Less,
                "{} / {}",
                w[0].path,
                w[1].path
            );
        }
        let mut position: HashMap<(String, u32), usize> = HashMap::new();
        let mut pages = Vec::new();
        for f in &truth.files {
            for (i, p) in f.pages.iter().enumerate() {
                assert_eq!(p.page as usize, i + 1);
                position.insert((f.path.clone(), p.page), pages.len());
                pages.push((f, p));
            }
        }

        // Every non-separator page is in exactly one document; separators in none.
        let mut owner: Vec<Option<&DocumentTruth>> = vec![None; pages.len()];
        for d in &truth.documents {
            for r in &d.pages {
                let at = position[&(r.path.clone(), r.page)];
                assert!(
                    owner[at].is_none(),
                    "{}#{} in two documents",
                    r.path,
                    r.page
                );
                owner[at] = Some(d);
            }
        }
        let seps: BTreeSet<usize> = truth
            .separators
            .iter()
            .map(|s| position[&(s.path.clone(), s.page)])
            .collect();
        assert_eq!(seps.len(), truth.separators.len());
        for (i, (f, p)) in pages.iter().enumerate() {
            let role = p.role.as_deref().unwrap();
            let separator = role == "separator" || role == "blank";
            assert_eq!(
                owner[i].is_none(),
                separator,
                "{}#{} ({role})",
                f.path,
                p.page
            );
            assert_eq!(seps.contains(&i), separator);
            if separator {
                assert_eq!(p.form, "unknown");
                assert!(p.fields.is_empty());
            }
        }
        for s in &truth.separators {
            assert!(["blank", "code128", "qr", "patch-t"].contains(&s.kind.as_str()));
        }

        // Documents are contiguous, in stream order, with consistent roles and fields.
        let mut last_end = None;
        for (k, d) in truth.documents.iter().enumerate() {
            let at: Vec<usize> = d
                .pages
                .iter()
                .map(|r| position[&(r.path.clone(), r.page)])
                .collect();
            assert!(
                at.windows(2).all(|w| w[1] == w[0] + 1),
                "{} is not contiguous",
                d.id
            );
            if let Some(end) = last_end {
                assert!(at[0] > end, "{} out of stream order", d.id);
            }
            last_end = at.last().copied();
            let roles: Vec<&str> = at
                .iter()
                .map(|&i| pages[i].1.role.as_deref().unwrap())
                .collect();
            if d.form == "unknown" {
                assert!(
                    roles.iter().all(|r| *r == "distractor"),
                    "{}: {roles:?}",
                    d.id
                );
                assert!(!d.handwritten && d.revision.is_none());
            } else {
                let first = roles
                    .iter()
                    .position(|r| *r == "first")
                    .expect("a first page");
                assert!(
                    roles[..first].iter().all(|r| *r == "instructions"),
                    "{}: {roles:?}",
                    d.id
                );
                assert!(
                    roles[first + 1..].iter().all(|r| *r == "continuation"),
                    "{}: {roles:?}",
                    d.id
                );
                assert!(forms::FormDef::get(&d.form).is_some(), "{}", d.form);
                assert!(d.revision.is_some());
            }
            let mut union = BTreeMap::new();
            for &i in &at {
                let p = pages[i].1;
                assert_eq!(p.form, d.form);
                for (key, v) in &p.fields {
                    assert_eq!(
                        d.fields.get(key),
                        Some(v),
                        "{}: page value of {key} differs",
                        d.id
                    );
                    union.insert(key.clone(), v.clone());
                }
            }
            assert_eq!(union, d.fields, "{}", d.id);
            assert!(
                d.id.starts_with(&d.pages[0].path[..8]),
                "{} not in its case folder",
                d.id
            );
            // Consecutive distractors of a case have a separator sheet between them.
            if let Some(prev) = k.checked_sub(1).map(|j| &truth.documents[j]) {
                if prev.form == "unknown" && d.form == "unknown" && prev.id[..8] == d.id[..8] {
                    let gap = position[&(
                        prev.pages.last().unwrap().path.clone(),
                        prev.pages.last().unwrap().page,
                    )];
                    assert!(
                        at[0] > gap + 1,
                        "{} follows {} without a separator",
                        d.id,
                        prev.id
                    );
                }
            }
        }

        // Identifiers: SSNs only in the 9xx area (fields and every SSN-shaped word).
        for d in &truth.documents {
            if let Some(ssn) = d.fields.get("ssn") {
                assert!(is_ssn(ssn) && ssn.starts_with('9'), "{ssn}");
            }
            if let Some(c) = d.fields.get("claim_number") {
                let (prefix, digits) = c.split_at(4);
                assert!(["CSA ", "CSF ", "CSI "].contains(&prefix), "{c}");
                assert!(
                    digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()),
                    "{c}"
                );
            }
            if let Some(dob) = d.fields.get("date_of_birth") {
                assert!(
                    dob.len() == 10 && &dob[4..5] == "-" && &dob[7..8] == "-",
                    "{dob}"
                );
            }
        }
        for (_, p) in &pages {
            for w in &p.words {
                let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-');
                if is_ssn(w) {
                    assert!(w.starts_with('9'), "{w}");
                }
            }
        }
    }

    #[test]
    fn planning_covers_every_form_and_the_wanted_mix() {
        let hand = HandFonts::load().unwrap();
        for seed in [1, 2, 3] {
            let cases = plan::plan(DEFAULT_DOCS as usize, seed, &hand);
            let docs: Vec<&plan::DocPlan> = cases.iter().flat_map(|c| &c.docs).collect();
            assert!(docs.len() >= DEFAULT_DOCS as usize);
            let forms: BTreeSet<&str> = docs.iter().map(|d| d.form_id()).collect();
            for f in forms::FORMS {
                assert!(forms.contains(f.id), "seed {seed}: {} missing", f.id);
            }
            let form_docs: Vec<_> = docs.iter().filter(|d| d.form_id() != "unknown").collect();
            let hand_share =
                form_docs.iter().filter(|d| d.handwritten).count() as f64 / form_docs.len() as f64;
            assert!(
                (0.3..0.7).contains(&hand_share),
                "seed {seed}: {hand_share}"
            );
            let packings: BTreeSet<&str> = cases.iter().map(|c| c.packing.name()).collect();
            assert_eq!(packings.len(), 3, "seed {seed}: {packings:?}");
            let sheets: Vec<&plan::SheetPlan> = cases.iter().flat_map(|c| &c.sheets).collect();
            let turned =
                sheets.iter().filter(|s| s.look.rotation != 0).count() as f64 / sheets.len() as f64;
            assert!((0.03..0.2).contains(&turned), "seed {seed}: {turned}");
            assert!(sheets.iter().all(|s| s.look.skew.abs() <= 5.0));
        }
    }

    /// Render a separator sheet as the case set does (skewed, noisy; or bilevel).
    fn separator_page(kind: papers::SepKind, bilevel: bool) -> image::GrayImage {
        let fonts = Fonts::load().unwrap();
        let hand = HandFonts::load().unwrap();
        let sheet =
            papers::compose_separator(kind, 200, &fonts, &hand, rng_for(1, &["sep"])).unwrap();
        let img = rasterize(
            &sheet.layout,
            &fonts,
            200,
            &Palette::random(&mut rng_for(1, &["p"])),
        );
        let mut steps = vec![Step::Gray, Step::Skew(1.2), Step::Blur(0.7)];
        steps.extend(if bilevel {
            vec![Step::Binarize(150), Step::Speckle(30)]
        } else {
            vec![Step::Noise(3.0), Step::JpegArtifacts(72)]
        });
        match degrade::apply(Raster::Rgb(img), &steps, &mut rng_for(1, &["d"])).unwrap() {
            Raster::Gray(g) | Raster::Bilevel(g) => g,
            Raster::Rgb(_) => unreachable!("converted to gray"),
        }
    }

    #[test]
    fn code128_and_qr_separator_sheets_decode() {
        use rxing::BarcodeFormat;
        for bilevel in [false, true] {
            for (kind, format) in [
                (papers::SepKind::Code128, BarcodeFormat::CODE_128),
                (papers::SepKind::Qr, BarcodeFormat::QR_CODE),
            ] {
                let page = separator_page(kind, bilevel);
                let (w, h) = page.dimensions();
                let result = rxing::helpers::detect_in_luma(page.into_raw(), w, h, Some(format))
                    .unwrap_or_else(|e| {
                        panic!("{kind:?} (bilevel {bilevel}) did not decode: {e:?}")
                    });
                assert_eq!(result.getText(), barcode::SEPARATOR_TEXT);
            }
        }
    }

    #[test]
    fn patch_t_sheet_reads_narrow_wide_narrow_wide_from_the_top() {
        let page = separator_page(papers::SepKind::PatchT, true);
        let x = page.width() / 2;
        let mut runs = Vec::new();
        let (mut start, mut dark) = (0, false);
        for y in 0..page.height() / 3 {
            let d = page.get_pixel(x, y).0[0] < 128;
            if d && !dark {
                start = y;
            }
            if !d && dark {
                runs.push(y - start);
            }
            dark = d;
        }
        // 0.08 in = 16 px and 0.20 in = 40 px at 200 dpi (give or take skew and blur).
        let runs: Vec<u32> = runs.into_iter().filter(|&r| r > 4).take(4).collect();
        assert_eq!(runs.len(), 4, "{runs:?}");
        let narrow = |r: u32| (12..=21).contains(&r);
        let wide = |r: u32| (34..=46).contains(&r);
        assert!(
            narrow(runs[0]) && wide(runs[1]) && narrow(runs[2]) && wide(runs[3]),
            "{runs:?}"
        );
    }
}
