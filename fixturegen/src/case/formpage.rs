//! Form pages: a [`FormDef`] filled in for a household, as instruction pages,
//! a first page and continuation pages.

use rand::seq::SliceRandom;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::canvas::{Canvas, Filler, Sheet, Typeface};
use super::forms::{Block, FormDef, Issuer, Key, Subject};
use super::hand::HandFonts;
use super::people::{Household, Individual, NameOrder, Writing};
use crate::layout::{Ink, PAGE_HEIGHT};
use crate::model::Date;
use crate::render::Fonts;

/// Sentences any instruction page or form may print.
#[rustfmt::skip]
const GENERAL: &[&str] = &[
    "Type or print clearly in dark ink.",
    "If you need more space for any item, attach a separate sheet and write your name and Social Security Number on each sheet.",
    "Keep a copy of the completed form for your records.",
    "Answer every item; write N/A if an item does not apply to you.",
    "Giving false information on this form may be punished by a fine or imprisonment (18 U.S.C. 1001).",
    "Incomplete forms will be returned to you and may delay the processing of your claim.",
    "Use the mm/dd/yyyy format for all dates.",
    "Your Social Security Number is needed to keep your records accurate, because other people may have the same name and birth date.",
    "If you have questions, call the Retirement Information Office at 1-888-767-6738.",
    "Do not staple, tape or fold this form.",
    "Before you sign, review the form to make sure every item is answered.",
    "Attach copies, not originals, of any documents that support your application.",
];
#[rustfmt::skip]
const PRIVACY: &[&str] = &[
    "Privacy Act Statement: Solicitation of this information is authorized by Title 5 of the United States Code.",
    "The information you furnish will be used to identify records properly associated with your application and to determine your rights to benefits.",
    "Information may be shared with other federal agencies when they need it to decide on a benefit or to pay you.",
    "Failure to furnish the requested information may delay or prevent action on your application.",
    "Public Burden Statement: We estimate that this form takes an average of 30 minutes to complete, including the time for reviewing instructions.",
    "You may send comments regarding this burden estimate to the Office of Personnel Management, Washington, DC 20415.",
];
const INSTRUCTION_HEADINGS: &[&str] = &[
    "General Information",
    "Who Should Use This Form",
    "How to Complete the Form",
    "Where to File",
    "Privacy Act Statement",
    "Public Burden Statement",
];
#[rustfmt::skip]
const NARRATIVE: &[&str] = &[
    "Chronic lumbar disc disease with radiating pain limits lifting, bending and prolonged sitting.",
    "Employee has been unable to perform the full range of duties since the date shown above.",
    "Absences increased over the last twelve months due to medical appointments.",
    "Condition is expected to continue for more than one year despite treatment.",
    "Light duty was provided for six months but no vacant position at the same grade was available.",
    "Reduced work schedule was tried without improvement in attendance.",
];
#[rustfmt::skip]
const OFFICIALS: &[&str] = &[
    "Karen L. Whitmore, HR Specialist", "Dr. Samuel Achebe, M.D.", "Teresa M. Quinlan",
    "Mark D. Feld, Supervisor", "Anita Ruiz, Benefits Officer", "Dr. Helen Park, M.D.",
];
const BRANCHES: &[&str] = &[
    "U.S. Army",
    "U.S. Navy",
    "U.S. Air Force",
    "U.S. Marine Corps",
    "U.S. Coast Guard",
];

/// One form document of a case, with everything its pages share.
#[derive(Debug, Clone)]
pub struct FormDoc {
    pub form: &'static FormDef,
    pub revision: &'static str,
    pub form_pages: u8,
    pub instruction_pages: u8,
    pub filler: Filler,
    pub typeface: Typeface,
    /// Key values on the first page: `(key, Some((printed, truth)))`, `None` = box left empty.
    pub keys: Vec<(Key, Option<(String, String)>)>,
    /// The student of an RI 25-14.
    pub student: Option<Individual>,
    /// Header layout variant (0 or 1).
    pub header: u8,
    /// Footer says "SF NNNN" instead of "Standard Form NNNN".
    pub short_number: bool,
    /// Continuation pages say "Reverse of ..." (2-page forms) rather than "Page n of m".
    pub reverse: bool,
    pub previous_note: &'static str,
}

impl FormDoc {
    /// Decide a document's revision, page counts, style and key values.
    pub fn new(
        form: &'static FormDef,
        hh: &Household,
        filler: Filler,
        with_instructions: bool,
        rng: &mut ChaCha8Rng,
    ) -> Self {
        let revision = form.revisions[rng.random_range(0..form.revisions.len())];
        let form_pages = rng.random_range(form.pages.0..=form.pages.1);
        let instruction_pages = if with_instructions && form.instruction_pages > 0 {
            rng.random_range(1..=form.instruction_pages)
        } else {
            0
        };
        let student = (form.subject == Subject::Student).then(|| hh.student(rng));
        let subject = student.as_ref().unwrap_or(&hh.subject);
        let w = filler.writing;
        let keys = form
            .keys
            .iter()
            .map(|&(key, _)| {
                let value = match key {
                    Key::Name => {
                        let n = w.name(subject, form.name_order);
                        Some((n.clone(), n))
                    }
                    Key::DateOfBirth => {
                        Some((w.date(subject.date_of_birth), subject.date_of_birth.iso()))
                    }
                    Key::Ssn => Some((subject.ssn.clone(), subject.ssn.clone())),
                    Key::ClaimNumber => {
                        let insurance = form.id == "SF 2823" && rng.random_bool(0.3);
                        let c = if insurance {
                            Some(hh.insurance_claim.clone())
                        } else {
                            hh.claim_number.clone()
                        };
                        c.map(|c| (c.clone(), c))
                    }
                    Key::Agency => {
                        let a = w.text(hh.agency);
                        Some((a.clone(), a))
                    }
                };
                (key, value)
            })
            .collect();
        FormDoc {
            form,
            revision,
            form_pages,
            instruction_pages,
            filler,
            typeface: Typeface::random(rng),
            keys,
            student,
            header: rng.random_range(0..2),
            short_number: form.number.starts_with("Standard Form") && rng.random_bool(0.25),
            reverse: form_pages == 2 && rng.random_bool(0.5),
            previous_note: [
                "Previous editions not usable",
                "Previous edition is not usable",
                "Previous editions are not usable",
            ][rng.random_range(0..3)],
        }
    }

    /// Pages of the document (instructions included).
    pub fn pages(&self) -> u8 {
        self.instruction_pages + self.form_pages
    }

    /// Role of page `index` (0-based): `instructions`, `first` or `continuation`.
    pub fn role(&self, index: u8) -> &'static str {
        if index < self.instruction_pages {
            "instructions"
        } else if index == self.instruction_pages {
            "first"
        } else {
            "continuation"
        }
    }

    /// The footer's form-number line, e.g. `Standard Form 3107 Revised June 2006`.
    pub fn footer_left(&self) -> String {
        let f = self.form;
        match f.issuer {
            Issuer::Irs => format!("{} ({})", f.number, self.revision),
            _ => {
                let number = if self.short_number {
                    f.number.replace("Standard Form", "SF")
                } else {
                    f.number.to_string()
                };
                format!("{number} Revised {}", self.revision)
            }
        }
    }

    fn footer_right(&self) -> &'static str {
        match self.form.issuer {
            Issuer::Irs => "Cat. No. 10225T",
            Issuer::Treasury => "Prescribed by Treasury, 31 CFR 210",
            Issuer::Opm => self.previous_note,
        }
    }

    fn value(&self, key: Key) -> Option<&(String, String)> {
        self.keys
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.as_ref())
    }
}

/// Compose page `index` (0-based, instructions first) of `doc`.
pub fn compose(
    doc: &FormDoc,
    index: u8,
    hh: &Household,
    fonts: &Fonts,
    hand: &HandFonts,
    rng: ChaCha8Rng,
) -> Sheet {
    let mut c = Canvas::new(fonts, hand, doc.typeface, doc.filler, rng);
    if index < doc.instruction_pages {
        instructions(&mut c, doc, index + 1);
    } else {
        let page = index - doc.instruction_pages + 1;
        header(&mut c, doc, page);
        if page == 1 {
            first_page(&mut c, doc, hh);
        } else {
            continuation(&mut c, doc, hh, page);
        }
    }
    footer(&mut c, doc, index);
    c.finish()
}

fn omb_line(doc: &FormDoc) -> Option<String> {
    doc.form.omb.map(|omb| match doc.form.issuer {
        Issuer::Opm => format!("Form Approved: OMB No. {omb}"),
        _ => format!("OMB No. {omb}"),
    })
}

/// Agency line, OMB number, program line and the large title.
fn header(c: &mut Canvas, doc: &FormDoc, page: u8) {
    let f = doc.form;
    let tf = c.tf;
    let top = 44.0 + c.rng.random_range(-4.0..6.0);
    if page > 1 {
        // Continuation pages carry a small running head only.
        let head = format!("{} - {}", f.number, f.title);
        c.text(c.left, top, tf.label, tf.label_size, Ink::Print, &head);
        if let Some(omb) = omb_line(doc) {
            c.text_right(c.right, top, tf.label, tf.label_size, &omb);
        }
        c.y = top + 8.0;
        c.rule(c.y, 1.0);
        c.y += 6.0;
        return;
    }
    let mut y = top;
    if doc.header == 0 || f.issuer == Issuer::Irs {
        let left = if f.issuer == Issuer::Irs {
            f.number.to_string()
        } else {
            f.issuer.line().to_string()
        };
        let font = if f.issuer == Issuer::Irs {
            tf.title
        } else {
            tf.label
        };
        let size = if f.issuer == Issuer::Irs { 14.0 } else { 10.0 };
        c.text(c.left, y, font, size, Ink::Print, &left);
        if let Some(omb) = omb_line(doc) {
            c.text_right(c.right, y, tf.label, 9.0, &omb);
        }
        if f.issuer == Issuer::Irs {
            y += 14.0;
            c.text(c.left, y, tf.label, 9.0, Ink::Print, f.issuer.line());
        }
        y += 24.0;
    } else {
        c.text(c.left, y, tf.heading, 11.0, Ink::Print, f.number);
        if let Some(omb) = omb_line(doc) {
            c.text_right(c.right, y, tf.label, 9.0, &omb);
        }
        y += 20.0;
        c.text_center(y, tf.label, 10.5, f.issuer.line());
        y += 20.0;
    }
    // Title: large, centred, wrapped to two lines when long.
    let mut size = tf.title_size;
    while size > 15.0 && c.measure(tf.title, size, f.title) > c.width() {
        size -= 1.0;
    }
    for line in c.wrap(tf.title, size, f.title, c.width()) {
        y += size * 0.9;
        c.text_center(y, tf.title, size, &line);
        y += size * 0.3;
    }
    if !f.subtitle.is_empty() {
        y += 15.0;
        let sub = c.wrap(tf.body, tf.body_size + 1.5, f.subtitle, c.width());
        for line in sub {
            c.text_center(y, tf.body, tf.body_size + 1.5, &line);
            y += tf.body_size * 1.6;
        }
        y -= tf.body_size * 1.6;
    }
    y += 10.0;
    c.rule(y, 1.8);
    c.y = y + 4.0;
}

/// The footer: the form-number line left, a note right, page marker centred.
fn footer(c: &mut Canvas, doc: &FormDoc, index: u8) {
    let tf = c.tf;
    let size = c.rng.random_range(7.0..8.5f32).round();
    let y = PAGE_HEIGHT - c.rng.random_range(32.0..44.0);
    c.rule(y - 11.0, 0.6);
    let left = doc.footer_left();
    c.text(c.left, y, tf.label, size, Ink::Print, &left);
    c.text_right(c.right, y, tf.label, size, doc.footer_right());
    let marker = if index < doc.instruction_pages {
        Some(format!("Instructions - Page {}", index + 1))
    } else {
        let page = index - doc.instruction_pages + 1;
        if doc.form_pages == 1 {
            None
        } else if doc.reverse {
            (page == 2).then(|| format!("Reverse of {}", doc.form.number))
        } else {
            Some(format!("Page {page} of {}", doc.form_pages))
        }
    };
    if let Some(m) = marker {
        let w = c.measure(tf.label, size, &m);
        let x = (c.left + c.right - w) / 2.0;
        c.text(x, y + 12.0, tf.label, size, Ink::Print, &m);
    }
}

/// Label numbering continues across a document's pages only roughly; each page counts from here.
fn numbered(n: &mut usize, label: &str) -> String {
    *n += 1;
    format!("{n}. {label}")
}

fn first_page(c: &mut Canvas, doc: &FormDoc, hh: &Household) {
    let f = doc.form;
    let tf = c.tf;
    c.y += 4.0;
    let intro = "Read the instructions carefully before completing this form. Type or print clearly in dark ink.";
    c.paragraph_in(tf.body, tf.body_size, intro);
    c.section(f.sections[0]);
    let mut n = 0;
    // Key fields: the name takes a row, then two boxes per row.
    let mut pending: Vec<(f32, String, Option<String>)> = Vec::new();
    for &(key, label) in f.keys {
        let value = doc.value(key).cloned();
        if let Some((_, truth)) = &value {
            c.record(key, truth);
        }
        let cell = (1.0, numbered(&mut n, label), value.map(|v| v.0));
        if key == Key::Name || key == Key::Agency {
            if !pending.is_empty() {
                c.row(&std::mem::take(&mut pending));
            }
            c.row(&[cell]);
        } else {
            pending.push(cell);
            if pending.len() == 2 {
                c.row(&std::mem::take(&mut pending));
            }
        }
    }
    // Other labels of the first half pair up with the last key box.
    let half = f.labels.len().div_ceil(2).max(1).min(f.labels.len());
    for label in &f.labels[..half] {
        let v = label_value(label, hh, &doc.filler.writing, &mut c.rng);
        pending.push((1.0, numbered(&mut n, label), v));
        if pending.len() == 2 {
            c.row(&std::mem::take(&mut pending));
        }
    }
    if !pending.is_empty() {
        c.row(&pending);
    }
    let last = doc.form_pages == 1;
    // Each block of this page comes under the next section heading.
    let mut sec = 1;
    for &(page, block) in f.blocks {
        if page == 1 || last {
            if let Some(heading) = f.sections.get(sec) {
                c.section(heading);
                sec += 1;
            }
            draw_block(c, doc, hh, block, &mut n);
        }
    }
    let q_half = if last {
        f.questions.len()
    } else {
        f.questions.len().div_ceil(2)
    };
    c.y += 4.0;
    for q in &f.questions[..q_half] {
        let yes = c.rng.random_bool(0.4);
        let num = n + 1;
        if c.question(num, q, yes) {
            n += 1;
        }
    }
    if last {
        for s in &f.sections[sec.min(f.sections.len())..] {
            if !c.section(s) {
                break;
            }
            c.y += 2.0;
            let text = f.text[c.rng.random_range(0..f.text.len())];
            c.paragraph(text);
        }
        sign(c, doc, hh);
    }
    fill_text(c, f);
}

fn continuation(c: &mut Canvas, doc: &FormDoc, hh: &Household, page: u8) {
    let f = doc.form;
    let mut n = 100 * page as usize / 10; // item numbers continue roughly
    if f.repeat_ids {
        let name = doc.value(Key::Name).cloned();
        let ssn = doc.value(Key::Ssn).cloned();
        if let Some((_, t)) = &name {
            c.record(Key::Name, t);
        }
        if let Some((_, t)) = &ssn {
            c.record(Key::Ssn, t);
        }
        let name_label = f.keys[0].1.to_string();
        c.row(&[
            (2.0, name_label, name.map(|v| v.0)),
            (1.0, SSN_LABEL.to_string(), ssn.map(|v| v.0)),
        ]);
    }
    // Sections 2.. are spread over the continuation pages.
    let rest = &f.sections[first_page_sections(doc).min(f.sections.len())..];
    let pages = (doc.form_pages - 1).max(1) as usize;
    let k = (page - 2) as usize;
    let per = rest.len().div_ceil(pages).max(1);
    let mine: Vec<&str> = rest.iter().skip(k * per).take(per).copied().collect();
    let labels = &f.labels[f.labels.len().div_ceil(2).min(f.labels.len())..];
    let mut label_iter = labels.iter().skip(k).cycle().take(labels.len().min(3));
    let last = page == doc.form_pages;
    for (i, s) in mine.iter().enumerate() {
        if !c.section(s) {
            break;
        }
        if i == 0 {
            for &(p, block) in f.blocks {
                if p.min(doc.form_pages) == page && p > 1 {
                    draw_block(c, doc, hh, block, &mut n);
                }
            }
        }
        if let Some(label) = label_iter.next() {
            let v = label_value(label, hh, &doc.filler.writing, &mut c.rng);
            let l2 = ["Remarks", "Date (mm/dd/yyyy)", "Telephone number"][c.rng.random_range(0..3)];
            let v2 = if l2.starts_with("Date") && c.rng.random_bool(0.5) {
                Some(doc.filler.writing.date(hh.signed))
            } else {
                None
            };
            c.row(&[
                (1.6, numbered(&mut n, label), v),
                (1.0, numbered(&mut n, l2), v2),
            ]);
        }
        let text = f.text[(k + i) % f.text.len()];
        c.paragraph(text);
    }
    if mine.is_empty() {
        for &(p, block) in f.blocks {
            if p.min(doc.form_pages) == page && p > 1 {
                draw_block(c, doc, hh, block, &mut n);
            }
        }
    }
    let start = f.questions.len().div_ceil(2);
    if page == 2 {
        for q in &f.questions[start..] {
            let yes = c.rng.random_bool(0.5);
            n += 1;
            c.question(n, q, yes);
        }
    }
    if last {
        sign(c, doc, hh);
    }
    fill_text(c, f);
}

const SSN_LABEL: &str = "Social Security Number";

/// Sections the first page prints: the key fields' and one per first-page block.
fn first_page_sections(doc: &FormDoc) -> usize {
    1 + doc.form.blocks.iter().filter(|(p, _)| *p == 1).count()
}

/// Certification text and the signature line.
fn sign(c: &mut Canvas, doc: &FormDoc, hh: &Household) {
    c.y += 6.0;
    let cert = "I certify that the information given on this form is true, complete and correct to the best of my knowledge and belief.";
    c.paragraph(cert);
    let ink = doc.filler.hand.map_or([25, 30, 90], |h| h.ink);
    let date = doc.filler.writing.date(hh.signed);
    c.signature_row("Signature", &date, ink);
}

/// Fill what is left of the page with instructions and the Privacy Act text.
fn fill_text(c: &mut Canvas, f: &FormDef) {
    let mut pool: Vec<&str> = f.text.iter().chain(GENERAL).copied().collect();
    pool.shuffle(&mut c.rng);
    let privacy: Vec<&str> = PRIVACY.to_vec();
    if c.fits(60.0) {
        c.y += 8.0;
        let (font, size) = (c.tf.heading, c.tf.label_size + 1.5);
        let y = c.y + size;
        c.text(c.left, y, font, size, Ink::Print, "Instructions");
        c.y = y;
        for chunk in pool.chunks(3) {
            if !c.paragraph(&chunk.join(" ")) {
                return;
            }
        }
    }
    if c.fits(40.0) {
        let start = c.rng.random_range(0..privacy.len() - 2);
        c.paragraph(&privacy[start..start + 3].join(" "));
    }
}

/// Instruction page `n` (1-based) before the form.
fn instructions(c: &mut Canvas, doc: &FormDoc, n: u8) {
    let f = doc.form;
    let tf = c.tf;
    let mut y = 46.0;
    c.text(c.left, y, tf.label, 10.0, Ink::Print, f.issuer.line());
    if let Some(omb) = omb_line(doc) {
        c.text_right(c.right, y, tf.label, 9.0, &omb);
    }
    y += 30.0;
    let mut size = tf.title_size;
    while size > 14.0 && c.measure(tf.title, size, f.title) > c.width() {
        size -= 1.0;
    }
    for line in c.wrap(tf.title, size, f.title, c.width()) {
        c.text_center(y, tf.title, size, &line);
        y += size * 1.2;
    }
    y += 6.0;
    let what = format!("Instructions for completing {}, {}", f.number, f.title);
    for line in c.wrap(tf.heading, 12.0, &what, c.width()) {
        c.text_center(y, tf.heading, 12.0, &line);
        y += 16.0;
    }
    c.rule(y, 1.2);
    c.y = y + 6.0;
    let mut pool: Vec<&str> = f
        .text
        .iter()
        .chain(GENERAL)
        .chain(PRIVACY)
        .copied()
        .collect();
    pool.shuffle(&mut c.rng);
    let mut sentences = pool.into_iter().cycle();
    let skip = if n == 1 { 0 } else { 3 };
    for heading in INSTRUCTION_HEADINGS.iter().skip(skip).cycle().take(6) {
        if !c.fits(50.0) {
            break;
        }
        c.y += 8.0;
        let (font, size) = (tf.heading, tf.body_size + 1.5);
        let hy = c.y + size;
        c.text(c.left, hy, font, size, Ink::Print, heading);
        c.y = hy;
        let count = c.rng.random_range(4..7);
        let text: Vec<&str> = sentences.by_ref().take(count).collect();
        if !c.paragraph(&text.join(" ")) {
            break;
        }
    }
}

/// A value for a non-key label, chosen by keyword, or `None` (left empty).
fn label_value(label: &str, hh: &Household, w: &Writing, rng: &mut ChaCha8Rng) -> Option<String> {
    let l = label.to_lowercase();
    if rng.random_bool(0.15) {
        return None;
    }
    let date = |d: Date| Some(w.date(d));
    let text = |s: &str| Some(w.text(s));
    if l.contains("agency") {
        None // the agency is a key field where the form asks for it
    } else if l.contains("e-mail") {
        text(&hh.email)
    } else if l.contains("school") && l.contains("address") {
        text("Main Campus, Columbus, OH 43210")
    } else if l.contains("name of school") {
        text(hh.school)
    } else if l.contains("employer") {
        text("Tri-State Logistics, Inc., Dayton, OH")
    } else if l == "address" {
        text(&hh.street)
    } else if l.contains("city or town") {
        text(hh.city)
    } else if l.contains("address") {
        text(&hh.address())
    } else if l.contains("telephone") || l.contains("phone") {
        Some(hh.phone.clone())
    } else if l.contains("separation") || l.contains("retirement") {
        date(hh.separation)
    } else if l.contains("date of marriage") {
        date(hh.marriage)
    } else if l.contains("date") || l.contains("begin") {
        date(Date::random(rng, 2019..=2024))
    } else if l.contains("position") {
        text(hh.position)
    } else if l.contains("branch") {
        text(BRANCHES[rng.random_range(0..BRANCHES.len())])
    } else if l.contains("service number") {
        Some(format!("{}", rng.random_range(10_000_000..99_999_999u32)))
    } else if l.contains("dates of active") {
        Some(format!(
            "{:02}/{} - {:02}/{}",
            rng.random_range(1..=12),
            rng.random_range(1966..=1980),
            rng.random_range(1..=12),
            rng.random_range(1981..=1990)
        ))
    } else if l.contains("earnings") || l.contains("pay") || l.contains("income") {
        Some(format!(
            "${},{:03}",
            rng.random_range(28..=96),
            rng.random_range(0..1000)
        ))
    } else if l.contains("enrollment code") {
        Some(["104", "105", "111", "112", "JN1", "KM2"][rng.random_range(0..6)].to_string())
    } else if l.contains("medicare") {
        Some(format!(
            "{}EG4-TE{}-MK{:02}",
            rng.random_range(1..=9),
            rng.random_range(1..=9),
            rng.random_range(10..=99)
        ))
    } else if l.contains("grade") {
        Some(format!(
            "GS-{} Step {}",
            rng.random_range(5..=13),
            rng.random_range(1..=10)
        ))
    } else if l.contains("type of payment") {
        text("Civil Service Annuity")
    } else if l.contains("filing status") {
        text(["Single", "Married filing jointly"][rng.random_range(0..2)])
    } else if l.starts_with("name") || l.contains("completing") {
        text(OFFICIALS[rng.random_range(0..OFFICIALS.len())])
    } else if l.contains("other names") {
        rng.random_bool(0.3).then(|| w.text("None"))
    } else {
        None
    }
}

/// A spouse/beneficiary/other person's name as this document's writer writes it.
fn other_name(w: &Writing, p: &Individual, order: NameOrder) -> String {
    w.name(p, order)
}

fn draw_block(c: &mut Canvas, doc: &FormDoc, hh: &Household, block: Block, n: &mut usize) {
    let w = doc.filler.writing;
    let order = NameOrder::LastFirst;
    c.y += 4.0;
    match block {
        Block::Spouse => {
            let s = hh.spouse.as_ref();
            c.row(&[(
                1.0,
                numbered(n, "Spouse's name (Last, First, Middle)"),
                s.map(|s| other_name(&w, s, order)),
            )]);
            c.row(&[
                (
                    1.0,
                    numbered(n, "Spouse's date of birth (mm/dd/yyyy)"),
                    s.map(|s| w.date(s.date_of_birth)),
                ),
                (
                    1.0,
                    numbered(n, "Spouse's Social Security Number"),
                    s.map(|s| s.ssn.clone()),
                ),
                (
                    1.0,
                    numbered(n, "Date of marriage (mm/dd/yyyy)"),
                    s.map(|_| w.date(hh.marriage)),
                ),
            ]);
        }
        Block::Beneficiaries { percent } => {
            let mut rows: Vec<Vec<Option<String>>> = hh
                .beneficiaries
                .iter()
                .map(|(r, share)| {
                    vec![
                        Some(other_name(&w, &r.person, order)),
                        Some(w.text(r.relationship)),
                        Some(w.date(r.person.date_of_birth)),
                        Some(r.person.ssn.clone()),
                        Some(if percent {
                            format!("{share}%")
                        } else {
                            format!("{share}/100")
                        }),
                    ]
                })
                .collect();
            while rows.len() < 4 {
                rows.push(vec![None; 5]);
            }
            c.table(
                &[
                    ("Name of beneficiary (Last, First, Middle)", 3.0),
                    ("Relationship", 1.3),
                    ("Date of birth", 1.3),
                    ("Social Security Number", 1.6),
                    (if percent { "Share (percent)" } else { "Share" }, 1.0),
                ],
                &rows,
            );
            if percent {
                let (font, size) = (c.tf.label, c.tf.label_size + 0.5);
                c.y += size * 1.6;
                let y = c.y;
                c.text(
                    c.left,
                    y,
                    font,
                    size,
                    Ink::Print,
                    "Total (must equal 100%):",
                );
                let x = c.left + c.measure(font, size, "Total (must equal 100%):") + 10.0;
                c.value(x, y, 60.0, "100%");
                c.y += 4.0;
            }
        }
        Block::Family => {
            let mut rows: Vec<Vec<Option<String>>> = hh
                .spouse
                .iter()
                .map(|s| {
                    (
                        s,
                        if s.sex == super::people::Sex::Female {
                            "Wife"
                        } else {
                            "Husband"
                        },
                    )
                })
                .chain(hh.children.iter().map(|ch| {
                    (
                        ch,
                        if ch.sex == super::people::Sex::Female {
                            "Daughter"
                        } else {
                            "Son"
                        },
                    )
                }))
                .map(|(p, rel)| {
                    vec![
                        Some(other_name(&w, p, order)),
                        Some(w.date(p.date_of_birth)),
                        Some(p.ssn.clone()),
                        Some(w.text(rel)),
                    ]
                })
                .collect();
            while rows.len() < 3 {
                rows.push(vec![None; 4]);
            }
            c.table(
                &[
                    ("Family member's name (Last, First, Middle)", 3.0),
                    ("Date of birth", 1.3),
                    ("Social Security Number", 1.6),
                    ("Relationship", 1.2),
                ],
                &rows,
            );
        }
        Block::Survivor => {
            let (p, rel) = match (&hh.spouse, hh.children.first()) {
                (Some(s), _) => (s.clone(), "Spouse"),
                (None, Some(ch)) => (ch.clone(), "Child"),
                (None, None) => (
                    hh.beneficiaries[0].0.person.clone(),
                    hh.beneficiaries[0].0.relationship,
                ),
            };
            c.row(&[(
                1.0,
                numbered(n, "Applicant's name (Last, First, Middle)"),
                Some(other_name(&w, &p, order)),
            )]);
            c.row(&[
                (
                    1.0,
                    numbered(n, "Applicant's date of birth (mm/dd/yyyy)"),
                    Some(w.date(p.date_of_birth)),
                ),
                (
                    1.0,
                    numbered(n, "Applicant's Social Security Number"),
                    Some(p.ssn.clone()),
                ),
                (
                    1.0,
                    numbered(n, "Relationship to the deceased"),
                    Some(w.text(rel)),
                ),
            ]);
        }
        Block::Deceased => {
            c.row(&[
                (
                    2.0,
                    numbered(n, "Name of deceased employee or annuitant"),
                    Some(other_name(&w, &hh.subject, NameOrder::FirstLast)),
                ),
                (
                    1.0,
                    numbered(n, "Date of death (mm/dd/yyyy)"),
                    Some(w.date(hh.separation)),
                ),
            ]);
        }
        Block::Bank => {
            c.row(&[(
                1.0,
                numbered(n, "Name and address of financial institution"),
                Some(w.text(hh.bank)),
            )]);
            c.row(&[
                (
                    1.0,
                    numbered(n, "Routing number (9 digits)"),
                    Some(hh.routing.clone()),
                ),
                (
                    1.0,
                    numbered(n, "Depositor account number"),
                    Some(hh.account.clone()),
                ),
            ]);
            if c.fits(20.0) {
                let (font, size) = (c.tf.label, c.tf.label_size + 0.5);
                let y = c.y + 14.0;
                c.text(c.left, y, font, size, Ink::Print, "Type of account:");
                let checking = c.rng.random_bool(0.7);
                let x = c.left + 90.0;
                c.checkbox(x, y - 7.5, checking);
                c.text(x + 12.0, y, font, size, Ink::Print, "Checking");
                c.checkbox(x + 80.0, y - 7.5, !checking);
                c.text(x + 92.0, y, font, size, Ink::Print, "Savings");
                c.y += 20.0;
            }
        }
        Block::Earnings => {
            let amount = format!("{}", c.rng.random_range(5_000..=48_000u32));
            let year = hh.signed.year - 1;
            let label = format!("Total earned income for calendar year {year}");
            digit_boxes(c, &numbered(n, &label), &amount);
        }
        Block::Notary => {
            let who = hh
                .spouse
                .as_ref()
                .map_or_else(|| "the spouse".to_string(), |s| s.full_name());
            let text = format!(
                "Subscribed and sworn to before me by {who}, known to me to be the spouse of the employee named above."
            );
            c.paragraph(&text);
            c.signature_row("Signature of spouse", &w.date(hh.signed), [30, 30, 40]);
            c.signature_row(
                "Signature of notary public (seal)",
                &w.date(hh.signed),
                [20, 20, 30],
            );
        }
        Block::Witnesses => {
            for (i, wit) in hh.witnesses.iter().enumerate() {
                if !c.fits(c.tf.box_h) {
                    break;
                }
                let y = c.y;
                let label = format!("Signature of witness {}", i + 1);
                c.row(&[
                    (1.2, label, None),
                    (
                        1.2,
                        "Name of witness (print)".to_string(),
                        Some(other_name(&w, wit, NameOrder::FirstLast)),
                    ),
                    (
                        1.0,
                        "Date (mm/dd/yyyy)".to_string(),
                        Some(w.date(hh.signed)),
                    ),
                ]);
                let sig = super::hand::signature(
                    c.left + 12.0,
                    y + 13.0,
                    80.0,
                    c.tf.box_h - 16.0,
                    [30, 30, 60],
                    &mut c.rng,
                );
                c.mark(sig);
            }
        }
        Block::Service => {
            let rows: Vec<Vec<Option<String>>> = hh
                .prior_agencies
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let from = 1972 + 6 * i as u16 + c.rng.random_range(0..3u16);
                    vec![
                        Some(a.to_string()),
                        Some(
                            Date {
                                year: from,
                                month: c.rng.random_range(1..=12),
                                day: c.rng.random_range(1..=28),
                            }
                            .us(),
                        ),
                        Some(
                            Date {
                                year: from + 5,
                                month: c.rng.random_range(1..=12),
                                day: c.rng.random_range(1..=28),
                            }
                            .us(),
                        ),
                        Some(["GS-0303", "GS-0501", "WG-6907", "GS-0343"][i % 4].to_string()),
                        Some(["FERS", "CSRS", "None"][c.rng.random_range(0..3)].to_string()),
                    ]
                })
                .collect();
            // Service tables are completed by the agency: always typed.
            let saved = c.filler;
            c.filler = Filler::TYPED;
            c.table(
                &[
                    ("Agency or department", 3.0),
                    ("From (mm/dd/yyyy)", 1.4),
                    ("To (mm/dd/yyyy)", 1.4),
                    ("Position series", 1.2),
                    ("Retirement plan", 1.1),
                ],
                &rows,
            );
            c.filler = saved;
        }
        Block::Military => {
            let branch = BRANCHES[c.rng.random_range(0..BRANCHES.len())];
            let has = c.rng.random_bool(0.5);
            let entered = Date::random(&mut c.rng, 1966..=1975);
            let left = Date::random(&mut c.rng, 1976..=1984);
            c.row(&[
                (
                    1.2,
                    numbered(n, "Branch of service"),
                    has.then(|| w.text(branch)),
                ),
                (
                    1.0,
                    numbered(n, "Date entered (mm/dd/yyyy)"),
                    has.then(|| w.date(entered)),
                ),
                (
                    1.0,
                    numbered(n, "Date separated (mm/dd/yyyy)"),
                    has.then(|| w.date(left)),
                ),
            ]);
        }
        Block::Insurance => {
            let (font, size) = (c.tf.label, c.tf.label_size + 0.5);
            let options = [
                "Basic Life Insurance",
                "75% Reduction",
                "50% Reduction",
                "No Reduction",
                "Option A - Standard",
                "Option B - Additional (multiples)",
                "Option C - Family (multiples)",
            ];
            let reduction = c.rng.random_range(1..4);
            for (i, opt) in options.iter().enumerate() {
                if !c.fits(15.0) {
                    break;
                }
                let y = c.y + 12.0;
                let x = c.left + if i == 0 || i > 3 { 0.0 } else { 20.0 };
                let checked = i == 0 || i == reduction || (i > 3 && c.rng.random_bool(0.4));
                c.checkbox(x, y - 7.5, checked);
                c.text(x + 13.0, y, font, size, Ink::Print, opt);
                if i >= 5 && checked {
                    let m = format!("{}", c.rng.random_range(1..=5));
                    let vx = x + 13.0 + c.measure(font, size, opt) + 12.0;
                    c.value(vx, y, 20.0, &m);
                }
                c.y += 15.0;
            }
        }
        Block::Withholding => {
            let lines = [
                "Step 2(b)(i): Amount from Step 2 worksheet, line 4",
                "Step 3: Claim dependent and other credits",
                "Step 4(a): Other income (not from jobs or pensions)",
                "Step 4(b): Deductions",
                "Step 4(c): Extra withholding you want from each payment",
            ];
            for l in lines {
                let v = c
                    .rng
                    .random_bool(0.4)
                    .then(|| format!("${}", c.rng.random_range(20..=900) * 10));
                if !c.row(&[(3.0, l.to_string(), None), (1.0, "Amount".to_string(), v)]) {
                    break;
                }
            }
        }
        Block::Narrative => {
            let (font, size) = (c.tf.label, c.tf.label_size + 0.5);
            c.y += size * 1.4;
            let y = c.y;
            c.text(
                c.left,
                y,
                font,
                size,
                Ink::Print,
                &numbered(n, "Statement (attach additional sheets if needed)"),
            );
            let count = c.rng.random_range(2..4);
            let start = c.rng.random_range(0..NARRATIVE.len());
            for i in 0..count {
                if !c.fits(22.0) {
                    break;
                }
                c.y += 20.0;
                let y = c.y;
                let (x, wd) = (c.left, c.width());
                c.fill(x, y + 3.0, wd, 0.6, Ink::Print);
                let line = w.text(NARRATIVE[(start + i) % NARRATIVE.len()]);
                c.value(x + 6.0, y, wd - 10.0, &line);
            }
            c.y += 8.0;
        }
    }
}

/// A label and one box per digit (the value right-aligned in the boxes).
fn digit_boxes(c: &mut Canvas, label: &str, digits: &str) {
    let (font, size) = (c.tf.label, c.tf.label_size + 0.5);
    if !c.fits(34.0) {
        return;
    }
    let y = c.y + size + 4.0;
    c.text(c.left, y, font, size, Ink::Print, label);
    let n = 7usize;
    let side = 17.0;
    let x0 = c.left + 20.0;
    let by = y + 5.0;
    c.text(c.left + 6.0, by + 13.0, font, size + 2.0, Ink::Print, "$");
    let pad = n.saturating_sub(digits.len());
    for i in 0..n {
        let x = x0 + i as f32 * side;
        c.frame(x, by, side, side + 2.0, 0.7);
    }
    // The digits are one token in the truth: written box by box.
    let x = x0 + pad as f32 * side + 4.0;
    let spaced_w = digits.len() as f32 * side;
    c.value(x, by + side - 2.0, spaced_w - 4.0, digits);
    c.text(
        x0 + n as f32 * side + 4.0,
        by + 13.0,
        font,
        size + 2.0,
        Ink::Print,
        ".00",
    );
    c.y = by + side + 8.0;
}
