//! Stage 7, extract: read a document's key fields (name, date of birth, SSN, claim number,
//! agency) off its pages.
//!
//! A value is read where a person would look for it: on the label's line after the label, or on
//! the line below within the label's column (forms print a row of labels above a row of boxes).
//! Labels whose line names someone else (spouse, beneficiary, witness...) are skipped, so a
//! spouse's SSN is not taken for the applicant's. Every value is validated by its type; a value
//! that cannot be validated is not reported: fields are never guessed.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use crate::catalog::{Catalog, FieldRule};
use crate::classify::PageRole;
use crate::ocr::ZoneRead;
use crate::separate::Document;

/// A field read off a document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Field {
    pub value: String,
    /// 0..1
    pub confidence: f32,
    /// 1-based page of the document.
    pub page: u32,
    /// When the document's pages read different values: what the review should know (no
    /// values: they may be SSNs).
    pub disagreement: Option<String>,
    /// The other values this document's readings gave (another reader of the same box, another
    /// page): what reconcile may confirm from the same person's documents. Never written out.
    pub alternatives: Vec<String>,
}

/// The values among `values` other than `kept`, each once, in order.
fn others<'a>(kept: &str, values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if v != kept && !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    out
}

/// A word with its horizontal extent (pixels; for text without positions, word indices).
#[derive(Debug, Clone)]
struct W {
    text: String,
    x0: f32,
    x1: f32,
    conf: f32,
}

struct L {
    words: Vec<W>,
}

fn lines_of_page(p: &crate::ocr::RecognizedPage) -> Vec<L> {
    match &p.text {
        Some(t) => t
            .lines
            .iter()
            .map(|l| L {
                words: l.words.iter().map(|w| W { text: w.text.clone(), x0: w.x0 as f32, x1: w.x1 as f32, conf: w.conf / 100.0 }).collect(),
            })
            .collect(),
        None => p
            .plain_text
            .lines()
            .map(|l| L {
                words: l
                    .split_whitespace()
                    .enumerate()
                    .map(|(i, w)| W { text: w.to_string(), x0: i as f32 * 10.0, x1: i as f32 * 10.0 + 9.0, conf: 0.9 })
                    .collect(),
            })
            .collect(),
    }
}

/// A text's letters and digits alone, lower case: how labels are compared.
pub(crate) fn norm(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// A numbered item marker that starts the next label on a line: "2.", "3)", "b.", and "3,"
/// (a period read as a comma).
fn is_item_marker(w: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(\d{1,2}[a-z]?[.),]|[a-z][.)])$").expect("valid regex")).is_match(w)
}

/// Find a label in a line: (first word index, one past the last), similarity.
fn find_label(words: &[W], label: &[String]) -> Option<(usize, usize, f32)> {
    let want: String = label.concat();
    let mut best = None;
    for start in 0..words.len() {
        for len in [label.len(), label.len() + 1, label.len().saturating_sub(1).max(1)] {
            let end = start + len;
            if end > words.len() {
                continue;
            }
            let got: String = words[start..end].iter().map(|w| norm(&w.text)).collect();
            let sim = strsim::normalized_levenshtein(&got, &want) as f32;
            let threshold = if want.len() < 6 { 0.99 } else { 0.8 };
            if sim >= threshold && best.is_none_or(|(_, _, s)| sim > s) {
                best = Some((start, end, sim));
            }
        }
    }
    best
}

/// Candidate value texts for a label found at `line[a..b]`: after it on its line, then below it.
fn candidates(lines: &[L], li: usize, a: usize, b: usize) -> Vec<(Vec<W>, f32)> {
    let line = &lines[li].words;
    let mut out = Vec::new();
    // Same line: up to the next numbered item.
    let after: Vec<W> = line[b..].iter().take_while(|w| !is_item_marker(&w.text)).cloned().collect();
    if !after.is_empty() {
        out.push((after, 1.0));
    }
    // Below: words within the label's column on the next two lines.
    let col_x0 = line[a.saturating_sub(1)].x0.min(line[a].x0);
    let col_x1 = line[b..].iter().find(|w| is_item_marker(&w.text)).map(|w| w.x0).unwrap_or(f32::MAX);
    let slack = (line[b - 1].x1 - line[a].x0).max(1.0) * 0.25;
    for below in lines.iter().skip(li + 1).take(2) {
        let in_col: Vec<W> = below
            .words
            .iter()
            .filter(|w| {
                let cx = (w.x0 + w.x1) / 2.0;
                cx >= col_x0 - slack && cx < col_x1
            })
            .cloned()
            .collect();
        if !in_col.is_empty() {
            out.push((in_col, 0.9));
        }
    }
    out
}

fn regexes() -> &'static Regexes {
    static R: OnceLock<Regexes> = OnceLock::new();
    R.get_or_init(|| Regexes {
        // NNN-NN-NNNN (OCR may add spaces around the hyphens), NNN NN NNNN, or nine digits
        // standing alone; never a ZIP+4 like 20415-3430.
        ssn: Regex::new(r"(?:^|[^\d-])(\d{3})(?:\s*[-–]\s*|\s)(\d{2})(?:\s*[-–]\s*|\s)(\d{4})(?:$|[^\d-])|(?:^|[^\d-])(\d{3})(\d{2})(\d{4})(?:$|[^\d-])").expect("valid regex"),
        date: Regex::new(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*((?:19|20)\d\d)\b").expect("valid regex"),
        claim: Regex::new(r"(?i)\b(CS[AFI])\s*[#:.\-]?\s*(\d{7})\b").expect("valid regex"),
        name: Regex::new(r"^[A-Za-z][A-Za-z.'\-]*(?:,?\s+[A-Za-z][A-Za-z.'\-]*){1,4},?$").expect("valid regex"),
    })
}

/// Years a date of birth is accepted in: the people of a retirement case file (in 2026 someone
/// born in 1910 is 116). A hand-printed 1965 was read "1905", 1960 "1900" (generated seed 31);
/// refused, the value is left to the digit reader or to a person.
const BIRTH_YEARS: std::ops::RangeInclusive<i32> = 1910..=2030;

struct Regexes {
    ssn: Regex,
    date: Regex,
    claim: Regex,
    name: Regex,
}

/// Validate and normalise a candidate for a field.
pub(crate) fn validate(field: &str, text: &str) -> Option<String> {
    let r = regexes();
    match field {
        "ssn" => r.ssn.captures(&squeeze_digit_spaces(text)).and_then(|c| {
            let part = |a: usize, b: usize| c.get(a).or_else(|| c.get(b)).map(|m| m.as_str());
            Some(format!("{}-{}-{}", part(1, 4)?, part(2, 5)?, part(3, 6)?))
        }).filter(|s| valid_ssn(s)),
        "date_of_birth" => r.date.captures(&squeeze_digit_spaces(text)).and_then(|c| {
            let (m, d, y): (u32, u32, i32) = (c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?);
            chrono::NaiveDate::from_ymd_opt(y, m, d).filter(|_| BIRTH_YEARS.contains(&y)).map(|dt| dt.format("%Y-%m-%d").to_string())
        }),
        "claim_number" => r.claim.captures(text).map(|c| format!("{} {}", c[1].to_uppercase(), &c[2])),
        "name" => {
            let fixed = fix_name_ocr(text);
            let t = fixed.trim().trim_end_matches(',').trim();
            let stop = ["date", "birth", "social", "security", "number", "signature", "address", "agency", "first", "middle", "last"];
            let lower = t.to_lowercase();
            let words: Vec<&str> = lower.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).collect();
            (r.name.is_match(t) && words.len() >= 2 && !words.iter().any(|w| stop.contains(w)) && proper_noun(t)).then(|| t.to_string())
        }
        "agency" => {
            let t = text.trim().trim_end_matches([',', ';']);
            let letters = t.chars().filter(|c| c.is_alphabetic()).count();
            let ok = letters >= 3
                && !t.chars().any(|c| c.is_ascii_digit())
                && t.split_whitespace().count() <= 10
                && !t.ends_with([':', '.'])
                && proper_noun(t);
            ok.then(|| t.to_string())
        }
        _ => None,
    }
}

/// "96 7-48-0812" -> "967-48-0812": OCR puts spaces between hand-printed digits.
fn squeeze_digit_spaces(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' && i > 0 && i + 1 < chars.len() {
            let (p, n) = (chars[i - 1], chars[i + 1]);
            let digitish = |c: char| c.is_ascii_digit() || c == '-' || c == '/';
            if digitish(p) && digitish(n) && (p.is_ascii_digit() || n.is_ascii_digit()) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Letters OCR takes for other signs in hand-printed capitals: "LIND@VIST" -> "LINDQVIST",
/// "J0HN" -> "JOHN", "|SAAC" -> "ISAAC", "SM1TH" -> "SMITH".
fn fix_name_ocr(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            if letters == 0 {
                return w.to_string();
            }
            w.chars()
                .map(|c| match c {
                    '@' => 'Q',
                    '0' => 'O',
                    '1' | '|' => 'I',
                    '5' => 'S',
                    '8' => 'B',
                    c => c,
                })
                .collect()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every word capitalised (or in capitals), but for small joining words: "Department of
/// Veterans Affairs", "DOE, JANE M" - not a sentence fragment.
fn proper_noun(t: &str) -> bool {
    const SMALL: &[&str] = &["of", "the", "and", "for", "on", "in", "de", "van", "von", "la", "&"];
    t.split_whitespace().all(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
        w.is_empty() || SMALL.contains(&w) || w.chars().next().is_some_and(|c| c.is_uppercase())
    })
}

/// SSN format check: area not 000 or 666, group not 00, serial not 0000. (The 9xx area is
/// never issued, but test data uses it, so it is accepted.)
pub fn valid_ssn(s: &str) -> bool {
    let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 9 {
        return false;
    }
    let area = d[0] * 100 + d[1] * 10 + d[2];
    let group = d[3] * 10 + d[4];
    let serial = d[5] * 1000 + d[6] * 100 + d[7] * 10 + d[8];
    area != 0 && area != 666 && group != 0 && serial != 0
}

/// The part of a candidate that matches the field (e.g. only the date out of a row of values).
fn pick(field: &str, words: &[W]) -> Option<(String, f32)> {
    let text: String = words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
    let conf = words.iter().map(|w| w.conf).sum::<f32>() / words.len().max(1) as f32;
    validate(field, &text).map(|v| (v, conf))
}

/// Read the fields the catalog lists for the document's form (`fields`), and no others: a
/// school attendance certification shows a student's birth date, not the annuitant's. Labels
/// that name someone else on the form (the field's `exclude`, the form's `others`) are passed
/// over. Unknown documents are not read: their labels mean nothing certain.
pub fn extract(doc: &Document, form: Option<&str>, catalog: &Catalog) -> BTreeMap<String, Field> {
    let Some(form) = form.and_then(|f| catalog.form(f)) else { return BTreeMap::new() };
    // Values are read off the form's own pages, never off instructions or attachments.
    let form_page = |p: &crate::separate::StreamPage| matches!(p.class.role, PageRole::First | PageRole::Continuation);
    let pages: Vec<Vec<L>> = doc.pages.iter().map(|p| if form_page(p) { lines_of_page(&p.page) } else { Vec::new() }).collect();
    let zones: Vec<&[ZoneRead]> = doc.pages.iter().map(|p| if form_page(p) { p.page.zones.as_slice() } else { &[] }).collect();
    let mut out = BTreeMap::new();
    for field in &form.fields {
        let Some(rule) = catalog.fields.get(field) else { continue };
        // Words that name other people on this form join the field's `exclude`.
        let rule = FieldRule { exclude: rule.exclude.iter().chain(&form.others).cloned().collect(), ..rule.clone() };
        let found = find_field(field, &rule, &pages, &zones);
        if let Some(f) = found {
            out.insert(field.clone(), f);
        }
    }
    out
}

/// A numeric field from a page's digits-only second readings (`check`: from the digit reader's
/// checks of values the page-wide reading gave instead).
fn from_zones(field: &str, rule: &FieldRule, zones: &[ZoneRead], check: bool, pi: usize) -> Option<Field> {
    // Every valid reading: a box is read twice (Tesseract's digit line, the
    // hand-printed digit reader), and below and after its label. Not the boxes of labels that
    // are someone else's on this form.
    let whose = |z: &&ZoneRead| !rule.exclude.iter().any(|x| z.context.contains(&x.to_lowercase()));
    let valid: Vec<(String, &ZoneRead)> = zones.iter().filter(|z| z.field == field && z.check == check).filter(whose).filter_map(|z| Some((validate(field, &z.text)?, z))).collect();
    // The value whose reader was surest of it (the digit reader's confidence uncapped: a
    // hand-printed 7 it reads at 0.95 where Tesseract reads a 4 with less), with the highest
    // confidence any reading of that value has (the digit reader's capped). Unlike `checked`,
    // Tesseract's reading is not preferred at 0.8 and more: these boxes are read only where
    // the page-wide reading found no value (typed values are found there), and its line
    // readings of hand-printed boxes are misread that surely (generated seed 21, case-017).
    let best = valid.iter().max_by(|a, b| a.1.certainty.total_cmp(&b.1.certainty))?;
    let conf = valid.iter().filter(|(v, _)| *v == best.0).map(|(_, z)| z.conf).fold(0.0f32, f32::max);
    let alternatives = others(&best.0, valid.iter().map(|(v, _)| v.as_str()));
    let out = Field { value: best.0.clone(), confidence: ((conf * 0.9) * 1000.0).round() / 1000.0, page: pi as u32 + 1, disagreement: None, alternatives };
    // Two readings of the page's boxes that give different values: one reader misread a digit
    // (hand-printed 4s read as 7s by one and not the other), so a person checks the value.
    Some(if out.alternatives.is_empty() { out } else { readers_disagree(field, out) })
}

/// The confidence of a value whose box's readings disagree: under
/// [`REVIEW_FIELD_CONFIDENCE`], so that its document goes to review.
const READERS_DISAGREE: f32 = 0.4;

/// `read`, sent to review because the readings of its box disagree (the reason names the
/// field, never a value).
fn readers_disagree(field: &str, read: Field) -> Field {
    Field { confidence: read.confidence.min(READERS_DISAGREE), disagreement: Some(format!("the readings of the {field} box disagree")), ..read }
}

/// A page-wide reading under this confidence is one Tesseract was unsure of: typed values read
/// 0.82 and more on the generated corpus, hand-printed digits mostly less.
const UNSURE_PAGE_READING: f32 = 0.8;
/// A digit reader's check at least this confident (after `from_zones`' scaling; its values
/// are capped at 0.405) overrules an unsure page-wide reading it contradicts.
const SURE_CHECK: f32 = 0.3;
/// The digit reader's own confidence (before its cap) at which its check of a claim number
/// overrules an unsure page-wide reading (see [`checked`]).
const SURE_CLAIM_CHECK: f32 = 0.9;

/// How certain the digit reader was of `value` in the page's check readings of `field` (its
/// confidence before the cap; 0 when no check reading gave it).
fn check_certainty(field: &str, zones: &[ZoneRead], value: &str) -> f32 {
    zones.iter().filter(|z| z.field == field && z.check && validate(field, &z.text).as_deref() == Some(value)).map(|z| z.certainty).fold(0.0, f32::max)
}

/// A page's labelled value, checked against the digit reader's reading of the same box: where
/// Tesseract was unsure and the digit reader reads another valid value, the digit reader's
/// stands (with its capped confidence, so the document goes to review). On the development
/// sets (generated, seeds 11 and 42) this mended 11 page readings of hand-printed SSNs and
/// dates and spoiled 3; on the held-out set (seed 7) it mended 1 and spoiled 1. Typed values
/// read 0.82 or more there, and were not overruled.
///
/// A claim number's check overrules only when the digit reader was all but certain of it
/// (`certainty`, its confidence before the cap, [`SURE_CLAIM_CHECK`] or more): typed claim
/// numbers are read less sure (their letters), and the digit reader's misreadings would
/// replace them. On the development dumps (read-zones, seeds 21, 31, 33, 42) the ensemble read
/// 58 claim number boxes at 0.9 or more, none wrong; Tesseract read one hand's 6s as 4s at 0.4
/// on three forms that the digit reader read right at 0.92 (generated seed 67, case-018). The
/// value taken goes to review. An unsure reading that a less certain check contradicts goes to
/// review unchanged (generated seed 31: a hand-printed "CSA 1379160" read "CSA 1377160" at 0.63
/// by Tesseract, and not flagged).
fn checked(field: &str, read: Field, check: Option<Field>, certainty: f32) -> Field {
    // Each keeps the other's value among its alternatives.
    let with = |kept: Field, other: &Field| {
        let alternatives = others(&kept.value, kept.alternatives.iter().chain(std::iter::once(&other.value)).chain(&other.alternatives).map(String::as_str));
        Field { alternatives, ..kept }
    };
    match check {
        Some(c) if c.value != read.value && read.confidence < UNSURE_PAGE_READING && field == "claim_number" => {
            readers_disagree(field, if certainty >= SURE_CLAIM_CHECK { with(c, &read) } else { with(read, &c) })
        }
        Some(c) if c.value != read.value && read.confidence < UNSURE_PAGE_READING && c.confidence >= SURE_CHECK => with(c, &read),
        _ => read,
    }
}

/// The applicant's value of `field` on one page (0-based `pi`), read after or below its label.
fn labelled_on_page(field: &str, rule: &FieldRule, labels: &[Vec<String>], lines: &[L], pi: usize) -> Option<Field> {
    // A label's context is its line from the item it belongs to: "2. Spouse's date of birth",
    // and a table's header row ("Name of beneficiary | Relationship | Date of birth").
    let excluded = |words: &[W], a: usize, b: usize| {
        let item = words[..a].iter().rposition(|w| is_item_marker(&w.text)).unwrap_or(0);
        let context: String = words[item..b].iter().map(|w| w.text.to_lowercase()).collect::<Vec<_>>().join(" ");
        rule.exclude.iter().any(|x| context.contains(&x.to_lowercase()))
    };
    // Only the first label that is the applicant's counts: when its value cannot be read, a
    // later label (a family member's, a plan's) must not stand in.
    for li in 0..lines.len() {
        let words = &lines[li].words;
        for label in labels {
            let Some((a, b, sim)) = find_label(words, label) else { continue };
            if excluded(words, a, b) {
                continue;
            }
            for (cand, weight) in candidates(lines, li, a, b) {
                if let Some((value, conf)) = pick(field, &cand) {
                    let confidence = ((conf * sim * weight) * 1000.0).round() / 1000.0;
                    return Some(Field { value, confidence, page: pi as u32 + 1, ..Field::default() });
                }
            }
            return None;
        }
    }
    None
}

/// A field's value in a document: each form page gives at most one reading (its labelled value,
/// else its digits-only second reading); the value most pages read wins, the earliest page
/// breaking ties. Pages that read something else lower the confidence and are reported (without
/// the values: they may be SSNs) so that the document goes to review.
fn find_field(field: &str, rule: &FieldRule, pages: &[Vec<L>], zones: &[&[ZoneRead]]) -> Option<Field> {
    let mut labels: Vec<Vec<String>> = rule.labels.iter().map(|l| l.split_whitespace().map(norm).filter(|t| !t.is_empty()).collect()).collect();
    // Longest labels first: "Name (Last, First, Middle)" before "Name".
    labels.sort_by_key(|l| std::cmp::Reverse(l.concat().len()));
    let readings: Vec<Field> = pages
        .iter()
        .enumerate()
        .filter_map(|(pi, lines)| {
            let zones = zones.get(pi).copied().unwrap_or_default();
            match labelled_on_page(field, rule, &labels, lines, pi) {
                Some(read) => {
                    let check = from_zones(field, rule, zones, true, pi);
                    let certainty = check.as_ref().map_or(0.0, |c| check_certainty(field, zones, &c.value));
                    Some(checked(field, read, check, certainty))
                }
                None => from_zones(field, rule, zones, false, pi),
            }
        })
        .collect();
    if let Some(best) = vote(field, &readings) {
        return Some(best);
    }
    // Without a label: an identifier with an unmistakable shape, on a line that names no one else.
    if matches!(field, "claim_number") {
        for (pi, lines) in pages.iter().enumerate() {
            for l in lines {
                let text: String = l.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
                let lower = text.to_lowercase();
                if rule.exclude.iter().any(|x| lower.contains(&x.to_lowercase())) {
                    continue;
                }
                if let Some(v) = validate(field, &text) {
                    return Some(Field { value: v, confidence: 0.6, page: pi as u32 + 1, ..Field::default() });
                }
            }
        }
    }
    None
}

/// Identifiers read with a confidence under this go to review. On the generated corpus
/// (`fixturegen --set case --seed 42`, 200 dpi) 5 of the 8 wrong SSNs and dates were read under
/// 0.5 (0.00-0.45), and 115 of the 129 right ones at 0.5 or more.
pub const REVIEW_FIELD_CONFIDENCE: f32 = 0.5;

/// Why a document's fields send it to review: pages that disagree on an identifier, or an
/// identifier read with low confidence. The reasons name the field, never its value.
pub fn review_reasons(fields: &BTreeMap<String, Field>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, f) in fields {
        if let Some(d) = &f.disagreement {
            out.push(d.clone());
        } else if matches!(name.as_str(), "ssn" | "date_of_birth" | "claim_number") && f.confidence < REVIEW_FIELD_CONFIDENCE {
            out.push(format!("{name} read with low confidence ({:.2})", f.confidence));
        }
    }
    out
}

/// The value most readings agree on (the earliest page's among equals); its confidence scaled
/// by the share of readings that agree, and a note when some do not. When three or more readings of the same shape leave no value read by
/// most of them, each character is the one most readings have there: hand-printed digits
/// misread on each page tend to be misread differently ("938-89-6773", "988-89-5778",
/// "922-89-5173" say 938-89-5773). Names and agencies are written differently from page to
/// page ("DOE, JANE" and "Jane Doe"): the earliest page's stands.
fn vote(field: &str, readings: &[Field]) -> Option<Field> {
    if !matches!(field, "ssn" | "date_of_birth" | "claim_number") {
        return readings.first().cloned();
    }
    // Among equals the earliest page's, not the most confident: a later page's confident
    // reading is more often another date of the form's (typed SF 3104s of the generated
    // corpus lost two dates of birth that way).
    let mut best: Option<(usize, &Field)> = None;
    for r in readings {
        let n = readings.iter().filter(|o| o.value == r.value).count();
        if best.is_none_or(|(bn, _)| n > bn) {
            best = Some((n, r));
        }
    }
    let (n, f) = best?;
    let mut out = f.clone();
    // Every value any page's readings gave, other than the one kept.
    let all = || readings.iter().flat_map(|r| std::iter::once(&r.value).chain(&r.alternatives)).map(String::as_str);
    out.alternatives = others(&out.value, all());
    if n == readings.len() {
        return Some(out);
    }
    out.confidence = ((f.confidence * n as f32 / readings.len() as f32) * 1000.0).round() / 1000.0;
    out.disagreement = Some(format!("pages disagree on {field}: {n} of {} pages read the value kept", readings.len()));
    if n * 2 <= readings.len() {
        if let Some((value, agree)) = per_character(field, readings, &f.value) {
            out.disagreement = Some(format!("pages disagree on {field}: no value read by most of {} pages; kept the characters most of them read", readings.len()));
            // Three or more readings settled each character: no one of them second-guesses
            // that (one hand misreads the same digit on several forms; see reconcile).
            out.alternatives = Vec::new();
            out.value = value;
            out.confidence = ((f.confidence * agree) * 1000.0).round() / 1000.0;
        }
    }
    Some(out)
}

/// The value made of the character most readings have at each place (the most confident
/// among equals), from three or more readings shaped like `like` (the same length, the same
/// separators); with the least share of readings that agreed on a character. `None` when
/// too few readings have that shape or the result is no valid value.
fn per_character(field: &str, readings: &[Field], like: &str) -> Option<(String, f32)> {
    let shape = |v: &str| v.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect::<String>();
    let group: Vec<(Vec<char>, f32)> = readings.iter().filter(|r| shape(&r.value) == shape(like)).map(|r| (r.value.chars().collect(), r.confidence)).collect();
    if group.len() < 3 {
        return None;
    }
    let mut value = String::new();
    let mut agree = 1.0f32;
    for i in 0..like.chars().count() {
        let mut tally: Vec<(char, usize, f32)> = Vec::new();
        for (chars, conf) in &group {
            match tally.iter_mut().find(|t| t.0 == chars[i]) {
                Some(t) => (t.1, t.2) = (t.1 + 1, t.2 + conf),
                None => tally.push((chars[i], 1, *conf)),
            }
        }
        let (c, n, _) = tally.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(a.2.total_cmp(&b.2)))?;
        agree = agree.min(n as f32 / group.len() as f32);
        value.push(c);
    }
    // Values are kept normalised: dates in ISO 8601, which `validate` does not read.
    let valid = match field {
        "date_of_birth" => chrono::NaiveDate::parse_from_str(&value, "%Y-%m-%d").is_ok_and(|d| BIRTH_YEARS.contains(&chrono::Datelike::year(&d))),
        _ => validate(field, &value).as_deref() == Some(value.as_str()),
    };
    valid.then_some((value, agree))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_values() {
        assert_eq!(validate("ssn", "912-34-5678").as_deref(), Some("912-34-5678"));
        assert_eq!(validate("ssn", "912 -34-5678").as_deref(), Some("912-34-5678"));
        assert_eq!(validate("ssn", "000-12-3456"), None);
        assert_eq!(validate("ssn", "912345678").as_deref(), Some("912-34-5678"));
        assert_eq!(validate("ssn", "SSN: 912 34 5678").as_deref(), Some("912-34-5678"));
        assert_eq!(validate("ssn", "96 7-48-0812").as_deref(), Some("967-48-0812"), "hand-printed digits spaced out");
        assert_eq!(validate("name", "LIND@VIST. DOUGLAS R").as_deref(), Some("LINDQVIST. DOUGLAS R"));
        // Regression: a ZIP+4 code in running text is no SSN.
        assert_eq!(validate("ssn", "Washington, D.C. 20415-3430."), None);
        assert_eq!(validate("ssn", "(3206-0160)"), None);
        assert_eq!(validate("date_of_birth", "04/02/1961").as_deref(), Some("1961-04-02"));
        assert_eq!(validate("date_of_birth", "13/45/1961"), None);
        assert_eq!(validate("date_of_birth", "09/11/1905"), None, "no one in a case file was born in 1905");
        assert_eq!(validate("date_of_birth", "09/11/1915").as_deref(), Some("1915-09-11"));
        assert_eq!(validate("claim_number", "CSA1234567").as_deref(), Some("CSA 1234567"));
        assert_eq!(validate("name", "DOE, JANE M").as_deref(), Some("DOE, JANE M"));
        assert_eq!(validate("name", "Date of birth"), None);
        assert_eq!(validate("name", "12345"), None);
        assert_eq!(validate("name", "to be enrolled in."), None, "a sentence fragment is no name");
        assert_eq!(validate("agency", "Department of Veterans Affairs").as_deref(), Some("Department of Veterans Affairs"));
        assert_eq!(validate("agency", "may allow you to enroll in order to:"), None);
    }

    fn reading(value: &str, page: u32) -> Field {
        Field { value: value.into(), confidence: 0.9, page, ..Field::default() }
    }

    #[test]
    fn identifiers_read_with_low_confidence_go_to_review_without_their_value() {
        let mut fields = BTreeMap::new();
        fields.insert("ssn".to_string(), Field { value: "912-34-5678".into(), confidence: 0.24, page: 1, ..Field::default() });
        fields.insert("name".to_string(), Field { value: "DOE, JANE".into(), confidence: 0.2, page: 1, ..Field::default() });
        fields.insert("date_of_birth".to_string(), Field { value: "1950-01-02".into(), confidence: 0.9, page: 1, ..Field::default() });
        let reasons = review_reasons(&fields);
        assert_eq!(reasons, vec!["ssn read with low confidence (0.24)".to_string()], "names are not identifiers; a confident date is fine");
        assert!(!reasons.iter().any(|r| r.contains("5678")));
        fields.get_mut("date_of_birth").unwrap().disagreement = Some("pages disagree on date_of_birth: 1 of 2 pages read the value kept".into());
        assert_eq!(review_reasons(&fields).len(), 2);
    }

    #[test]
    fn pages_vote_on_numeric_fields() {
        // A misread on the first page is outvoted by two later pages, and the review is told.
        let r = [reading("958-97-1850", 1), reading("958-97-9850", 2), reading("958-97-9850", 3)];
        let f = vote("ssn", &r).unwrap();
        assert_eq!((f.value.as_str(), f.page), ("958-97-9850", 2));
        assert!((f.confidence - 0.6).abs() < 1e-3, "{}", f.confidence);
        let note = f.disagreement.unwrap();
        assert!(note.contains("2 of 3") && !note.contains("9850"), "no value in the note: {note}");
        // Even: the earliest page's value, flagged, even when a later page is more confident.
        let sure = Field { confidence: 0.95, ..reading("1955-04-28", 2) };
        let f = vote("date_of_birth", &[reading("1955-04-20", 1), sure]).unwrap();
        assert_eq!(f.value, "1955-04-20");
        assert!(f.disagreement.is_some());
        // Agreement: nothing to report.
        let f = vote("ssn", &[reading("958-97-9850", 1), reading("958-97-9850", 3)]).unwrap();
        assert_eq!((f.page, f.disagreement), (1, None));
        // Names are written differently from page to page: the first page's stands.
        let f = vote("name", &[reading("DOE, JANE", 1), reading("Jane Doe", 2), reading("Jane Doe", 3)]).unwrap();
        assert_eq!((f.value.as_str(), f.disagreement), ("DOE, JANE", None));
        assert_eq!(vote("ssn", &[]), None);
    }

    /// Tesseract's page-wide reading of hand-printed digits is often a valid wrong value
    /// (generated seed 11: "1904-04-01" for 1964-04-01 at 0.74); the digit reader's check of the
    /// same box overrules it, never a sure (typed) reading.
    #[test]
    fn digit_reader_overrules_unsure_page_readings() {
        let at = |value: &str, confidence| Field { value: value.into(), confidence, page: 1, ..Field::default() };
        assert_eq!(checked("date_of_birth", at("1904-04-01", 0.74), Some(at("1964-04-01", 0.405)), 0.0).value, "1964-04-01");
        assert_eq!(checked("date_of_birth", at("986-44-6944", 0.82), Some(at("953-20-1208", 0.405)), 0.0).value, "986-44-6944", "sure: typed");
        assert_eq!(checked("date_of_birth", at("1904-04-01", 0.74), Some(at("1964-04-01", 0.2)), 0.0).value, "1904-04-01", "an unsure check");
        assert_eq!(checked("date_of_birth", at("1964-04-01", 0.74), Some(at("1964-04-01", 0.405)), 0.0).confidence, 0.74, "agreement");
        assert_eq!(checked("date_of_birth", at("1964-04-01", 0.74), None, 0.0).value, "1964-04-01");
        // A claim number is not overruled; an unsure one that the check contradicts goes to
        // review (regression: generated seed 31, case-004).
        let f = checked("claim_number", at("CSA 1377160", 0.63), Some(at("CSA 1379160", 0.405)), 0.6);
        assert_eq!(f.value, "CSA 1377160");
        assert!(f.confidence < REVIEW_FIELD_CONFIDENCE && f.disagreement.is_some(), "{f:?}");
        assert_eq!(f.alternatives, vec!["CSA 1379160".to_string()]);
        assert_eq!(checked("claim_number", at("CSA 1379160", 0.85), Some(at("CSA 1377160", 0.405)), 0.95).disagreement, None, "sure: typed");
        // Regression (generated seed 67, case-018): a hand's 6 read as 4 by Tesseract at 0.4,
        // the digit reader certain of the 6 (0.92): its value is taken, and goes to review.
        let f = checked("claim_number", at("CSA 3444043", 0.4), Some(at("CSA 3644043", 0.405)), 0.92);
        assert_eq!(f.value, "CSA 3644043");
        assert!(f.confidence < REVIEW_FIELD_CONFIDENCE && f.disagreement.is_some(), "{f:?}");
        assert_eq!(f.alternatives, vec!["CSA 3444043".to_string()]);
    }

    /// Regression: three pages of a hand-printed SF 2809 (generated, seed 42) each misread one
    /// or two digits of 938-89-5773, differently; the first page's reading was kept.
    #[test]
    fn pages_that_all_disagree_vote_per_digit() {
        let at = |value: &str, page, confidence| Field { value: value.into(), confidence, page, ..Field::default() };
        let r = [at("938-89-6773", 1, 0.42), at("988-89-5778", 2, 0.32), at("922-89-5173", 3, 0.37)];
        let f = vote("ssn", &r).unwrap();
        assert_eq!(f.value, "938-89-5773");
        assert!(f.confidence < REVIEW_FIELD_CONFIDENCE && f.disagreement.is_some(), "{f:?}");
        assert!(f.alternatives.is_empty(), "no one page's reading second-guesses the characters most pages read");
        // A page that read something else leaves its value among the alternatives.
        let two = vote("ssn", &[at("938-89-5773", 1, 0.42), at("938-89-5773", 2, 0.4), at("938-89-6773", 3, 0.3)]).unwrap();
        assert_eq!((two.value.as_str(), two.alternatives.clone()), ("938-89-5773", vec!["938-89-6773".to_string()]));
        // Two readings are no majority of characters: the first page's stands.
        assert_eq!(vote("ssn", &r[..2]).unwrap().value, "938-89-6773");
        // Readings of other shapes do not vote; a result that is no valid value is not taken.
        let dates = [at("1955-04-20", 1, 0.4), at("1955-04-28", 2, 0.4), at("1956-04-30", 3, 0.4)];
        assert_eq!(vote("date_of_birth", &dates).unwrap().value, "1955-04-20");
        let bad = [at("1955-02-28", 1, 0.4), at("1955-12-30", 2, 0.4), at("1956-02-30", 3, 0.3)];
        assert_eq!(vote("date_of_birth", &bad).unwrap().value, "1955-02-28", "1955-02-30 is no date");
    }

    /// Regression (generated seed 31, case-004): a hand-printed claim number's box read by
    /// Tesseract as "CSA 1377160" (0.7) and by the digit reader as "CSA 1379160" (the truth,
    /// capped at 0.45) gave the more confident wrong value at 0.63, and the document did not go
    /// to review. Readers that disagree now send it there; agreeing ones keep their confidence.
    #[test]
    fn regression_a_box_whose_readers_disagree_goes_to_review() {
        let zone = |text: &str, conf| ZoneRead { field: "claim_number", line: 3, context: "4. claim number".into(), text: text.into(), conf, certainty: conf, check: false };
        let rule = FieldRule { labels: vec!["Claim number".into()], exclude: vec!["medicare".into()], reread: None };
        let f = from_zones("claim_number", &rule, &[zone("CSA 1377160", 0.7), zone("CSA 1379160", 0.45)], false, 0).unwrap();
        assert_eq!(f.value, "CSA 1377160", "the most confident reading is kept");
        assert!(f.confidence < REVIEW_FIELD_CONFIDENCE, "{f:?}");
        assert_eq!(f.alternatives, vec!["CSA 1379160".to_string()], "the other reader's value, for reconcile");
        let reasons = review_reasons(&BTreeMap::from([("claim_number".to_string(), f)]));
        assert_eq!(reasons, vec!["the readings of the claim_number box disagree".to_string()], "no value in the reason");
        let f = from_zones("claim_number", &rule, &[zone("CSA 1379160", 0.7), zone("CSA1379160", 0.45), zone("no value", 0.9)], false, 0).unwrap();
        assert_eq!((f.value.as_str(), f.confidence, f.disagreement), ("CSA 1379160", 0.63, None), "readings that agree; text that is no value does not count");
    }

    /// Regression (generated seed 21, case-017, a hand-printed SF 3107): Tesseract read the
    /// date box "04/14/1945", the digit reader "07/14/1945" (the truth) at 0.95, capped
    /// at 0.45 so that its values go to review; the capped confidence chose Tesseract's.
    #[test]
    fn regression_the_reader_surer_of_a_box_is_shown() {
        let zone = |text: &str, conf, certainty| ZoneRead { field: "date_of_birth", line: 1, context: "2. date of birth".into(), text: text.into(), conf, certainty, check: false };
        let rule = FieldRule { labels: vec!["Date of birth".into()], exclude: vec![], reread: None };
        let f = from_zones("date_of_birth", &rule, &[zone("04/14/1945", 0.6, 0.6), zone("07/14/1945", 0.45, 0.95)], false, 0).unwrap();
        assert_eq!((f.value.as_str(), f.confidence), ("1945-07-14", 0.4), "the digit reader's value, under review");
        assert_eq!(f.alternatives, vec!["1945-04-14".to_string()]);
        assert!(f.disagreement.is_some());
        // Readers that agree: the value at the best confidence any of them gives it (the digit
        // reader's cap sends nothing to review that Tesseract read surely).
        let f = from_zones("date_of_birth", &rule, &[zone("07/14/1945", 0.6, 0.6), zone("07/14/1945", 0.45, 0.95)], false, 0).unwrap();
        assert_eq!((f.value.as_str(), f.confidence, f.disagreement), ("1945-07-14", 0.54, None));
        // Tesseract's line reading at 0.85 is no surer than the digit reader's 0.95 (seed 21
        // case-017's Tesseract reading was over 0.8); the other stays an alternative.
        let f = from_zones("date_of_birth", &rule, &[zone("04/14/1945", 0.85, 0.85), zone("07/14/1945", 0.45, 0.95)], false, 0).unwrap();
        assert_eq!((f.value.as_str(), f.alternatives.clone()), ("1945-07-14", vec!["1945-04-14".to_string()]));
        assert!(f.disagreement.is_some(), "sent to review");
    }

    /// Regression (generated seed 31, case-018, an SF 3104): the deceased's hand-printed date
    /// of birth on page 1 read as nothing, and the box of page 2's "22. Applicant's date of
    /// birth", the survivor's, gave the document's date of birth. On a death benefits
    /// application the applicant is someone else (the catalog's `others`).
    #[test]
    fn regression_the_survivors_box_on_a_death_benefits_application_is_not_the_deceaseds() {
        let catalog = Catalog::builtin().expect("catalog");
        let others = catalog.form("SF 3104").map(|f| f.others.clone()).unwrap_or_default();
        assert!(others.iter().any(|o| o == "applicant"), "{others:?}");
        let rule = FieldRule { exclude: catalog.fields["date_of_birth"].exclude.iter().chain(&others).cloned().collect(), ..catalog.fields["date_of_birth"].clone() };
        let zone = |context: &str, text: &str| ZoneRead { field: "date_of_birth", line: 3, context: context.into(), text: text.into(), conf: 0.45, certainty: 0.9, check: false };
        let survivor = zone("22. applicant's date of birth (mm/dd/yyyy)", "08/19/1960");
        assert_eq!(from_zones("date_of_birth", &rule, &[survivor.clone()], false, 1), None);
        let deceased = zone("2. deceased's date of birth (mm/dd/yyyy)", "01/08/1960");
        assert_eq!(from_zones("date_of_birth", &rule, &[survivor, deceased], false, 0).map(|f| f.value).as_deref(), Some("1960-01-08"));
    }

    /// A line of words 100 px apart from x (one word per 90 px).
    fn line_at(x: f32, text: &str) -> L {
        L { words: text.split(' ').enumerate().map(|(i, t)| W { text: t.into(), x0: x + i as f32 * 100.0, x1: x + i as f32 * 100.0 + 90.0, conf: 0.9 }).collect() }
    }

    /// Regression (case-022, SF 2823): the beneficiary table's header "Name of beneficiary
    /// (Last, First, Middle) | Relationship | Date of birth" gave the beneficiary's birth date
    /// as the insured's: the words naming someone else were more than four words before the
    /// label.
    #[test]
    fn regression_beneficiary_table_header_is_someone_else() {
        let catalog = Catalog::builtin().unwrap();
        let rule = &catalog.fields["date_of_birth"];
        let page = vec![
            line_at(0.0, "Name of beneficiary (Last, First, Middle) Relationship Date of birth"),
            line_at(0.0, "IVERSON, MEI R. WIFE 02/28/1945"),
        ];
        assert_eq!(find_field("date_of_birth", rule, &[page], &[]), None);
        // The insured's own numbered item is still read.
        let page = vec![line_at(0.0, "1. Insured's name 2. Date of birth (mm/dd/yyyy)"), line_at(0.0, "WINSLOW, EMEKA 03/16/1954")];
        assert_eq!(find_field("date_of_birth", rule, &[page], &[]).map(|f| f.value).as_deref(), Some("1954-03-16"));
    }

    /// Regression (generated seed 33, case-010, typed SF 3107): the date of birth's column ran
    /// on past "3," (the next item, its period read as a comma) into the SSN below that item,
    /// and "10/02/1964 967 -68-6730" is no date.
    #[test]
    fn regression_an_item_number_read_with_a_comma_ends_a_column() {
        let catalog = Catalog::builtin().unwrap();
        let rule = &catalog.fields["date_of_birth"];
        let page = vec![
            line_at(0.0, "1. Name (Last, First, Middle)"),
            line_at(0.0, "Alvarez, Howard E."),
            line_at(0.0, "2. Date of birth (mm/dd/yyyy) 3, Social Security Number"),
            L { words: line_at(0.0, "10/02/1964").words.into_iter().chain(line_at(520.0, "967 -68-6730").words).collect() },
        ];
        assert_eq!(find_field("date_of_birth", rule, &[page], &[]).map(|f| f.value).as_deref(), Some("1964-10-02"));
        assert!(is_item_marker("3,") && is_item_marker("12.") && !is_item_marker("a,"));
    }

    #[test]
    fn item_markers() {
        assert!(is_item_marker("2."));
        assert!(is_item_marker("3)"));
        assert!(is_item_marker("b."));
        assert!(!is_item_marker("Name"));
    }
}
