//! Stage 7b, reconcile: the documents of one person agree on that person's identifiers.
//!
//! A case file holds several forms of one person (an application, a beneficiary designation,
//! an insurance election), often some typed and some hand-printed. A hand-printed digit misread
//! on one of them (an open 4 read as 7) is read right on another. When a document read an
//! identifier **unsure** (so that it goes to review: its readers disagreed, or its confidence is
//! under 0.5) and a neighbouring document of the **same person** read it **sure** (confidence
//! 0.8 or more, as typed values are read), and the two values could be one misread as the other
//! (the same shape, at most [`MAX_DIFFERENT`] characters apart, a claim number's prefix the
//! same), the sure value is shown, unless more of them read this document's value (a
//! hand-printed value Tesseract misread with confidence must not overrule two forms that
//! agree). When no neighbour read it sure (a case file hand-printed
//! throughout), the value that [`VOTES`] or more of them read alike is shown, if fewer read this
//! document's value (itself counted) or any other; failing that, a value that one of this
//! document's own other readings gave (its box's other reader, another of its pages) and a
//! neighbour read, if more readings give it than the value kept. Either way the document still
//! goes to review, with a reason that names the document the value came from, never the value.
//!
//! Two documents are the same person when they read an identifier (SSN, date of birth, claim
//! number) or the name alike, or an SSN or claim number one character apart under names that
//! are not two people's, and no identifier so differently that it cannot be a misread (both
//! sure, or too far apart). One is enough because the value taken must also be a misread
//! of what the document itself read: a stranger who shares a birth date or a name does not also
//! have an SSN one digit away from this document's reading. A document linked by nothing but
//! such a near match is no sure source for that identifier (the near match would be both the
//! link and the correction: a spouse's SSN may be issued next to this person's). A date of
//! birth is taken only from a document with the same SSN, or the same name (letters misread
//! allowed on an unsure reading, see [`names_close`]) and an SSN a misread apart: spouses'
//! birth dates are often a digit or two apart, and a survivor's forms carry the annuitant's
//! claim number and surname.
//!
//! Nothing is filled in that the document did not read at all: an identifier absent from a
//! document stays absent (its form may not show it). Readings that do not send their document
//! to review are never changed; when [`VOTES`] or more of the same person's documents (more than
//! read this one's value) read one other value, the document goes to review instead.
//!
//! Plain data in, plain data out: the pipeline decides which documents are neighbours (the
//! same folder, a few documents either side, the same run; see `pipeline::LOOKAROUND`).

use std::collections::BTreeMap;

use crate::extract::{Field, REVIEW_FIELD_CONFIDENCE};

pub use crate::catalog::IDENTIFIERS;

/// An unsure reading is replaced only by a value this close to it (characters that differ, at
/// the same places): misread digits, not another number.
pub const MAX_DIFFERENT: usize = 2;

/// A document's fields as the neighbours see them.
pub struct Neighbour<'a> {
    /// The document's stable id.
    pub id: &'a str,
    pub fields: &'a BTreeMap<String, Field>,
}

/// A value taken from another document.
#[derive(Debug, Clone, PartialEq)]
pub struct Taken {
    pub field: String,
    /// The id of the document whose reading was taken.
    pub from: String,
}

/// A reading another document's value may replace: one that sends its document to review (its
/// readings disagreed, or its confidence is under the review threshold).
pub fn unsure(f: &Field) -> bool {
    f.disagreement.is_some() || f.confidence < REVIEW_FIELD_CONFIDENCE
}

/// A reading that may replace another document's: nothing against it and read as surely as
/// typed values are (0.82 and more on the generated corpus; hand-printed digits read less).
pub const SOURCE_CONFIDENCE: f32 = 0.8;

/// A reading that may replace another document's (see [`SOURCE_CONFIDENCE`]).
pub fn sure(f: &Field) -> bool {
    f.disagreement.is_none() && f.confidence >= SOURCE_CONFIDENCE
}

/// Without a sure reading, a value is taken only when at least this many of the same person's
/// other documents read it alike: one writer's misread (an open 4 read as 7) often repeats on
/// two of the writer's forms.
pub const VOTES: usize = 3;

/// What makes two documents one person's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// The same SSN, or the same name (or one a letter or two misread, see [`names_close`])
    /// and an SSN a misread apart: the only link that lets a date of birth be taken (a husband
    /// and wife linked by a claim number or a surname have birth dates a digit or two apart).
    Ssn,
    /// The same date of birth, claim number or name.
    Other,
    /// Nothing but this identifier (an SSN or a claim number) one character apart. Its
    /// reading counts among the same person's, but it is no sure source for that identifier:
    /// the near match would be both the link and the correction (a spouse's SSN issued next to
    /// this person's).
    Near(&'static str),
}

/// Whether two documents' fields are one person's, and by what: an identifier or the name read
/// alike, or an SSN or claim number one character apart (a misread: a stranger's is nowhere
/// near) where the names read do not name two people; and no identifier read differently
/// beyond a misread (both sure, or more than [`MAX_DIFFERENT`] characters apart). Claim
/// numbers of another prefix are another claim, which says nothing either way: a survivor's
/// CSF next to the annuitant's CSA, one person's CSF and the CSI of an insurance claim.
pub fn same_person(a: &BTreeMap<String, Field>, b: &BTreeMap<String, Field>) -> Option<Link> {
    let names = a.get("name").zip(b.get("name"));
    let named = names.is_some_and(|(x, y)| names_alike(&x.value, &y.value));
    // The same name, a letter or two misread ("DAWSON, ARTIVR E." and "Dawson, Arthur E."):
    // one of the two readings unsure (two names read surely and not alike are two people's,
    // "Smith, Francis" and "Smith, Frances"); two names that are not even that are two people.
    let close = names.is_some_and(|(x, y)| named || (!(sure(x) && sure(y)) && names_close(&x.value, &y.value)));
    let two_people = names.is_some() && !close;
    let mut link = named.then_some(Link::Other);
    // A link found by an identifier or the name; a near match only when there is none.
    let linked = |link: Option<Link>| match link {
        Some(Link::Ssn) => Link::Ssn,
        _ => Link::Other,
    };
    for id in IDENTIFIERS {
        let (Some(x), Some(y)) = (a.get(id), b.get(id)) else { continue };
        if id == "claim_number" && claim_prefix(&x.value) != claim_prefix(&y.value) {
            continue;
        }
        if x.value == y.value {
            link = Some(if id == "ssn" { Link::Ssn } else { linked(link) });
        } else if (sure(x) && sure(y)) || !misread(id, &x.value, &y.value) {
            return None;
        } else if id == "ssn" && close {
            // The same name (or one a letter or two misread) and an SSN a misread apart: one
            // person whose SSN one of the two misread (a spouse has another name, and an SSN
            // nowhere near).
            link = Some(Link::Ssn);
        } else if id != "date_of_birth" && !two_people && strsim::hamming(&x.value, &y.value) == Ok(1) {
            // Nine or ten characters alike: the same number, one digit misread (birth dates one
            // digit apart are common: a spouse's, a twin's).
            link = Some(link.unwrap_or(Link::Near(id)));
        }
    }
    link
}

/// A claim number's letters: CSA, CSF and CSI are different claims.
fn claim_prefix(v: &str) -> String {
    v.chars().take_while(|c| c.is_ascii_alphabetic()).collect()
}

/// Could `a` be `b` misread? The same shape, at most [`MAX_DIFFERENT`] characters apart, and for
/// a claim number the same prefix (CSA, CSF and CSI are different claims).
fn misread(field: &str, a: &str, b: &str) -> bool {
    // Hamming distance: characters that differ at the same places; values of different lengths
    // are another shape, not a misread.
    strsim::hamming(a, b).is_ok_and(|d| d <= MAX_DIFFERENT) && (field != "claim_number" || claim_prefix(a) == claim_prefix(b))
}

/// A name's words of two letters or more, sorted, and its initials, sorted, in capitals.
fn name_words(s: &str) -> (Vec<String>, Vec<String>) {
    let mut w: Vec<String> = s
        .split(|c: char| !c.is_alphabetic() && c != '\'')
        .map(|w| w.replace('\'', "").to_uppercase())
        .filter(|w| !w.is_empty())
        .collect();
    w.sort();
    w.into_iter().partition(|w| w.chars().count() >= 2)
}

/// The same name, however the form writes it: "Lindqvist, Douglas J." and "DOUGLAS J
/// LINDQVIST" have the same words of two letters or more, and no initials that differ
/// ("ROBERT A SMITH" is not "Robert J. Smith"; an initial one form leaves out is no
/// difference). Words must be equal: FRANCIS is not FRANCES.
pub fn names_alike(a: &str, b: &str) -> bool {
    let ((la, ia), (lb, ib)) = (name_words(a), name_words(b));
    la.len() >= 2 && la == lb && (ia.is_empty() || ib.is_empty() || ia == ib)
}

/// [`names_alike`], but for letters misread: words in the same order (sorted), each of the
/// same length as the other's and with at most a third of its letters (one at least)
/// different, words of four letters or fewer alike ("ARTIVR" is "ARTHUR", "THORMTON"
/// "THORNTON"; "EMEICA" is not "EMEKA", "JOAN" not "JOHN", "PAULA" not "PAUL"). Hand-printed
/// names are misread that way. "FRANCES" is still close to "FRANCIS": [`same_person`] asks
/// for one of the two readings to be unsure.
pub fn names_close(a: &str, b: &str) -> bool {
    let ((la, ia), (lb, ib)) = (name_words(a), name_words(b));
    let word_close = |x: &String, y: &String| {
        let n = x.chars().count();
        if n <= 4 {
            return x == y;
        }
        strsim::hamming(x, y).is_ok_and(|d| d <= (n / 3).max(1))
    };
    la.len() >= 2 && la.len() == lb.len() && la.iter().zip(&lb).all(|(x, y)| word_close(x, y)) && (ia.is_empty() || ib.is_empty() || ia == ib)
}

/// One value of an identifier among the same person's documents.
struct Tally<'a> {
    value: &'a str,
    /// Documents that read it.
    documents: usize,
    /// The first of them.
    first: &'a str,
    /// The first that read it sure.
    sure: Option<&'a str>,
}

/// Correct `fields` from its neighbours, as the module says: each unsure identifier takes the
/// value the same person's neighbours settle on (one sure reading, or [`VOTES`] alike), if it
/// is a misread of this one; a reading that is not unsure is only sent to review when that many
/// neighbours read it otherwise. A field taken keeps its page and confidence (it stays under
/// review), and its disagreement names the neighbour (never a value: it may be an SSN).
/// Returns what was taken.
pub fn reconcile(fields: &mut BTreeMap<String, Field>, neighbours: &[Neighbour]) -> Vec<Taken> {
    let people: Vec<(&Neighbour, Link)> = neighbours.iter().filter_map(|n| Some((n, same_person(fields, n.fields)?))).collect();
    let mut taken = Vec::new();
    for id in IDENTIFIERS {
        let Some(mine) = fields.get(id) else { continue };
        // The same person's readings, each value once: how many documents read it, the first
        // of them, and the first that read it sure. A date of birth only from documents linked
        // by the SSN ([`Link::Ssn`]).
        let mut values: Vec<Tally> = Vec::new();
        for (n, link) in &people {
            if id == "date_of_birth" && *link != Link::Ssn {
                continue;
            }
            let Some(f) = n.fields.get(id) else { continue };
            // A document linked only by this identifier's near match is no sure source for it.
            let sure_here = (sure(f) && *link != Link::Near(id)).then_some(n.id);
            match values.iter_mut().find(|v| v.value == f.value) {
                Some(v) => (v.documents, v.sure) = (v.documents + 1, v.sure.or(sure_here)),
                None => values.push(Tally { value: &f.value, documents: 1, first: n.id, sure: sure_here }),
            }
        }
        // Documents that read this document's value, itself counted.
        let mine_n = 1 + values.iter().find(|v| v.value == mine.value).map_or(0, |v| v.documents);
        if !unsure(mine) {
            // Never changed; but when more of the same person's documents, [`VOTES`] or more,
            // read one other value, a person looks (generated seed 33, case-013: an RI 92-19's
            // hand-printed birth date read a digit off at 0.83, four forms of the same SSN agree
            // on another).
            let against = values.iter().filter(|v| v.value != mine.value && misread(id, v.value, &mine.value)).max_by_key(|v| v.documents);
            if let Some(v) = against.filter(|v| v.documents >= VOTES && v.documents > mine_n) {
                let reason = format!("{id}: {} of the same person's documents read it otherwise, first {}", v.documents, v.first);
                if let Some(f) = fields.get_mut(id) {
                    f.disagreement = Some(reason);
                }
            }
            continue;
        }
        let sure_values: Vec<(&str, usize, &str)> = values.iter().filter_map(|v| Some((v.value, v.documents, v.sure?))).collect();
        let (value, from, why) = match sure_values[..] {
            // One value read sure stands, unless more documents read this one's: a hand-printed
            // value Tesseract misread with confidence must not overrule two forms that agree.
            // Sure readings that disagree settle nothing.
            [(v, n, from)] if n >= mine_n => (v, from, format!("read on document {from}")),
            [] => {
                let Some(top) = values.iter().max_by_key(|v| v.documents) else { continue };
                let rivals = values.iter().filter(|v| v.value != top.value).map(|v| v.documents).max().unwrap_or(0);
                if top.documents >= VOTES && top.documents > mine_n.max(rivals) {
                    // None sure: the value [`VOTES`] or more of the same person's documents
                    // read, when fewer read this document's value (itself counted) or any other.
                    (top.value, top.first, format!("read alike on {} of its documents, first {}", top.documents, top.first))
                } else if let Some(v) = corroborated(&values, mine, mine_n) {
                    (v.value, v.first, format!("read on document {} and by another reading of this one", v.first))
                } else {
                    continue;
                }
            }
            _ => continue,
        };
        if value == mine.value || !misread(id, value, &mine.value) {
            continue;
        }
        let (value, from) = (value.to_string(), from.to_string());
        let Some(f) = fields.get_mut(id) else { continue };
        f.value = value;
        f.disagreement = Some(format!("{id} read unsure here; the value shown is the same person's, {why}"));
        taken.push(Taken { field: id.to_string(), from });
    }
    taken
}

/// Among the same person's readings, the value this document's other readings also gave (its
/// box's other reader, another of its pages): two readings agree on it, when more documents
/// read it (this one counted) than read the value kept here, and none other comes close.
fn corroborated<'v, 'a>(values: &'v [Tally<'a>], mine: &Field, mine_n: usize) -> Option<&'v Tally<'a>> {
    let mut seconded = values.iter().filter(|v| mine.alternatives.iter().any(|a| a == v.value));
    let best = seconded.next()?;
    let rivals = values.iter().filter(|v| v.value != best.value).map(|v| v.documents).max().unwrap_or(0);
    (seconded.next().is_none() && best.documents + 1 > mine_n.max(rivals)).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(value: &str, confidence: f32, disagreement: bool) -> Field {
        Field { value: value.into(), confidence, page: 1, disagreement: disagreement.then(|| "the readings disagree".into()), ..Field::default() }
    }

    fn fields(list: &[(&str, Field)]) -> BTreeMap<String, Field> {
        list.iter().map(|(k, f)| (k.to_string(), f.clone())).collect()
    }

    #[test]
    fn an_unsure_digit_is_taken_from_the_same_persons_sure_reading() {
        // A hand-printed RI 30-2 read "CSA 1377160" unsure; the typed SF 2809 of the same case,
        // with the same date of birth, read "CSA 1379160" sure (generated seed 31, case-004).
        let mut hand = fields(&[("claim_number", field("CSA 1377160", 0.4, true)), ("date_of_birth", field("1963-09-26", 0.7, false))]);
        let typed = fields(&[("claim_number", field("CSA 1379160", 0.9, false)), ("date_of_birth", field("1963-09-26", 0.9, false))]);
        // Another hand-printed form read the same value unsure first: the sure one is named.
        let unsure = fields(&[("claim_number", field("CSA 1379160", 0.4, true)), ("date_of_birth", field("1963-09-26", 0.7, false))]);
        let taken = reconcile(&mut hand, &[Neighbour { id: "unsure", fields: &unsure }, Neighbour { id: "abc", fields: &typed }]);
        assert_eq!(taken, vec![Taken { field: "claim_number".into(), from: "abc".into() }]);
        assert_eq!(hand["claim_number"].value, "CSA 1379160");
        let reason = hand["claim_number"].disagreement.as_deref().unwrap_or_default();
        assert!(reason.contains("abc") && !reason.contains("1379160"), "{reason}");
        assert_eq!(hand["claim_number"].confidence, 0.4, "the value stays under review");
    }

    #[test]
    fn nothing_is_taken_without_a_shared_identifier() {
        let mut hand = fields(&[("ssn", field("938-35-5406", 0.3, true)), ("date_of_birth", field("1954-07-12", 0.8, false))]);
        let other = fields(&[("ssn", field("938-35-5706", 0.9, false)), ("date_of_birth", field("1961-02-03", 0.9, false))]);
        assert!(reconcile(&mut hand, &[Neighbour { id: "x", fields: &other }]).is_empty());
        assert_eq!(hand["ssn"].value, "938-35-5406");
    }

    #[test]
    fn a_sure_contradiction_means_another_person() {
        // The same birth date, but both read their claim numbers sure and differently: a spouse
        // born the same day, not this person.
        let mut hand = fields(&[
            ("ssn", field("938-35-5406", 0.3, true)),
            ("date_of_birth", field("1954-07-12", 0.8, false)),
            ("claim_number", field("CSA 1111111", 0.9, false)),
        ]);
        let other = fields(&[
            ("ssn", field("938-35-5706", 0.9, false)),
            ("date_of_birth", field("1954-07-12", 0.9, false)),
            ("claim_number", field("CSA 2222222", 0.9, false)),
        ]);
        assert_eq!(same_person(&hand, &other), None);
        assert!(reconcile(&mut hand, &[Neighbour { id: "x", fields: &other }]).is_empty());
    }

    #[test]
    fn a_value_far_from_the_reading_is_not_taken() {
        // Three digits apart: another number (a spouse's SSN read as the applicant's), not a
        // misread one.
        let mut hand = fields(&[("ssn", field("938-35-5406", 0.3, true)), ("date_of_birth", field("1954-07-12", 0.8, false))]);
        let other = fields(&[("ssn", field("938-12-3406", 0.9, false)), ("date_of_birth", field("1954-07-12", 0.9, false))]);
        assert!(reconcile(&mut hand, &[Neighbour { id: "x", fields: &other }]).is_empty());
    }

    #[test]
    fn sure_readings_and_absent_fields_are_left_alone() {
        let mut typed = fields(&[("ssn", field("938-35-5406", 0.9, false)), ("date_of_birth", field("1954-07-12", 0.9, false))]);
        let other = fields(&[
            ("ssn", field("938-35-5706", 0.9, false)),
            ("date_of_birth", field("1954-07-12", 0.9, false)),
            ("claim_number", field("CSA 1234567", 0.9, false)),
        ]);
        assert!(reconcile(&mut typed, &[Neighbour { id: "x", fields: &other }]).is_empty());
        assert_eq!(typed["ssn"].value, "938-35-5406");
        assert!(!typed.contains_key("claim_number"), "a field the document did not read is not filled in");
    }

    #[test]
    fn neighbours_that_disagree_settle_nothing() {
        let mut hand = fields(&[("ssn", field("938-35-5406", 0.3, true)), ("date_of_birth", field("1954-07-12", 0.8, false))]);
        let a = fields(&[("ssn", field("938-35-5706", 0.9, false)), ("date_of_birth", field("1954-07-12", 0.9, false))]);
        let b = fields(&[("ssn", field("938-35-5408", 0.9, false)), ("date_of_birth", field("1954-07-12", 0.9, false))]);
        let n = [Neighbour { id: "a", fields: &a }, Neighbour { id: "b", fields: &b }];
        assert!(reconcile(&mut hand, &n).is_empty());
        assert_eq!(hand["ssn"].value, "938-35-5406");
    }

    #[test]
    fn the_same_name_however_written_links_documents() {
        // Generated seed 31, case-004: a hand-printed RI 30-2 shows only the claim number and
        // the name; the typed SF 2809 of the same case reads both.
        assert!(names_alike("DOUGLAS J LINDQVIST", "Lindqvist, Douglas J."));
        assert!(names_alike("O'BRIEN, MARY", "Mary OBrien"));
        assert!(names_alike("DOUGLAS LINDQVIST", "Lindqvist, Douglas J."), "an initial left out");
        assert!(!names_alike("FRANCIS SMITH", "Smith, Frances"), "a husband and wife");
        assert!(!names_alike("ROBERT A SMITH", "Robert J. Smith"), "a father and son");
        assert!(!names_alike("LINDQVIST, DOUGLAS", "Lindqvist, Dolores"), "another person of the family");
        assert!(!names_alike("DOE, JANE", "DOE, JANE MARIE"));
        assert!(!names_alike("J DOE", "DOE"), "one word is no name to link by");
        let mut hand = fields(&[("claim_number", field("CSA 1377160", 0.4, true)), ("name", field("DOUGLAS J LINDQVIST", 0.6, false))]);
        let typed = fields(&[("claim_number", field("CSA 1379160", 0.87, false)), ("name", field("Lindqvist, Douglas J.", 0.87, false))]);
        assert_eq!(reconcile(&mut hand, &[Neighbour { id: "t", fields: &typed }]).len(), 1);
        assert_eq!(hand["claim_number"].value, "CSA 1379160");
    }

    #[test]
    fn without_a_sure_reading_the_value_most_documents_read_is_taken() {
        // Generated seed 42, case-010: four hand-printed forms of one person; three read the SSN
        // 938-35-5406, the SF 1152 read 938-35-5706 (an open 4 taken for a 7). None is sure.
        let doc = |ssn: &str| fields(&[("ssn", field(ssn, 0.4, true)), ("name", field("PETRAKIS, HAROLD E.", 0.8, false))]);
        let (a, b, c) = (doc("938-35-5406"), doc("938-35-5406"), doc("938-35-5406"));
        let n = [Neighbour { id: "a", fields: &a }, Neighbour { id: "b", fields: &b }, Neighbour { id: "c", fields: &c }];
        let mut odd = doc("938-35-5706");
        assert_eq!(reconcile(&mut odd, &n), vec![Taken { field: "ssn".into(), from: "a".into() }]);
        assert_eq!(odd["ssn"].value, "938-35-5406");
        assert!(odd["ssn"].disagreement.as_deref().unwrap_or_default().contains("3 of its documents"));
        // One other document is no majority; nor are two against two.
        let mut odd = doc("938-35-5706");
        assert!(reconcile(&mut odd, &n[..1]).is_empty());
        let d = doc("938-35-5706");
        let tie = [Neighbour { id: "a", fields: &a }, Neighbour { id: "b", fields: &b }, Neighbour { id: "d", fields: &d }];
        let mut odd = doc("938-35-5706");
        assert!(reconcile(&mut odd, &tie).is_empty(), "two read 5406, this one and another 5706");
        // A sure reading outweighs any number of unsure ones.
        let sure_one = fields(&[("ssn", field("938-35-5706", 0.9, false)), ("name", field("PETRAKIS, HAROLD E.", 0.8, false))]);
        let n = [Neighbour { id: "a", fields: &a }, Neighbour { id: "b", fields: &b }, Neighbour { id: "s", fields: &sure_one }];
        let mut odd = doc("938-35-5708");
        reconcile(&mut odd, &n);
        assert_eq!(odd["ssn"].value, "938-35-5706");
    }

    #[test]
    fn a_date_of_birth_is_taken_only_from_a_document_with_the_same_ssn() {
        // Husband and wife on the same claim (a survivor's form carries the annuitant's claim
        // number): birth dates in the same year are a digit or two apart.
        let mut wife = fields(&[("claim_number", field("CSA 1234567", 0.9, false)), ("date_of_birth", field("1952-08-14", 0.4, true))]);
        let husband = fields(&[("claim_number", field("CSA 1234567", 0.9, false)), ("date_of_birth", field("1952-03-14", 0.9, false))]);
        assert_eq!(same_person(&wife, &husband), Some(Link::Other));
        assert!(reconcile(&mut wife, &[Neighbour { id: "h", fields: &husband }]).is_empty());
        // The same SSN: one person.
        let mut hand = fields(&[("ssn", field("938-35-5406", 0.4, true)), ("date_of_birth", field("1952-08-14", 0.4, true))]);
        let typed = fields(&[("ssn", field("938-35-5406", 0.9, false)), ("date_of_birth", field("1952-03-14", 0.9, false))]);
        assert_eq!(reconcile(&mut hand, &[Neighbour { id: "t", fields: &typed }]).len(), 1);
        assert_eq!(hand["date_of_birth"].value, "1952-03-14");
    }

    #[test]
    fn the_same_name_and_an_ssn_a_misread_apart_let_a_date_of_birth_be_taken() {
        // Generated seed 42, case-010: four hand-printed forms of one person. The SF 3107 read
        // the date of birth 1957-07-12; the SF 2823 and SF 2809 (the same SSN) and the SF 1152
        // (its SSN read 938-35-5706, an open 4 taken for a 7) read 1954-07-12.
        let doc = |ssn: &str, dob: &str| fields(&[("ssn", field(ssn, 0.3, false)), ("date_of_birth", field(dob, 0.405, false)), ("name", field("PETRAKIS, HAROLD E.", 0.6, false))]);
        let (sf2823, sf2809, sf1152) = (doc("938-35-5406", "1954-07-12"), doc("938-35-5406", "1954-07-12"), doc("938-35-5706", "1954-07-12"));
        assert_eq!(same_person(&doc("938-35-5406", "1957-07-12"), &sf1152), Some(Link::Ssn));
        let n = [Neighbour { id: "a", fields: &sf2823 }, Neighbour { id: "b", fields: &sf2809 }, Neighbour { id: "c", fields: &sf1152 }];
        let mut sf3107 = doc("938-35-5406", "1957-07-12");
        assert_eq!(reconcile(&mut sf3107, &n), vec![Taken { field: "date_of_birth".into(), from: "a".into() }]);
        assert_eq!(sf3107["date_of_birth"].value, "1954-07-12");
        // Without the name, an SSN a misread apart is no link for a date of birth.
        let mut nameless = doc("938-35-5406", "1957-07-12");
        nameless.remove("name");
        let mut sf1152 = sf1152.clone();
        sf1152.remove("name");
        sf1152.insert("date_of_birth".into(), field("1954-07-12", 0.9, false));
        assert_eq!(same_person(&nameless, &sf1152), Some(Link::Near("ssn")), "one digit apart: the same SSN, but no date of birth from it");
        assert!(reconcile(&mut nameless, &[Neighbour { id: "c", fields: &sf1152 }]).is_empty());
        assert_eq!(nameless["date_of_birth"].value, "1957-07-12");
        // Another first name: a spouse, whatever the SSN.
        let mut spouse = doc("938-35-5706", "1954-07-12");
        spouse.insert("name".into(), field("PETRAKIS, HELEN E.", 0.6, false));
        assert_ne!(same_person(&doc("938-35-5406", "1957-07-12"), &spouse), Some(Link::Ssn));
    }

    #[test]
    fn a_claim_numbers_prefix_is_never_changed() {
        // A survivor's CSF claim next to the annuitant's CSA claim of the same digits.
        let mut survivor = fields(&[("claim_number", field("CSF 1234567", 0.4, true)), ("ssn", field("938-35-5406", 0.9, false))]);
        let annuitant = fields(&[("claim_number", field("CSA 1234567", 0.9, false)), ("ssn", field("938-35-5406", 0.9, false))]);
        assert_eq!(same_person(&survivor, &annuitant), Some(Link::Ssn), "another claim neither links nor parts");
        assert!(reconcile(&mut survivor, &[Neighbour { id: "a", fields: &annuitant }]).is_empty());
        assert_eq!(survivor["claim_number"].value, "CSF 1234567");
    }

    /// Regression, generated seed 33, case-006: one person's SF 3102 (claim CSF 8405491, its
    /// SSN read 946-12-6771 unsure) and SF 2823 (an insurance claim, CSI 7669417; the SSN read
    /// 946-12-6471 sure), the same name and date of birth. The claims' different prefixes
    /// parted them, and the misread SSN stood.
    #[test]
    fn regression_claims_of_another_prefix_do_not_part_one_person() {
        let mut sf3102 = fields(&[
            ("claim_number", field("CSF 8405491", 0.405, false)),
            ("date_of_birth", field("1961-10-26", 0.405, false)),
            ("name", field("SULLIVAN, ROBERT D.", 0.77, false)),
            ("ssn", field("946-12-6771", 0.203, true)),
        ]);
        let sf2823 = fields(&[
            ("claim_number", field("CSI 7669417", 0.405, false)),
            ("date_of_birth", field("1961-10-26", 0.863, false)),
            ("name", field("Sullivan, Robert D.", 0.85, false)),
            ("ssn", field("946-12-6471", 0.819, false)),
        ]);
        assert_eq!(reconcile(&mut sf3102, &[Neighbour { id: "b", fields: &sf2823 }]).len(), 1);
        assert_eq!((sf3102["ssn"].value.as_str(), sf3102["claim_number"].value.as_str()), ("946-12-6471", "CSF 8405491"));
    }

    #[test]
    fn a_sure_reading_does_not_overrule_two_documents_that_agree() {
        // Generated seed 21, case-004: Tesseract read a hand-printed SF 2808's date of birth
        // "1951-10-27" at 0.803; the SF 2800 and SF 2823 of the same SSN both read the right
        // "1959-10-27", unsure.
        let doc = |dob: &str, conf: f32, flagged: bool| fields(&[("ssn", field("972-73-8159", 0.4, true)), ("date_of_birth", field(dob, conf, flagged))]);
        let (sf2808, sf2823) = (doc("1951-10-27", 0.803, false), doc("1959-10-27", 0.405, false));
        let mut sf2800 = doc("1959-10-27", 0.203, false);
        let n = [Neighbour { id: "2808", fields: &sf2808 }, Neighbour { id: "2823", fields: &sf2823 }];
        assert!(reconcile(&mut sf2800, &n).is_empty());
        assert_eq!(sf2800["date_of_birth"].value, "1959-10-27");
        // Against one document, the sure reading stands.
        let mut sf2800 = doc("1959-10-27", 0.203, false);
        assert_eq!(reconcile(&mut sf2800, &n[..1]).len(), 1);
    }

    #[test]
    fn a_confident_reading_that_many_documents_contradict_goes_to_review_unchanged() {
        // Generated seed 33, case-013: an RI 92-19 read a hand-printed "1957-04-02" as
        // "1954-04-02" at 0.83; four forms of the same SSN read 1957-04-02, unsure.
        let doc = |dob: &str, conf: f32| fields(&[("ssn", field("990-89-5376", 0.4, false)), ("date_of_birth", field(dob, conf, false))]);
        let others: Vec<_> = (0..4).map(|_| doc("1957-04-02", 0.405)).collect();
        let n: Vec<Neighbour> = others.iter().enumerate().map(|(i, f)| Neighbour { id: ["a", "b", "c", "d"][i], fields: f }).collect();
        let mut ri = doc("1954-04-02", 0.832);
        assert!(reconcile(&mut ri, &n).is_empty(), "a confident reading is not changed");
        assert_eq!(ri["date_of_birth"].value, "1954-04-02");
        let reason = ri["date_of_birth"].disagreement.clone().unwrap_or_default();
        assert!(reason.contains("4 of the same person's documents") && !reason.contains("1957"), "{reason}");
        assert!(!crate::extract::review_reasons(&ri).is_empty());
        // Two are not enough.
        let mut ri = doc("1954-04-02", 0.832);
        reconcile(&mut ri, &n[..2]);
        assert!(ri["date_of_birth"].disagreement.is_none());
    }

    #[test]
    fn a_reading_short_of_typed_sureness_is_no_source() {
        // 0.55: it sends nothing to review, but it is not read as surely as typed values are.
        let mut hand = fields(&[("ssn", field("938-35-5406", 0.4, true)), ("name", field("PETRAKIS, HAROLD E.", 0.8, false))]);
        let middling = fields(&[("ssn", field("938-35-5706", 0.55, false)), ("name", field("PETRAKIS, HAROLD E.", 0.8, false))]);
        assert!(reconcile(&mut hand, &[Neighbour { id: "m", fields: &middling }]).is_empty());
        assert_eq!(hand["ssn"].value, "938-35-5406");
    }

    #[test]
    fn a_near_match_alone_is_no_sure_source_for_itself() {
        // A wife's form that read nothing but her SSN, unsure, beside her husband's typed form:
        // SSNs issued together are one apart. His is not taken for hers.
        let mut wife = fields(&[("ssn", field("938-35-5407", 0.3, false))]);
        let husband = fields(&[("ssn", field("938-35-5406", 0.9, false)), ("date_of_birth", field("1950-01-02", 0.9, false))]);
        assert_eq!(same_person(&wife, &husband), Some(Link::Near("ssn")));
        assert!(reconcile(&mut wife, &[Neighbour { id: "h", fields: &husband }]).is_empty());
        assert_eq!(wife["ssn"].value, "938-35-5407");
        // Linked by anything else too (here the same claim), the sure reading is a source.
        let mut hand = fields(&[("ssn", field("938-35-5407", 0.3, false)), ("claim_number", field("CSA 1234567", 0.4, false))]);
        let typed = fields(&[("ssn", field("938-35-5406", 0.9, false)), ("claim_number", field("CSA 1234567", 0.9, false))]);
        assert_eq!(same_person(&hand, &typed), Some(Link::Other));
        assert_eq!(reconcile(&mut hand, &[Neighbour { id: "t", fields: &typed }]).len(), 1);
    }

    #[test]
    fn names_a_letter_or_two_misread_are_close() {
        assert!(names_close("DAWSON, ARTIVR E.", "Dawson, Arthur E."));
        assert!(names_close("THORMTON, GUGENE E", "THORNTON, EUGENE E"));
        assert!(names_close("WASHINGTON, LOKKAINE K", "Washington, Lorraine K."));
        assert!(names_close("DOE, JANE", "Jane Doe"), "alike is close");
        assert!(!names_close("ROMANOFF, EMEICA", "Clarence L. Romanoff"), "the survivor and the annuitant");
        assert!(!names_close("PETRAKIS, HELEN E.", "PETRAKIS, HAROLD E."), "a husband and wife");
        assert!(!names_close("ROBERT A SMITH", "Robert J. Smith"), "a father and son");
        assert!(!names_close("DOE, JANE", "DOE, JANE MARIE"));
        assert!(!names_close("DOE", "DOE"), "one word is no name to link by");
        for (a, b) in [("SMITH, JOHN", "Smith, Joan"), ("SMITH, PAUL", "Smith, Paula"), ("SMITH, ROBERT", "Smith, Roberta"), ("SMITH, MARK", "Smith, Mary"), ("SMITH, JOSEPH", "Smith, Josephine")] {
            assert!(!names_close(a, b), "{a} / {b}: husband and wife");
        }
        // One letter apart in a longer word is close; two names read surely are two people.
        assert!(names_close("SMITH, FRANCIS", "Smith, Frances"));
        let doc = |name: &str, c: f32| fields(&[("name", field(name, c, false)), ("ssn", field("938-35-5406", 0.3, false))]);
        let mut near = doc("SMITH, FRANCES", 0.9);
        near.insert("ssn".into(), field("938-35-5407", 0.3, false));
        assert_eq!(same_person(&doc("SMITH, FRANCIS", 0.9), &near), None, "names read surely and not alike: two people");
        assert_eq!(same_person(&doc("SMITH, FRANCIS", 0.6), &near), Some(Link::Ssn), "an unsure reading may be a misread name");
    }

    /// Regression, generated seed 7, case-011: the SF 2809's hand-printed name read "DAWSON,
    /// ARTIVR E." and its SSN 485-52-7233 (unsure), the typed SF 3107 "Dawson, Arthur E." and
    /// 985-52-7233 (sure). Names not read alike left the SF 2809's birth date misread
    /// (1967-01-01 for 1967-01-11) though the SF 3107 read it sure.
    #[test]
    fn regression_a_name_misread_and_an_ssn_a_misread_apart_are_one_person() {
        let mut sf2809 = fields(&[
            ("date_of_birth", field("1967-01-01", 0.405, false)),
            ("name", field("DAWSON, ARTIVR E.", 0.66, false)),
            ("ssn", field("485-52-7233", 0.203, true)),
        ]);
        let sf3107 = fields(&[
            ("date_of_birth", field("1967-01-11", 0.825, false)),
            ("name", field("Dawson, Arthur E.", 0.83, false)),
            ("ssn", field("985-52-7233", 0.828, false)),
        ]);
        assert_eq!(same_person(&sf2809, &sf3107), Some(Link::Ssn));
        assert_eq!(reconcile(&mut sf2809, &[Neighbour { id: "t", fields: &sf3107 }]).len(), 2);
        assert_eq!((sf2809["ssn"].value.as_str(), sf2809["date_of_birth"].value.as_str()), ("985-52-7233", "1967-01-11"));
    }

    /// Regression, generated seed 21, case-021: an SF 1199A read nothing but its claim number,
    /// "CSF 4332715" (unsure); three forms of the same folder read "CSF 4732715". Nothing linked
    /// them: an identifier one digit apart was no link.
    #[test]
    fn regression_a_claim_number_one_digit_apart_links_documents() {
        let mut sf1199a = fields(&[("claim_number", field("CSF 4332715", 0.0, false))]);
        let doc = |c: f32| fields(&[("claim_number", field("CSF 4732715", c, false))]);
        let (a, b, c) = (doc(0.64), doc(0.405), doc(0.405));
        let n = [Neighbour { id: "a", fields: &a }, Neighbour { id: "b", fields: &b }, Neighbour { id: "c", fields: &c }];
        assert_eq!(reconcile(&mut sf1199a, &n).len(), 1);
        assert_eq!(sf1199a["claim_number"].value, "CSF 4732715");
        // Two digits apart is another number; one apart under another name is someone else's
        // (an annuitant's claim on a survivor's form).
        let mut far = fields(&[("claim_number", field("CSF 4332745", 0.0, false))]);
        assert!(reconcile(&mut far, &n).is_empty());
        let named = |name: &str, claim: &str, c: f32| fields(&[("claim_number", field(claim, c, false)), ("name", field(name, 0.8, false))]);
        assert_eq!(same_person(&named("ROMANOFF, EMEKA R", "CSF 1447987", 0.4), &named("Clarence L. Romanoff", "CSF 1447887", 0.87)), None);
    }

    /// Regression, generated seed 21, case-001: an SF 3102's two pages read its SSN
    /// 968-94-4061 and 968-94-4081; an SF 2801 of the same claim read 968-94-4081, unsure. Two
    /// readings against one, but none sure and fewer than three documents: the misread stood.
    #[test]
    fn regression_a_value_this_documents_other_reading_and_a_neighbour_agree_on_is_taken() {
        let with = |value: &str, alternatives: &[&str]| Field { alternatives: alternatives.iter().map(|a| a.to_string()).collect(), ..field(value, 0.191, true) };
        let neighbour = fields(&[("claim_number", field("CSF 4026711", 0.7, false)), ("ssn", field("968-94-4081", 0.4, true))]);
        let mut sf3102 = fields(&[("claim_number", field("CSF 4026711", 0.27, false)), ("ssn", with("968-94-4061", &["968-94-4081"]))]);
        assert_eq!(reconcile(&mut sf3102, &[Neighbour { id: "n", fields: &neighbour }]), vec![Taken { field: "ssn".into(), from: "n".into() }]);
        assert_eq!(sf3102["ssn"].value, "968-94-4081");
        assert!(sf3102["ssn"].disagreement.as_deref().unwrap_or_default().contains("another reading of this one"));
        // Without that other reading, one document against one settles nothing.
        let mut alone = fields(&[("claim_number", field("CSF 4026711", 0.27, false)), ("ssn", with("968-94-4061", &[]))]);
        assert!(reconcile(&mut alone, &[Neighbour { id: "n", fields: &neighbour }]).is_empty());
        // Nor when a document reads the value kept here too.
        let same = fields(&[("claim_number", field("CSF 4026711", 0.7, false)), ("ssn", field("968-94-4061", 0.4, true))]);
        let mut tied = fields(&[("claim_number", field("CSF 4026711", 0.27, false)), ("ssn", with("968-94-4061", &["968-94-4081"]))]);
        assert!(reconcile(&mut tied, &[Neighbour { id: "n", fields: &neighbour }, Neighbour { id: "s", fields: &same }]).is_empty());
    }

    #[test]
    fn a_taken_value_is_no_source_for_others() {
        // The corrected document is still unsure: it never vouches for a third one.
        let mut hand = fields(&[("ssn", field("938-35-5406", 0.3, true)), ("date_of_birth", field("1954-07-12", 0.8, false))]);
        let typed = fields(&[("ssn", field("938-35-5706", 0.9, false)), ("date_of_birth", field("1954-07-12", 0.9, false))]);
        reconcile(&mut hand, &[Neighbour { id: "t", fields: &typed }]);
        assert!(!sure(&hand["ssn"]));
    }
}
