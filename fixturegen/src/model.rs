//! Page content: who the case is about, which form a page shows and what is
//! typed into it. Nothing here knows about fonts, pixels or file formats.
//!
//! To add a form, append a [`FormTemplate`] to [`CATALOG`]; to add a kind of
//! typed field, add a [`FieldKind`] variant and give it a key and a value.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// A calendar date (always valid; days are capped at 28).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Uniformly random date in the given inclusive year range.
    pub fn random(rng: &mut ChaCha8Rng, years: std::ops::RangeInclusive<u16>) -> Self {
        Date {
            year: rng.random_range(years),
            month: rng.random_range(1..=12),
            day: rng.random_range(1..=28),
        }
    }

    /// `mm/dd/yyyy`, as printed on U.S. forms.
    pub fn us(&self) -> String {
        format!("{:02}/{:02}/{:04}", self.month, self.day, self.year)
    }

    /// `yyyy-mm-dd`, as recorded in the ground truth.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[rustfmt::skip]
const FIRST_NAMES: &[&str] = &[
    "Elaine", "Robert", "Margaret", "James", "Dolores", "William", "Patricia", "Harold", "Linda",
    "Gerald", "Barbara", "Raymond", "Carol", "Walter", "Judith", "Dennis", "Sharon", "Leonard",
    "Frances", "Eugene", "Marilyn", "Arthur", "Gloria", "Ronald",
];
#[rustfmt::skip]
const LAST_NAMES: &[&str] = &[
    "Morgan", "Hendricks", "Alvarez", "Whitfield", "Kowalski", "Brennan", "Okafor", "Lindqvist",
    "Dawson", "Castillo", "Pritchard", "Nakamura", "Sullivan", "Ferreira", "Holloway", "Jablonski",
    "McAllister", "Thornton", "Vasquez", "Gallagher", "Winslow", "Ostrowski",
];
#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Maple Avenue", "Oak Street", "Jefferson Road", "Cedar Lane", "Lincoln Drive", "Willow Court",
    "Madison Street", "Chestnut Avenue", "Franklin Boulevard", "Spring Road",
];
#[rustfmt::skip]
const CITIES: &[&str] = &[
    "Springfield, VA 22150", "Silver Spring, MD 20901", "Boyers, PA 16020", "Arlington, TX 76010",
    "Columbus, OH 43215", "Tacoma, WA 98402", "Macon, GA 31201", "Dayton, OH 45402",
    "Topeka, KS 66603", "Albany, NY 12207",
];
#[rustfmt::skip]
const AGENCIES: &[&str] = &[
    "Department of Veterans Affairs", "Social Security Administration",
    "Department of the Interior", "General Services Administration", "Department of Agriculture",
    "Internal Revenue Service", "Defense Logistics Agency",
];
const RELATIONSHIPS: &[&str] = &["Spouse", "Son", "Daughter", "Sister", "Brother", "Niece"];
const ENROLLMENT_CODES: &[&str] = &["104", "105", "111", "112", "JN1", "JN2", "SR2", "KM1"];

/// A fake person with every value a form may ask for.
#[derive(Debug, Clone)]
pub struct Person {
    pub first: &'static str,
    pub middle_initial: char,
    pub last: &'static str,
    /// Never-issued 9xx area, e.g. `912-34-5678`.
    pub ssn: String,
    pub date_of_birth: Date,
    /// OPM civil service annuity claim number, e.g. `CSA 1234567`.
    pub claim_number: String,
    pub address: String,
    /// Fictional 555-01xx number.
    pub phone: String,
    pub agency: &'static str,
    pub separation_date: Date,
    pub beneficiary: String,
    pub relationship: &'static str,
    pub enrollment_code: &'static str,
    pub date_signed: Date,
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

impl Person {
    /// A random person; every identifier is fake by construction.
    pub fn random(rng: &mut ChaCha8Rng) -> Self {
        let last = pick(rng, LAST_NAMES);
        let spouse_first = pick(rng, FIRST_NAMES);
        Person {
            first: pick(rng, FIRST_NAMES),
            middle_initial: char::from(b'A' + rng.random_range(0..26u8)),
            last,
            ssn: format!(
                "{}-{:02}-{:04}",
                rng.random_range(900..=999u16),
                rng.random_range(1..=99u8),
                rng.random_range(1..=9999u16)
            ),
            date_of_birth: Date::random(rng, 1944..=1966),
            claim_number: format!("CSA {}", rng.random_range(1_000_000..=9_999_999u32)),
            address: format!(
                "{} {}, {}",
                rng.random_range(100..=9899u16),
                pick(rng, STREETS),
                pick(rng, CITIES)
            ),
            phone: format!(
                "{}-555-{:04}",
                rng.random_range(201..=989u16),
                rng.random_range(100..=199u16)
            ),
            agency: pick(rng, AGENCIES),
            separation_date: Date::random(rng, 2015..=2023),
            beneficiary: format!("{spouse_first} {last}"),
            relationship: pick(rng, RELATIONSHIPS),
            enrollment_code: pick(rng, ENROLLMENT_CODES),
            date_signed: Date::random(rng, 2023..=2024),
        }
    }

    /// Name as asked on the forms: `Last, First Middle-initial.`
    pub fn name_last_first(&self) -> String {
        format!("{}, {} {}.", self.last, self.first, self.middle_initial)
    }
}

/// A typed value a form can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Name,
    DateOfBirth,
    Ssn,
    ClaimNumber,
    Address,
    Phone,
    Agency,
    SeparationDate,
    Beneficiary,
    Relationship,
    EnrollmentCode,
    DateSigned,
}

impl FieldKind {
    /// Key in the ground truth's `fields` map.
    pub fn key(self) -> &'static str {
        match self {
            FieldKind::Name => "name",
            FieldKind::DateOfBirth => "date_of_birth",
            FieldKind::Ssn => "ssn",
            FieldKind::ClaimNumber => "claim_number",
            FieldKind::Address => "address",
            FieldKind::Phone => "phone",
            FieldKind::Agency => "agency",
            FieldKind::SeparationDate => "separation_date",
            FieldKind::Beneficiary => "beneficiary",
            FieldKind::Relationship => "relationship",
            FieldKind::EnrollmentCode => "enrollment_code",
            FieldKind::DateSigned => "date_signed",
        }
    }

    /// Whether the field takes a full row (otherwise two share a row).
    pub fn wide(self) -> bool {
        matches!(
            self,
            FieldKind::Name | FieldKind::Address | FieldKind::Agency | FieldKind::Beneficiary
        )
    }

    /// `(printed, truth)` values: dates print as mm/dd/yyyy, record as ISO.
    pub fn value(self, p: &Person) -> (String, String) {
        let date = |d: Date| (d.us(), d.iso());
        let same = |s: String| (s.clone(), s);
        match self {
            FieldKind::Name => same(p.name_last_first()),
            FieldKind::DateOfBirth => date(p.date_of_birth),
            FieldKind::Ssn => same(p.ssn.clone()),
            FieldKind::ClaimNumber => same(p.claim_number.clone()),
            FieldKind::Address => same(p.address.clone()),
            FieldKind::Phone => same(p.phone.clone()),
            FieldKind::Agency => same(p.agency.to_string()),
            FieldKind::SeparationDate => date(p.separation_date),
            FieldKind::Beneficiary => same(p.beneficiary.clone()),
            FieldKind::Relationship => same(p.relationship.to_string()),
            FieldKind::EnrollmentCode => same(p.enrollment_code.to_string()),
            FieldKind::DateSigned => date(p.date_signed),
        }
    }
}

/// A paper form: fixed texts plus the fields it asks for.
#[derive(Debug)]
pub struct FormTemplate {
    /// Identifier recorded in the truth, e.g. `SF 3107`.
    pub id: &'static str,
    pub title: &'static str,
    /// Program line printed above the title.
    pub program: &'static str,
    /// OMB control number, printed as `Form Approved: OMB No. ...`.
    pub omb: &'static str,
    /// Footer, printed left and right.
    pub footer: (&'static str, &'static str),
    /// Heading of the field block.
    pub section: &'static str,
    /// Fields in order, with their labels (numbers are added when laid out).
    pub fields: &'static [(FieldKind, &'static str)],
    /// A yes/no question answered with a check box.
    pub question: &'static str,
    /// Instruction sentences; a page prints a random selection in order.
    pub instructions: &'static [&'static str],
}

const PRIVACY: &[&str] = &[
    "Solicitation of this information is authorized by Title 5 of the United States Code.",
    "The information you furnish will be used to identify records properly associated with your application and to determine your rights to benefits.",
    "Your Social Security Number is needed to keep your records accurate, because other people may have the same name and birth date.",
    "Failure to furnish the requested information may delay or prevent action on your application.",
    "Information may be shared with other federal agencies when they need it to decide on a benefit or to pay you.",
];

const COMMON_INSTRUCTIONS: &[&str] = &[
    "Type or print clearly in dark ink.",
    "If you need more space for any item, attach a separate sheet and write your name and Social Security Number on each sheet.",
    "Keep a copy of this form for your records.",
    "Giving false information on this form may be punished by a fine or imprisonment.",
];

/// The forms a page can show.
pub static CATALOG: &[FormTemplate] = &[
    FormTemplate {
        id: "SF 3107",
        title: "Application for Immediate Retirement",
        program: "Federal Employees Retirement System",
        omb: "3206-0167",
        footer: ("Standard Form 3107 Revised June 2006", "Previous editions not usable"),
        section: "Applicant Information",
        fields: &[
            (FieldKind::Name, "Name (Last, First, Middle)"),
            (FieldKind::DateOfBirth, "Date of birth (mm/dd/yyyy)"),
            (FieldKind::Ssn, "Social Security Number"),
            (FieldKind::Address, "Mailing address (including ZIP Code)"),
            (FieldKind::Phone, "Daytime telephone number"),
            (FieldKind::ClaimNumber, "OPM claim number"),
            (FieldKind::Agency, "Name of employing agency"),
            (FieldKind::SeparationDate, "Date of final separation (mm/dd/yyyy)"),
            (FieldKind::DateSigned, "Date signed (mm/dd/yyyy)"),
        ],
        question: "Are you applying for disability retirement?",
        instructions: &[
            "Read all instructions carefully before you complete this application.",
            "Your retirement will be processed faster if you answer every item and attach the documents listed in the checklist.",
            "Submit the application to your employing agency at least sixty days before the date you plan to retire.",
            "The Office of Personnel Management uses this information to decide whether you are entitled to an annuity and to compute its amount.",
        ],
    },
    FormTemplate {
        id: "SF 2808",
        title: "Designation of Beneficiary",
        program: "Civil Service Retirement System",
        omb: "3206-0173",
        footer: ("Standard Form 2808 Revised August 2004", "Previous editions not usable"),
        section: "Person Making Designation",
        fields: &[
            (FieldKind::Name, "Name (Last, First, Middle)"),
            (FieldKind::Ssn, "Social Security Number"),
            (FieldKind::DateOfBirth, "Date of birth (mm/dd/yyyy)"),
            (FieldKind::ClaimNumber, "Claim number"),
            (FieldKind::Beneficiary, "Name of beneficiary"),
            (FieldKind::Relationship, "Relationship to you"),
            (FieldKind::DateSigned, "Date signed (mm/dd/yyyy)"),
        ],
        question: "Does this designation cancel a previous designation?",
        instructions: &[
            "Use this form only if you want a lump sum payment to be made to someone other than the person entitled under the order of precedence.",
            "A designation must be received by the Office of Personnel Management before your death to be valid.",
            "Two people must witness your signature, and neither witness may be named as a beneficiary.",
            "You may change or cancel this designation at any time by filing a new form.",
        ],
    },
    FormTemplate {
        id: "SF 2809",
        title: "Health Benefits Election Form",
        program: "Federal Employees Health Benefits Program",
        omb: "3206-0160",
        footer: ("Standard Form 2809 Revised June 2019", "Previous editions are not usable"),
        section: "Enrollee Information",
        fields: &[
            (FieldKind::Name, "Enrollee name (Last, First, Middle)"),
            (FieldKind::DateOfBirth, "Date of birth (mm/dd/yyyy)"),
            (FieldKind::Ssn, "Social Security Number"),
            (FieldKind::EnrollmentCode, "Enrollment code"),
            (FieldKind::Phone, "Home telephone number"),
            (FieldKind::Address, "Home mailing address"),
            (FieldKind::ClaimNumber, "Annuitant claim number"),
            (FieldKind::DateSigned, "Date signed (mm/dd/yyyy)"),
        ],
        question: "Are you covered by Medicare?",
        instructions: &[
            "Enter the enrollment code of the plan and option you choose from the plan brochure.",
            "Your new enrollment takes effect on the first day of the first pay period that begins after this form is received.",
            "Family members listed on this form must be eligible under the rules of the program.",
            "Send the completed form to your retirement system, not to the health plan.",
        ],
    },
    FormTemplate {
        id: "RI 92-19",
        title: "Application for Deferred or Postponed Retirement",
        program: "Federal Employees Retirement System",
        omb: "3206-0190",
        footer: ("RI 92-19 Revised July 2015", "Previous editions not usable"),
        section: "Identifying Information",
        fields: &[
            (FieldKind::Name, "Name (Last, First, Middle)"),
            (FieldKind::DateOfBirth, "Date of birth (mm/dd/yyyy)"),
            (FieldKind::Ssn, "Social Security Number"),
            (FieldKind::Agency, "Last employing agency"),
            (FieldKind::SeparationDate, "Date of separation (mm/dd/yyyy)"),
            (FieldKind::ClaimNumber, "Claim number, if known"),
            (FieldKind::Address, "Current mailing address"),
        ],
        question: "Have you ever applied for a refund of your retirement deductions?",
        instructions: &[
            "Do not file this application more than sixty days before the date you become eligible for an annuity.",
            "Attach a copy of your last notification of personnel action showing your separation from federal service.",
            "If you were married at separation, you must answer the questions about survivor benefits on the next page.",
            "Mail the completed application to the Office of Personnel Management, Retirement Operations, Boyers, Pennsylvania.",
        ],
    },
];

/// One filled-in field.
#[derive(Debug, Clone)]
pub struct Field {
    pub kind: FieldKind,
    /// Label including its item number, e.g. `1. Name (Last, First, Middle)`.
    pub label: String,
    /// Value as typed on the page.
    pub value: String,
    /// Value as recorded in the truth.
    pub truth: String,
}

/// Everything one page says, before layout.
#[derive(Debug, Clone)]
pub struct PageSpec {
    pub form: &'static FormTemplate,
    pub fields: Vec<Field>,
    /// The check-box question (numbered) and its answer.
    pub question: (String, bool),
    /// Instruction paragraphs (plain ASCII sentences).
    pub paragraphs: Vec<String>,
    /// Privacy Act statement paragraph.
    pub privacy: String,
}

impl PageSpec {
    /// Fill `form` in for `person`, choosing the instruction text with `rng`.
    pub fn new(form: &'static FormTemplate, person: &Person, rng: &mut ChaCha8Rng) -> Self {
        let fields: Vec<Field> = form
            .fields
            .iter()
            .enumerate()
            .map(|(i, &(kind, label))| {
                let (value, truth) = kind.value(person);
                Field {
                    kind,
                    label: format!("{}. {label}", i + 1),
                    value,
                    truth,
                }
            })
            .collect();
        let question = (
            format!("{}. {}", fields.len() + 1, form.question),
            rng.random_bool(0.3),
        );
        let mut pool: Vec<&str> = form.instructions.to_vec();
        pool.extend_from_slice(COMMON_INSTRUCTIONS);
        let paragraphs = (0..2)
            .map(|_| {
                let n = rng.random_range(2..=3);
                (0..n)
                    .map(|_| pool.remove(rng.random_range(0..pool.len())))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let start = rng.random_range(0..=PRIVACY.len() - 3);
        let privacy = PRIVACY[start..start + 3].join(" ");
        PageSpec {
            form,
            fields,
            question,
            paragraphs,
            privacy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn identifiers_are_fake_and_well_formed() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let p = Person::random(&mut rng);
            let parts: Vec<&str> = p.ssn.split('-').collect();
            assert_eq!(parts.len(), 3);
            assert!(
                parts[0].starts_with('9') && parts[0].len() == 3,
                "{}",
                p.ssn
            );
            assert_eq!((parts[1].len(), parts[2].len()), (2, 4));
            assert!(p.claim_number.starts_with("CSA ") && p.claim_number.len() == 11);
            assert!(p.phone.contains("-555-01"));
            let dob = p.date_of_birth.us();
            assert_eq!(dob.len(), 10);
            assert_eq!(&dob[2..3], "/");
        }
    }

    #[test]
    fn every_form_field_has_a_value() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let person = Person::random(&mut rng);
        for form in CATALOG {
            let page = PageSpec::new(form, &person, &mut rng);
            assert_eq!(page.paragraphs.len(), 2);
            assert!(page.fields.iter().all(|f| !f.value.is_empty()));
            assert!(page
                .fields
                .iter()
                .all(|f| f.value.is_ascii() && f.label.is_ascii()));
        }
    }
}
