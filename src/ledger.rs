//! The ledger: what was done, for the next run. A SQLite database in the output folder
//! (`.casefile/ledger.sqlite3`) records every input (path, size, mtime, SHA-256, outcome), every
//! document written (its PDF's path and hash, the input pages it holds, what superseded it) and
//! every run. It is what makes reruns cheap (unchanged inputs are skipped on a `stat`), crashes
//! harmless (a document is recorded *pending* before its PDF appears under its final name and
//! *written* in the same transaction that marks its inputs done) and `verify` / `report`
//! possible.
//!
//! It holds no SSN, no field value and no OCR text: paths, sizes, hashes, form ids, counts and
//! timestamps only.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};

/// Folder inside the output root holding the ledger, the lock and run journals.
pub const STATE_DIR: &str = ".casefile";
const DB_FILE: &str = "ledger.sqlite3";
const SCHEMA_VERSION: i64 = 1;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("ledger {}: {source}", path.display())]
    Sql {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("ledger {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What the ledger knows of one input path.
#[derive(Debug, Clone)]
pub struct InputRow {
    pub size: u64,
    pub mtime_ns: i64,
    pub sha256: Option<String>,
    /// "done" or "failed".
    pub status: String,
}

/// A document the ledger holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocRow {
    pub id: String,
    pub pdf: String,
    pub sha256: String,
    pub bytes: u64,
    pub pages: u32,
    pub form: String,
    pub review: bool,
    pub run_id: String,
    pub state: String,
    pub superseded_by: Option<String>,
}

/// A page of an input held by a document.
#[derive(Debug, Clone)]
pub struct SourcePageRow {
    pub input_path: Vec<u8>,
    pub input_sha256: String,
    pub page: u32,
}

/// What a finished (or interrupted) run recorded.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunRow {
    pub id: String,
    pub started: String,
    pub finished: Option<String>,
    pub status: String,
    pub pages: u32,
    pub documents: u32,
    pub review: u32,
    pub inputs_processed: u32,
    pub inputs_failed: u32,
    pub manifest: Option<String>,
    pub manifest_sha256: Option<String>,
}

pub struct Ledger {
    conn: Connection,
    path: PathBuf,
}

/// Key of an input in the ledger: its absolute path, as bytes (file names need not be UTF-8).
pub fn path_key(path: &Path) -> Vec<u8> {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    abs.as_os_str().as_bytes().to_vec()
}

pub fn key_to_path(key: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(key))
}

/// Modification time in nanoseconds since the epoch (0 when unknown).
pub fn mtime_ns(t: Option<std::time::SystemTime>) -> i64 {
    t.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos() as i64).unwrap_or(0)
}

impl Ledger {
    /// Open (creating if needed) the ledger of an output folder.
    pub fn open(out_dir: &Path) -> Result<Ledger, LedgerError> {
        let dir = out_dir.join(STATE_DIR);
        let path = dir.join(DB_FILE);
        let err = |source| LedgerError::Sql { path: path.clone(), source };
        crate::output::create_dir_all(&dir).map_err(|source| LedgerError::Io { path: dir.clone(), source })?;
        let conn = Connection::open(&path).map_err(err)?;
        {
            // The database and its WAL are created with the umask; set owner+group only.
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(crate::output::FILE_MODE));
        }
        let ledger = Ledger { conn, path: path.clone() };
        ledger.init().map_err(err)?;
        Ok(ledger)
    }

    /// Open an existing ledger without creating anything (verify, report).
    pub fn open_existing(out_dir: &Path) -> Result<Option<Ledger>, LedgerError> {
        let path = out_dir.join(STATE_DIR).join(DB_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        Ledger::open(out_dir).map(Some)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn init(&self) -> rusqlite::Result<()> {
        // WAL keeps readers and the writer apart; FULL sync makes a commit durable before the
        // next file is written, so a power cut cannot leave a written PDF the ledger forgot.
        self.conn.pragma_update(None, "journal_mode", "WAL")?;
        self.conn.pragma_update(None, "synchronous", "FULL")?;
        self.conn.busy_timeout(std::time::Duration::from_secs(5))?;
        self.conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS runs(
                 id TEXT PRIMARY KEY, started TEXT NOT NULL, finished TEXT, status TEXT NOT NULL,
                 pages INTEGER NOT NULL DEFAULT 0, documents INTEGER NOT NULL DEFAULT 0,
                 review INTEGER NOT NULL DEFAULT 0,
                 inputs_processed INTEGER NOT NULL DEFAULT 0, inputs_failed INTEGER NOT NULL DEFAULT 0,
                 manifest TEXT, manifest_sha256 TEXT);
             CREATE TABLE IF NOT EXISTS inputs(
                 path BLOB PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                 sha256 TEXT, status TEXT NOT NULL, pages INTEGER, error_kind TEXT,
                 run_id TEXT NOT NULL, same_as BLOB, root TEXT, rel TEXT, updated TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS inputs_sha ON inputs(sha256);
             CREATE TABLE IF NOT EXISTS documents(
                 pdf TEXT PRIMARY KEY, id TEXT NOT NULL, sha256 TEXT NOT NULL, bytes INTEGER NOT NULL,
                 pages INTEGER NOT NULL, form TEXT NOT NULL, review INTEGER NOT NULL,
                 run_id TEXT NOT NULL, state TEXT NOT NULL, superseded_by TEXT, created TEXT NOT NULL);
             CREATE INDEX IF NOT EXISTS documents_id ON documents(id);
             CREATE TABLE IF NOT EXISTS document_pages(
                 pdf TEXT NOT NULL, input_path BLOB NOT NULL, input_sha256 TEXT NOT NULL, page INTEGER NOT NULL);
             CREATE INDEX IF NOT EXISTS document_pages_input ON document_pages(input_path);
             CREATE INDEX IF NOT EXISTS document_pages_pdf ON document_pages(pdf);",
        )?;
        self.conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', ?1)",
            params![SCHEMA_VERSION.to_string()],
        )?;
        Ok(())
    }

    fn err(&self, source: rusqlite::Error) -> LedgerError {
        LedgerError::Sql { path: self.path.clone(), source }
    }

    /// Every input the ledger knows, by path key.
    pub fn inputs(&self) -> Result<HashMap<Vec<u8>, InputRow>, LedgerError> {
        let run = || -> rusqlite::Result<HashMap<Vec<u8>, InputRow>> {
            let mut stmt = self.conn.prepare("SELECT path, size, mtime_ns, sha256, status FROM inputs")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    InputRow { size: r.get::<_, i64>(1)? as u64, mtime_ns: r.get(2)?, sha256: r.get(3)?, status: r.get(4)? },
                ))
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Content hashes of inputs already done, with one path that holds each.
    pub fn done_contents(&self) -> Result<HashMap<String, Vec<u8>>, LedgerError> {
        let run = || -> rusqlite::Result<HashMap<String, Vec<u8>>> {
            let mut stmt =
                self.conn.prepare("SELECT sha256, path FROM inputs WHERE status = 'done' AND sha256 IS NOT NULL")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
            let mut map = HashMap::new();
            for row in rows {
                let (sha, path) = row?;
                map.entry(sha).or_insert(path);
            }
            Ok(map)
        };
        run().map_err(|e| self.err(e))
    }

    pub fn begin_run(&self, id: &str, started: &str) -> Result<(), LedgerError> {
        self.conn
            .execute("INSERT INTO runs(id, started, status) VALUES(?1, ?2, 'running')", params![id, started])
            .map(drop)
            .map_err(|e| self.err(e))
    }

    pub fn finish_run(&self, run: &RunRow) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "UPDATE runs SET finished = ?2, status = ?3, pages = ?4, documents = ?5, review = ?6,
                     inputs_processed = ?7, inputs_failed = ?8, manifest = ?9, manifest_sha256 = ?10 WHERE id = ?1",
                params![
                    run.id,
                    run.finished,
                    run.status,
                    run.pages,
                    run.documents,
                    run.review,
                    run.inputs_processed,
                    run.inputs_failed,
                    run.manifest,
                    run.manifest_sha256
                ],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Runs that started and never finished (their process died).
    pub fn unfinished_runs(&self) -> Result<Vec<String>, LedgerError> {
        let run = || -> rusqlite::Result<Vec<String>> {
            let mut stmt = self.conn.prepare("SELECT id FROM runs WHERE finished IS NULL ORDER BY started")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    pub fn runs(&self) -> Result<Vec<RunRow>, LedgerError> {
        let run = || -> rusqlite::Result<Vec<RunRow>> {
            let mut stmt = self.conn.prepare(
                "SELECT id, started, finished, status, pages, documents, review, inputs_processed, inputs_failed,
                        manifest, manifest_sha256 FROM runs ORDER BY started",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok(RunRow {
                    id: r.get(0)?,
                    started: r.get(1)?,
                    finished: r.get(2)?,
                    status: r.get(3)?,
                    pages: r.get(4)?,
                    documents: r.get(5)?,
                    review: r.get(6)?,
                    inputs_processed: r.get(7)?,
                    inputs_failed: r.get(8)?,
                    manifest: r.get(9)?,
                    manifest_sha256: r.get(10)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Record a document about to be written under `doc.pdf` (state "pending"): if the process
    /// dies before [`Ledger::commit_document`], the next run removes the file.
    pub fn add_pending(&self, doc: &DocRow, created: &str) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO documents(pdf, id, sha256, bytes, pages, form, review, run_id, state, created)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9)",
                params![doc.pdf, doc.id, doc.sha256, doc.bytes as i64, doc.pages, doc.form, doc.review, doc.run_id, created],
            )
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// In one transaction: the document is written, its pages recorded, the documents it
    /// supersedes marked, and the inputs now complete recorded as done.
    pub fn commit_document(
        &mut self,
        pdf: &str,
        doc_id: &str,
        pages: &[SourcePageRow],
        supersedes: &[String],
        done: &[DoneInput],
    ) -> Result<(), LedgerError> {
        let run = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            tx.execute("UPDATE documents SET state = 'written' WHERE pdf = ?1", params![pdf])?;
            {
                let mut ins =
                    tx.prepare_cached("INSERT INTO document_pages(pdf, input_path, input_sha256, page) VALUES(?1, ?2, ?3, ?4)")?;
                for p in pages {
                    ins.execute(params![pdf, p.input_path, p.input_sha256, p.page])?;
                }
                let mut sup = tx.prepare_cached("UPDATE documents SET superseded_by = ?2 WHERE pdf = ?1")?;
                for old in supersedes {
                    sup.execute(params![old, doc_id])?;
                }
            }
            record_inputs(&tx, done)?;
            tx.commit()
        };
        run(&mut self.conn).map_err(|e| self.err(e))
    }

    /// Record inputs as done (or failed) outside a document's transaction.
    pub fn record_inputs(&mut self, done: &[DoneInput]) -> Result<(), LedgerError> {
        if done.is_empty() {
            return Ok(());
        }
        let run = |conn: &mut Connection| -> rusqlite::Result<()> {
            let tx = conn.transaction()?;
            record_inputs(&tx, done)?;
            tx.commit()
        };
        run(&mut self.conn).map_err(|e| self.err(e))
    }

    /// Documents written from earlier content (or an earlier processing) of an input path,
    /// still current, with the pages of that path they hold.
    pub fn current_documents_of(&self, input_path: &[u8]) -> Result<Vec<(DocRow, Vec<u32>)>, LedgerError> {
        let run = || -> rusqlite::Result<Vec<(DocRow, Vec<u32>)>> {
            let mut stmt = self.conn.prepare(
                "SELECT d.pdf, group_concat(p.page) FROM documents d JOIN document_pages p ON p.pdf = d.pdf
                 WHERE p.input_path = ?1 AND d.state = 'written' AND d.superseded_by IS NULL
                 GROUP BY d.pdf ORDER BY min(p.page)",
            )?;
            let rows: Vec<(String, String)> =
                stmt.query_map(params![input_path], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::new();
            for (pdf, pages) in rows {
                if let Some(doc) = self.document_q(&pdf)? {
                    let mut pages: Vec<u32> = pages.split(',').filter_map(|p| p.parse().ok()).collect();
                    pages.sort_unstable();
                    out.push((doc, pages));
                }
            }
            Ok(out)
        };
        run().map_err(|e| self.err(e))
    }

    /// A written, current document with this id (a crashed run already wrote it).
    pub fn current_document_with_id(&self, id: &str) -> Result<Option<DocRow>, LedgerError> {
        let run = || -> rusqlite::Result<Option<DocRow>> {
            let pdf: Option<String> = self
                .conn
                .query_row(
                    "SELECT pdf FROM documents WHERE id = ?1 AND state = 'written' AND superseded_by IS NULL",
                    params![id],
                    |r| r.get(0),
                )
                .optional()?;
            match pdf {
                Some(p) => self.document_q(&p),
                None => Ok(None),
            }
        };
        run().map_err(|e| self.err(e))
    }

    fn document_q(&self, pdf: &str) -> rusqlite::Result<Option<DocRow>> {
        self.conn
            .query_row(
                "SELECT id, pdf, sha256, bytes, pages, form, review, run_id, state, superseded_by FROM documents WHERE pdf = ?1",
                params![pdf],
                doc_row,
            )
            .optional()
    }

    /// Every document, in the order written.
    pub fn documents(&self) -> Result<Vec<DocRow>, LedgerError> {
        let run = || -> rusqlite::Result<Vec<DocRow>> {
            let mut stmt = self.conn.prepare(
                "SELECT id, pdf, sha256, bytes, pages, form, review, run_id, state, superseded_by FROM documents ORDER BY rowid",
            )?;
            let rows = stmt.query_map([], doc_row)?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Forget a pending document (its file was removed or never appeared).
    pub fn drop_document(&self, pdf: &str) -> Result<(), LedgerError> {
        self.conn
            .execute("DELETE FROM documents WHERE pdf = ?1 AND state = 'pending'", params![pdf])
            .map(drop)
            .map_err(|e| self.err(e))
    }

    /// Inputs recorded by a run (for the manifest of an interrupted run).
    pub fn inputs_of_run(&self, run_id: &str) -> Result<Vec<RunInput>, LedgerError> {
        let run = || -> rusqlite::Result<Vec<RunInput>> {
            let mut stmt = self.conn.prepare(
                "SELECT coalesce(rel, ''), coalesce(root, ''), size, sha256, status, pages, error_kind FROM inputs
                 WHERE run_id = ?1 ORDER BY rowid",
            )?;
            let rows = stmt.query_map(params![run_id], |r| {
                Ok(RunInput {
                    rel: r.get(0)?,
                    root: r.get(1)?,
                    size: r.get::<_, i64>(2)? as u64,
                    sha256: r.get(3)?,
                    status: r.get(4)?,
                    pages: r.get(5)?,
                    error_kind: r.get(6)?,
                })
            })?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Pages per day and documents per form since a date (YYYY-MM-DD, inclusive), for `report`.
    pub fn documents_since(&self, since: Option<&str>) -> Result<Vec<(String, String, u32, bool)>, LedgerError> {
        let run = || -> rusqlite::Result<Vec<(String, String, u32, bool)>> {
            let mut stmt = self.conn.prepare(
                "SELECT substr(created, 1, 10), form, pages, review FROM documents
                 WHERE state = 'written' AND superseded_by IS NULL AND substr(created, 1, 10) >= ?1 ORDER BY created",
            )?;
            let rows = stmt.query_map(params![since.unwrap_or("")], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect()
        };
        run().map_err(|e| self.err(e))
    }

    /// Inputs that failed, per day (by the run that recorded them), since a date.
    pub fn failed_inputs_since(&self, since: Option<&str>) -> Result<u32, LedgerError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM inputs WHERE status = 'failed' AND substr(updated, 1, 10) >= ?1",
                params![since.unwrap_or("")],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }
}

fn doc_row(r: &rusqlite::Row) -> rusqlite::Result<DocRow> {
    Ok(DocRow {
        id: r.get(0)?,
        pdf: r.get(1)?,
        sha256: r.get(2)?,
        bytes: r.get::<_, i64>(3)? as u64,
        pages: r.get(4)?,
        form: r.get(5)?,
        review: r.get(6)?,
        run_id: r.get(7)?,
        state: r.get(8)?,
        superseded_by: r.get(9)?,
    })
}

/// An input as a run recorded it.
#[derive(Debug, Clone)]
pub struct RunInput {
    pub rel: String,
    pub root: String,
    pub size: u64,
    pub sha256: Option<String>,
    pub status: String,
    pub pages: Option<u32>,
    pub error_kind: Option<String>,
}

/// An input's outcome, as recorded.
#[derive(Debug, Clone)]
pub struct DoneInput {
    pub path: Vec<u8>,
    pub size: u64,
    pub mtime_ns: i64,
    pub sha256: Option<String>,
    /// "done" or "failed".
    pub status: &'static str,
    pub pages: Option<u32>,
    pub error_kind: Option<String>,
    pub run_id: String,
    /// For a file whose content was already done under another path.
    pub same_as: Option<Vec<u8>>,
    /// Its root as given and its path relative to it (for manifests).
    pub root: String,
    pub rel: String,
}

fn record_inputs(tx: &rusqlite::Transaction, done: &[DoneInput]) -> rusqlite::Result<()> {
    let now = chrono::Utc::now().to_rfc3339();
    let mut stmt = tx.prepare_cached(
        "INSERT OR REPLACE INTO inputs(path, size, mtime_ns, sha256, status, pages, error_kind, run_id, same_as, root, rel, updated)
         VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    for d in done {
        stmt.execute(params![
            d.path,
            d.size as i64,
            d.mtime_ns,
            d.sha256,
            d.status,
            d.pages,
            d.error_kind,
            d.run_id,
            d.same_as,
            d.root,
            d.rel,
            now
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(pdf: &str, id: &str) -> DocRow {
        DocRow {
            id: id.into(),
            pdf: pdf.into(),
            sha256: "ab".into(),
            bytes: 10,
            pages: 2,
            form: "SF 3107".into(),
            review: false,
            run_id: "r1".into(),
            state: "pending".into(),
            superseded_by: None,
        }
    }

    #[test]
    fn documents_go_from_pending_to_written_with_their_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Ledger::open(dir.path()).unwrap();
        l.begin_run("r1", "2026-11-24T00:00:00Z").unwrap();
        l.add_pending(&doc("a.pdf", "d1"), "2026-11-24T00:00:01Z").unwrap();
        assert!(l.current_document_with_id("d1").unwrap().is_none(), "pending is not current");
        let input = DoneInput {
            path: b"/in/a.jpg".to_vec(),
            size: 5,
            mtime_ns: 7,
            sha256: Some("cafe".into()),
            status: "done",
            pages: Some(1),
            error_kind: None,
            run_id: "r1".into(),
            same_as: None,
            root: "/in".into(),
            rel: "a.jpg".into(),
        };
        let pages = [SourcePageRow { input_path: b"/in/a.jpg".to_vec(), input_sha256: "cafe".into(), page: 1 }];
        l.commit_document("a.pdf", "d1", &pages, &[], &[input]).unwrap();
        assert_eq!(l.current_document_with_id("d1").unwrap().unwrap().state, "written");
        assert_eq!(l.inputs().unwrap()[&b"/in/a.jpg".to_vec()].status, "done");
        assert_eq!(l.done_contents().unwrap()["cafe"], b"/in/a.jpg");
        let cur = l.current_documents_of(b"/in/a.jpg").unwrap();
        assert_eq!(cur.len(), 1);
        assert_eq!(cur[0].1, vec![1]);
        // A new document supersedes it.
        l.add_pending(&doc("b.pdf", "d2"), "2026-11-24T00:00:02Z").unwrap();
        l.commit_document("b.pdf", "d2", &pages, &["a.pdf".into()], &[]).unwrap();
        let cur = l.current_documents_of(b"/in/a.jpg").unwrap();
        assert_eq!(cur.len(), 1);
        assert_eq!(cur[0].0.pdf, "b.pdf");
        assert_eq!(l.unfinished_runs().unwrap(), vec!["r1".to_string()]);
    }
}
