//! Pages that are not forms: distractor documents (letters, bills,
//! certificates, a DD-214-like record, a bank statement) and separator
//! sheets (blank, Code 128, QR, PATCH T).

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::barcode::{self, SEPARATOR_TEXT};
use super::canvas::{Canvas, Filler, Sheet, Typeface};
use super::forms::Key;
use super::hand::HandFonts;
use super::people::{Household, NameOrder, Writing};
use crate::layout::{Ink, PAGE_HEIGHT, PAGE_WIDTH};
use crate::model::Date;
use crate::render::{FontId, Fonts};

/// Kinds of distractor document (form `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distractor {
    CoverLetter,
    UtilityBill,
    MarriageCertificate,
    BirthCertificate,
    Dd214,
    BankStatement,
}

impl Distractor {
    pub const ALL: [Distractor; 6] = [
        Distractor::CoverLetter,
        Distractor::UtilityBill,
        Distractor::MarriageCertificate,
        Distractor::BirthCertificate,
        Distractor::Dd214,
        Distractor::BankStatement,
    ];

    /// Short name (for diagnostics and the README).
    pub fn name(self) -> &'static str {
        match self {
            Distractor::CoverLetter => "cover letter",
            Distractor::UtilityBill => "utility bill",
            Distractor::MarriageCertificate => "marriage certificate",
            Distractor::BirthCertificate => "birth certificate",
            Distractor::Dd214 => "DD-214-like discharge record",
            Distractor::BankStatement => "bank statement",
        }
    }

    /// How many pages this kind has (1 or 2).
    pub fn pages(self, rng: &mut ChaCha8Rng) -> u8 {
        match self {
            Distractor::CoverLetter | Distractor::BankStatement => rng.random_range(1..=2),
            Distractor::UtilityBill => rng.random_range(1..=2),
            _ => 1,
        }
    }
}

#[rustfmt::skip]
const LETTER: &[&str] = &[
    "Enclosed please find my completed application and the supporting documents listed below.",
    "I retired from federal service and would like my annuity to start as soon as possible.",
    "Please let me know if any additional information is needed to process my claim.",
    "I have also enclosed a copy of my marriage certificate as requested in your letter.",
    "My mailing address has changed; please update your records with the address shown above.",
    "I called your office last month and was told to send these forms by mail.",
    "Thank you for your help with this matter.",
    "I would appreciate written confirmation that these documents were received.",
    "Please direct any questions to me at the telephone number shown above.",
];

/// Compose page `page` (1-based) of a distractor document.
pub fn compose_distractor(
    kind: Distractor,
    page: u8,
    pages: u8,
    hh: &Household,
    fonts: &Fonts,
    hand: &HandFonts,
    rng: ChaCha8Rng,
) -> Sheet {
    let mut tf_rng = rng.clone();
    let tf = Typeface::random(&mut tf_rng);
    let mut c = Canvas::new(fonts, hand, tf, Filler::TYPED, rng);
    match kind {
        Distractor::CoverLetter => letter(&mut c, hh, page, pages),
        Distractor::UtilityBill => bill(&mut c, hh, page),
        Distractor::MarriageCertificate => marriage(&mut c, hh),
        Distractor::BirthCertificate => birth(&mut c, hh),
        Distractor::Dd214 => dd214(&mut c, hh),
        Distractor::BankStatement => bank(&mut c, hh, page, pages),
    }
    c.finish()
}

fn line(c: &mut Canvas, font: FontId, size: f32, s: &str) {
    c.y += size * 1.35;
    let (x, y) = (c.left, c.y);
    c.text(x, y, font, size, Ink::Print, s);
}

fn long_date(d: Date) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    format!("{} {}, {}", MONTHS[d.month as usize - 1], d.day, d.year)
}

fn letter(c: &mut Canvas, hh: &Household, page: u8, pages: u8) {
    let (font, size) = (c.tf.body, c.tf.body_size + 2.0);
    let name = Writing::TYPED.name(&hh.subject, NameOrder::FirstLast);
    c.y = 70.0;
    if page == 1 {
        line(c, font, size, &name);
        line(c, font, size, &hh.street);
        line(c, font, size, hh.city);
        c.y += size;
        line(c, font, size, &long_date(hh.signed));
        c.y += size;
        for l in [
            "U.S. Office of Personnel Management",
            "Retirement Operations",
            "P.O. Box 45",
            "Boyers, PA 16017-0045",
        ] {
            line(c, font, size, l);
        }
        c.y += size;
        c.record(Key::Name, &name);
        let re = match &hh.claim_number {
            Some(claim) => {
                c.record(Key::ClaimNumber, claim);
                format!("Re: {name}, Claim number {claim}")
            }
            None => {
                c.record(Key::Ssn, &hh.subject.ssn);
                format!("Re: {name}, SSN {}", hh.subject.ssn)
            }
        };
        line(c, c.tf.heading, size - 1.0, &re);
        c.y += size;
        line(c, font, size, "Dear Sir or Madam:");
    } else {
        c.record(Key::Name, &name);
        line(c, font, size, &format!("{name} - page {page}"));
    }
    c.y += size * 0.6;
    let n = c.rng.random_range(3..6);
    let start = c.rng.random_range(0..LETTER.len());
    for i in 0..n {
        let a = LETTER[(start + 2 * i) % LETTER.len()];
        let b = LETTER[(start + 2 * i + 1) % LETTER.len()];
        c.y += size * 0.5;
        c.paragraph_in(font, size, &format!("{a} {b}"));
    }
    if page == pages {
        c.y += size;
        line(c, font, size, "Sincerely,");
        let sig = super::hand::signature(c.left, c.y + 6.0, 130.0, 26.0, [25, 30, 90], &mut c.rng);
        c.mark(sig);
        c.y += 40.0;
        line(c, font, size, &name);
        if page == 1 {
            line(c, font, size - 1.0, "Enclosures");
        }
    }
}

fn bill(c: &mut Canvas, hh: &Household, page: u8) {
    let company = [
        "Tri-County Electric Cooperative",
        "Metro Water and Sewer Authority",
        "Piedmont Natural Gas Service",
    ][c.rng.random_range(0..3)];
    let (sans, bold) = (FontId::Sans, FontId::SansBold);
    c.y = 60.0;
    line(c, bold, 18.0, company);
    line(
        c,
        sans,
        9.0,
        "Customer Service 1-800-555-0199   www.example.com/pay",
    );
    c.y += 10.0;
    let account = format!(
        "{}-{:05}",
        c.rng.random_range(1000..9999),
        c.rng.random_range(0..99999)
    );
    let holder = Writing {
        hand: true,
        periods: false,
        pad_dates: true,
    }
    .name(&hh.subject, NameOrder::FirstLast);
    if page == 1 {
        c.record(Key::Name, &holder);
        line(c, bold, 11.0, &holder);
        line(c, sans, 11.0, &hh.street.to_uppercase());
        line(c, sans, 11.0, &hh.city.to_uppercase());
        c.y += 10.0;
        line(c, sans, 10.0, &format!("Account number: {account}"));
        let d = hh.signed;
        line(
            c,
            sans,
            10.0,
            &format!("Billing date: {}    Service period: 30 days", d.us()),
        );
        c.y += 12.0;
        let rows: Vec<Vec<Option<String>>> = [
            "Previous balance",
            "Payment received - thank you",
            "Basic service charge",
            "Energy charge",
            "Taxes and fees",
        ]
        .iter()
        .map(|l| {
            vec![
                Some(l.to_string()),
                Some(format!(
                    "${}.{:02}",
                    c.rng.random_range(5..180),
                    c.rng.random_range(0..100)
                )),
            ]
        })
        .collect();
        c.table(&[("Description", 4.0), ("Amount", 1.2)], &rows);
        c.y += 10.0;
        let due = format!(
            "Amount due: ${}.{:02}",
            c.rng.random_range(40..260),
            c.rng.random_range(0..100)
        );
        line(c, bold, 13.0, &due);
        line(
            c,
            sans,
            10.0,
            &format!("Please pay by {}", Date { day: 28, ..d }.us()),
        );
    } else {
        line(c, bold, 12.0, "Important information about your account");
        for _ in 0..4 {
            c.paragraph_in(sans, 10.0, "Payments received after the due date are subject to a late charge. If you have questions about this bill, call customer service. Budget billing is available to all residential customers.");
        }
    }
    // Payment stub below a dashed line.
    let y = PAGE_HEIGHT - 190.0;
    let mut x = c.left;
    while x < c.right {
        c.fill(x, y, 6.0, 0.8, Ink::Print);
        x += 10.0;
    }
    c.y = y + 6.0;
    line(
        c,
        sans,
        9.0,
        "Please detach and return this portion with your payment.",
    );
    line(c, sans, 10.0, &format!("Account number: {account}"));
    line(c, sans, 10.0, company);
}

fn certificate_frame(c: &mut Canvas) {
    let m = c.left - 14.0;
    c.frame(m, 30.0, PAGE_WIDTH - 2.0 * m, PAGE_HEIGHT - 60.0, 3.0);
    c.frame(
        m + 6.0,
        36.0,
        PAGE_WIDTH - 2.0 * m - 12.0,
        PAGE_HEIGHT - 72.0,
        0.8,
    );
}

fn marriage(c: &mut Canvas, hh: &Household) {
    certificate_frame(c);
    let state = [
        "Commonwealth of Virginia",
        "State of Ohio",
        "State of Maryland",
        "State of Georgia",
    ][c.rng.random_range(0..4)];
    c.text_center(90.0, FontId::SerifBold, 16.0, state);
    c.text_center(125.0, FontId::SerifBold, 26.0, "Certificate of Marriage");
    c.text_center(
        150.0,
        FontId::Serif,
        11.0,
        "Certified copy of a vital record",
    );
    c.y = 180.0;
    let spouse = hh
        .spouse
        .clone()
        .unwrap_or_else(|| hh.beneficiaries[0].0.person.clone());
    let subject_name = hh.subject.full_name();
    c.record(Key::Name, &subject_name);
    c.record(Key::DateOfBirth, &hh.subject.date_of_birth.iso());
    let rows = [
        ("Party A - full name", subject_name.clone()),
        ("Party A - date of birth", hh.subject.date_of_birth.us()),
        ("Party B - full name", spouse.full_name()),
        ("Party B - date of birth", spouse.date_of_birth.us()),
        ("Date of marriage", hh.marriage.us()),
        ("Place of marriage", hh.city.to_string()),
        ("Officiant", "Rev. Thomas A. Greer".to_string()),
    ];
    for (label, value) in rows {
        c.row(&[(1.0, label.to_string(), Some(value))]);
    }
    c.y += 20.0;
    c.paragraph("I certify that this is a true and correct copy of the official record filed with this office.");
    c.y += 30.0;
    let sig = super::hand::signature(c.left + 20.0, c.y, 140.0, 24.0, [20, 20, 30], &mut c.rng);
    c.mark(sig);
    c.y += 30.0;
    line(c, FontId::Serif, 10.0, "State Registrar of Vital Records");
}

fn birth(c: &mut Canvas, hh: &Household) {
    certificate_frame(c);
    let county = [
        "Allegheny County",
        "Cook County",
        "Franklin County",
        "Fulton County",
    ][c.rng.random_range(0..4)];
    c.text_center(
        90.0,
        FontId::SerifBold,
        15.0,
        &format!("Department of Health - {county}"),
    );
    c.text_center(125.0, FontId::SerifBold, 26.0, "Certificate of Live Birth");
    c.y = 160.0;
    let name = hh.subject.full_name();
    c.record(Key::Name, &name);
    c.record(Key::DateOfBirth, &hh.subject.date_of_birth.iso());
    let mother = ["Ruth", "Evelyn", "Dorothy", "Helen"][c.rng.random_range(0..4)];
    let father = ["George", "Frank", "Joseph", "Albert"][c.rng.random_range(0..4)];
    let rows = [
        ("Name of child", name),
        ("Date of birth", long_date(hh.subject.date_of_birth)),
        (
            "Sex",
            if hh.subject.sex == super::people::Sex::Female {
                "Female"
            } else {
                "Male"
            }
            .to_string(),
        ),
        ("Place of birth", county.to_string()),
        ("Mother's maiden name", format!("{mother} Ellison")),
        ("Father's name", format!("{father} {}", hh.subject.last)),
        (
            "Date filed",
            Date {
                year: hh.subject.date_of_birth.year,
                month: hh.subject.date_of_birth.month,
                day: 28,
            }
            .us(),
        ),
    ];
    for (label, value) in rows {
        c.row(&[(1.0, label.to_string(), Some(value))]);
    }
    c.y += 20.0;
    c.paragraph("This is a certified abstract of the record on file. Any alteration or erasure voids this certificate.");
}

fn dd214(c: &mut Canvas, hh: &Household) {
    let (sans, bold) = (FontId::Sans, FontId::SansBold);
    c.text(
        c.left,
        52.0,
        sans,
        8.0,
        Ink::Print,
        "THIS IS AN IMPORTANT RECORD. SAFEGUARD IT.",
    );
    c.text_center(
        76.0,
        bold,
        14.0,
        "CERTIFICATE OF RELEASE OR DISCHARGE FROM ACTIVE DUTY",
    );
    c.text_center(92.0, sans, 9.0, "DD FORM 214 (facsimile for test purposes)");
    c.y = 104.0;
    let p = &hh.subject;
    let name = format!("{}, {} {}", p.last, p.first, p.middle).to_uppercase();
    let dob = format!(
        "{:04}{:02}{:02}",
        p.date_of_birth.year, p.date_of_birth.month, p.date_of_birth.day
    );
    c.record(Key::Name, &name);
    c.record(Key::Ssn, &p.ssn);
    c.record(Key::DateOfBirth, &p.date_of_birth.iso());
    let branch =
        ["ARMY/RA", "NAVY/USN", "AIR FORCE/RA", "MARINE CORPS/USMC"][c.rng.random_range(0..4)];
    let entered = p.date_of_birth.year + 18 + c.rng.random_range(0..4u16);
    c.row(&[
        (2.0, "1. NAME (Last, First, Middle)".to_string(), Some(name)),
        (
            1.3,
            "2. DEPARTMENT, COMPONENT AND BRANCH".to_string(),
            Some(branch.to_string()),
        ),
        (
            1.0,
            "3. SOCIAL SECURITY NUMBER".to_string(),
            Some(p.ssn.clone()),
        ),
    ]);
    c.row(&[
        (
            1.0,
            "4.a. GRADE, RATE OR RANK".to_string(),
            Some("SGT".to_string()),
        ),
        (1.0, "4.b. PAY GRADE".to_string(), Some("E5".to_string())),
        (1.0, "5. DATE OF BIRTH (YYYYMMDD)".to_string(), Some(dob)),
    ]);
    let (m1, m2) = (c.rng.random_range(1..10), c.rng.random_range(1..10));
    c.row(&[
        (
            1.0,
            "12.a. DATE ENTERED AD THIS PERIOD".to_string(),
            Some(format!("{entered}0{m1}15")),
        ),
        (
            1.0,
            "12.b. SEPARATION DATE THIS PERIOD".to_string(),
            Some(format!("{}0{m2}28", entered + 4)),
        ),
    ]);
    for label in [
        "13. DECORATIONS, MEDALS, BADGES, CITATIONS AND CAMPAIGN RIBBONS",
        "14. MILITARY EDUCATION",
        "18. REMARKS",
    ] {
        c.row(&[(1.0, label.to_string(), None)]);
    }
    c.row(&[
        (
            1.0,
            "23. TYPE OF SEPARATION".to_string(),
            Some("RELEASE FROM ACTIVE DUTY".to_string()),
        ),
        (
            1.0,
            "24. CHARACTER OF SERVICE".to_string(),
            Some("HONORABLE".to_string()),
        ),
    ]);
    c.y += 14.0;
    c.paragraph_in(
        sans,
        8.5,
        "Member copy. Previous editions are obsolete. Any alteration of this form renders it void.",
    );
}

fn bank(c: &mut Canvas, hh: &Household, page: u8, pages: u8) {
    let (sans, bold) = (FontId::Sans, FontId::SansBold);
    c.y = 56.0;
    line(c, bold, 16.0, hh.bank);
    line(
        c,
        sans,
        9.0,
        &format!("Statement of account - page {page} of {pages}"),
    );
    c.y += 8.0;
    let holder = Writing {
        hand: true,
        periods: false,
        pad_dates: true,
    }
    .name(&hh.subject, NameOrder::FirstLast);
    c.record(Key::Name, &holder);
    line(c, bold, 11.0, &holder);
    if page == 1 {
        line(c, sans, 11.0, &hh.street.to_uppercase());
        line(c, sans, 11.0, &hh.city.to_uppercase());
    }
    let last4 = &hh.account[hh.account.len() - 4..];
    line(
        c,
        sans,
        10.0,
        &format!(
            "Account ending in {last4}    Statement period ending {}",
            hh.signed.us()
        ),
    );
    c.y += 12.0;
    let mut rows = Vec::new();
    for i in 0..c.rng.random_range(8..16) {
        let what = [
            "OPM RETIREMENT ANNUITY DEP",
            "GROCERY PURCHASE",
            "CHECK",
            "UTILITY PAYMENT",
            "ATM WITHDRAWAL",
            "PHARMACY",
        ][c.rng.random_range(0..6)];
        rows.push(vec![
            Some(format!("{:02}/{:02}", hh.signed.month, (i * 2 + 1).min(28))),
            Some(what.to_string()),
            Some(format!(
                "{}.{:02}",
                c.rng.random_range(5..2500),
                c.rng.random_range(0..100)
            )),
            Some(format!(
                "{}.{:02}",
                c.rng.random_range(500..9000),
                c.rng.random_range(0..100)
            )),
        ]);
    }
    c.table(
        &[
            ("Date", 1.0),
            ("Description", 4.0),
            ("Amount", 1.4),
            ("Balance", 1.4),
        ],
        &rows,
    );
}

/// Kinds of separator sheet, as recorded in the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SepKind {
    Blank,
    Code128,
    Qr,
    PatchT,
}

impl SepKind {
    pub const ALL: [SepKind; 4] = [
        SepKind::Blank,
        SepKind::Code128,
        SepKind::Qr,
        SepKind::PatchT,
    ];

    /// `blank`, `code128`, `qr` or `patch-t`.
    pub fn name(self) -> &'static str {
        match self {
            SepKind::Blank => "blank",
            SepKind::Code128 => "code128",
            SepKind::Qr => "qr",
            SepKind::PatchT => "patch-t",
        }
    }
}

/// Compose a separator sheet at `dpi` (bar and module widths are whole pixels).
pub fn compose_separator(
    kind: SepKind,
    dpi: u32,
    fonts: &Fonts,
    hand: &HandFonts,
    rng: ChaCha8Rng,
) -> anyhow::Result<Sheet> {
    let mut tf_rng = rng.clone();
    let tf = Typeface::random(&mut tf_rng);
    let mut c = Canvas::new(fonts, hand, tf, Filler::TYPED, rng);
    let px = |n: f32| n * 72.0 / dpi as f32; // pixels to points
    let mid = PAGE_WIDTH / 2.0;
    match kind {
        SepKind::Blank => {}
        SepKind::Code128 => {
            c.text_center(120.0, FontId::SansBold, 24.0, "DOCUMENT SEPARATOR");
            let bars = barcode::code128(SEPARATOR_TEXT)?;
            let module = px((dpi as f32 / 66.0).round()); // about 0.015 in
            let width = bars.len() as f32 * module;
            let (x0, y0, h) = (mid - width / 2.0, 170.0, 72.0);
            let mut i = 0;
            while i < bars.len() {
                let run = bars[i..].iter().take_while(|&&b| b == bars[i]).count();
                if bars[i] {
                    c.fill(
                        x0 + i as f32 * module,
                        y0,
                        run as f32 * module,
                        h,
                        Ink::Print,
                    );
                }
                i += run;
            }
            c.text_center(y0 + h + 22.0, FontId::Mono, 14.0, SEPARATOR_TEXT);
            c.text_center(
                330.0,
                FontId::Sans,
                11.0,
                "Place this sheet in front of each new document.",
            );
        }
        SepKind::Qr => {
            c.text_center(120.0, FontId::SansBold, 24.0, "DOCUMENT SEPARATOR");
            let (n, modules) = barcode::qr(SEPARATOR_TEXT)?;
            let module = px((dpi as f32 / 20.0).round()); // about 0.05 in
            let side = n as f32 * module;
            let (x0, y0) = (mid - side / 2.0, 170.0);
            for (r, row) in modules.chunks(n).enumerate() {
                let mut col = 0;
                while col < n {
                    let run = row[col..].iter().take_while(|&&b| b == row[col]).count();
                    if row[col] {
                        c.fill(
                            x0 + col as f32 * module,
                            y0 + r as f32 * module,
                            run as f32 * module,
                            module,
                            Ink::Print,
                        );
                    }
                    col += run;
                }
            }
            c.text_center(y0 + side + 24.0, FontId::Mono, 14.0, SEPARATOR_TEXT);
            c.text_center(
                y0 + side + 60.0,
                FontId::Sans,
                11.0,
                "Place this sheet in front of each new document.",
            );
        }
        SepKind::PatchT => {
            // Bars parallel to the leading (top) edge, 0.5 in below it, 6.5 in long.
            let inch = 72.0;
            let (x0, len, top) = (1.0 * inch, 6.5 * inch, 0.5 * inch);
            for (at, w) in barcode::patch_t() {
                let y = top + at * inch;
                // Snap to whole pixels so bar widths stay exact.
                let y_px = (y * dpi as f32 / 72.0).round();
                let h_px = (w * dpi as f32).round();
                c.fill(x0, px(y_px), len, px(h_px), Ink::Print);
            }
            c.text_center(330.0, FontId::SansBold, 72.0, "PATCH T");
            c.text_center(
                380.0,
                FontId::Sans,
                12.0,
                "Transfer patch - document separator sheet",
            );
        }
    }
    Ok(c.finish())
}
