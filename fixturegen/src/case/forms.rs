//! Replicas of the forms of an OPM retirement case file (after
//! `shared/docs/forms-catalog.md`): identity (title, number, OMB number,
//! revisions), page counts, the subject's key fields with their labels, and
//! the rest of what the pages print (sections, other labels, tables, text).
//!
//! The page composer ([`super::page`]) turns a [`FormDef`] into pages; the
//! identifiers in [`FormDef::id`] are the ones recorded in the truth.

use super::people::NameOrder;

/// Who issues a form; printed as the agency line near the title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuer {
    Opm,
    Irs,
    Treasury,
}

impl Issuer {
    /// The agency line printed near the title.
    pub fn line(self) -> &'static str {
        match self {
            Issuer::Opm => "U.S. Office of Personnel Management",
            Issuer::Irs => "Department of the Treasury - Internal Revenue Service",
            Issuer::Treasury => "Department of the Treasury - Bureau of the Fiscal Service",
        }
    }
}

/// A key field: the identifiers recorded in the truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    Name,
    DateOfBirth,
    Ssn,
    ClaimNumber,
    Agency,
}

impl Key {
    /// Key in the truth's `fields` maps.
    pub fn key(self) -> &'static str {
        match self {
            Key::Name => "name",
            Key::DateOfBirth => "date_of_birth",
            Key::Ssn => "ssn",
            Key::ClaimNumber => "claim_number",
            Key::Agency => "agency",
        }
    }
}

/// Whose key values a form carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The case's subject (employee, annuitant, insured, designator; the
    /// deceased on a death-benefit application).
    Principal,
    /// A student survivor (RI 25-14): the child's name, the subject's claim number.
    Student,
}

/// A multi-line part of a form drawn by the composer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    /// Spouse's name, date of birth, SSN, date of marriage.
    Spouse,
    /// Beneficiary table: name, relationship, date of birth, SSN, address, share
    /// (`percent` prints "%" and a total line that must be 100%).
    Beneficiaries { percent: bool },
    /// Family members to be covered (name, date of birth, SSN, relationship).
    Family,
    /// The survivor applying for death benefits (name, SSN, date of birth, relationship).
    Survivor,
    /// The deceased employee or annuitant named on a survivor's form.
    Deceased,
    /// Bank, routing and account numbers.
    Bank,
    /// Digit boxes for earned income.
    Earnings,
    /// Notary public's certificate.
    Notary,
    /// Two witnesses' signatures, names and addresses.
    Witnesses,
    /// Federal service history table (agency, from, to, position).
    Service,
    /// Military service (branch, dates, serial number).
    Military,
    /// FEGLI coverage choices (Basic, reductions, Options A, B, C).
    Insurance,
    /// Withholding steps of a W-4P.
    Withholding,
    /// Physician's or supervisor's narrative lines.
    Narrative,
}

/// One form of the catalog.
#[derive(Debug)]
pub struct FormDef {
    /// Identifier recorded in the truth, e.g. `SF 3107`.
    pub id: &'static str,
    /// How the footer names the form: `Standard Form 3107`, `RI 92-19`, `OPM Form 1496A`.
    pub number: &'static str,
    pub title: &'static str,
    /// Program line printed with the title (may be empty).
    pub subtitle: &'static str,
    pub issuer: Issuer,
    /// OMB control number printed top right (`3206-0167`), if the form has one.
    pub omb: Option<&'static str>,
    /// Revisions seen in case files (`June 2006`); W-4P uses years.
    pub revisions: &'static [&'static str],
    /// Pages of the form itself, inclusive range (at most 4).
    pub pages: (u8, u8),
    /// Instruction pages that may precede the form (0 if none).
    pub instruction_pages: u8,
    /// The key fields on the first page, with their labels (numbered when laid out).
    pub keys: &'static [(Key, &'static str)],
    /// Order the name label asks for.
    pub name_order: NameOrder,
    /// Section headings; the first one holds the key fields.
    pub sections: &'static [&'static str],
    /// Other labels (filled with plausible values by keyword, or left empty).
    pub labels: &'static [&'static str],
    /// Blocks with the 1-based form page they go on (clamped to the last page).
    pub blocks: &'static [(u8, Block)],
    /// Yes/no questions.
    pub questions: &'static [&'static str],
    /// Form-specific sentences (instructions, certifications).
    pub text: &'static [&'static str],
    /// Completed by an agency, physician or official: values always typed.
    pub typed_only: bool,
    pub subject: Subject,
    /// Continuation pages repeat the name and SSN at the top.
    pub repeat_ids: bool,
}

impl FormDef {
    /// The catalog entry for `id`.
    pub fn get(id: &str) -> Option<&'static FormDef> {
        FORMS.iter().find(|f| f.id == id)
    }

    /// Whether the form has a box for `key`.
    pub fn has(&self, key: Key) -> bool {
        self.keys.iter().any(|(k, _)| *k == key)
    }
}

use Block as B;
use Key as K;

const NAME_LF: &str = "Name (Last, First, Middle)";
const DOB: &str = "Date of birth (mm/dd/yyyy)";
const SSN: &str = "Social Security Number";
const OPM_PO45: &str = "Mail the completed form to U.S. Office of Personnel Management, Retirement Operations, P.O. Box 45, Boyers, PA 16017-0045.";

/// Every form of the catalog, in the order of forms-catalog.md.
pub static FORMS: &[FormDef] = &[
    FormDef {
        id: "SF 3107",
        number: "Standard Form 3107",
        title: "Application for Immediate Retirement",
        subtitle: "Federal Employees Retirement System (FERS)",
        issuer: Issuer::Opm,
        omb: Some("3206-0167"),
        revisions: &["June 2006", "February 2014", "July 2016", "April 2023"],
        pages: (3, 4),
        instruction_pages: 2,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::Agency, "Name of employing agency at separation"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Section A - Identifying Information",
            "Section B - Military Service",
            "Section C - Marital Information",
            "Section D - Annuity Election",
            "Section E - Spouse Information",
            "Section F - Insurance Information",
            "Section G - Other Claims Information",
            "Section H - Direct Deposit",
            "Section I - Applicant's Certification",
        ],
        labels: &[
            "Other names used",
            "Home address (including ZIP Code)",
            "Daytime telephone number",
            "E-mail address",
            "Position title at separation",
            "Separation date (mm/dd/yyyy)",
            "Date you want your annuity to begin",
            "Branch of service",
        ],
        blocks: &[(2, B::Military), (2, B::Spouse), (3, B::Service), (4, B::Bank)],
        questions: &[
            "Are you applying for disability retirement?",
            "Have you ever been employed under a retirement system other than FERS?",
            "Are you married?",
            "Do you want a reduced annuity to provide a survivor annuity for your spouse?",
        ],
        text: &[
            "Schedule A - Military service: list all periods of active military service.",
            "Schedule B - Federal civilian service: list any service not covered by FERS deductions.",
            "Schedule C - Other claims: list any claims filed with the Department of Labor or Veterans Affairs.",
            "I certify that all statements made in this application are true to the best of my knowledge and belief.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 3107-1",
        number: "Standard Form 3107-1",
        title: "Certified Summary of Federal Service",
        subtitle: "Federal Employees Retirement System (FERS)",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["June 2006", "July 2016"],
        pages: (1, 2),
        instruction_pages: 0,
        keys: &[(K::Name, NAME_LF), (K::DateOfBirth, DOB), (K::Ssn, SSN)],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part 1 - To be completed by the employing agency",
            "Part 2 - Summary of Federal Service",
            "Part 3 - Agency Certification",
        ],
        labels: &[
            "Service computation date (mm/dd/yyyy)",
            "Position title at separation",
            "Name and title of certifying official",
            "Telephone number of certifying official",
        ],
        blocks: &[(1, B::Service)],
        questions: &["Has the employee received a refund of retirement deductions?"],
        text: &[
            "This summary is completed by the employing agency and must be certified by an authorized official.",
            "List all periods of Federal civilian service, including service for which no deductions were withheld.",
        ],
        typed_only: true,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 3107-2",
        number: "Standard Form 3107-2",
        title: "Spouse's Consent to Survivor Election",
        subtitle: "Federal Employees Retirement System (FERS)",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["June 2006", "July 2016"],
        pages: (1, 1),
        instruction_pages: 0,
        keys: &[(K::Name, "Employee's name (Last, First, Middle)"), (K::Ssn, "Employee's Social Security Number")],
        name_order: NameOrder::LastFirst,
        sections: &["Part A - Employee Information", "Part B - Spouse's Consent"],
        labels: &["Date of marriage (mm/dd/yyyy)"],
        blocks: &[(1, B::Spouse), (1, B::Notary)],
        questions: &["I consent to the election of a partial survivor annuity or no survivor annuity."],
        text: &[
            "The spouse's signature must be witnessed by a notary public or an official authorized to administer oaths.",
            "I understand that my consent is final and that I may lose all rights to a survivor annuity.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    FormDef {
        id: "SF 2801",
        number: "Standard Form 2801",
        title: "Application for Immediate Retirement",
        subtitle: "Civil Service Retirement System (CSRS)",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["June 2013", "January 1990"],
        pages: (3, 4),
        instruction_pages: 0,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::Agency, "Employing agency"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Section A - Identifying Information",
            "Section B - Military Service",
            "Section C - Marital Information",
            "Section D - Annuity Election",
            "Section E - Insurance Information",
            "Section F - Applicant's Certification",
        ],
        labels: &[
            "Other names used",
            "Mailing address (including ZIP Code)",
            "Daytime telephone number",
            "Position title at separation",
            "Date of final separation (mm/dd/yyyy)",
        ],
        blocks: &[(2, B::Military), (2, B::Spouse), (3, B::Service)],
        questions: &[
            "Are you applying for disability retirement?",
            "Have you ever received a refund of CSRS deductions?",
            "Do you elect a reduced annuity with a survivor benefit for your spouse?",
        ],
        text: &[
            "Schedule A - Military service, Schedule B - Other service, Schedule C - Other claims.",
            "I certify that the information in this application is true and complete to the best of my knowledge.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 2801-1",
        number: "Standard Form 2801-1",
        title: "Certified Summary of Federal Service",
        subtitle: "Civil Service Retirement System (CSRS)",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["June 2013", "January 1990"],
        pages: (1, 2),
        instruction_pages: 0,
        keys: &[(K::Name, NAME_LF), (K::DateOfBirth, DOB), (K::Ssn, SSN)],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part 1 - To be completed by the employing agency",
            "Part 2 - Summary of Federal Service",
            "Part 3 - Certification",
        ],
        labels: &[
            "Service computation date (mm/dd/yyyy)",
            "Name and title of certifying official",
            "Telephone number of certifying official",
        ],
        blocks: &[(1, B::Service)],
        questions: &["Were retirement deductions withheld for all service listed?"],
        text: &["The employing agency completes this summary from the employee's official personnel folder."],
        typed_only: true,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 2801-2",
        number: "Standard Form 2801-2",
        title: "Spouse's Consent to Survivor Election",
        subtitle: "Civil Service Retirement System (CSRS)",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["June 2013", "January 1990"],
        pages: (1, 1),
        instruction_pages: 0,
        keys: &[(K::Name, "Employee's name (Last, First, Middle)"), (K::Ssn, "Employee's Social Security Number")],
        name_order: NameOrder::LastFirst,
        sections: &["Part A - Employee Information", "Part B - Spouse's Consent"],
        labels: &["Date of marriage (mm/dd/yyyy)"],
        blocks: &[(1, B::Spouse), (1, B::Notary)],
        questions: &["I consent to my spouse's election of a reduced survivor annuity or no survivor annuity."],
        text: &["Your consent must be signed in the presence of a notary public or other official authorized to administer oaths."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    disability("SF 3112A", "Standard Form 3112A", "Applicant's Statement of Disability",
        &["Part 1 - Applicant Information", "Part 2 - Description of Disability", "Part 3 - Applicant's Certification"],
        &["Position title", "Date you became disabled for your position (mm/dd/yyyy)", "Home address (including ZIP Code)", "Daytime telephone number"],
        &[(1, B::Narrative)],
        &["Describe your disease or injury and how it interferes with performance of your duties.", "Have you requested reassignment or accommodation?"],
        false, (1, 3)),
    disability("SF 3112B", "Standard Form 3112B", "Supervisor's Statement",
        &["Part 1 - Applicant Information", "Part 2 - Supervisor's Statement", "Part 3 - Supervisor's Certification"],
        &["Position title", "Name of supervisor", "Supervisor's telephone number", "Date of last performance appraisal (mm/dd/yyyy)"],
        &[(1, B::Narrative)],
        &["Describe the effect of the employee's condition on attendance, conduct and performance.", "Is the employee's performance fully successful?"],
        false, (1, 2)),
    disability("SF 3112C", "Standard Form 3112C", "Physician's Statement",
        &["Part 1 - Applicant Information", "Part 2 - Physician's Statement", "Part 3 - Physician's Certification"],
        &["Position title", "Name of physician", "Physician's telephone number", "Date of examination (mm/dd/yyyy)"],
        &[(1, B::Narrative), (2, B::Narrative)],
        &["The physician must describe the history, clinical findings, diagnosis and prognosis.", "Is the condition expected to last for at least one year?"],
        false, (2, 3)),
    disability("SF 3112D", "Standard Form 3112D", "Agency Certification of Reassignment and Accommodation Efforts",
        &["Part 1 - Applicant Information", "Part 2 - Accommodation Efforts", "Part 3 - Agency Certification"],
        &["Position title", "Grade and step", "Name of certifying official", "Telephone number of certifying official"],
        &[(1, B::Narrative)],
        &["The agency must certify whether it could accommodate the employee in the current position or reassign the employee.", "Was the employee offered a vacant position at the same grade?"],
        true, (1, 2)),
    disability("SF 3112E", "Standard Form 3112E", "Disability Retirement Application Checklist",
        &["Part 1 - Applicant Information", "Part 2 - Checklist", "Part 3 - Agency Review"],
        &["Position title", "Name of agency contact", "Agency contact telephone number"],
        &[],
        &["Use this checklist to make sure that all required documents are attached before the application is sent to OPM.", "Is the Physician's Statement (SF 3112C) attached?"],
        false, (1, 1)),
    FormDef {
        id: "RI 92-19",
        number: "RI 92-19",
        title: "Application for Deferred or Postponed Retirement",
        subtitle: "Federal Employees Retirement System (FERS)",
        issuer: Issuer::Opm,
        omb: Some("3206-0190"),
        revisions: &["May 2012", "May 2003"],
        pages: (2, 4),
        instruction_pages: 0,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::Agency, "Last employing agency"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Section A - Identifying Information",
            "Section B - Federal Service",
            "Section C - Military Service",
            "Section D - Marital Information",
            "Section E - Survivor Annuity Election",
            "Section F - Other Claims",
            "Section G - Certification",
        ],
        labels: &[
            "Other names used",
            "Current mailing address (including ZIP Code)",
            "Daytime telephone number",
            "Date of separation (mm/dd/yyyy)",
            "Position title at separation",
        ],
        blocks: &[(2, B::Service), (2, B::Spouse), (3, B::Military)],
        questions: &[
            "Have you ever applied for a refund of your retirement deductions?",
            "Are you married now?",
            "Do you want to provide a survivor annuity for your current spouse?",
        ],
        text: &[
            "Do not file this application more than sixty days before the date you become eligible for an annuity.",
            OPM_PO45,
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "OPM 1496A",
        number: "OPM Form 1496A",
        title: "Application for Deferred Retirement",
        subtitle: "Civil Service Retirement System (separations on or after October 1, 1956)",
        issuer: Issuer::Opm,
        omb: Some("3206-0121"),
        revisions: &["March 2012", "January 2023"],
        pages: (1, 2),
        instruction_pages: 0,
        keys: &[(K::Name, NAME_LF), (K::DateOfBirth, DOB), (K::Ssn, SSN)],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part 1 - Identification",
            "Part 2 - Federal Service",
            "Part 3 - Marital Status and Survivor Annuity",
            "Part 4 - Certification",
        ],
        labels: &[
            "Mailing address (including ZIP Code)",
            "Telephone number",
            "Date of final separation (mm/dd/yyyy)",
            "Last employing agency and location",
        ],
        blocks: &[(1, B::Spouse), (2, B::Service)],
        questions: &[
            "Did you receive a refund of your retirement deductions for any service?",
            "Do you want a survivor annuity for your spouse?",
        ],
        text: &[
            "You May Be Eligible For Deferred Retirement if you completed at least five years of civilian service.",
            "Apply two months before the date you reach age 62.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    FormDef {
        id: "SF 3108",
        number: "Standard Form 3108",
        title: "Application to Make Service Credit Payment",
        subtitle: "Federal Employees Retirement System (FERS)",
        issuer: Issuer::Opm,
        omb: Some("3206-0134"),
        revisions: &["March 2011", "October 2004"],
        pages: (2, 3),
        instruction_pages: 0,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::Agency, "Employing agency"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part A - To be completed by the applicant (items 1-14)",
            "Part B - To be completed by the employing agency",
            "Part C - Service history",
        ],
        labels: &[
            "Other names used",
            "Home address (including ZIP Code)",
            "Position title",
            "Prior claim numbers, if any",
            "Telephone number",
        ],
        blocks: &[(2, B::Service), (3, B::Military)],
        questions: &[
            "Did you ever receive a refund of retirement deductions?",
            "Are you applying to pay for military service?",
        ],
        text: &["Service credit payments are made to OPM after you receive a statement of the amount due."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 2803",
        number: "Standard Form 2803",
        title: "Application to Make Deposit or Redeposit",
        subtitle: "Civil Service Retirement System (CSRS)",
        issuer: Issuer::Opm,
        omb: Some("3206-0134"),
        revisions: &["March 2011", "April 1989"],
        pages: (2, 3),
        instruction_pages: 0,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::Agency, "Employing agency"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part A - To be completed by the applicant",
            "Part B - To be completed by the employing agency",
            "Part C - Service history",
        ],
        labels: &[
            "Other names used",
            "Home address (including ZIP Code)",
            "Position title",
            "Prior claim numbers, if any",
        ],
        blocks: &[(2, B::Service)],
        questions: &[
            "Do you want to make a deposit for service without deductions?",
            "Do you want to redeposit a refund you received?",
        ],
        text: &["A deposit covers service for which no retirement deductions were withheld; a redeposit repays a refund."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 3102",
        number: "Standard Form 3102",
        title: "Designation of Beneficiary",
        subtitle: "Civil Service Retirement System and Federal Employees Retirement System",
        issuer: Issuer::Opm,
        omb: Some("3206-0173"),
        revisions: &["October 2022"],
        pages: (1, 2),
        instruction_pages: 0,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::ClaimNumber, "CSA or CSF claim number (if retired)"),
            (K::Agency, "Employing agency (if employed)"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part A - Person Making Designation",
            "Part B - Beneficiaries",
            "Part C - Signatures of Witnesses",
        ],
        labels: &["Mailing address (including ZIP Code)", "Telephone number"],
        blocks: &[(1, B::Beneficiaries { percent: false }), (2, B::Witnesses)],
        questions: &["Does this designation cancel all previous designations?"],
        text: &[
            "Use this form only if you want a lump sum paid to someone other than the person entitled under the order of precedence.",
            "Two people must witness your signature; a witness cannot be named as a beneficiary.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 2808",
        number: "Standard Form 2808",
        title: "Designation of Beneficiary",
        subtitle: "Civil Service Retirement System",
        issuer: Issuer::Opm,
        omb: Some("3206-0142"),
        revisions: &["August 2004", "March 1992"],
        pages: (1, 2),
        instruction_pages: 0,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::ClaimNumber, "CSA claim number (if retired)"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &["Part A - Designator", "Part B - Beneficiaries", "Part C - Witnesses"],
        labels: &["Address (including ZIP Code)"],
        blocks: &[(1, B::Beneficiaries { percent: false }), (2, B::Witnesses)],
        questions: &["Is this designation a change of a previous designation?"],
        text: &["A designation must be received by OPM before your death to be valid."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    FormDef {
        id: "SF 2823",
        number: "Standard Form 2823",
        title: "Designation of Beneficiary",
        subtitle: "Federal Employees' Group Life Insurance (FEGLI) Program",
        issuer: Issuer::Opm,
        omb: Some("3206-0136"),
        revisions: &["October 2016", "April 2008"],
        pages: (3, 4),
        instruction_pages: 0,
        keys: &[
            (K::Name, "Insured's name (Last, First, Middle)"),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::ClaimNumber, "CSA, CSF, CSI or OWCP claim number"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part A - Insured Individual",
            "Part B - Beneficiaries",
            "Part C - Witnesses",
            "Part D - Agency Receipt",
        ],
        labels: &["Insured's mailing address", "Telephone number", "Date received by agency (mm/dd/yyyy)"],
        blocks: &[(2, B::Beneficiaries { percent: true }), (3, B::Witnesses)],
        questions: &["Are you an employee (not retired)?", "Are you receiving compensation from the Department of Labor?"],
        text: &[
            "The shares you give the beneficiaries must add up to 100%.",
            "Use fractions or percentages, not dollar amounts, to show each beneficiary's share.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 1152",
        number: "Standard Form 1152",
        title: "Designation of Beneficiary",
        subtitle: "Unpaid Compensation of Deceased Civilian Employee",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["October 1987", "June 2015"],
        pages: (2, 4),
        instruction_pages: 0,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::Agency, "Employing department or agency"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &["Part 1 - Employee", "Part 2 - Beneficiaries", "Part 3 - Witnesses", "Part 4 - Agency Receipt"],
        labels: &["Address (including ZIP Code)", "Position title", "Date received by agency (mm/dd/yyyy)"],
        blocks: &[(2, B::Beneficiaries { percent: true }), (3, B::Witnesses)],
        questions: &["Does this designation cancel any previous designation?"],
        text: &["File this designation with your employing agency, not with OPM."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    FormDef {
        id: "SF 2818",
        number: "Standard Form 2818",
        title: "Continuation of Life Insurance Coverage",
        subtitle: "As an Annuitant or Compensationer - Federal Employees' Group Life Insurance",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["May 2001", "January 2004", "June 2018"],
        pages: (2, 2),
        instruction_pages: 2,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::Agency, "Employing agency"),
            (K::ClaimNumber, "CSA/CSF claim number or OWCP case number"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &["Items 1-7 - Identification", "Items 8-14 - Coverage Elections", "Certification"],
        labels: &["Date of retirement (mm/dd/yyyy)", "Telephone number"],
        blocks: &[(1, B::Insurance)],
        questions: &[
            "Do you want to continue Basic insurance?",
            "Do you elect 75% reduction, 50% reduction or no reduction?",
        ],
        text: &["Options A, B and C may be continued only if you were insured under them for the five years before retirement."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 2817",
        number: "Standard Form 2817",
        title: "Life Insurance Election",
        subtitle: "Federal Employees' Group Life Insurance Program",
        issuer: Issuer::Opm,
        omb: Some("3206-0230"),
        revisions: &["November 2017", "May 2009"],
        pages: (1, 2),
        instruction_pages: 0,
        keys: &[(K::Name, NAME_LF), (K::DateOfBirth, DOB), (K::Ssn, SSN)],
        name_order: NameOrder::LastFirst,
        sections: &["Section 1 - Insured", "Section 2 - Elections", "Section 3 - Agency Use Only"],
        labels: &["Employing office", "Position title"],
        blocks: &[(1, B::Insurance)],
        questions: &["Do you want to cancel all insurance coverage?"],
        text: &["Your election takes effect on the first day of the first pay period after it is received."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    FormDef {
        id: "SF 2821",
        number: "Standard Form 2821",
        title: "Agency Certification of Insurance Status",
        subtitle: "Federal Employees' Group Life Insurance Program",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["August 2015", "September 2003"],
        pages: (1, 1),
        instruction_pages: 0,
        keys: &[(K::Name, "Employee's name (Last, First, Middle)"), (K::Ssn, SSN)],
        name_order: NameOrder::LastFirst,
        sections: &["Part A - Employee", "Part B - Insurance Status", "Part C - Agency Certification"],
        labels: &["Annual basic pay", "Date of separation (mm/dd/yyyy)", "Name of certifying official"],
        blocks: &[(1, B::Insurance)],
        questions: &["Was the employee insured for the five years before separation?"],
        text: &["The employing agency completes this certification and sends it with the retirement application."],
        typed_only: true,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    FormDef {
        id: "SF 2809",
        number: "Standard Form 2809",
        title: "Health Benefits Election Form",
        subtitle: "Federal Employees Health Benefits Program",
        issuer: Issuer::Opm,
        omb: Some("3206-0160"),
        revisions: &["November 2014", "June 2019", "September 2023"],
        pages: (2, 2),
        instruction_pages: 2,
        keys: &[
            (K::Name, "Enrollee name (Last, First, Middle)"),
            (K::Ssn, SSN),
            (K::DateOfBirth, DOB),
            (K::ClaimNumber, "Retirement claim number (annuitants)"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part A - Enrollee and Family Member Information",
            "Part B - FEHB Plan You Are Currently Enrolled In",
            "Part C - FEHB Plan You Are Enrolling In",
            "Part D - Event That Permits You to Enroll",
            "Part E - Signature",
        ],
        labels: &[
            "Home mailing address",
            "Home telephone number",
            "Enrollment code",
            "Medicare claim number",
            "E-mail address",
        ],
        blocks: &[(1, B::Family)],
        questions: &["Are you covered by Medicare?", "Are you a postal employee?"],
        text: &[
            "Enter the enrollment code of the plan and option you choose from the plan brochure.",
            "Family members listed on this form must be eligible under the rules of the program.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 2800",
        number: "Standard Form 2800",
        title: "Application for Death Benefits",
        subtitle: "Civil Service Retirement System (CSRS)",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["June 2013", "July 2004"],
        pages: (3, 4),
        instruction_pages: 0,
        keys: &[
            (K::Name, "Deceased's name (Last, First, Middle)"),
            (K::DateOfBirth, "Deceased's date of birth (mm/dd/yyyy)"),
            (K::Ssn, "Deceased's Social Security Number"),
            (K::ClaimNumber, "CSA claim number of the deceased"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part 1 - Information About the Deceased",
            "Part 2 - Information About the Applicant",
            "Part 3 - Marital History",
            "Part 4 - Children",
            "Part 5 - Applicant's Certification",
        ],
        labels: &["Date of death (mm/dd/yyyy)", "Last employing agency", "Applicant's mailing address"],
        blocks: &[(2, B::Survivor), (3, B::Spouse)],
        questions: &["Was the deceased receiving an annuity?", "Are you the surviving spouse of the deceased?"],
        text: &[
            "Attach a certified copy of the death certificate.",
            "If you were the deceased's spouse, attach a copy of your marriage certificate.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 3104",
        number: "Standard Form 3104",
        title: "Application for Death Benefits",
        subtitle: "Federal Employees Retirement System (FERS)",
        issuer: Issuer::Opm,
        omb: Some("3206-0172"),
        revisions: &["June 2013", "August 2005"],
        pages: (3, 4),
        instruction_pages: 0,
        keys: &[
            (K::Name, "Deceased's name (Last, First, Middle)"),
            (K::DateOfBirth, "Deceased's date of birth (mm/dd/yyyy)"),
            (K::Ssn, "Deceased's Social Security Number"),
            (K::ClaimNumber, "CSF claim number of the deceased"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part 1 - Information About the Deceased",
            "Part 2 - Information About the Applicant",
            "Part 3 - Marital History",
            "Part 4 - Children",
            "Part 5 - Certification",
        ],
        labels: &["Date of death (mm/dd/yyyy)", "Last employing agency", "Applicant's mailing address"],
        blocks: &[(2, B::Survivor), (3, B::Spouse)],
        questions: &["Did the deceased have any unmarried children under age 18?", "Are you applying as the surviving spouse?"],
        text: &[
            "Use SF 3104B to document the survivor's eligibility.",
            "Attach a certified copy of the death certificate.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 3106",
        number: "Standard Form 3106",
        title: "Application for Refund of Retirement Deductions",
        subtitle: "Federal Employees Retirement System (FERS)",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["July 2017", "October 2004"],
        pages: (2, 3),
        instruction_pages: 0,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::Agency, "Last employing agency"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part 1 - Applicant Information",
            "Part 2 - Spouse and Former Spouse Notification",
            "Part 3 - Certification",
            "Part 4 - Agency Certification",
        ],
        labels: &["Other names used", "Mailing address (including ZIP Code)", "Date of separation (mm/dd/yyyy)"],
        blocks: &[(2, B::Spouse), (3, B::Service)],
        questions: &["Are you reemployed by the Federal Government?", "Are you married?"],
        text: &[
            "If you receive a refund you lose credit for the service it covers unless you are reemployed and repay it.",
            "Your current and former spouses will be notified of this application.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "SF 2802",
        number: "Standard Form 2802",
        title: "Application for Refund of Retirement Deductions",
        subtitle: "Civil Service Retirement System (CSRS)",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["July 2017", "October 2008"],
        pages: (2, 3),
        instruction_pages: 0,
        keys: &[
            (K::Name, NAME_LF),
            (K::DateOfBirth, DOB),
            (K::Ssn, SSN),
            (K::Agency, "Employing agency"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Part A - Applicant Information",
            "Part B - Marital Status",
            "Part C - Certification",
            "Part D - Agency Certification",
        ],
        labels: &["Other names used", "Mailing address (including ZIP Code)", "Date of separation (mm/dd/yyyy)"],
        blocks: &[(2, B::Spouse), (3, B::Service)],
        questions: &["Have you filed an application for refund before?", "Are you applying for a refund of excess deductions?"],
        text: &["You may not receive a refund if you are within 31 days of being eligible for an immediate annuity."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: true,
    },
    FormDef {
        id: "RI 20-97",
        number: "RI 20-97",
        title: "Estimated Earnings During Military Service",
        subtitle: "OPM Retirement Operations Center, Boyers, Pennsylvania 16017",
        issuer: Issuer::Opm,
        omb: None,
        revisions: &["July 2000", "March 2014"],
        pages: (1, 1),
        instruction_pages: 0,
        keys: &[(K::Name, NAME_LF), (K::Ssn, SSN)],
        name_order: NameOrder::LastFirst,
        sections: &["Blocks 1-5 - Service Member", "Blocks 6-10 - Military Finance Center"],
        labels: &[
            "Branch of service",
            "Dates of active service (from - to)",
            "Military service number",
            "Total estimated earnings",
        ],
        blocks: &[(1, B::Military)],
        questions: &["Was the service member on active duty for training only?"],
        text: &["The military finance center completes blocks 6 through 10 and returns this form to OPM."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    FormDef {
        id: "RI 38-107",
        number: "RI 38-107",
        title: "Verification of Who Is Getting Payments",
        subtitle: "Civil Service Retirement System and Federal Employees Retirement System",
        issuer: Issuer::Opm,
        omb: Some("3206-0197"),
        revisions: &["February 2009", "November 2015"],
        pages: (1, 2),
        instruction_pages: 0,
        keys: &[(K::Name, "Annuitant's name (First, Middle, Last)"), (K::ClaimNumber, "Claim number")],
        name_order: NameOrder::FirstLast,
        sections: &["Section 1 - Annuitant", "Section 2 - Who Is Cashing or Depositing the Payments", "Section 3 - Certification"],
        labels: &["Current address", "Telephone number", "Name of person completing this form"],
        blocks: &[],
        questions: &["Is the annuitant living?", "Is someone other than the annuitant cashing or depositing the payments?"],
        text: &[
            "We must verify that the person entitled to this annuity is the one receiving it.",
            "Return this form within 30 days or payments may be suspended.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    FormDef {
        id: "RI 25-14",
        number: "RI 25-14",
        title: "Self-Certification of Full-Time School Attendance",
        subtitle: "For Student Survivor Annuitants Aged 18 through 22",
        issuer: Issuer::Opm,
        omb: Some("3206-0032"),
        revisions: &["July 2013", "January 2009"],
        pages: (1, 2),
        instruction_pages: 0,
        keys: &[(K::Name, "Student's name (First, Middle, Last)"), (K::ClaimNumber, "Claim number")],
        name_order: NameOrder::FirstLast,
        sections: &["Part 1 - Student", "Part 2 - School Attendance", "Part 3 - Certification"],
        labels: &["Name of school", "Address of school", "Beginning date of current school year (mm/dd/yyyy)", "Student's mailing address"],
        blocks: &[(1, B::Deceased)],
        questions: &["Are you attending school full-time?", "Are you married?"],
        text: &["See RI 25-14A for instructions. Full-time attendance is determined by the school."],
        typed_only: false,
        subject: Subject::Student,
        repeat_ids: false,
    },
    FormDef {
        id: "RI 30-2",
        number: "RI 30-2",
        title: "Annuitant's Report of Earned Income",
        subtitle: "Disability Annuitants Under Age 60",
        issuer: Issuer::Opm,
        omb: Some("3206-0034"),
        revisions: &["September 2013", "January 2006"],
        pages: (1, 2),
        instruction_pages: 0,
        keys: &[(K::Name, "Annuitant's name (First, Middle, Last)"), (K::ClaimNumber, "Claim number")],
        name_order: NameOrder::FirstLast,
        sections: &["Part 1 - Annuitant", "Part 2 - Earned Income", "Part 3 - Certification"],
        labels: &["Current address", "Name and address of employer", "Telephone number"],
        blocks: &[(1, B::Earnings)],
        questions: &["Did you have earned income last calendar year?", "Are you self-employed?"],
        text: &["Report all wages, salary, tips and net earnings from self-employment for the calendar year."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    FormDef {
        id: "W-4P",
        number: "Form W-4P",
        title: "Withholding Certificate for Periodic Pension or Annuity Payments",
        subtitle: "Give Form W-4P to the payer of your pension or annuity payments.",
        issuer: Issuer::Irs,
        omb: Some("1545-0074"),
        revisions: &["2022", "2023", "2024"],
        pages: (1, 2),
        instruction_pages: 0,
        keys: &[(K::Name, "First name and middle initial, Last name"), (K::Ssn, "Your social security number")],
        name_order: NameOrder::FirstLast,
        sections: &[
            "Step 1: Enter Personal Information",
            "Step 2: Income From a Job and/or Multiple Pensions/Annuities",
            "Step 3: Claim Dependent and Other Credits",
            "Step 4 (optional): Other Adjustments",
            "Step 5: Sign Here",
        ],
        labels: &["Address", "City or town, state, and ZIP code", "Filing status"],
        blocks: &[(1, B::Withholding)],
        questions: &["Single or Married filing separately?", "Married filing jointly?"],
        text: &[
            "Complete Steps 2 through 4 only if they apply to you; otherwise, skip to Step 5.",
            "Your withholding will be figured as if you were single with no adjustments if you do not give Form W-4P to your payer.",
        ],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
    FormDef {
        id: "SF 1199A",
        number: "Standard Form 1199A",
        title: "Direct Deposit Sign-Up Form",
        subtitle: "Go-Direct - Federal Benefit Payments",
        issuer: Issuer::Treasury,
        omb: Some("1510-0007"),
        revisions: &["June 1987", "September 2013"],
        pages: (1, 1),
        instruction_pages: 0,
        keys: &[
            (K::Name, "Name of payee (Last, First, Middle)"),
            (K::Ssn, "Payee's Social Security Number"),
            (K::ClaimNumber, "Claim or payroll number (CSA/CSF)"),
        ],
        name_order: NameOrder::LastFirst,
        sections: &[
            "Section 1 - To be completed by payee",
            "Section 2 - To be completed by government agency",
            "Section 3 - To be completed by financial institution",
        ],
        labels: &["Payee address", "Type of payment", "Telephone number"],
        blocks: &[(1, B::Bank)],
        questions: &["Is this a checking account?", "Is this a joint account?"],
        text: &["I certify that I am entitled to the payment identified above and that I have read the agreement on the back of this form."],
        typed_only: false,
        subject: Subject::Principal,
        repeat_ids: false,
    },
];

/// One of the SF 3112 parts (A-E): same identification, different statement.
#[allow(clippy::too_many_arguments)]
const fn disability(
    id: &'static str,
    number: &'static str,
    part_title: &'static str,
    sections: &'static [&'static str],
    labels: &'static [&'static str],
    blocks: &'static [(u8, Block)],
    sentences: &'static [&'static str],
    typed_only: bool,
    pages: (u8, u8),
) -> FormDef {
    FormDef {
        id,
        number,
        title: part_title,
        subtitle: "Documentation in Support of Disability Retirement Application",
        issuer: Issuer::Opm,
        omb: Some("3206-0228"),
        revisions: &["July 2011", "October 2006"],
        pages,
        instruction_pages: 0,
        keys: &[
            (K::Name, "Applicant's name (Last, First, Middle)"),
            (K::Ssn, "Applicant's Social Security Number"),
            (K::Agency, "Employing agency"),
        ],
        name_order: NameOrder::LastFirst,
        sections,
        labels,
        blocks,
        questions: &[],
        text: sentences,
        typed_only,
        subject: Subject::Principal,
        repeat_ids: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids the brief and forms-catalog.md name, exactly.
    const IDS: &[&str] = &[
        "SF 3107",
        "SF 3107-1",
        "SF 3107-2",
        "SF 2801",
        "SF 2801-1",
        "SF 2801-2",
        "SF 3112A",
        "SF 3112B",
        "SF 3112C",
        "SF 3112D",
        "SF 3112E",
        "RI 92-19",
        "OPM 1496A",
        "SF 3108",
        "SF 2803",
        "SF 3102",
        "SF 2808",
        "SF 2823",
        "SF 1152",
        "SF 2818",
        "SF 2817",
        "SF 2821",
        "SF 2809",
        "SF 2800",
        "SF 3104",
        "SF 3106",
        "SF 2802",
        "RI 20-97",
        "RI 38-107",
        "RI 25-14",
        "RI 30-2",
        "W-4P",
        "SF 1199A",
    ];

    #[test]
    fn catalog_covers_every_form_once_and_is_well_formed() {
        assert_eq!(FORMS.len(), IDS.len());
        for id in IDS {
            assert_eq!(FORMS.iter().filter(|f| f.id == *id).count(), 1, "{id}");
        }
        for f in FORMS {
            assert!(
                f.pages.0 >= 1 && f.pages.0 <= f.pages.1 && f.pages.1 <= 4,
                "{}",
                f.id
            );
            assert!(
                !f.revisions.is_empty() && !f.sections.is_empty(),
                "{}",
                f.id
            );
            assert!(f.has(Key::Name), "{} has no name box", f.id);
            assert!(f.keys[0].0 == Key::Name, "{}: the name comes first", f.id);
            let text = [f.title, f.subtitle, f.number]
                .into_iter()
                .chain(f.sections.iter().copied())
                .chain(f.labels.iter().copied())
                .chain(f.keys.iter().map(|(_, l)| *l));
            for t in text {
                assert!(t.is_ascii(), "{}: {t}", f.id);
            }
        }
    }
}
