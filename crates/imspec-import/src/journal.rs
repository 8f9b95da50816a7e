//! The import's journal: one SQLite file holding every edge of the input and what became of
//! it, tied to a fingerprint of the input, the API, the app and the request-level parameters.
//!
//! An edge's `state` is `PENDING` (not answered) or `SETTLED` (its outcome is known). While
//! sending, the journal also keeps one key, `dispatched`: every pending edge up to it (in
//! (requester, line) order) has been handed to the senders, so a call carrying it may have
//! reached the service. The mark is committed before the edges it covers are sent; outcomes
//! are committed as they come, grouped by one writer thread (`Shared`). After a kill -9, the
//! pending edges up to the mark and the `unknown` ones are what was lost: asked of the
//! service, never guessed. Edges are stored by (requester, line): a call's edges share a page
//! or two, and the senders walk the table in order.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use imspec_runtime::Outcome;
use rusqlite::{Connection, OptionalExtension, params};

pub const PENDING: i64 = 0;
pub const SETTLED: i64 = 2;

/// What the journal records of an edge or a user: an outcome of the runtime, or a line that
/// repeats an earlier line's edge. Stored as its word and read back typed: a word the journal
/// does not know is an error naming it, never taken for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Word {
    Outcome(Outcome),
    /// The line repeats an earlier line's edge (that line stands for both).
    Duplicate,
}

impl Word {
    pub fn as_str(self) -> &'static str {
        match self {
            Word::Outcome(o) => o.as_str(),
            Word::Duplicate => "duplicate",
        }
    }

    pub fn parse(word: &str) -> Option<Word> {
        if word == Word::Duplicate.as_str() {
            Some(Word::Duplicate)
        } else {
            Outcome::from_word(word).map(Word::Outcome)
        }
    }

    /// A success: the operations' success words, and a duplicate line (its first stands for it).
    pub fn succeeded(self) -> bool {
        match self {
            Word::Outcome(o) => o.is_success(),
            Word::Duplicate => true,
        }
    }

    /// The word as an SQL string literal, for a condition on the `outcome` column.
    fn sql(self) -> String {
        format!("'{}'", self.as_str())
    }
}

impl From<Outcome> for Word {
    fn from(o: Outcome) -> Word {
        Word::Outcome(o)
    }
}

impl rusqlite::ToSql for Word {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(rusqlite::types::ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(self.as_str().as_bytes())))
    }
}

impl rusqlite::types::FromSql for Word {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Word> {
        let text = value.as_str()?;
        Word::parse(text).ok_or_else(|| rusqlite::types::FromSqlError::Other(format!("`{text}` is no outcome").into()))
    }
}

/// An outcome word as an SQL string literal.
fn sql(o: Outcome) -> String {
    Word::Outcome(o).sql()
}

/// What a journal is tied to; each part is compared on its own, so a refusal can name it.
/// The service is part of it: a journal's answers are trusted only against the service that
/// gave them (the same endpoint and, for an emulator, the same instance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub input: String,
    pub api: String,
    pub app: String,
    pub params: String,
    /// The endpoint, normalised (`scheme://host:port/prefix`).
    pub service: String,
    /// The emulator instance's id; empty when the service is no emulator.
    pub instance: String,
}

impl Fingerprint {
    fn parts(&self) -> [(&'static str, &str); 6] {
        [
            ("input file", &self.input),
            ("API", &self.api),
            ("app", &self.app),
            ("parameters", &self.params),
            ("service", &self.service),
            ("emulator instance", &self.instance),
        ]
    }
}

/// One part of a fingerprint that differs: its name, the journal's value and the run's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Differs {
    pub part: &'static str,
    pub journal: String,
    pub now: String,
}

/// One input edge as the journal keeps it.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub requester: String,
    pub user: String,
    /// The batch item, as JSON text.
    pub item: String,
    /// The edge's own request-level fields (a JSON object's text; empty: none), merged into its
    /// call: edges whose fields differ never share a call (an undo's per-edge direction).
    pub fixed: String,
}

impl Row {
    pub fn key(&self) -> Key {
        (self.requester.clone(), self.line)
    }
}

pub struct Journal {
    conn: Connection,
    pub path: PathBuf,
}

#[derive(Debug)]
pub struct JournalError(pub String);

/// A journal that cannot be read or written is unreadable input (exit 2).
impl From<JournalError> for crate::ImportError {
    fn from(e: JournalError) -> Self {
        crate::ImportError(e.0)
    }
}

fn err(path: &Path) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
    move |e| JournalError(format!("journal {}: {e}", path.display()))
}

/// The journal's layout, kept in `meta.schema`: a journal of another layout is refused, not
/// misread.
const SCHEMA_VERSION: &str = "3";

/// The tables (the `line` index comes after a load: built once, not kept up row by row).
const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS edges (
        requester TEXT NOT NULL,
        line INTEGER NOT NULL,
        user TEXT NOT NULL,
        item TEXT NOT NULL,
        state INTEGER NOT NULL,
        outcome TEXT,
        code TEXT,
        reason TEXT,
        held INTEGER,
        fixed TEXT NOT NULL DEFAULT '',
        pre TEXT,
        PRIMARY KEY (requester, line)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS users (
        id TEXT PRIMARY KEY,
        fields TEXT NOT NULL,
        generated INTEGER NOT NULL DEFAULT 0,
        listed INTEGER NOT NULL DEFAULT 0,
        outcome TEXT
    );
    CREATE TABLE IF NOT EXISTS dispatched (one INTEGER PRIMARY KEY CHECK (one = 1), requester TEXT NOT NULL, line INTEGER NOT NULL);";

/// Settles one edge.
const SETTLE_ONE: &str =
    "UPDATE edges SET state = ?1, outcome = ?2, code = ?3, reason = ?4 WHERE requester = ?5 AND line = ?6";

const LINE_INDEX: &str = "CREATE UNIQUE INDEX IF NOT EXISTS edges_by_line ON edges (line);";

impl Journal {
    /// An open connection to the journal at `path`, `None` when there is none (no file, or an
    /// empty one). Another file there (not SQLite, or another database) is refused, never
    /// overwritten or removed.
    pub fn probe(path: &Path) -> Result<Option<Connection>, JournalError> {
        if !path.exists() {
            return Ok(None);
        }
        let conn = Connection::open(path).map_err(err(path))?;
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map_err(err(path));
        let tables = count("SELECT COUNT(*) FROM sqlite_master")?;
        let ours =
            count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('meta', 'edges', 'users')")?;
        if tables == 0 {
            return Ok(None);
        }
        if ours < 3 {
            return Err(JournalError(format!(
                "{} is a database but not an imspec journal; give --journal another file",
                path.display()
            )));
        }
        Ok(Some(conn))
    }

    /// The journal at `path` when there is a complete one (its load committed); `None` when
    /// there is none. One of another layout (another version of imspec) is refused, not
    /// misread.
    pub fn open_existing(path: &Path) -> Result<Option<Journal>, JournalError> {
        let Some(conn) = Journal::probe(path)? else { return Ok(None) };
        let meta = |key: &str| {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get::<_, String>(0))
                .optional()
                .map_err(err(path))
        };
        if meta("loaded")?.is_none() {
            return Ok(None);
        }
        let version = meta("schema")?;
        if version.as_deref() != Some(SCHEMA_VERSION) {
            return Err(JournalError(format!(
                "journal {} was made by another version of imspec (journal schema {}, this one reads {SCHEMA_VERSION}); \
                 rerun with --restart to start over",
                path.display(),
                version.as_deref().unwrap_or("1")
            )));
        }
        Ok(Some(Journal::connect(conn, path)?))
    }

    /// WAL: readers do not block the writer; NORMAL: a commit survives the process's death.
    fn connect(conn: Connection, path: &Path) -> Result<Journal, JournalError> {
        conn.execute_batch(&format!(
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; {SCHEMA} {LINE_INDEX}"
        ))
        .map_err(err(path))?;
        Ok(Journal { conn, path: path.to_owned() })
    }

    /// A new journal holding every edge, tied to `fingerprint`. It is built in a side file
    /// without a rollback journal (a bulk load, nothing to roll back to) and renamed into place
    /// once complete: a load cut short leaves no journal, never a partial one. `in_memory`
    /// keeps it in memory instead (benchmarks: the cost of the file).
    pub fn create(
        path: &Path,
        in_memory: bool,
        fingerprint: &Fingerprint,
        rows: impl Iterator<Item = Result<Loaded, String>>,
    ) -> Result<Journal, JournalError> {
        if in_memory {
            let mut journal = Journal::connect(Connection::open_in_memory().map_err(err(path))?, path)?;
            journal.fill(fingerprint, rows)?;
            return Ok(journal);
        }
        let side = PathBuf::from(format!("{}.loading", path.display()));
        let _ = std::fs::remove_file(&side);
        {
            let conn = Connection::open(&side).map_err(err(&side))?;
            // It may hold passwords (register fields from the graph, generated ones): the
            // owner's alone, like SQLite's -wal and -shm files, which take the database's mode.
            #[cfg(unix)]
            std::fs::set_permissions(&side, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .map_err(|e| JournalError(format!("journal {}: {e}", side.display())))?;
            conn.execute_batch(&format!("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; {SCHEMA}"))
                .map_err(err(&side))?;
            if let Err(e) = (Journal { conn, path: side.clone() }).fill(fingerprint, rows) {
                let _ = std::fs::remove_file(&side);
                return Err(e);
            }
        }
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        std::fs::rename(&side, path).map_err(|e| JournalError(format!("journal {}: {e}", path.display())))?;
        Journal::connect(Connection::open(path).map_err(err(path))?, path)
    }

    fn meta(&self, key: &str) -> Result<Option<String>, JournalError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(err(&self.path))
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), JournalError> {
        self.conn
            .execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)", [key, value])
            .map(drop)
            .map_err(err(&self.path))
    }

    /// A number kept in `meta` (0 when there is none).
    pub fn meta_number(&self, key: &str) -> Result<u64, JournalError> {
        Ok(self.meta(key)?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    pub fn flag(&self, key: &str) -> Result<bool, JournalError> {
        Ok(self.meta(key)?.is_some())
    }

    /// Refuses a journal made for another input, API, app, parameters or service: each part
    /// that differs, with the journal's value and the run's.
    pub fn check_fingerprint(&self, want: &Fingerprint) -> Result<(), Vec<Differs>> {
        let differs: Vec<Differs> = want
            .parts()
            .into_iter()
            .filter_map(|(part, now)| {
                let journal = self.meta(&format!("fingerprint.{part}")).ok().flatten();
                (journal.as_deref() != Some(now)).then(|| Differs {
                    part,
                    journal: journal.unwrap_or_default(),
                    now: now.to_owned(),
                })
            })
            .collect();
        if differs.is_empty() { Ok(()) } else { Err(differs) }
    }

    /// A part of the journal's fingerprint (`service`, `emulator instance`, ...).
    pub fn fingerprint(&self, part: &str) -> Result<String, JournalError> {
        Ok(self.meta(&format!("fingerprint.{part}"))?.unwrap_or_default())
    }

    /// Marks the journal in use, and says whether its write-ahead log went missing since a
    /// run that did not end cleanly (the outcomes it held are lost: those edges come back as
    /// pending or lost, to be sent again or reconciled). The mark is checkpointed into the
    /// database itself, so losing the log cannot lose the mark too.
    pub fn open_run(&self) -> Result<bool, JournalError> {
        let wal = PathBuf::from(format!("{}-wal", self.path.display()));
        let lost = self.meta("open")?.is_some() && !wal.exists();
        self.set_meta("open", "1")?;
        self.conn.execute_batch("PRAGMA wal_checkpoint(FULL)").map_err(err(&self.path))?;
        Ok(lost)
    }

    /// Ends a run cleanly: everything checkpointed into the database, the in-use mark gone.
    pub fn close_run(&self) -> Result<(), JournalError> {
        self.conn.execute("DELETE FROM meta WHERE key = 'open'", []).map_err(err(&self.path))?;
        self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").map_err(err(&self.path))
    }

    /// Adds a run's calls to the journal's total; returns the total over every run.
    pub fn add_calls(&self, calls: u64) -> Result<u64, JournalError> {
        let total = self.meta("calls")?.and_then(|c| c.parse::<u64>().ok()).unwrap_or(0) + calls;
        self.set_meta("calls", &total.to_string())?;
        Ok(total)
    }

    /// Inserts every edge, the `line` index and the fingerprint, in one transaction.
    fn fill(
        &mut self,
        fingerprint: &Fingerprint,
        rows: impl Iterator<Item = Result<Loaded, String>>,
    ) -> Result<(), JournalError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(err(&path))?;
        {
            // Rows arrive in file order; appended to a staging table, then copied sorted, they
            // fill the (requester, line) tree page after page instead of all over it.
            tx.execute_batch(
                "CREATE TEMP TABLE staging (line INTEGER, requester TEXT, user TEXT, item TEXT, fixed TEXT,
                                             state INTEGER, outcome TEXT, code TEXT, reason TEXT)",
            )
            .map_err(err(&path))?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO staging (line, requester, user, item, fixed, state, outcome, code, reason)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(err(&path))?;
            tx.execute_batch("CREATE TEMP TABLE registrations (line INTEGER, requester TEXT, fields TEXT)")
                .map_err(err(&path))?;
            let mut registration = tx
                .prepare("INSERT INTO registrations (line, requester, fields) VALUES (?1, ?2, ?3)")
                .map_err(err(&path))?;
            for loaded in rows {
                let Loaded { row, settled, registration: fields } = loaded.map_err(JournalError)?;
                if let Some(fields) = fields {
                    registration.execute(params![row.line as i64, row.requester, fields]).map_err(err(&path))?;
                }
                let state = if settled.is_some() { SETTLED } else { PENDING };
                let (outcome, code, reason) = match settled {
                    Some(s) => (Some(s.outcome), s.code, s.reason),
                    None => (None, None, None),
                };
                insert
                    .execute(params![
                        row.line as i64,
                        row.requester,
                        row.user,
                        row.item,
                        row.fixed,
                        state,
                        outcome,
                        code,
                        reason
                    ])
                    .map_err(err(&path))?;
            }
            // A line that names the same edge (requester, target) as an earlier valid line is
            // that line's duplicate: never sent, reported as such (one sort, not a pair scan).
            tx.execute(
                &format!(
                    "UPDATE staging SET state = {SETTLED}, outcome = ?1, reason = 'duplicate of line ' || d.first
                     FROM (SELECT requester, user, MIN(line) AS first FROM staging WHERE state = {PENDING}
                           GROUP BY requester, user HAVING COUNT(*) > 1) AS d
                     WHERE staging.requester = d.requester AND staging.user = d.user
                       AND staging.line > d.first AND staging.state = {PENDING}"
                ),
                [Word::Duplicate],
            )
            .map_err(err(&path))?;
            tx.execute_batch(
                "INSERT INTO edges (line, requester, user, item, fixed, state, outcome, code, reason)
                 SELECT line, requester, user, item, fixed, state, outcome, code, reason FROM staging
                 ORDER BY requester, line;
                 DROP TABLE staging;",
            )
            .map_err(err(&path))?;
            tx.execute_batch(LINE_INDEX).map_err(err(&path))?;
            Journal::keep_registrations(&tx).map_err(|e| match e {
                Conflict::Lines(user, first, other) => JournalError(format!(
                    "lines {first} and {other} give user `{user}` different registration fields; a user registers once, \
                     so every line of a requester that carries them must carry the same values"
                )),
                Conflict::Sql(e) => err(&path)(e),
            })?;
            for (name, value) in fingerprint.parts() {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    [format!("fingerprint.{name}"), value.to_owned()],
                )
                .map_err(err(&path))?;
            }
            tx.execute("INSERT INTO meta (key, value) VALUES ('schema', ?1)", [SCHEMA_VERSION]).map_err(err(&path))?;
            tx.execute("INSERT INTO meta (key, value) VALUES ('loaded', '1')", []).map_err(err(&path))?;
        }
        tx.commit().map_err(err(&path))
    }

    /// The requesters' register items the lines carried, one per user (its first line's),
    /// into `users`; lines of one user that disagree are refused (never one picked silently).
    fn keep_registrations(tx: &rusqlite::Transaction<'_>) -> Result<(), Conflict> {
        tx.execute_batch(
            "CREATE INDEX temp.registrations_by_user ON registrations (requester, line);
             CREATE TEMP TABLE firsts AS
                 SELECT r.requester, r.line, r.fields FROM registrations r
                 JOIN (SELECT requester, MIN(line) AS line FROM registrations GROUP BY requester) f
                   ON r.requester = f.requester AND r.line = f.line;",
        )
        .map_err(Conflict::Sql)?;
        let conflict = tx
            .query_row(
                "SELECT f.requester, f.line, MIN(r.line) FROM firsts f
                 JOIN registrations r ON r.requester = f.requester AND r.fields <> f.fields
                 GROUP BY f.requester ORDER BY 3 LIMIT 1",
                [],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)),
            )
            .optional()
            .map_err(Conflict::Sql)?;
        if let Some((user, first, other)) = conflict {
            return Err(Conflict::Lines(user, first, other));
        }
        tx.execute_batch(
            "INSERT INTO users (id, fields) SELECT requester, fields FROM firsts;
             DROP TABLE firsts; DROP TABLE registrations;",
        )
        .map_err(Conflict::Sql)
    }

    /// Edges to send again on a rerun: those no service can have acted on — a transport
    /// failure (no code, a reason) or never attempted.
    pub fn retry_transport_failures(&self) -> Result<u64, JournalError> {
        self.conn
            .execute(
                "UPDATE edges SET state = ?1, outcome = NULL, reason = NULL
                 WHERE state = ?2 AND ((outcome = ?3 AND code IS NULL AND reason IS NOT NULL) OR outcome = ?4)",
                params![PENDING, SETTLED, Word::from(Outcome::Failed), Word::from(Outcome::NotAttempted)],
            )
            .map(|n| n as u64)
            .map_err(err(&self.path))
    }

    /// The next `limit` edges of `which` after `after` (requester, line), grouped by requester
    /// in line order: SQLite walks the table's own order, so memory stays flat however large
    /// the input, and each page goes on where the last one stopped.
    pub fn page(&self, which: &Edges, after: Option<&Key>, limit: usize) -> Result<Vec<Row>, JournalError> {
        let (requester, line) = after.map_or((String::new(), -1), |(r, l)| (r.clone(), *l as i64));
        let mut stmt = self.conn.prepare_cached(&which.page_sql()).map_err(err(&self.path))?;
        stmt.query_map(params![requester, line, limit as i64], |r| {
            Ok(Row {
                line: r.get::<_, i64>(0)? as u64,
                requester: r.get(1)?,
                user: r.get(2)?,
                item: r.get(3)?,
                fixed: r.get(4)?,
            })
        })
        .map_err(err(&self.path))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(err(&self.path))
    }

    pub fn pending_count(&self) -> Result<u64, JournalError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM edges WHERE state = ?1", [PENDING], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(err(&self.path))
    }

    /// Runs `f` in one transaction, committed when it succeeds (rolled back when it fails).
    fn transaction<R>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<R>,
    ) -> Result<R, JournalError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(err(&path))?;
        let r = f(&tx).map_err(err(&path))?;
        tx.commit().map_err(err(&path))?;
        Ok(r)
    }

    /// What reconciling a page found, in one transaction: `held` edges settle as `outcome`,
    /// the others go back to be sent.
    pub fn reconciled(&mut self, held: &[Key], outcome: &Settled, again: &[Key]) -> Result<(), JournalError> {
        self.transaction(|tx| {
            let mut settle = tx.prepare_cached(SETTLE_ONE)?;
            for (requester, line) in held {
                settle.execute(params![
                    SETTLED,
                    outcome.outcome,
                    outcome.code,
                    outcome.reason,
                    requester,
                    *line as i64
                ])?;
            }
            let mut requeue = tx.prepare_cached(
                "UPDATE edges SET state = ?1, outcome = NULL, code = NULL, reason = NULL
                 WHERE requester = ?2 AND line = ?3",
            )?;
            for (requester, line) in again {
                requeue.execute(params![PENDING, requester, *line as i64])?;
            }
            Ok(())
        })
    }

    /// Clears the `dispatched` mark: every edge under it is settled or pending again.
    pub fn clear_dispatched(&mut self) -> Result<(), JournalError> {
        self.apply(&[Write::Dispatched(None)])
    }

    /// Applies the send phase's writes in one transaction.
    fn apply(&mut self, writes: &[Write]) -> Result<(), JournalError> {
        self.transaction(|tx| {
            let mut settle = tx.prepare_cached(SETTLE_ONE)?;
            // A call's edges are the pending ones of one requester between two lines (chunks
            // are cut from the journal's (requester, line) order): one statement settles them
            // all when they share their outcome.
            let mut settle_range = tx.prepare_cached(
                "UPDATE edges SET state = ?1, outcome = ?2, code = ?3, reason = ?4
                 WHERE requester = ?5 AND line BETWEEN ?6 AND ?7 AND state = ?8",
            )?;
            for w in writes {
                match w {
                    Write::Dispatched(Some((requester, line))) => {
                        tx.execute(
                            "INSERT OR REPLACE INTO dispatched (one, requester, line) VALUES (1, ?1, ?2)",
                            params![requester, *line as i64],
                        )?;
                    }
                    Write::Dispatched(None) => {
                        tx.execute("DELETE FROM dispatched", [])?;
                    }
                    Write::Settle(settled)
                        if settled.windows(2).all(|w| w[0].1 == w[1].1)
                            && let (Some((requester, first, last)), Some((_, s))) =
                                (chunk_range(settled.iter().map(|(k, _)| k)), settled.first()) =>
                    {
                        settle_range
                            .execute(params![SETTLED, s.outcome, s.code, s.reason, requester, first, last, PENDING])?;
                    }
                    Write::Settle(settled) => {
                        for ((requester, line), s) in settled {
                            settle.execute(params![SETTLED, s.outcome, s.code, s.reason, requester, *line as i64])?;
                        }
                    }
                }
            }
            Ok(())
        })
    }

    /// How many edges `which` holds.
    pub fn count(&self, which: &Edges) -> Result<u64, JournalError> {
        self.conn
            .query_row(&format!("SELECT COUNT(*) FROM edges WHERE {}", which.condition()), [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(err(&self.path))
    }

    /// Forgets what an earlier verification found for these edges (they are asked again).
    pub fn forget_held(&self, which: &Edges) -> Result<(), JournalError> {
        self.conn
            .execute(&format!("UPDATE edges SET held = NULL WHERE held IS NOT NULL AND ({})", which.condition()), [])
            .map(drop)
            .map_err(err(&self.path))
    }

    /// Puts the edges that failed with one of `codes` (a retry may fix them) back to be sent.
    pub fn requeue_codes(&self, codes: &[String]) -> Result<u64, JournalError> {
        if codes.is_empty() {
            return Ok(0);
        }
        self.conn
            .execute(
                &format!(
                    "UPDATE edges SET state = {PENDING}, outcome = NULL, code = NULL, reason = NULL
                     WHERE state = {SETTLED} AND outcome = {} AND code IN ({})",
                    sql(Outcome::Failed),
                    quoted(codes)
                ),
                [],
            )
            .map(|n| n as u64)
            .map_err(err(&self.path))
    }

    /// How many edges failed with one of `codes`.
    pub fn count_codes(&self, codes: &[String]) -> Result<u64, JournalError> {
        if codes.is_empty() {
            return Ok(0);
        }
        self.conn
            .query_row(
                &format!(
                    "SELECT COUNT(*) FROM edges WHERE state = {SETTLED} AND outcome = {} AND code IN ({})",
                    sql(Outcome::Failed),
                    quoted(codes)
                ),
                [],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(err(&self.path))
    }

    /// Puts every edge that verification found the service does not hold back to be sent
    /// (`--repair`); returns how many.
    pub fn requeue_not_held(&self) -> Result<u64, JournalError> {
        self.conn
            .execute(
                "UPDATE edges SET state = ?1, outcome = NULL, code = NULL, reason = NULL, held = NULL
                 WHERE state = ?2 AND held = 0",
                params![PENDING, SETTLED],
            )
            .map(|n| n as u64)
            .map_err(err(&self.path))
    }

    /// What `--check-first` found, in one transaction: each edge's relation as the service
    /// held it before this import sent anything for it; the edges it held already settle as
    /// `already` and are not sent.
    pub fn checked_first(
        &mut self,
        found: &[(Key, &'static str, bool)],
        already: &Settled,
    ) -> Result<(), JournalError> {
        self.transaction(|tx| {
            let mut pre = tx.prepare_cached("UPDATE edges SET pre = ?1 WHERE requester = ?2 AND line = ?3")?;
            let mut settle = tx.prepare_cached(SETTLE_ONE)?;
            for ((requester, line), relation, held) in found {
                pre.execute(params![relation, requester, *line as i64])?;
                if *held {
                    settle.execute(params![
                        SETTLED,
                        already.outcome,
                        already.code,
                        already.reason,
                        requester,
                        *line as i64
                    ])?;
                }
            }
            Ok(())
        })
    }

    /// How many edges the import recorded `added` without knowing whether the service held
    /// them before (no `--check-first` answer for them).
    pub fn added_unchecked(&self) -> Result<u64, JournalError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM edges WHERE state = ?1 AND outcome = ?2 AND pre IS NULL",
                params![SETTLED, Word::from(Outcome::Added)],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(err(&self.path))
    }

    /// How many edges have no final answer yet (pending, or `unknown`).
    pub fn unsettled(&self) -> Result<u64, JournalError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM edges WHERE state = ?1 OR outcome = ?2",
                params![PENDING, Word::from(Outcome::Unknown)],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(err(&self.path))
    }

    /// Every edge the import recorded as done (`added`, `already_friends`), in (requester,
    /// line) order, with what is needed to tell what the import created: the relation
    /// `--check-first` found before, and whether the reverse edge is in the journal as
    /// `added` (a two-way add created this one too).
    pub fn each_done<R>(
        &self,
        f: impl FnOnce(&mut dyn Iterator<Item = Result<DoneEdge, String>>) -> R,
    ) -> Result<R, JournalError> {
        // The reverse edge is found through an index of (requester, user), built once here.
        self.conn
            .execute_batch("CREATE INDEX IF NOT EXISTS edges_by_pair ON edges (requester, user);")
            .map_err(err(&self.path))?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT e.line, e.requester, e.user, e.outcome, e.pre,
                        EXISTS (SELECT 1 FROM edges r WHERE r.requester = e.user AND r.user = e.requester
                                                        AND r.state = {SETTLED} AND r.outcome = {added})
                 FROM edges e WHERE e.state = {SETTLED} AND e.outcome IN ({added}, {already})
                 ORDER BY e.requester, e.line",
                added = sql(Outcome::Added),
                already = sql(Outcome::AlreadyFriends),
            ))
            .map_err(err(&self.path))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DoneEdge {
                    line: r.get::<_, i64>(0)? as u64,
                    requester: r.get(1)?,
                    user: r.get(2)?,
                    outcome: r.get(3)?,
                    pre: r.get(4)?,
                    reverse_added: r.get(5)?,
                })
            })
            .map_err(err(&self.path))?;
        let path = self.path.display().to_string();
        let mut rows = rows.map(|r| r.map_err(|e| format!("journal {path}: {e}")));
        Ok(f(&mut rows))
    }

    /// Records what `--verify` found for each edge.
    pub fn held(&mut self, found: &[(Key, bool)]) -> Result<(), JournalError> {
        self.transaction(|tx| {
            let mut up = tx.prepare_cached("UPDATE edges SET held = ?1 WHERE requester = ?2 AND line = ?3")?;
            for ((requester, line), held) in found {
                up.execute(params![*held, requester, *line as i64])?;
            }
            Ok(())
        })
    }

    /// Lists every user of a valid edge (requester or target) in `users`, once (the users the
    /// lines gave register fields for are there already): what `--register` pages through.
    pub fn list_users(&mut self) -> Result<(), JournalError> {
        self.transaction(|tx| {
            tx.execute_batch(&format!(
                "INSERT OR IGNORE INTO users (id, fields)
                     SELECT requester, '' FROM edges WHERE outcome IS NOT {invalid}
                     UNION SELECT user, '' FROM edges WHERE outcome IS NOT {invalid};",
                invalid = sql(Outcome::Invalid)
            ))
        })
    }

    /// The next `limit` users after `after`, by id, with what the journal keeps of their
    /// registration.
    /// With `unregistered`, only the users whose registration did not succeed (`registered`
    /// and `already_registered` are the successes).
    pub fn users_page(
        &self,
        after: Option<&str>,
        limit: usize,
        unregistered: bool,
    ) -> Result<Vec<KnownUser>, JournalError> {
        let mut stmt = self.conn.prepare_cached(&users_page_sql()).map_err(err(&self.path))?;
        // The first page starts at the smallest id there is, the empty one included; each
        // condition keeps to the primary key's order (one seek per page, not a scan).
        stmt.query_map(params![after.unwrap_or_default(), limit as i64, after.is_none(), unregistered], |r| {
            Ok(KnownUser {
                id: r.get(0)?,
                fields: r.get(1)?,
                generated: r.get(2)?,
                listed: r.get(3)?,
                outcome: r.get(4)?,
            })
        })
        .map_err(err(&self.path))?
        .collect::<Result<_, _>>()
        .map_err(err(&self.path))
    }

    /// Keeps users' generated register items, in one transaction.
    pub fn save_generated(&mut self, users: &[(&str, String)]) -> Result<(), JournalError> {
        self.each_user(
            "INSERT INTO users (id, fields, generated) VALUES (?1, ?2, 1)
             ON CONFLICT (id) DO UPDATE SET fields = excluded.fields, generated = 1 WHERE users.fields = ''",
            users,
        )
    }

    /// Records registration outcomes, in one transaction.
    pub fn registered(&mut self, outcomes: &[(&str, Outcome)]) -> Result<(), JournalError> {
        self.each_user(
            "INSERT INTO users (id, fields, outcome) VALUES (?1, '', ?2)
             ON CONFLICT (id) DO UPDATE SET outcome = excluded.outcome",
            &outcomes.iter().map(|(id, o)| (*id, Word::from(*o))).collect::<Vec<_>>(),
        )
    }

    fn each_user<V: rusqlite::ToSql>(&mut self, sql: &str, users: &[(&str, V)]) -> Result<(), JournalError> {
        self.transaction(|tx| {
            let mut up = tx.prepare_cached(sql)?;
            for (id, value) in users {
                up.execute(params![id, value])?;
            }
            Ok(())
        })
    }

    /// Records that users' generated items are in the operator's list.
    pub fn mark_listed(&mut self, ids: &[&str]) -> Result<(), JournalError> {
        self.transaction(|tx| {
            let mut up = tx.prepare_cached("UPDATE users SET listed = 1 WHERE id = ?1")?;
            for id in ids {
                up.execute([id])?;
            }
            Ok(())
        })
    }

    /// Outcome counts of the registration.
    pub fn user_outcomes(&self) -> Result<Vec<(String, u64)>, JournalError> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT COALESCE(outcome, {}), COUNT(*) FROM users GROUP BY 1 ORDER BY 1",
                sql(Outcome::NotAttempted)
            ))
            .map_err(err(&self.path))?;
        stmt.query_map([], |r| Ok((r.get::<_, Word>(0)?.as_str().to_owned(), r.get::<_, i64>(1)? as u64)))
            .map_err(err(&self.path))?
            .collect::<Result<_, _>>()
            .map_err(err(&self.path))
    }

    /// Every edge, in line order when `by_line` (the report), else in the journal's own order
    /// (a counting pass: no lookups through the line index). A pending edge still under the
    /// dispatched mark (a reconciliation cut short) may have reached the service: `unknown`.
    pub fn report(&self, by_line: bool, not_held: bool, mut each: impl FnMut(ReportRow)) -> Result<(), JournalError> {
        let order = if by_line { "ORDER BY line" } else { "" };
        // With `not_held` (an import), an edge verification found the service does not hold is
        // `not_held`, whatever its answer said (kept as `answered`).
        let missing = if not_held { 0 } else { -1 };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT line, requester, user,
                        CASE WHEN held = {missing} AND state = {SETTLED} THEN {not_held}
                             ELSE COALESCE(outcome, CASE WHEN (requester, line) <= (SELECT requester, line FROM dispatched)
                                                         THEN {unknown} END) END,
                        code, reason, held, CASE WHEN held = {missing} AND state = {SETTLED} THEN outcome END
                 FROM edges {order}",
                not_held = sql(Outcome::NotHeld),
                // Under the mark: it may have been sent.
                unknown = sql(Outcome::NotAttempted.given_maybe_applied()),
            ))
            .map_err(err(&self.path))?;
        let mut rows = stmt.query([]).map_err(err(&self.path))?;
        while let Some(r) = rows.next().map_err(err(&self.path))? {
            let get = |e: rusqlite::Error| JournalError(format!("journal {}: {e}", self.path.display()));
            each(ReportRow {
                line: r.get::<_, i64>(0).map_err(get)? as u64,
                requester: r.get(1).map_err(get)?,
                user: r.get(2).map_err(get)?,
                outcome: r.get::<_, Option<Word>>(3).map_err(get)?.unwrap_or(Word::Outcome(Outcome::NotAttempted)),
                code: r.get(4).map_err(get)?,
                reason: r.get(5).map_err(get)?,
                held: r.get(6).map_err(get)?,
                answered: r.get(7).map_err(get)?,
            });
        }
        Ok(())
    }

    /// The number of edges of `which` per requester (a phase's floor: a call asks about one
    /// requester).
    pub fn sizes_of(&self, which: &Edges, mut each: impl FnMut(u64)) -> Result<(), JournalError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT COUNT(*) FROM edges WHERE {} GROUP BY requester", which.condition()))
            .map_err(err(&self.path))?;
        let mut rows = stmt.query([]).map_err(err(&self.path))?;
        while let Some(r) = rows.next().map_err(err(&self.path))? {
            each(r.get::<_, i64>(0).map_err(err(&self.path))? as u64);
        }
        Ok(())
    }

    /// How many users `--register` registers.
    pub fn user_count(&self) -> Result<u64, JournalError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM users", [], |r| r.get::<_, i64>(0))
            .map(|n| n as u64)
            .map_err(err(&self.path))
    }

    /// The number of valid edges per requester (for the floor: a call carries one requester).
    pub fn requester_sizes(&self, mut each: impl FnMut(u64)) -> Result<(), JournalError> {
        let mut stmt = self
            .conn
            .prepare("SELECT COUNT(*) FROM edges WHERE outcome IS NOT ?1 GROUP BY requester")
            .map_err(err(&self.path))?;
        let mut rows = stmt.query([Word::from(Outcome::Invalid)]).map_err(err(&self.path))?;
        while let Some(r) = rows.next().map_err(err(&self.path))? {
            each(r.get::<_, i64>(0).map_err(err(&self.path))? as u64);
        }
        Ok(())
    }
}

/// A user's registration as the journal keeps it: its register item (JSON; empty when the
/// API needs nothing besides the id), whether imspec generated it, and whether it is in the
/// operator's list.
#[derive(Debug)]
pub struct KnownUser {
    pub id: String,
    pub fields: String,
    pub generated: bool,
    pub listed: bool,
    /// The registration's outcome, once answered.
    pub outcome: Option<Word>,
}

/// Which edges a page holds.
#[derive(Debug)]
pub enum Edges {
    /// Not answered: to send.
    Pending,
    /// Pending, and not yet asked about by `--check-first`.
    Unchecked,
    /// Answer lost: pending up to the `dispatched` mark a crash left, or `unknown`.
    Lost,
    /// Settled with one of these outcomes (what `--verify` checks).
    Settled(Vec<Word>),
    /// Those of the inner set whose holding is not known (no verification answered for them).
    Unverified(Box<Edges>),
}

/// A page of users: each page one seek into the primary key (the first one starts before any
/// id, the empty one included).
fn users_page_sql() -> String {
    format!(
        "SELECT id, fields, generated, listed, outcome FROM users
         WHERE (id > ?1 OR (id = ?1 AND ?3))
           AND (NOT ?4 OR outcome IS NULL OR outcome NOT IN ({}, {}))
         ORDER BY id LIMIT ?2",
        sql(Outcome::Registered),
        sql(Outcome::AlreadyRegistered)
    )
}

impl Edges {
    /// A page of these edges: one seek into the (requester, line) key, then its order.
    fn page_sql(&self) -> String {
        format!(
            "SELECT line, requester, user, item, fixed FROM edges
             WHERE (requester, line) > (?1, ?2) AND ({})
             ORDER BY requester, line LIMIT ?3",
            self.condition()
        )
    }

    fn condition(&self) -> String {
        match self {
            Edges::Pending => format!("state = {PENDING}"),
            Edges::Unchecked => format!("state = {PENDING} AND pre IS NULL"),
            Edges::Lost => format!(
                "(state = {PENDING} AND (requester, line) <= (SELECT requester, line FROM dispatched))
                 OR (state = {SETTLED} AND outcome = {})",
                sql(Outcome::Unknown)
            ),
            Edges::Settled(words) => {
                let list: Vec<String> = words.iter().map(|w| w.sql()).collect();
                format!("state = {SETTLED} AND outcome IN ({})", list.join(","))
            }
            Edges::Unverified(inner) => format!("({}) AND held IS NULL", inner.condition()),
        }
    }
}

/// Words as an SQL list of string literals.
fn quoted<S: AsRef<str>>(words: &[S]) -> String {
    let list: Vec<String> = words.iter().map(|w| format!("'{}'", w.as_ref().replace('\'', "''"))).collect();
    list.join(",")
}

/// One line of the input, as the load gives it to the journal.
#[derive(Debug)]
pub struct Loaded {
    pub row: Row,
    /// Its outcome when the load settles it (`invalid`).
    pub settled: Option<Settled>,
    /// The requester's register item (JSON), when the line carries its registration fields.
    pub registration: Option<String>,
}

enum Conflict {
    Lines(String, i64, i64),
    Sql(rusqlite::Error),
}

/// A write of the send phase.
#[derive(Debug, Clone)]
pub enum Write {
    /// Every pending edge up to this key has been handed to the senders (`None`: none is).
    Dispatched(Option<Key>),
    /// The outcomes of one call's edges (pending ones of one requester, in order).
    Settle(Vec<(Key, Settled)>),
}

/// The requester and the first and last line of a call's edges, when they have one requester.
fn chunk_range<'a>(mut keys: impl Iterator<Item = &'a Key>) -> Option<(&'a str, i64, i64)> {
    let (requester, line) = keys.next()?;
    let (mut first, mut last) = (*line, *line);
    for (r, l) in keys {
        if r != requester {
            return None;
        }
        (first, last) = (first.min(*l), last.max(*l));
    }
    Some((requester, first as i64, last as i64))
}

/// An edge's key in the journal: (requester, line).
pub type Key = (String, u64);

/// The journal shared by the send phase's tasks. Writes go to one writer thread, which
/// commits everything queued by the time it is free in one transaction (group commit).
/// `record` queues a write and goes on (outcomes: one lost to a kill is reconciled, never
/// guessed); `commit` returns once its write and every one before it is committed (the
/// `dispatched` mark, before the edges it covers are sent). The queue is bounded: senders
/// wait for a writer that falls behind instead of piling outcomes up in memory.
pub struct Shared {
    journal: Arc<Mutex<Journal>>,
    jobs: Mutex<Option<tokio::sync::mpsc::Sender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The writer's first failure: every later `commit` reports it.
    failed: Arc<Mutex<Option<String>>>,
    /// Benchmarks only: the send phase records nothing (what the journal's writes cost).
    skip: bool,
}

type Job = (Write, Option<tokio::sync::oneshot::Sender<()>>);

/// Writes queued at most (a fraction of a second of outcomes at the emulator's fastest).
const QUEUE: usize = 1024;

/// How long the writer lets outcomes gather after a transaction nobody waited for.
const GATHER: std::time::Duration = std::time::Duration::from_millis(2);

/// The writer's step: `writes` in one transaction, unless an earlier one failed. After a failed
/// transaction nothing more is applied: outcomes were lost with it, and clearing the
/// dispatched mark now would hide them from the rerun's reconciliation.
fn write_batch(journal: &Mutex<Journal>, failed: &Mutex<Option<String>>, writes: &[Write]) {
    let mut failed = failed.lock().unwrap_or_else(PoisonError::into_inner);
    if failed.is_none()
        && let Err(e) = journal.lock().unwrap_or_else(PoisonError::into_inner).apply(writes)
    {
        *failed = Some(e.0);
    }
}

impl Shared {
    pub fn new(journal: Journal, skip_writes: bool) -> Shared {
        let journal = Arc::new(Mutex::new(journal));
        let failed: Arc<Mutex<Option<String>>> = Arc::default();
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Job>(QUEUE);
        let (for_writer, failures) = (Arc::clone(&journal), Arc::clone(&failed));
        let writer = std::thread::spawn(move || {
            let mut jobs = Vec::new();
            while rx.blocking_recv_many(&mut jobs, QUEUE) > 0 {
                let (writes, acks): (Vec<Write>, Vec<_>) = jobs.drain(..).unzip();
                write_batch(&for_writer, &failures, &writes);
                let waited = acks.iter().any(Option::is_some);
                for ack in acks.into_iter().flatten() {
                    let _ = ack.send(());
                }
                // Nobody waited for this one: outcomes are left to gather for a moment, so a
                // transaction carries many calls' outcomes instead of one or two.
                if !waited {
                    std::thread::sleep(GATHER);
                }
            }
        });
        Shared { journal, jobs: Mutex::new(Some(tx)), writer: Mutex::new(Some(writer)), failed, skip: skip_writes }
    }

    /// The journal back, once every queued write is committed and the writer has stopped;
    /// the writer's failure, if it had one.
    pub fn into_journal(shared: Arc<Shared>) -> Result<Journal, String> {
        let (journal, failed) = (Arc::clone(&shared.journal), Arc::clone(&shared.failed));
        // Every sender is done: this is the last holder, and dropping it drains the queue and
        // joins the writer.
        drop(shared);
        if let Some(e) = failed.lock().unwrap_or_else(PoisonError::into_inner).take() {
            return Err(e);
        }
        let journal = Arc::try_unwrap(journal).map_err(|_| "the journal is still shared".to_owned())?;
        Ok(journal.into_inner().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn lock(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `w` (waiting only while the queue is full).
    pub async fn record(&self, w: Write) -> Result<(), String> {
        self.queue(w, None).await
    }

    /// Returns once `w` and every write queued before it are committed (or refused).
    pub async fn commit(&self, w: Write) -> Result<(), String> {
        let (ack, done) = tokio::sync::oneshot::channel();
        self.queue(w, Some(ack)).await?;
        if !self.skip {
            done.await.map_err(|_| "the journal's writer stopped".to_owned())?;
        }
        self.failure()
    }

    /// Hands `w` to the writer; refused once the writer has failed.
    async fn queue(&self, w: Write, ack: Option<tokio::sync::oneshot::Sender<()>>) -> Result<(), String> {
        if self.skip {
            return Ok(());
        }
        self.failure()?;
        let tx = self.jobs.lock().unwrap_or_else(PoisonError::into_inner).clone();
        match tx {
            Some(tx) => tx.send((w, ack)).await.map_err(|_| "the journal's writer stopped".to_owned()),
            None => Err("the journal's writer stopped".to_owned()),
        }
    }

    fn failure(&self) -> Result<(), String> {
        match self.failed.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        drop(self.jobs.lock().unwrap_or_else(PoisonError::into_inner).take());
        if let Some(writer) = self.writer.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = writer.join();
        }
    }
}

/// A known outcome of one edge.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    pub outcome: Word,
    pub code: Option<String>,
    pub reason: Option<String>,
}

pub struct ReportRow {
    pub line: u64,
    pub requester: String,
    pub user: String,
    pub outcome: Word,
    pub code: Option<String>,
    pub reason: Option<String>,
    pub held: Option<bool>,
    /// The answer an edge had when verification found the service does not hold it.
    pub answered: Option<Word>,
}

/// An edge the import recorded as done, as `--undo` reads it.
#[derive(Debug, Clone)]
pub struct DoneEdge {
    pub line: u64,
    pub requester: String,
    pub user: String,
    pub outcome: Word,
    /// The relation `--check-first` found before anything was sent (`none`, `outgoing`, ...).
    pub pre: Option<String>,
    /// The reverse edge (the target's line naming the requester) is in the journal as `added`.
    pub reverse_added: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint() -> Fingerprint {
        Fingerprint {
            input: "sha".into(),
            api: "api".into(),
            app: "app".into(),
            params: String::new(),
            service: "http://127.0.0.1:1".into(),
            instance: "i".into(),
        }
    }

    fn outcome(word: &str) -> Settled {
        Settled { outcome: Word::parse(word).expect("a word"), code: None, reason: None }
    }

    /// Requester `a` has lines 1..=4 (line 2 invalid), `b` has lines 5..=6.
    fn journal(dir: &Path) -> Journal {
        let rows = [("a", 1), ("b", 5), ("a", 2), ("a", 3), ("b", 6), ("a", 4)].map(|(r, line)| {
            let row =
                Row { line, requester: r.into(), user: format!("u{line}"), item: "{}".into(), fixed: String::new() };
            let settled = (line == 2).then(|| Settled { code: Some("7".into()), ..outcome("invalid") });
            Ok(Loaded { row, settled, registration: None })
        });
        Journal::create(&dir.join("j.journal"), false, &fingerprint(), rows.into_iter()).expect("journal")
    }

    fn lines(rows: &[Row]) -> Vec<u64> {
        rows.iter().map(|r| r.line).collect()
    }

    fn key(r: &str, line: u64) -> Key {
        (r.to_owned(), line)
    }

    #[test]
    fn an_outcome_the_journal_does_not_know_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("dir");
        let j = journal(dir.path());
        j.conn.execute("UPDATE edges SET state = ?1, outcome = 'addded' WHERE line = 1", [SETTLED]).expect("edit");
        let err = j.report(true, true, |_| {}).expect_err("an unknown word");
        assert!(err.0.contains("`addded` is no outcome"), "{}", err.0);
    }

    #[test]
    fn the_pending_edges_up_to_the_dispatched_mark_are_lost_until_reconciled() {
        let dir = tempfile::tempdir().expect("dir");
        let mut j = journal(dir.path());
        assert!(j.page(&Edges::Lost, None, 100).expect("lost").is_empty(), "nothing is dispatched yet");
        let page = j.page(&Edges::Pending, None, 10).expect("page");
        assert_eq!(lines(&page), [1, 3, 4, 5, 6], "(requester, line) order, the invalid line left out");
        j.apply(&[Write::Dispatched(Some(key("a", 4)))]).expect("mark");
        // One call of `a` answered: lines 1..=4 settle as one range; the invalid line 2 keeps
        // its outcome.
        j.apply(&[Write::Settle(vec![(key("a", 1), outcome("added")), (key("a", 3), outcome("added"))])])
            .expect("settle");
        assert_eq!(
            lines(&j.page(&Edges::Lost, None, 100).expect("lost")),
            [4],
            "dispatched, unanswered; b is not dispatched"
        );
        let mut seen = Vec::new();
        j.report(true, true, |r| seen.push((r.line, r.outcome.as_str().to_owned(), r.code))).expect("report");
        assert_eq!(seen[1], (2, "invalid".to_owned(), Some("7".to_owned())));
        assert_eq!(seen[3], (4, "unknown".to_owned(), None), "under the mark, unanswered: it may have been sent");
        assert_eq!(seen[4], (5, "not_attempted".to_owned(), None), "past the mark: never sent");
        j.reconciled(&[], &outcome("added"), &[key("a", 4)]).expect("reconciled");
        assert_eq!(lines(&j.page(&Edges::Lost, None, 100).expect("lost")), [4], "pending again, under the mark");
        assert_eq!(lines(&j.page(&Edges::Lost, Some(&key("a", 4)), 100).expect("lost")), [0u64; 0], "pages go on");
        j.clear_dispatched().expect("cleared");
        assert!(j.page(&Edges::Lost, None, 100).expect("lost").is_empty(), "nothing is lost once the mark is gone");
        assert_eq!(j.pending_count().expect("count"), 3);
    }

    #[test]
    fn a_journal_of_another_layout_is_refused_and_can_be_restarted() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("old.journal");
        let old = Connection::open(&path).expect("db");
        old.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE edges (requester TEXT, line INTEGER, state INTEGER);
             CREATE TABLE users (id TEXT PRIMARY KEY, fields TEXT NOT NULL, outcome TEXT);
             INSERT INTO meta VALUES ('loaded', '1');",
        )
        .expect("an old journal");
        drop(old);
        let refused = Journal::open_existing(&path).err().expect("refused");
        assert!(refused.0.contains("another version of imspec (journal schema 1, this one reads 3)"), "{}", refused.0);
        assert!(Journal::probe(&path).expect("a journal").is_some(), "--restart may remove it");
        let foreign = dir.path().join("other.db");
        Connection::open(&foreign).expect("db").execute_batch("CREATE TABLE t (x)").expect("a table");
        assert!(Journal::probe(&foreign).expect_err("refused").0.contains("not an imspec journal"));
    }

    /// Every page is a seek into a key, never a scan of the table: paging through n rows is
    /// linear, not quadratic.
    #[test]
    fn every_page_seeks_into_its_key() {
        let dir = tempfile::tempdir().expect("dir");
        let j = journal(dir.path());
        let plan = |sql: &str, values: &[&dyn rusqlite::ToSql]| -> String {
            let mut stmt = j.conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).expect("plan");
            let rows = stmt.query_map(values, |r| r.get::<_, String>(3)).expect("plan");
            rows.collect::<Result<Vec<_>, _>>().expect("plan").join("; ")
        };
        let unverified = Edges::Unverified(Box::new(Edges::Settled(vec![Outcome::Added.into()])));
        for which in
            [Edges::Pending, Edges::Unchecked, Edges::Lost, Edges::Settled(vec![Outcome::Added.into()]), unverified]
        {
            let p = plan(&which.page_sql(), params!["", 0, 10]);
            assert!(p.starts_with("SEARCH edges USING PRIMARY KEY"), "{which:?}: {p}");
        }
        let p = plan(&users_page_sql(), params!["", 10, true, true]);
        assert!(p.starts_with("SEARCH users USING INDEX sqlite_autoindex_users_1"), "{p}");
        assert!(!p.contains("TEMP B-TREE"), "no sort: {p}");
    }

    #[test]
    fn users_page_from_the_empty_id_on() {
        let dir = tempfile::tempdir().expect("dir");
        let mut j = journal(dir.path());
        j.registered(&[("", Outcome::Registered), ("a", Outcome::Registered), ("b", Outcome::Registered)])
            .expect("users");
        let ids = |p: Vec<KnownUser>| p.into_iter().map(|u| u.id).collect::<Vec<_>>();
        assert_eq!(ids(j.users_page(None, 2, false).expect("page")), ["", "a"]);
        assert_eq!(ids(j.users_page(Some("a"), 2, false).expect("page")), ["b"]);
        j.registered(&[("a", Outcome::Failed)]).expect("users");
        assert_eq!(ids(j.users_page(None, 5, true).expect("page")), ["a"], "only what did not register");
    }

    #[test]
    fn unknown_outcomes_are_lost_wherever_the_mark_is() {
        let dir = tempfile::tempdir().expect("dir");
        let mut j = journal(dir.path());
        j.apply(&[Write::Settle(vec![(key("b", 6), outcome("unknown"))])]).expect("settle");
        assert_eq!(lines(&j.page(&Edges::Lost, None, 100).expect("lost")), [6]);
        j.reconciled(&[key("b", 6)], &outcome("added"), &[]).expect("reconciled");
        assert!(j.page(&Edges::Lost, None, 100).expect("lost").is_empty());
    }

    #[tokio::test]
    async fn a_commit_follows_every_write_queued_before_it() {
        let dir = tempfile::tempdir().expect("dir");
        let shared = Shared::new(journal(dir.path()), false);
        shared.commit(Write::Dispatched(Some(key("b", 6)))).await.expect("mark");
        for line in [5, 6] {
            shared.record(Write::Settle(vec![(key("b", line), outcome("added"))])).await.expect("record");
        }
        shared.commit(Write::Dispatched(Some(key("b", 6)))).await.expect("a barrier");
        let j = shared.lock();
        assert_eq!(
            lines(&j.page(&Edges::Lost, None, 100).expect("lost")),
            [1, 3, 4],
            "b settled; a dispatched, unanswered"
        );
    }

    #[test]
    fn after_a_failed_write_nothing_more_is_applied_and_the_mark_stays() {
        let dir = tempfile::tempdir().expect("dir");
        let (journal, failed) = (Mutex::new(journal(dir.path())), Mutex::new(None));
        write_batch(&journal, &failed, &[Write::Dispatched(Some(key("b", 6)))]);
        // A transaction fails (its table is gone for the moment), then one that alone would
        // succeed comes: it is not applied.
        let conn = |sql: &str| journal.lock().expect("lock").conn.execute_batch(sql).expect("sql");
        conn("ALTER TABLE edges RENAME TO away");
        write_batch(&journal, &failed, &[Write::Settle(vec![(key("b", 5), outcome("added"))])]);
        conn("ALTER TABLE away RENAME TO edges");
        write_batch(&journal, &failed, &[Write::Dispatched(None)]);
        let failure = failed.lock().expect("lock").clone().expect("a failure");
        assert!(failure.contains("no such table: edges"), "{failure}");
        assert_eq!(
            lines(&journal.lock().expect("lock").page(&Edges::Lost, None, 100).expect("lost")),
            [1, 3, 4, 5, 6],
            "the mark stays"
        );
    }

    #[tokio::test]
    async fn once_the_writer_has_failed_every_write_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let shared = Shared::new(journal(dir.path()), false);
        shared.lock().conn.execute_batch("ALTER TABLE edges RENAME TO away").expect("rename");
        let failed = shared.commit(Write::Settle(vec![(key("b", 5), outcome("added"))])).await.expect_err("failed");
        assert!(failed.contains("no such table: edges"), "{failed}");
        assert_eq!(shared.record(Write::Dispatched(None)).await, Err(failed.clone()));
        assert_eq!(shared.commit(Write::Dispatched(None)).await, Err(failed));
    }

    #[tokio::test]
    async fn a_benchmark_that_skips_writes_records_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let shared = Shared::new(journal(dir.path()), true);
        shared.commit(Write::Dispatched(Some(key("b", 6)))).await.expect("mark");
        shared.record(Write::Settle(vec![(key("b", 5), outcome("added"))])).await.expect("record");
        assert!(shared.lock().page(&Edges::Lost, None, 100).expect("lost").is_empty());
        assert_eq!(shared.lock().pending_count().expect("count"), 5);
    }
}
