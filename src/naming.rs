//! Output file names, from a template the operator may change.
//!
//! Placeholders: `{form}` (form id made path-safe: `SF-3107`, `unknown`), `{family}`,
//! `{claim}` (claim number, `CSA-1234567`, or `no-claim`), `{date}` (the run's date,
//! YYYY-MM-DD), `{key}` (the claim number, or the date when there is none), `{id}` (the first 8
//! hex digits of the document's stable id), `{id_full}`. The default is
//! [`DEFAULT_TEMPLATE`]. Documents that need review go under `review/`. Personal data (name,
//! SSN, date of birth) has no placeholder: it never goes into a path.

use std::path::{Component, Path, PathBuf};

pub const DEFAULT_TEMPLATE: &str = "{form}/{key}_{id}.pdf";

const PLACEHOLDERS: &[&str] = &["form", "family", "claim", "date", "key", "id", "id_full"];

/// What a name is made of.
pub struct NameParts<'a> {
    pub form: &'a str,
    pub family: Option<&'a str>,
    pub claim: Option<&'a str>,
    pub date: &'a str,
    pub id: &'a str,
    pub review: bool,
}

/// Check a template before any work: known placeholders only, `{id}` or `{id_full}` present
/// (names must not collide between documents), a relative path ending in `.pdf`.
pub fn validate(template: &str) -> Result<(), String> {
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').ok_or_else(|| format!("--name-template {template:?}: unclosed '{{'"))?;
        let name = &rest[open + 1..open + close];
        if !PLACEHOLDERS.contains(&name) {
            return Err(format!("--name-template: unknown placeholder {{{name}}} (known: {})", PLACEHOLDERS.map_join()));
        }
        rest = &rest[open + close + 1..];
    }
    if !template.contains("{id}") && !template.contains("{id_full}") {
        return Err("--name-template must contain {id} or {id_full}, so that documents do not share a name".into());
    }
    if !template.ends_with(".pdf") {
        return Err("--name-template must end in .pdf".into());
    }
    let p = Path::new(template);
    if p.is_absolute() || p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err("--name-template must be a relative path inside the output folder".into());
    }
    Ok(())
}

trait MapJoin {
    fn map_join(&self) -> String;
}

impl MapJoin for &[&str] {
    fn map_join(&self) -> String {
        self.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ")
    }
}

fn safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect()
}

/// The output path (relative to the output folder) for a document.
pub fn render(template: &str, parts: &NameParts) -> PathBuf {
    let claim = parts.claim.map(safe);
    let value = |name: &str| -> String {
        match name {
            "form" => safe(parts.form),
            "family" => safe(parts.family.unwrap_or("unknown")),
            "claim" => claim.clone().unwrap_or_else(|| "no-claim".into()),
            "date" => parts.date.to_string(),
            "key" => claim.clone().unwrap_or_else(|| parts.date.to_string()),
            "id" => parts.id.chars().take(8).collect(),
            "id_full" => parts.id.to_string(),
            _ => String::new(),
        }
    };
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        match rest[open..].find('}') {
            Some(close) => {
                out.push_str(&value(&rest[open + 1..open + close]));
                rest = &rest[open + close + 1..];
            }
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    out.push_str(rest);
    let base = if parts.review { PathBuf::from("review") } else { PathBuf::new() };
    base.join(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(claim: Option<&'static str>, review: bool) -> NameParts<'static> {
        NameParts { form: "SF 3107", family: Some("retirement_application"), claim, date: "2026-11-24", id: "3f2a9c1d00112233", review }
    }

    #[test]
    fn default_names() {
        assert_eq!(render(DEFAULT_TEMPLATE, &parts(Some("CSA 1234567"), false)), PathBuf::from("SF-3107/CSA-1234567_3f2a9c1d.pdf"));
        assert_eq!(render(DEFAULT_TEMPLATE, &parts(None, true)), PathBuf::from("review/SF-3107/2026-11-24_3f2a9c1d.pdf"));
        assert_eq!(render("{family}/{date}/{form}-{id_full}.pdf", &parts(None, false)), PathBuf::from("retirement_application/2026-11-24/SF-3107-3f2a9c1d00112233.pdf"));
    }

    #[test]
    fn bad_templates_are_refused() {
        assert!(validate(DEFAULT_TEMPLATE).is_ok());
        assert!(validate("{form}/{name}_{id}.pdf").unwrap_err().contains("unknown placeholder {name}"));
        assert!(validate("{form}/{key}.pdf").unwrap_err().contains("{id}"));
        assert!(validate("../{id}.pdf").is_err());
        assert!(validate("/tmp/{id}.pdf").is_err());
        assert!(validate("{id}.txt").is_err());
    }
}
