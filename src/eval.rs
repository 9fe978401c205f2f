//! `casefile eval`: run the pipeline over scans with known answers and score it.
//!
//! Scores, per document of the ground truth: form right, boundaries exactly right (the same
//! pages, no more, no less), each field right where the document shows it (SSN by its last four
//! digits, which is what a masked manifest keeps), every page upright; and the confusions.
//! The ground truth is the generator's `truth.json` (see fixturegen/README.md).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::catalog::IDENTIFIERS;
use crate::extract::norm;
use crate::manifest::Manifest;

/// The parts of `truth.json` the evaluation reads.
#[derive(Debug, Deserialize)]
pub struct Truth {
    #[serde(default)]
    pub files: Vec<TruthFile>,
    #[serde(default)]
    pub documents: Vec<TruthDocument>,
    #[serde(default)]
    pub separators: Vec<TruthPageRef>,
}

#[derive(Debug, Deserialize)]
pub struct TruthFile {
    pub path: String,
    pub pages: Vec<TruthPage>,
}

#[derive(Debug, Deserialize)]
pub struct TruthPage {
    pub page: u32,
    #[serde(default)]
    pub rotation: u32,
    #[serde(default)]
    pub form: String,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct TruthDocument {
    #[serde(default)]
    pub id: String,
    pub form: String,
    pub pages: Vec<TruthPageRef>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Values hand-printed rather than typed (the generator's truth says which).
    #[serde(default)]
    pub handwritten: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TruthPageRef {
    pub path: String,
    pub page: u32,
}

/// Fields scored, in report order.
pub const SCORED_FIELDS: &[&str] = &["ssn", "date_of_birth", "claim_number", "name", "agency"];

/// A ratio with its counts.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Score {
    pub right: u32,
    pub total: u32,
}

impl Score {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        if ok {
            self.right += 1;
        }
    }
    pub fn percent(&self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            100.0 * self.right as f64 / self.total as f64
        }
    }
}

/// The evaluation's figures.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub documents: u32,
    pub pages: u32,
    pub form: Score,
    pub boundaries: Score,
    pub fields: BTreeMap<String, Score>,
    /// The same, split: documents whose values are typed, and hand-printed.
    pub fields_typed: BTreeMap<String, Score>,
    pub fields_handwritten: BTreeMap<String, Score>,
    /// Values read but wrong (the rest of the misses are absent, and send the document to review).
    pub fields_wrong: BTreeMap<String, u32>,
    /// Values taken from another document of the same person (`from_document`), and how many
    /// of them are right: the figures above include them; without them the document's own
    /// readings score `right - taken.right` (the taken values replaced unsure readings that
    /// were wrong or, rarely, right).
    pub fields_taken: BTreeMap<String, Score>,
    /// Identifiers (SSN, date of birth, claim number) read wrong in a document *not* flagged
    /// for review: the errors nobody would look at.
    pub identifiers_wrong_unflagged: u32,
    /// Identifiers given for a document whose truth has none of that field (a student's or a
    /// survivor's birth date taken for the document's): field -> count.
    pub fields_unwanted: BTreeMap<String, u32>,
    pub upright: Score,
    pub separators_found: Score,
    /// Documents given a wrong form and *not* flagged for review (must be 0).
    pub wrong_form_unflagged: u32,
    /// Documents flagged for review.
    pub flagged: u32,
    /// (truth form, predicted form) -> count, wrong answers only.
    pub confusions: BTreeMap<String, u32>,
    /// Field mistakes, for reading: "doc id: field: want X, got Y".
    pub field_errors: Vec<String>,
    pub seconds: f64,
}

/// Compare a run's manifest with the truth.
pub fn score(truth: &Truth, manifest: &Manifest) -> Report {
    let mut r = Report { documents: truth.documents.len() as u32, ..Report::default() };
    // Which predicted document holds each page.
    let mut owner: HashMap<TruthPageRef, usize> = HashMap::new();
    for (i, d) in manifest.documents.iter().enumerate() {
        for p in &d.pages {
            owner.insert(TruthPageRef { path: p.source.path.clone(), page: p.source.page }, i);
        }
    }
    let predicted_pages = |i: usize| -> Vec<TruthPageRef> {
        manifest.documents[i].pages.iter().map(|p| TruthPageRef { path: p.source.path.clone(), page: p.source.page }).collect()
    };
    for td in &truth.documents {
        // The predicted document holding most of this document's pages.
        let mut votes: HashMap<usize, usize> = HashMap::new();
        for p in &td.pages {
            if let Some(&i) = owner.get(p) {
                *votes.entry(i).or_default() += 1;
            }
        }
        let best = votes.into_iter().max_by_key(|(i, n)| (*n, std::cmp::Reverse(*i))).map(|(i, _)| i);
        let Some(i) = best else {
            r.form.add(false);
            r.boundaries.add(false);
            for f in SCORED_FIELDS.iter().filter(|f| td.form != "unknown" && td.fields.contains_key(**f)) {
                r.fields.entry(f.to_string()).or_default().add(false);
                let split = if td.handwritten { &mut r.fields_handwritten } else { &mut r.fields_typed };
                split.entry(f.to_string()).or_default().add(false);
            }
            *r.confusions.entry(format!("{} -> (no document)", td.form)).or_default() += 1;
            continue;
        };
        let pd = &manifest.documents[i];
        let form_ok = pd.form.id == td.form;
        r.form.add(form_ok);
        if !form_ok {
            *r.confusions.entry(format!("{} -> {}", td.form, pd.form.id)).or_default() += 1;
            if !pd.review.required {
                r.wrong_form_unflagged += 1;
            }
        }
        r.boundaries.add(predicted_pages(i) == td.pages);
        // Fields are read off forms; unrecognised paper (letters, certificates) goes to a
        // person instead, so its fields are not scored.
        if td.form == "unknown" {
            continue;
        }
        score_fields(&mut r, td, &pd.fields, pd.review.required);
    }
    for d in &manifest.documents {
        if d.review.required {
            r.flagged += 1;
        }
    }
    // Every page upright: the rotation applied must undo the rotation the scan had.
    let rotations: HashMap<TruthPageRef, u16> = manifest
        .documents
        .iter()
        .flat_map(|d| d.pages.iter())
        .map(|p| (TruthPageRef { path: p.source.path.clone(), page: p.source.page }, p.rotation))
        .collect();
    for f in &truth.files {
        for p in &f.pages {
            r.pages += 1;
            let key = TruthPageRef { path: f.path.clone(), page: p.page };
            if let Some(rot) = rotations.get(&key) {
                r.upright.add(*rot as u32 == (360 - p.rotation % 360) % 360);
            }
        }
    }
    let found: std::collections::HashSet<TruthPageRef> =
        manifest.separators.iter().map(|s| TruthPageRef { path: s.source.path.clone(), page: s.source.page }).collect();
    for s in &truth.separators {
        r.separators_found.add(found.contains(s));
    }
    r
}

/// Score the fields a document of a known form shows, against what casefile read from it.
fn score_fields(r: &mut Report, td: &TruthDocument, read: &BTreeMap<String, crate::manifest::FieldRecord>, flagged: bool) {
    for f in SCORED_FIELDS {
        let Some(want) = td.fields.get(*f) else {
            if read.contains_key(*f) && IDENTIFIERS.contains(f) {
                *r.fields_unwanted.entry(f.to_string()).or_default() += 1;
            }
            continue;
        };
        let got = read.get(*f).map(|v| v.value.as_str());
        let ok = got.is_some_and(|g| field_matches(f, want, g));
        r.fields.entry(f.to_string()).or_default().add(ok);
        if read.get(*f).is_some_and(|v| v.from_document.is_some()) {
            r.fields_taken.entry(f.to_string()).or_default().add(ok);
        }
        let split = if td.handwritten { &mut r.fields_handwritten } else { &mut r.fields_typed };
        split.entry(f.to_string()).or_default().add(ok);
        if !ok && got.is_some() {
            *r.fields_wrong.entry(f.to_string()).or_default() += 1;
            if !flagged && IDENTIFIERS.contains(f) {
                r.identifiers_wrong_unflagged += 1;
            }
        }
        if !ok {
            r.field_errors.push(format!("{} ({}): {f}: want {:?}, got {:?}", td.id, td.form, mask(f, want), got.map(|g| mask(f, g))));
        }
    }
}

/// Does a read value match the truth? SSNs by their last four digits (manifests mask them).
pub fn field_matches(field: &str, want: &str, got: &str) -> bool {
    match field {
        "ssn" => {
            let d = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            let (w, g) = (d(want), d(got));
            w.len() >= 4 && g.len() >= 4 && w[w.len() - 4..] == g[g.len() - 4..]
        }
        _ => norm(want) == norm(got),
    }
}

/// SSNs in reports are masked like everywhere else.
fn mask(field: &str, v: &str) -> String {
    if field == "ssn" {
        crate::manifest::mask_ssn(v)
    } else {
        v.to_string()
    }
}

/// Read a truth file. A truth without a `documents` list (the generator's `formats` and `demo`
/// sets, where every page is a form of its own) has one document per page.
pub fn load_truth(path: &Path) -> Result<Truth, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut truth: Truth = serde_json::from_slice(&bytes).map_err(|e| format!("{}: not a truth file ({e})", path.display()))?;
    if truth.documents.is_empty() {
        truth.documents = truth
            .files
            .iter()
            .flat_map(|f| {
                f.pages.iter().filter(|p| !p.form.is_empty()).map(move |p| TruthDocument {
                    id: format!("{}#{}", f.path, p.page),
                    form: p.form.clone(),
                    pages: vec![TruthPageRef { path: f.path.clone(), page: p.page }],
                    fields: p.fields.clone(),
                    handwritten: false,
                })
            })
            .collect();
    }
    Ok(truth)
}

/// One line of `zones.jsonl` (`casefile eval --dump-zones DIR`): a numeric box the digit
/// readers saw, with the value its page truly shows for that field (`None`: the truth has none,
/// as for a spouse's box).
#[derive(Serialize, Deserialize)]
pub struct DumpedZone {
    #[serde(flatten)]
    pub crop: crate::pipeline::DumpedCrop,
    pub truth: Option<String>,
}

/// Join the crops a run dumped (`DIR/crops.jsonl`, written as pages are recognised) with the
/// truth of their pages into `DIR/zones.jsonl`, for working on the digit reader (see
/// `examples/read-zones.rs`). Returns the number of boxes and of boxes with a true value.
pub fn dump_zones(dir: &Path, truth: &Truth) -> Result<(usize, usize), String> {
    let crops = dir.join("crops.jsonl");
    let text = match std::fs::read_to_string(&crops) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("{}: {e}", crops.display())),
    };
    // Pages by path and number, as `score` matches them (paths relative to the input root).
    let pages: HashMap<(&str, u32), &TruthPage> = truth.files.iter().flat_map(|f| f.pages.iter().map(move |p| ((f.path.as_str(), p.page), p))).collect();
    let mut out = String::new();
    let (mut n, mut known) = (0, 0);
    for line in text.lines() {
        let crop: crate::pipeline::DumpedCrop = serde_json::from_str(line).map_err(|e| format!("{}: {e}", crops.display()))?;
        let truth = pages.get(&(crop.source.as_str(), crop.page)).and_then(|p| p.fields.get(&crop.field).cloned());
        n += 1;
        known += usize::from(truth.is_some());
        let zone = DumpedZone { crop, truth };
        out.push_str(&serde_json::to_string(&zone).map_err(|e| e.to_string())?);
        out.push('\n');
    }
    let path = dir.join("zones.jsonl");
    std::fs::write(&path, out).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((n, known))
}

/// The text report.
pub fn render(r: &Report, scans: &[PathBuf]) -> String {
    let mut s = String::new();
    let roots: Vec<String> = scans.iter().map(|p| p.display().to_string()).collect();
    s.push_str(&format!("evaluation of {} ({} documents, {} pages, {:.0} s)\n", roots.join(", "), r.documents, r.pages, r.seconds));
    let line = |name: &str, sc: &Score, target: Option<f64>| {
        let mark = match target {
            Some(t) if sc.percent() + 1e-9 >= t => "  ok",
            Some(_) => "  BELOW TARGET",
            None => "",
        };
        format!("  {name:<26} {:>6.1} %  ({}/{}){}{mark}\n", sc.percent(), sc.right, sc.total, target.map(|t| format!("  target {t:.0} %")).unwrap_or_default())
    };
    s.push_str(&line("form right", &r.form, Some(98.0)));
    s.push_str(&line("boundaries exact", &r.boundaries, Some(95.0)));
    for f in SCORED_FIELDS {
        if let Some(sc) = r.fields.get(*f) {
            let target = matches!(*f, "ssn" | "date_of_birth" | "claim_number").then_some(95.0);
            let name = if *f == "ssn" { "ssn (last four)".to_string() } else { f.to_string() };
            s.push_str(&line(&name, sc, target));
            let typed = r.fields_typed.get(*f).copied().unwrap_or_default();
            let hand = r.fields_handwritten.get(*f).copied().unwrap_or_default();
            if hand.total > 0 {
                s.push_str(&format!(
                    "    typed {:.1} % ({}/{}), hand-printed {:.1} % ({}/{}); read wrong {}, the rest absent\n",
                    typed.percent(),
                    typed.right,
                    typed.total,
                    hand.percent(),
                    hand.right,
                    hand.total,
                    r.fields_wrong.get(*f).copied().unwrap_or(0)
                ));
            }
            if let Some(t) = r.fields_taken.get(*f) {
                s.push_str(&format!("    taken from the same person's other documents {} ({} right)\n", t.total, t.right));
            }
        }
    }
    s.push_str("  (fields are scored on documents of known forms; unrecognised paper goes to review)\n");
    s.push_str(&format!("  identifiers read wrong, not flagged for review  {}\n", r.identifiers_wrong_unflagged));
    let unwanted: Vec<String> = r.fields_unwanted.iter().map(|(f, n)| format!("{f} {n}")).collect();
    s.push_str(&format!("  identifiers given where the document shows none  {}\n", if unwanted.is_empty() { "0".to_string() } else { unwanted.join(", ") }));
    s.push_str(&line("pages upright", &r.upright, Some(100.0)));
    if r.separators_found.total > 0 {
        s.push_str(&line("separator sheets found", &r.separators_found, None));
    }
    s.push_str(&format!(
        "  wrong form, not flagged      {}  (target 0){}\n  flagged for review           {}\n",
        r.wrong_form_unflagged,
        if r.wrong_form_unflagged == 0 { "  ok" } else { "  BELOW TARGET" },
        r.flagged
    ));
    if !r.confusions.is_empty() {
        s.push_str("confusions (truth -> casefile):\n");
        for (k, n) in &r.confusions {
            s.push_str(&format!("  {n:>4}  {k}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssn_compared_by_last_four() {
        assert!(field_matches("ssn", "912-34-5678", "***-**-5678"));
        assert!(!field_matches("ssn", "912-34-5678", "***-**-5679"));
        assert!(field_matches("name", "DOE, JANE M", "Doe, Jane M."));
        assert!(!field_matches("date_of_birth", "1961-04-02", "1961-04-03"));
    }

    #[test]
    fn fields_are_split_by_typed_and_hand_printed_and_wrong_from_absent() {
        let doc = |hand: bool| TruthDocument {
            id: "d".into(),
            form: "SF 3107".into(),
            pages: vec![],
            fields: [("ssn".to_string(), "912-34-5678".to_string()), ("date_of_birth".to_string(), "1950-01-02".to_string())].into(),
            handwritten: hand,
        };
        let rec = |v: &str| crate::manifest::FieldRecord { value: v.into(), confidence: 0.9, page: 1, from_document: None };
        let mut r = Report::default();
        score_fields(&mut r, &doc(false), &[("ssn".to_string(), rec("***-**-5678")), ("date_of_birth".to_string(), rec("1950-01-02"))].into(), false);
        score_fields(&mut r, &doc(true), &[("ssn".to_string(), rec("***-**-5679"))].into(), true);
        assert_eq!(r.identifiers_wrong_unflagged, 0, "the wrong SSN's document is flagged");
        score_fields(&mut r, &doc(true), &[("ssn".to_string(), rec("***-**-5679"))].into(), false);
        assert_eq!(r.identifiers_wrong_unflagged, 1);
        assert_eq!((r.fields["ssn"].right, r.fields["ssn"].total), (1, 3));
        assert_eq!((r.fields_typed["ssn"].right, r.fields_typed["ssn"].total), (1, 1));
        assert_eq!((r.fields_handwritten["ssn"].right, r.fields_handwritten["ssn"].total), (0, 2));
        assert_eq!((r.fields_handwritten["date_of_birth"].right, r.fields_handwritten["date_of_birth"].total), (0, 2));
        assert_eq!(r.fields_wrong.get("ssn"), Some(&2), "a wrong value is counted as wrong");
        assert_eq!(r.fields_wrong.get("date_of_birth"), None, "an absent value is not");
        let text = render(&r, &[]);
        assert!(text.contains("hand-printed 0.0 % (0/2); read wrong 2"), "{text}");
        assert!(text.contains("identifiers read wrong, not flagged for review  1"), "{text}");
        assert!(!text.contains("taken from"), "{text}");
        let taken = crate::manifest::FieldRecord { from_document: Some("abc".into()), ..rec("***-**-5678") };
        score_fields(&mut r, &doc(true), &[("ssn".to_string(), taken)].into(), true);
        assert_eq!((r.fields_taken["ssn"].right, r.fields_taken["ssn"].total), (1, 1));
        assert!(render(&r, &[]).contains("taken from the same person's other documents 1 (1 right)"));
    }
}
