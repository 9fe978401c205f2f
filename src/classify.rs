//! Stage 5, classify: which form a page belongs to (or "unknown"), which page of it, how sure,
//! and why.
//!
//! The page's words are matched against each catalog form's signatures with a fuzzy phrase
//! matcher that tolerates OCR errors (edit distance on letters; digits must agree exactly,
//! after the usual O/0, l/1, S/5 confusions). Where a phrase stands matters: a form title counts
//! fully only on a line of its own (a title), a form number only on a footer-like line, so that a
//! cover letter that *mentions* "Standard Form 3107" is not taken for one.

use std::collections::HashMap;

use regex::Regex;
use serde::Serialize;

use crate::catalog::{Catalog, Form};

/// What a page is within its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PageRole {
    /// The first page of a form (its title is printed there).
    First,
    /// A later page of a form.
    Continuation,
    /// An instruction page of a form package.
    Instructions,
    /// A blank page (separator sheet or empty back).
    Blank,
    /// A separator sheet with a barcode or patch code.
    Separator,
    /// A page of no known form (letters, certificates, bills).
    Unknown,
}

/// The verdict for one page.
#[derive(Debug, Clone)]
pub struct Classification {
    /// Catalog form id, or `None` for unknown.
    pub form: Option<String>,
    pub role: PageRole,
    /// 0..1
    pub confidence: f32,
    /// What decided it, for people.
    pub evidence: Vec<String>,
    /// Revision printed on the page ("June 2006"), when read.
    pub revision: Option<String>,
    /// Every form's score (for the separator: does an unknown-looking page still show traces of
    /// the current form?).
    pub scores: HashMap<String, f32>,
}

impl Classification {
    pub fn unknown() -> Self {
        Classification { form: None, role: PageRole::Unknown, confidence: 0.0, evidence: vec![], revision: None, scores: HashMap::new() }
    }

    pub fn score_for(&self, form: &str) -> f32 {
        self.scores.get(form).copied().unwrap_or(0.0)
    }
}

/// A line of page text and where it stands on the page (0 = top, 1 = bottom).
#[derive(Debug, Clone)]
pub struct TextLine {
    pub text: String,
    pub top: f32,
}

/// Score a page needs before it is given a form.
const MIN_SCORE: f32 = 5.0;

/// Weights of the kinds of evidence.
mod weight {
    pub const NUMBER_FOOTER: f32 = 6.0;
    pub const NUMBER_IN_TEXT: f32 = 1.5;
    pub const OMB: f32 = 3.0;
    pub const TITLE_LINE: f32 = 4.0;
    pub const TITLE_IN_TEXT: f32 = 1.0;
    pub const TITLE_CAP: f32 = 8.0;
    pub const HEADING: f32 = 1.5;
    pub const HEADING_CAP: f32 = 4.5;
    pub const LABEL: f32 = 1.0;
    pub const LABEL_CAP: f32 = 3.0;
    pub const INSTRUCTIONS: f32 = 2.0;
}

/// A normalised token and the line it is on.
#[derive(Debug, Clone)]
struct Tok {
    text: String,
    line: usize,
}

/// Lower-case letters and digits (hyphens kept between digits), OCR digit confusions fixed in
/// tokens that are mostly digits.
fn norm_token(raw: &str) -> String {
    let t: String = raw.chars().filter(|c| c.is_alphanumeric() || *c == '-').flat_map(char::to_lowercase).collect();
    let t = t.trim_matches('-').to_string();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    if digits > 0 && digits * 2 >= t.chars().filter(|c| *c != '-').count() {
        t.chars()
            .map(|c| match c {
                'o' => '0',
                'l' | 'i' => '1',
                's' => '5',
                'b' => '8',
                c => c,
            })
            .collect()
    } else {
        t
    }
}

fn tokenize(lines: &[TextLine]) -> Vec<Tok> {
    // Re-join numbers split by OCR around a hyphen: "3107 - 1" -> "3107-1".
    static JOIN: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let join = JOIN.get_or_init(|| Regex::new(r"(\d)\s*[-–—]\s*(\d)").expect("valid regex"));
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let joined = join.replace_all(&line.text, "$1-$2");
        for w in joined.split_whitespace() {
            let t = norm_token(w);
            if !t.is_empty() {
                out.push(Tok { text: t, line: i });
            }
        }
    }
    out
}

fn phrase_tokens(phrase: &str) -> Vec<String> {
    phrase.split_whitespace().map(norm_token).filter(|t| !t.is_empty()).collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Where a phrase was found: the line, and how many tokens that line has.
#[derive(Debug, Clone, Copy)]
struct Found {
    line: usize,
    similarity: f32,
}

/// Find a phrase in the page's tokens, tolerating OCR errors and merged or split words.
fn find_phrase(toks: &[Tok], phrase: &[String]) -> Option<Found> {
    if phrase.is_empty() || toks.is_empty() {
        return None;
    }
    let want: String = phrase.concat();
    let want_digits = digits(&want);
    let short = want.chars().count() < 8;
    let threshold = if short { 0.95 } else { 0.82 };
    let k = phrase.len();
    let first = &phrase[0];
    let mut best: Option<Found> = None;
    for start in 0..toks.len() {
        // Cheap filter: the window must begin like the phrase.
        let t0 = &toks[start].text;
        let begins = t0.chars().next() == first.chars().next() || strsim::normalized_levenshtein(t0, first) >= 0.6;
        if !begins {
            continue;
        }
        for len in [k, k.saturating_sub(1).max(1), k + 1] {
            let end = start + len;
            if end > toks.len() {
                continue;
            }
            let window = &toks[start..end];
            // A phrase does not run across lines.
            if window.iter().any(|t| t.line != window[0].line) {
                continue;
            }
            let got: String = window.iter().map(|t| t.text.as_str()).collect();
            if digits(&got) != want_digits {
                continue;
            }
            let sim = strsim::normalized_levenshtein(&got, &want) as f32;
            if sim >= threshold && best.is_none_or(|b| sim > b.similarity) {
                best = Some(Found { line: window[0].line, similarity: sim });
            }
        }
    }
    best
}

/// Classifies pages against a catalog. Build once per run.
pub struct Classifier {
    forms: Vec<CompiledForm>,
    revision: Regex,
}

struct CompiledForm {
    id: String,
    numbers: Vec<(String, Vec<String>)>,
    omb: Option<String>,
    titles: Vec<(String, Vec<String>)>,
    headings: Vec<(String, Vec<String>)>,
    labels: Vec<(String, Vec<String>)>,
    instructions: Vec<(String, Vec<String>)>,
    first_page: Vec<(String, Vec<String>)>,
}

fn compile(list: &[String]) -> Vec<(String, Vec<String>)> {
    list.iter().map(|p| (p.clone(), phrase_tokens(p))).collect()
}

impl Classifier {
    pub fn new(catalog: &Catalog) -> Self {
        let forms = catalog
            .forms
            .iter()
            .map(|f: &Form| CompiledForm {
                id: f.id.clone(),
                numbers: compile(&f.numbers),
                omb: f.omb.clone(),
                titles: compile(&f.titles),
                headings: compile(&f.headings),
                labels: compile(&f.labels),
                instructions: compile(&f.instructions),
                first_page: compile(&f.first_page),
            })
            .collect();
        Classifier {
            forms,
            revision: Regex::new(r"(?i)\brevised\s*:?\s*([a-z]{3,9})\.?\s+((?:19|20)\d\d)\b").expect("valid regex"),
        }
    }

    /// Classify one page from its lines of text.
    pub fn classify(&self, lines: &[TextLine]) -> Classification {
        let toks = tokenize(lines);
        if toks.len() < 3 {
            return Classification::unknown();
        }
        let line_len: Vec<usize> = {
            let mut v = vec![0; lines.len()];
            for t in &toks {
                v[t.line] += 1;
            }
            v
        };
        // Forms share phrases ("Federal Employees Retirement System"): look each up once.
        let mut cache: HashMap<String, Option<Found>> = HashMap::new();
        let mut find = |phrase: &(String, Vec<String>)| -> Option<Found> {
            *cache.entry(phrase.0.clone()).or_insert_with(|| find_phrase(&toks, &phrase.1))
        };
        let footer_like = |line: usize| {
            let l = lines[line].text.to_lowercase();
            ["revised", "previous", "edition", "reverse", "page", "approved", "omb"].iter().any(|w| l.contains(w))
        };

        // "Instructions for completing ...", not a bare "Instructions" section of a form page.
        let heading_instructions = lines.iter().take_while(|l| l.top < 0.35).any(|l| {
            let words: Vec<String> = l.text.split_whitespace().take(2).map(norm_token).collect();
            words.len() == 2 && words[0] == "instructions" && ["for", "to", "on"].contains(&words[1].as_str()) && l.text.split_whitespace().count() <= 16
        });
        let mut results: Vec<(f32, &CompiledForm, Vec<String>, bool, bool)> = Vec::new();
        for form in &self.forms {
            let mut score = 0.0;
            let mut evidence = Vec::new();
            let mut is_first = false;
            let mut is_instructions = false;
            let mut number_line = None;
            if let Some((p, f)) = form.numbers.iter().filter_map(|p| find(p).map(|f| (p, f))).next() {
                number_line = Some(f.line);
                let strong = footer_like(f.line) || line_len[f.line] <= p.1.len() + 4;
                score += if strong { weight::NUMBER_FOOTER } else { weight::NUMBER_IN_TEXT };
                evidence.push(format!("form number \"{}\"{}", p.0, if strong { "" } else { " (in running text)" }));
            }
            if let Some(omb) = &form.omb {
                let d = digits(omb);
                if toks.iter().any(|t| digits(&t.text) == d && t.text.contains('-')) {
                    score += weight::OMB;
                    evidence.push(format!("OMB No. {omb}"));
                }
            }
            let mut title_score = 0.0;
            for p in &form.titles {
                if let Some(f) = find(p) {
                    // "Standard Form 3107 - Application for Immediate Retirement" at the top of a
                    // later page is a running header: the form's, but not its first page.
                    let header = number_line == Some(f.line);
                    let title_line = line_len[f.line] <= p.1.len() + 4 + if header { 4 } else { 0 };
                    title_score += if title_line { weight::TITLE_LINE } else { weight::TITLE_IN_TEXT };
                    if title_line && !header && lines[f.line].top < 0.4 {
                        is_first = true;
                    }
                    let how = if header { " (running header)" } else if title_line { "" } else { " (in running text)" };
                    evidence.push(format!("title \"{}\"{how}", p.0));
                }
            }
            score += f32::min(title_score, weight::TITLE_CAP);
            let mut heading_score = 0.0;
            for p in &form.headings {
                if find(p).is_some() {
                    heading_score += weight::HEADING;
                    evidence.push(format!("heading \"{}\"", p.0));
                }
            }
            score += f32::min(heading_score, weight::HEADING_CAP);
            let mut label_score = 0.0;
            for p in &form.labels {
                if find(p).is_some() {
                    label_score += weight::LABEL;
                    evidence.push(format!("label \"{}\"", p.0));
                }
            }
            score += f32::min(label_score, weight::LABEL_CAP);
            for p in &form.instructions {
                if let Some(f) = find(p) {
                    if lines[f.line].top < 0.35 {
                        score += weight::INSTRUCTIONS;
                        is_instructions = true;
                        evidence.push(format!("instructions \"{}\"", p.0));
                        break;
                    }
                }
            }
            // Phrases printed only on the form's first page: a document starts here even when
            // the title is too blurred to read. They count as evidence for the form too.
            if !is_first {
                if let Some(p) = form.first_page.iter().find(|p| find(p).is_some_and(|f| lines[f.line].top < 0.6)) {
                    is_first = true;
                    score += weight::HEADING;
                    evidence.push(format!("first-page heading \"{}\"", p.0));
                }
            }
            // Any form's instruction pages: a heading that starts with "Instructions" near the
            // top ("Instructions for Completing ...", "Instructions - Part A").
            if !is_instructions && heading_instructions {
                is_instructions = true;
                evidence.push("an \"Instructions\" heading near the top".to_string());
            }
            if score > 0.0 {
                results.push((score, form, evidence, is_first, is_instructions));
            }
        }
        results.sort_by(|a, b| b.0.total_cmp(&a.0));
        let scores: HashMap<String, f32> = results.iter().map(|r| (r.1.id.clone(), r.0)).collect();
        let revision = self.revision.captures(&lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n")).map(|c| {
            let month = &c[1];
            let mut m = month.to_lowercase();
            if let Some(first) = m.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            format!("{m} {}", &c[2])
        });
        let Some((s1, best, evidence, is_first, is_instructions)) = results.first().cloned() else {
            return Classification { scores, ..Classification::unknown() };
        };
        if s1 < MIN_SCORE {
            let mut c = Classification::unknown();
            c.evidence = vec![format!("closest form {} scored {:.1}, under {MIN_SCORE}", best.id, s1)];
            c.scores = scores;
            return c;
        }
        let s2 = results.get(1).map(|r| r.0).unwrap_or(0.0);
        let strength = (s1 / 12.0).min(1.0);
        let margin = (s1 - s2) / s1;
        let confidence = strength * (0.4 + 0.6 * margin);
        // An instruction page repeats the form's title: its "Instructions" heading decides.
        let role = if is_instructions {
            PageRole::Instructions
        } else if is_first {
            PageRole::First
        } else {
            PageRole::Continuation
        };
        let mut evidence = evidence;
        if let Some(r) = results.get(1) {
            evidence.push(format!("runner-up {} scored {:.1} against {:.1}", r.1.id, r.0, s1));
        }
        Classification { form: Some(best.id.clone()), role, confidence: (confidence * 1000.0).round() / 1000.0, evidence, revision, scores }
    }
}

/// A page's lines for the classifier, from positioned OCR text or plain text.
pub fn lines_of(text: Option<&crate::ocr::PageText>, plain: &str) -> Vec<TextLine> {
    match text {
        Some(t) if t.height > 0 => t
            .lines
            .iter()
            .map(|l| TextLine {
                text: l.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" "),
                top: l.top / t.height as f32,
            })
            .collect(),
        _ => {
            let all: Vec<&str> = plain.lines().filter(|l| !l.trim().is_empty()).collect();
            let n = all.len().max(1) as f32;
            all.iter().enumerate().map(|(i, l)| TextLine { text: l.to_string(), top: i as f32 / n }).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<TextLine> {
        let all: Vec<&str> = text.lines().collect();
        let n = all.len() as f32;
        all.iter().enumerate().map(|(i, l)| TextLine { text: l.to_string(), top: i as f32 / n }).collect()
    }

    fn classifier() -> Classifier {
        Classifier::new(&Catalog::builtin().unwrap())
    }

    const SF3107: &str = "U.S. Office of Personnel Management Form Approved: OMB No. 3206-0167\n\
Application for Immediate Retirement\nFederal Employees Retirement System\n\
Section A - Identifying Information\n1. Name (Last, First, Middle) 2. Date of birth\nDOE, JANE M 04/02/1961\n\
a\nb\nc\nd\ne\nf\nStandard Form 3107\nRevised June 2006 Previous editions not usable";

    #[test]
    fn reads_a_first_page() {
        let c = classifier().classify(&lines(SF3107));
        assert_eq!(c.form.as_deref(), Some("SF 3107"), "{c:?}");
        assert_eq!(c.role, PageRole::First);
        assert!(c.confidence > 0.7, "{c:?}");
        assert_eq!(c.revision.as_deref(), Some("June 2006"));
    }

    #[test]
    fn tolerates_ocr_errors() {
        let noisy = SF3107.replace("Application for Immediate", "Applicatlon tor lmmediate").replace("Standard Form 3107", "Standard F0rm 31O7");
        let c = classifier().classify(&lines(&noisy));
        assert_eq!(c.form.as_deref(), Some("SF 3107"), "{c:?}");
    }

    #[test]
    fn tells_a_form_from_its_numbered_part() {
        let text = "Certified Summary of Federal Service\nFederal Employees Retirement System\nService history\nx\ny\nz\nStandard Form 3107-1 Revised June 2006";
        let c = classifier().classify(&lines(text));
        assert_eq!(c.form.as_deref(), Some("SF 3107-1"), "{c:?}");
        let split = text.replace("3107-1", "3107 - 1");
        assert_eq!(classifier().classify(&lines(&split)).form.as_deref(), Some("SF 3107-1"));
    }

    #[test]
    fn a_letter_that_mentions_a_form_is_unknown() {
        let text = "Dear Sir or Madam,\nPlease find enclosed my Application for Immediate Retirement, Standard Form 3107, which I completed last week with the help of my agency's retirement counselor.\nI would be grateful if you could confirm that you received it.\nSincerely,\nJane Doe";
        let c = classifier().classify(&lines(text));
        assert_eq!(c.form, None, "{c:?}");
    }

    #[test]
    fn running_header_is_not_a_first_page() {
        let text = "Standard Form 3107 - Application for Immediate Retirement Page 2 of 4\nSection D Military service\nsome text\nmore text\nStandard Form 3107 Revised June 2006";
        let c = classifier().classify(&lines(text));
        assert_eq!(c.form.as_deref(), Some("SF 3107"), "{c:?}");
        assert_eq!(c.role, PageRole::Continuation, "{c:?}");
    }

    #[test]
    fn instruction_pages_of_a_package() {
        let text = "U.S. Office of Personnel Management OMB No. 3206-0167\nApplication for Immediate Retirement\nInstructions for Completing Your Application\nRead these instructions before you begin.\nx\ny\nStandard Form 3107 Revised June 2006";
        let c = classifier().classify(&lines(text));
        assert_eq!(c.form.as_deref(), Some("SF 3107"), "{c:?}");
        assert_eq!(c.role, PageRole::Instructions, "{c:?}");
    }

    #[test]
    fn a_bare_instructions_section_is_no_instruction_page() {
        let text = "Standard Form 2823 - Designation of Beneficiary Page 3 of 4\nInstructions\nYou may name any person\nx\ny\nStandard Form 2823 Revised June 2019";
        let c = classifier().classify(&lines(text));
        assert_eq!(c.form.as_deref(), Some("SF 2823"), "{c:?}");
        assert_eq!(c.role, PageRole::Continuation, "{c:?}");
    }

    #[test]
    fn continuation_page() {
        let text = "Schedule A\nSection D Military service\nsome text\nmore text\nStandard Form 3107 Revised June 2006 Reverse of page 1";
        let c = classifier().classify(&lines(text));
        assert_eq!(c.form.as_deref(), Some("SF 3107"), "{c:?}");
        assert_eq!(c.role, PageRole::Continuation);
    }
}
