//! The form catalog: what identifies each form and which fields to read off it.
//!
//! Data, not code: `catalog/forms.toml` is embedded in the binary; `--catalog FILE` adds forms
//! or replaces forms with the same `id`. `classify` and `extract` read it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// The catalog shipped with the tool.
pub const BUILTIN: &str = include_str!("../catalog/forms.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Family key -> display name.
    #[serde(default)]
    pub families: BTreeMap<String, String>,
    #[serde(default, rename = "form")]
    pub forms: Vec<Form>,
    /// Field name -> how to find it.
    #[serde(default)]
    pub fields: BTreeMap<String, FieldRule>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub id: String,
    pub title: String,
    pub family: String,
    #[serde(default)]
    pub omb: Option<String>,
    #[serde(default)]
    pub numbers: Vec<String>,
    #[serde(default)]
    pub titles: Vec<String>,
    #[serde(default)]
    pub headings: Vec<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub instructions: Vec<String>,
    #[serde(default)]
    pub first_page: Vec<String>,
    #[serde(default)]
    pub revisions: Vec<String>,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub required: Vec<String>,
    /// Words that, in a label's context, name someone other than the person the form's fields
    /// describe: added to every field's `exclude` on this form. A death benefits application
    /// is about the deceased; its "Applicant's date of birth" is the survivor's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    pub labels: Vec<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// For the numeric fields ([`IDENTIFIERS`]): the labels whose boxes the digit readers read
    /// again, for values Tesseract's page-wide reading cannot read (hand-printed digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reread: Option<Reread>,
}

/// The identifiers: the numeric fields, whose boxes may be read again by the digit readers
/// (`[fields.<field>.reread]`), and which documents of one person are linked by and corrected
/// in (`reconcile`).
pub const IDENTIFIERS: [&str; 3] = ["ssn", "date_of_birth", "claim_number"];

/// Which labels' boxes are read again, digits only (see `ocr::read_numeric_zones`). Labels
/// are compared by their letters and digits alone, case ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reread {
    /// Whole labels: "Date of birth".
    pub labels: Vec<String>,
    /// Ends of labels, looked for on a line where no whole label of the field is (a value
    /// written over its label's start leaves only its end): "of birth (mm".
    #[serde(default)]
    pub ends: Vec<String>,
    /// After an end, what makes it another field's label: "yyyy" ("Month and year of birth
    /// (mm/yyyy)").
    #[serde(default)]
    pub not_before: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read catalog {path}: {message}")]
    Read { path: String, message: String },
    #[error("catalog {path}: {message}")]
    Invalid { path: String, message: String },
}

impl Catalog {
    /// The built-in catalog.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        Self::parse(BUILTIN, "built-in catalog")
    }

    /// Parse and check a catalog text.
    pub fn parse(text: &str, name: &str) -> Result<Catalog, CatalogError> {
        let cat: Catalog = toml::from_str(text).map_err(|e| CatalogError::Invalid { path: name.into(), message: e.to_string() })?;
        cat.check(name)?;
        Ok(cat)
    }

    /// The built-in catalog with an operator's file merged over it.
    pub fn load(extra: Option<&Path>) -> Result<Catalog, CatalogError> {
        match extra {
            Some(path) => {
                let name = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|e| CatalogError::Read { path: name.clone(), message: e.to_string() })?;
                Self::with_operator_text(&text, &name)
            }
            None => Self::builtin(),
        }
    }

    /// The built-in catalog with an operator's catalog text (named `name` in errors) merged
    /// over it.
    pub fn with_operator_text(text: &str, name: &str) -> Result<Catalog, CatalogError> {
        let mut cat = Self::builtin()?;
        let more: Catalog = toml::from_str(text).map_err(|e| CatalogError::Invalid { path: name.into(), message: e.to_string() })?;
        cat.families.extend(more.families);
        cat.fields.extend(more.fields);
        for form in more.forms {
            match cat.forms.iter_mut().find(|f| f.id == form.id) {
                Some(existing) => *existing = form,
                None => cat.forms.push(form),
            }
        }
        cat.check(name)?;
        Ok(cat)
    }

    fn check(&self, name: &str) -> Result<(), CatalogError> {
        let invalid = |message: String| CatalogError::Invalid { path: name.into(), message };
        for (name, rule) in &self.fields {
            if rule.reread.is_some() && !IDENTIFIERS.contains(&name.as_str()) {
                return Err(invalid(format!("field {name}: `reread` is for the numeric fields only ({})", IDENTIFIERS.join(", "))));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for f in &self.forms {
            if !seen.insert(&f.id) {
                return Err(invalid(format!("form {} is listed twice", f.id)));
            }
            if !self.families.is_empty() && !self.families.contains_key(&f.family) {
                return Err(invalid(format!("form {}: unknown family {:?}", f.id, f.family)));
            }
            if f.numbers.is_empty() && f.titles.is_empty() {
                return Err(invalid(format!("form {}: needs at least one of `numbers` or `titles`", f.id)));
            }
            // An instructions phrase that is also the title would make every first page an
            // instruction page.
            if let Some(p) = f.instructions.iter().find(|p| f.titles.iter().any(|t| t.eq_ignore_ascii_case(p))) {
                return Err(invalid(format!("form {}: instructions phrase {p:?} is also a title", f.id)));
            }
            for field in f.fields.iter().chain(&f.required) {
                if !self.fields.is_empty() && !self.fields.contains_key(field) {
                    return Err(invalid(format!("form {}: no rule for field {field:?}", f.id)));
                }
            }
        }
        Ok(())
    }

    pub fn form(&self, id: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.id == id)
    }

    /// Display name of a family.
    pub fn family_name<'a>(&'a self, key: &'a str) -> &'a str {
        self.families.get(key).map(String::as_str).unwrap_or(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_is_valid_and_complete() {
        let cat = Catalog::builtin().unwrap();
        for id in ["SF 3107", "SF 2801", "SF 3102", "SF 2818", "RI 92-19", "SF 2809", "OPM 1496A", "W-4P", "SF 1199A", "SF 3112C"] {
            assert!(cat.form(id).is_some(), "{id} is in the catalog");
        }
        assert!(cat.forms.len() >= 30);
        for field in ["name", "date_of_birth", "ssn", "claim_number", "agency"] {
            assert!(cat.fields.contains_key(field), "{field}");
        }
    }

    #[test]
    fn operator_catalog_adds_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("extra.toml");
        std::fs::write(&p, r#"
[[form]]
id = "SF 3107"
title = "Replaced"
family = "retirement_application"
titles = ["Replaced title"]

[[form]]
id = "OPM 9999"
title = "A local form"
family = "retirement_application"
numbers = ["OPM Form 9999"]
"#).unwrap();
        let cat = Catalog::load(Some(&p)).unwrap();
        assert_eq!(cat.form("SF 3107").unwrap().title, "Replaced");
        assert!(cat.form("OPM 9999").is_some());
        std::fs::write(&p, "[[form]]\nid = \"X\"\ntitle = \"t\"\nfamily = \"nope\"\ntitles=[\"t\"]\n").unwrap();
        let err = Catalog::load(Some(&p)).unwrap_err().to_string();
        assert!(err.contains("unknown family"), "{err}");
    }
}
