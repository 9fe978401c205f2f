//! The people of a case: the subject (employee, annuitant or deceased), the
//! family and other people whose names and numbers appear on the same pages,
//! and how a name, date or number is written on paper.
//!
//! Every identifier is fake by construction: SSNs are in the never-issued
//! 900-999 area, phone numbers are 555-01xx, claim numbers random digits.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::model::Date;

#[rustfmt::skip]
const FEMALE: &[&str] = &[
    "Elaine", "Margaret", "Dolores", "Patricia", "Linda", "Barbara", "Carol", "Judith", "Sharon",
    "Frances", "Marilyn", "Gloria", "Deborah", "Theresa", "Yolanda", "Denise", "Rosa", "Kathleen",
    "Lorraine", "Beverly", "Angela", "Wanda", "Cynthia", "Maureen", "Priya", "Mei", "Ngozi",
];
#[rustfmt::skip]
const MALE: &[&str] = &[
    "Robert", "James", "William", "Harold", "Gerald", "Raymond", "Walter", "Dennis", "Leonard",
    "Eugene", "Arthur", "Ronald", "Kenneth", "Douglas", "Vincent", "Curtis", "Manuel", "Stanley",
    "Clarence", "Franklin", "Howard", "Alvin", "Rajesh", "Tuan", "Emeka", "Lawrence", "Bernard",
];
#[rustfmt::skip]
const MIDDLE: &[&str] = &[
    "Ann", "Marie", "Lynn", "Louise", "Jean", "Grace", "Rose", "Elizabeth", "Joyce", "Ellen",
    "Lee", "Allen", "Wayne", "Edward", "Joseph", "Thomas", "Dale", "Paul", "Eugene", "Ray",
];
#[rustfmt::skip]
const LAST: &[&str] = &[
    "Morgan", "Hendricks", "Alvarez", "Whitfield", "Kowalski", "Brennan", "Okafor", "Lindqvist",
    "Dawson", "Castillo", "Pritchard", "Nakamura", "Sullivan", "Ferreira", "Holloway", "Jablonski",
    "McAllister", "Thornton", "Vasquez", "Gallagher", "Winslow", "Ostrowski", "Abernathy",
    "Delgado", "Fitzgerald", "Kaminski", "Nguyen", "Petrakis", "Rutherford", "Szymanski",
    "Underwood", "Washington", "Yamamoto", "Zielinski", "Bergstrom", "Chamberlain", "Esposito",
    "Haverford", "Iverson", "Lombardi", "Mbeki", "Novak", "O'Donnell", "Patel", "Quintero",
    "Romanoff", "Stewart-Hall", "Tolliver", "Villanueva", "Whitaker",
];
#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Maple Avenue", "Oak Street", "Jefferson Road", "Cedar Lane", "Lincoln Drive", "Willow Court",
    "Madison Street", "Chestnut Avenue", "Franklin Boulevard", "Spring Road", "Hillcrest Drive",
    "Laurel Way", "Sycamore Street", "Ridge Road", "Pine Hollow Lane",
];
#[rustfmt::skip]
const CITIES: &[&str] = &[
    "Springfield, VA 22150", "Silver Spring, MD 20901", "Butler, PA 16001", "Arlington, TX 76010",
    "Columbus, OH 43215", "Tacoma, WA 98402", "Macon, GA 31201", "Dayton, OH 45402",
    "Topeka, KS 66603", "Albany, NY 12207", "Fayetteville, NC 28301", "Huntsville, AL 35801",
    "Ogden, UT 84401", "Pueblo, CO 81003", "Norfolk, VA 23510", "Kansas City, MO 64106",
];
/// Federal agencies as people write them on the forms.
#[rustfmt::skip]
pub const AGENCIES: &[&str] = &[
    "Department of Veterans Affairs", "Social Security Administration",
    "Department of the Interior", "General Services Administration", "Department of Agriculture",
    "Internal Revenue Service", "Defense Logistics Agency", "Department of the Army",
    "Department of the Navy", "Department of Labor", "U.S. Postal Service",
    "Department of Homeland Security", "Department of Transportation",
    "Environmental Protection Agency", "Department of Health and Human Services",
];
#[rustfmt::skip]
const POSITIONS: &[&str] = &[
    "Program Analyst", "Claims Examiner", "Accountant", "Supply Technician", "Nurse",
    "Civil Engineer", "Management Assistant", "Contract Specialist", "IT Specialist",
    "Human Resources Specialist", "Forestry Technician", "Mail Handler", "Police Officer",
    "Budget Analyst", "Medical Records Technician",
];
#[rustfmt::skip]
const BANKS: &[&str] = &[
    "First Community Bank", "Pentagon Federal Credit Union", "Keystone Savings Bank",
    "Heartland National Bank", "Blue Ridge Federal Credit Union", "Union Trust Company",
];
#[rustfmt::skip]
const SCHOOLS: &[&str] = &[
    "Ohio State University", "Tacoma Community College", "University of Georgia",
    "Kansas State University", "Northern Virginia Community College", "SUNY Albany",
];

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Never-issued 9xx-area SSN, `NNN-NN-NNNN`.
pub fn random_ssn(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{}-{:02}-{:04}",
        rng.random_range(900..=999u16),
        rng.random_range(1..=99u8),
        rng.random_range(1..=9999u16)
    )
}

/// How the person's name is asked for by a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameOrder {
    /// `(Last, First, Middle)`: `Jablonski, Elaine T.`
    LastFirst,
    /// `(First, Middle, Last)`: `Elaine T. Jablonski`
    FirstLast,
}

/// Whether a person is female (for first names and relationship words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Female,
    Male,
}

/// One person with the identifiers forms ask for.
#[derive(Debug, Clone)]
pub struct Individual {
    pub first: &'static str,
    pub middle: &'static str,
    pub last: String,
    pub sex: Sex,
    pub date_of_birth: Date,
    /// Never-issued 9xx area.
    pub ssn: String,
}

impl Individual {
    fn random(
        rng: &mut ChaCha8Rng,
        sex: Sex,
        last: Option<&str>,
        years: std::ops::RangeInclusive<u16>,
    ) -> Self {
        Individual {
            first: pick(rng, if sex == Sex::Female { FEMALE } else { MALE }),
            middle: pick(rng, MIDDLE),
            last: last.map_or_else(|| pick(rng, LAST).to_string(), str::to_string),
            sex,
            date_of_birth: Date::random(rng, years),
            ssn: random_ssn(rng),
        }
    }

    /// The name as written: `order` as the label asks; `caps` for hand
    /// printing in block capitals; `periods` keeps the period after the
    /// middle initial.
    pub fn name(&self, order: NameOrder, caps: bool, periods: bool) -> String {
        let initial = format!("{}{}", &self.middle[..1], if periods { "." } else { "" });
        let s = match order {
            NameOrder::LastFirst => format!("{}, {} {}", self.last, self.first, initial),
            NameOrder::FirstLast => format!("{} {} {}", self.first, initial, self.last),
        };
        if caps {
            s.to_uppercase()
        } else {
            s
        }
    }

    /// First, full middle and last name (certificates).
    pub fn full_name(&self) -> String {
        format!("{} {} {}", self.first, self.middle, self.last)
    }
}

/// A beneficiary or family member with the relationship to the subject.
#[derive(Debug, Clone)]
pub struct Relative {
    pub person: Individual,
    pub relationship: &'static str,
    pub address: String,
}

/// Retirement system of the case; decides the claim number prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    Fers,
    Csrs,
}

/// Everyone and everything a case's pages talk about.
#[derive(Debug, Clone)]
pub struct Household {
    /// The person the case is about (employee, annuitant, or the deceased in a death claim).
    pub subject: Individual,
    pub spouse: Option<Individual>,
    pub children: Vec<Individual>,
    /// Beneficiaries (with shares in percent summing to 100).
    pub beneficiaries: Vec<(Relative, u32)>,
    pub system: System,
    /// `CSA NNNNNNN` (CSRS) or `CSF NNNNNNN` (FERS), when OPM has assigned one.
    pub claim_number: Option<String>,
    /// FEGLI claim number `CSI NNNNNNN` (printed on some SF 2823s instead).
    pub insurance_claim: String,
    pub agency: &'static str,
    /// Agencies of earlier service (service history tables).
    pub prior_agencies: Vec<&'static str>,
    pub position: &'static str,
    pub street: String,
    pub city: &'static str,
    pub phone: String,
    pub email: String,
    pub separation: Date,
    pub marriage: Date,
    pub signed: Date,
    pub bank: &'static str,
    pub routing: String,
    pub account: String,
    pub school: &'static str,
    /// Two witnesses (beneficiary designations).
    pub witnesses: [Individual; 2],
}

impl Household {
    /// A random household; `claim` says whether OPM already assigned a claim number.
    pub fn random(rng: &mut ChaCha8Rng, system: System, claim: bool) -> Self {
        let sex = if rng.random_bool(0.5) {
            Sex::Female
        } else {
            Sex::Male
        };
        let subject = Individual::random(rng, sex, None, 1944..=1968);
        let spouse = rng.random_bool(0.7).then(|| {
            let other = if sex == Sex::Female {
                Sex::Male
            } else {
                Sex::Female
            };
            let last = rng.random_bool(0.8).then_some(subject.last.as_str());
            Individual::random(rng, other, last, 1942..=1972)
        });
        let n_children = rng.random_range(0..=3);
        let children: Vec<Individual> = (0..n_children)
            .map(|_| {
                let sex = if rng.random_bool(0.5) {
                    Sex::Female
                } else {
                    Sex::Male
                };
                Individual::random(rng, sex, Some(&subject.last), 1972..=2005)
            })
            .collect();
        let address = |rng: &mut ChaCha8Rng| {
            format!(
                "{} {}, {}",
                rng.random_range(100..=9899u16),
                pick(rng, STREETS),
                pick(rng, CITIES)
            )
        };
        let street = format!("{} {}", rng.random_range(100..=9899u16), pick(rng, STREETS));
        let city = pick(rng, CITIES);
        let home = format!("{street}, {city}");
        // Beneficiaries: the spouse and children, or a sibling; shares sum to 100.
        let mut relatives: Vec<Relative> = Vec::new();
        if let Some(s) = &spouse {
            relatives.push(Relative {
                person: s.clone(),
                relationship: if s.sex == Sex::Female {
                    "Wife"
                } else {
                    "Husband"
                },
                address: home.clone(),
            });
        }
        for c in &children {
            relatives.push(Relative {
                person: c.clone(),
                relationship: if c.sex == Sex::Female {
                    "Daughter"
                } else {
                    "Son"
                },
                address: address(rng),
            });
        }
        if relatives.is_empty() || rng.random_bool(0.2) {
            let sex = if rng.random_bool(0.5) {
                Sex::Female
            } else {
                Sex::Male
            };
            relatives.push(Relative {
                person: Individual::random(rng, sex, Some(&subject.last), 1940..=1975),
                relationship: if sex == Sex::Female {
                    "Sister"
                } else {
                    "Brother"
                },
                address: address(rng),
            });
        }
        relatives.truncate(rng.random_range(1..=relatives.len().min(3)));
        let shares = split_shares(rng, relatives.len());
        let beneficiaries = relatives.into_iter().zip(shares).collect();
        let prefix = match system {
            System::Fers => "CSF",
            System::Csrs => "CSA",
        };
        let digits = |rng: &mut ChaCha8Rng| rng.random_range(1_000_000..=9_999_999u32);
        let claim_number = claim.then(|| format!("{prefix} {}", digits(rng)));
        let insurance_claim = format!("CSI {}", digits(rng));
        let agency = pick(rng, AGENCIES);
        let prior_agencies = (0..rng.random_range(1..=3))
            .map(|_| pick(rng, AGENCIES))
            .collect();
        let witness = |rng: &mut ChaCha8Rng| {
            let sex = if rng.random_bool(0.5) {
                Sex::Female
            } else {
                Sex::Male
            };
            Individual::random(rng, sex, None, 1950..=1990)
        };
        Household {
            email: format!(
                "{}.{}{}@example.com",
                subject.first.to_lowercase(),
                subject
                    .last
                    .to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphabetic(), ""),
                rng.random_range(1..=99u8)
            ),
            subject,
            spouse,
            children,
            beneficiaries,
            system,
            claim_number,
            insurance_claim,
            agency,
            prior_agencies,
            position: pick(rng, POSITIONS),
            street,
            city,
            phone: format!(
                "{}-555-{:04}",
                rng.random_range(201..=989u16),
                rng.random_range(100..=199u16)
            ),
            separation: Date::random(rng, 2016..=2024),
            marriage: Date::random(rng, 1968..=2010),
            signed: Date::random(rng, 2023..=2025),
            bank: pick(rng, BANKS),
            routing: format!("{:09}", rng.random_range(10_000_000..=329_999_999u32)),
            account: format!("{}", rng.random_range(10_000_000..=9_999_999_999u64)),
            school: pick(rng, SCHOOLS),
            witnesses: [witness(rng), witness(rng)],
        }
    }

    /// Mailing address on one line.
    pub fn address(&self) -> String {
        format!("{}, {}", self.street, self.city)
    }

    /// A child of student age (18-22) for school-attendance forms; made up if none.
    pub fn student(&self, rng: &mut ChaCha8Rng) -> Individual {
        let mut s = self.children.first().cloned().unwrap_or_else(|| {
            Individual::random(rng, Sex::Female, Some(&self.subject.last), 2001..=2006)
        });
        s.date_of_birth.year = rng.random_range(2001..=2006);
        s
    }
}

/// `n` random shares in whole percent summing to 100.
fn split_shares(rng: &mut ChaCha8Rng, n: usize) -> Vec<u32> {
    match n {
        0 => Vec::new(),
        1 => vec![100],
        _ => {
            let mut shares = vec![100 / n as u32; n];
            shares[0] += 100 - shares.iter().sum::<u32>();
            if rng.random_bool(0.5) {
                shares[0] += 10;
                shares[n - 1] -= 10;
            }
            shares
        }
    }
}

/// How one document's values are written: typed, or hand-printed by the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Writing {
    /// Hand-printed in block capitals.
    pub hand: bool,
    /// Keep the period after a middle initial.
    pub periods: bool,
    /// Zero-pad months and days (`04/02/1961` rather than `4/2/1961`).
    pub pad_dates: bool,
}

impl Writing {
    /// Typed values (always padded dates, periods kept).
    pub const TYPED: Writing = Writing {
        hand: false,
        periods: true,
        pad_dates: true,
    };

    /// A name as this writer writes it.
    pub fn name(&self, p: &Individual, order: NameOrder) -> String {
        p.name(order, self.hand, self.periods)
    }

    /// A date as printed on a U.S. form (`mm/dd/yyyy`).
    pub fn date(&self, d: Date) -> String {
        if self.pad_dates {
            d.us()
        } else {
            format!("{}/{}/{:04}", d.month, d.day, d.year)
        }
    }

    /// Free text (addresses, titles): capitals when hand-printed.
    pub fn text(&self, s: &str) -> String {
        if self.hand {
            s.to_uppercase()
        } else {
            s.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn households_are_fake_and_consistent() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for i in 0..300 {
            let system = if i % 2 == 0 {
                System::Fers
            } else {
                System::Csrs
            };
            let h = Household::random(&mut rng, system, i % 3 != 0);
            let mut ssns = vec![h.subject.ssn.clone()];
            ssns.extend(h.spouse.iter().map(|s| s.ssn.clone()));
            ssns.extend(h.beneficiaries.iter().map(|(r, _)| r.person.ssn.clone()));
            for s in ssns {
                assert!(s.starts_with('9') && s.len() == 11, "{s}");
            }
            assert_eq!(h.beneficiaries.iter().map(|(_, s)| s).sum::<u32>(), 100);
            if let Some(c) = &h.claim_number {
                let want = if system == System::Fers {
                    "CSF "
                } else {
                    "CSA "
                };
                assert!(c.starts_with(want) && c.len() == 11, "{c}");
            }
            assert!(h.phone.contains("-555-01"));
        }
    }

    #[test]
    fn names_follow_the_label_and_the_writer() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let p = Individual::random(&mut rng, Sex::Female, Some("Doe"), 1960..=1960);
        let typed = Writing::TYPED.name(&p, NameOrder::LastFirst);
        assert!(typed.starts_with("Doe, ") && typed.ends_with('.'));
        let hand = Writing {
            hand: true,
            periods: false,
            pad_dates: false,
        };
        let n = hand.name(&p, NameOrder::FirstLast);
        assert!(n.ends_with(" DOE") && n == n.to_uppercase() && !n.contains('.'));
        let d = Date {
            year: 1961,
            month: 4,
            day: 2,
        };
        assert_eq!(hand.date(d), "4/2/1961");
        assert_eq!(Writing::TYPED.date(d), "04/02/1961");
    }
}
