//! Typed errors. Each carries enough to print one line a person can act on; the binary turns
//! them into that line, the manifest records their `kind`.

use std::path::PathBuf;

/// Why one input could not be processed. The run goes on without it.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a supported scan: {0}")]
    Unsupported(String),
    #[error("damaged or invalid file: {0}")]
    Corrupt(String),
    #[error("encrypted: {0}")]
    Encrypted(String),
    #[error("too large: {0}")]
    TooLarge(String),
    #[error("page {page}: {message}")]
    Page { page: u32, message: String },
    #[error("cannot write output: {0}")]
    Output(String),
}

impl InputError {
    /// A short, stable machine-readable kind for the manifest.
    pub fn kind(&self) -> &'static str {
        match self {
            InputError::Io(_) => "io",
            InputError::Unsupported(_) => "unsupported",
            InputError::Corrupt(_) => "corrupt",
            InputError::Encrypted(_) => "encrypted",
            InputError::TooLarge(_) => "too_large",
            InputError::Page { .. } => "page",
            InputError::Output(_) => "output",
        }
    }
}

/// Why a whole run cannot go on (mapped to exit codes by the binary).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The command line or configuration is wrong (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Tesseract or its language data is missing (exit 3).
    #[error("{0}")]
    MissingComponent(String),
    /// Another run holds the output folder's lock (exit 4).
    #[error("{0}")]
    Locked(String),
    /// The output folder cannot be written (exit 1... but nothing can be done, so it stops).
    #[error("cannot write {}: {message}", path.display())]
    Output { path: PathBuf, message: String },
}
