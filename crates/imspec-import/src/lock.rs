//! One import per journal at a time: an exclusive lock on `<journal>.lock`, which names the
//! process holding it, so a second import is refused with who has it — never run beside the
//! first, never answered with SQLite's `database is locked`.

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

use crate::ImportError;

/// Held while the import runs; the lock goes with the process (a kill included).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

pub fn path_of(journal: &Path) -> PathBuf {
    PathBuf::from(format!("{}.lock", journal.display()))
}

/// Takes the journal's lock, or says which process holds it.
pub fn take(journal: &Path) -> Result<Lock, ImportError> {
    let path = path_of(journal);
    let io = |e: std::io::Error| ImportError(format!("journal lock {}: {e}", path.display()));
    let mut file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let who = match holder.trim() {
                "" => String::new(),
                pid => format!(" (pid {pid})"),
            };
            return Err(ImportError(format!(
                "journal {} is in use by another import{who}; wait for it to end, or give --journal another file",
                journal.display()
            )));
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    file.set_len(0).map_err(io)?;
    file.rewind().map_err(io)?;
    write!(file, "{}", std::process::id()).map_err(io)?;
    file.flush().map_err(io)?;
    Ok(Lock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_told_who_has_it() {
        let dir = tempfile::tempdir().expect("dir");
        let journal = dir.path().join("g.journal");
        let first = take(&journal).expect("the first takes it");
        let refused = take(&journal).expect_err("the second is refused");
        assert!(refused.0.contains(&format!("in use by another import (pid {})", std::process::id())), "{}", refused.0);
        drop(first);
        take(&journal).expect("free again once the first is gone");
    }
}
