//! Where the index lives, and what happens when what is there cannot be used.
//!
//! A directory index carries a version file (`watercooler-search.json`: our schema version
//! and tantivy's index format). On open:
//!
//! - a non-empty directory holding neither a version file nor a tantivy `meta.json` (lock
//!   files aside) is not ours: opening fails rather than moving the host's files, and
//!   nothing is created in it;
//! - the directory lock is taken ([`LOCK_FILE`], an OS-level exclusive lock held until the
//!   index is closed or dropped). If another process (or another index in this one) holds
//!   it, or holds tantivy's writer lock, opening fails with a retryable error and nothing
//!   is looked at or touched. Only the holder judges damage: a live index seen from outside
//!   can look damaged (a segment its writer just merged away), and moving it aside would
//!   throw away a working index under its writer;
//! - then copies moved aside by an earlier open that never completed its rebuild (killed
//!   part-way) are removed, unless the host keeps moved-aside copies: they may hold text
//!   erased since, and nothing else would ever remove them;
//! - an empty directory gets a new index;
//! - an index with another schema or format version, with a missing version file, that
//!   tantivy cannot open, whose schema differs, whose checksums fail or whose segments cannot
//!   be read (or that makes tantivy panic) is *moved aside* — its files are moved into a
//!   sibling `NAME.moved-aside-MILLIS-N` — and a new index is created; the caller rebuilds
//!   it from the store, and removes the copy once the rebuild completes (unless kept).
//!
//! The directory itself is never renamed: the lock file stays where every process looks
//! for it, so a process arriving during a move-aside finds the lock held rather than a
//! fresh, half-created directory it might judge damaged in turn.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use tantivy::schema::Schema;
use tantivy::{INDEX_FORMAT_VERSION, Index};

use crate::index::report::Unusable;
use crate::index::schema::settings;
use watercooler_core::{Error, Result};

/// The version file's name.
pub(crate) const VERSION_FILE: &str = "watercooler-search.json";

/// The directory lock's file. Never deleted: removing a lock file lets one process lock the
/// removed file while another creates and locks a new one.
pub(crate) const LOCK_FILE: &str = ".watercooler-search.lock";

/// tantivy's writer lock, which a writer holds (with an OS lock, like ours) while it lives.
const TANTIVY_WRITER_LOCK: &str = ".tantivy-writer.lock";

/// Lock files: they stay in the directory and do not make it non-empty.
const LOCK_FILES: [&str; 3] = [LOCK_FILE, TANTIVY_WRITER_LOCK, ".tantivy-meta.lock"];

/// The directory lock, released when dropped (also by the OS when the process dies).
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
}

/// What opening found.
pub(crate) struct Opened {
    /// The index, ready for tokenizers to be registered.
    pub index: Index,
    /// The directory lock, to be held as long as the index is open.
    pub lock: DirLock,
    /// Where an unusable index was moved, and why, if one was.
    pub moved_aside: Option<(PathBuf, Unusable)>,
    /// How many copies an earlier open moved aside and left were removed.
    pub leftovers_removed: usize,
}

/// The version file's content: written and compared as JSON values (serde derives are an
/// optional feature of this crate).
fn current_version(schema_version: u32) -> serde_json::Value {
    serde_json::json!({
        "format": "watercooler-search",
        "schema_version": schema_version,
        "tantivy_format": INDEX_FORMAT_VERSION,
    })
}

fn io(context: &'static str, path: &Path, e: std::io::Error) -> Error {
    Error::backend(format!("search index: {context} {}: {e}", path.display()))
}

fn in_use(path: &Path) -> Error {
    Error::transient(format!(
        "search index: {} is open elsewhere (another process or index holds its lock)",
        path.display()
    ))
}

/// What the directory holds, lock files aside.
struct Contents {
    empty: bool,
    ours: bool,
}

fn contents(path: &Path) -> Result<Contents> {
    let mut empty = true;
    for entry in fs::read_dir(path).map_err(|e| io("cannot list", path, e))? {
        let entry = entry.map_err(|e| io("cannot list", path, e))?;
        let name = entry.file_name();
        if !LOCK_FILES.iter().any(|l| name == *l) {
            empty = false;
            break;
        }
    }
    let ours = path.join(VERSION_FILE).exists() || path.join("meta.json").exists();
    Ok(Contents { empty, ours })
}

fn refuse_foreign(path: &Path) -> Error {
    Error::invalid(
        "search index directory",
        format!("{} is not empty and holds no search index", path.display()),
    )
}

/// Takes the directory lock without waiting, then checks that no tantivy writer that does
/// not take ours (another program, an older version of this crate) is at work.
fn lock(path: &Path) -> Result<DirLock> {
    let lock_path = path.join(LOCK_FILE);
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(|e| io("cannot create", &lock_path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Err(in_use(path)),
        Err(TryLockError::Error(e)) => return Err(io("cannot lock", &lock_path, e)),
    }
    // Released at once: our writer takes it later, and with ours held no process of this
    // crate can take it in between.
    let writer_lock = path.join(TANTIVY_WRITER_LOCK);
    if let Ok(theirs) = OpenOptions::new().write(true).open(&writer_lock) {
        match theirs.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(in_use(path)),
            Err(TryLockError::Error(e)) => return Err(io("cannot lock", &writer_lock, e)),
        }
    }
    Ok(DirLock { _file: file })
}

/// Opens or creates the index in `path` (see the module docs).
pub(crate) fn open_dir(
    path: &Path,
    schema: &Schema,
    schema_version: u32,
    keep_moved_aside: bool,
) -> Result<Opened> {
    fs::create_dir_all(path).map_err(|e| io("cannot create", path, e))?;
    // Before locking, so that no lock file is left among a host's files. Only looks.
    let before = contents(path)?;
    if !before.empty && !before.ours {
        return Err(refuse_foreign(path));
    }
    let lock = lock(path)?;
    let leftovers_removed = if keep_moved_aside {
        0
    } else {
        remove_leftovers(path)
    };
    // Looked at again: only now can no other process be changing it.
    let now = contents(path)?;
    if now.empty {
        return create(path, schema, schema_version).map(|index| Opened {
            index,
            lock,
            moved_aside: None,
            leftovers_removed,
        });
    }
    if !now.ours {
        return Err(refuse_foreign(path));
    }
    match try_open(path, schema, schema_version) {
        Ok(index) => Ok(Opened {
            index,
            lock,
            moved_aside: None,
            leftovers_removed,
        }),
        Err((why, reason)) => {
            tracing::warn!(path = %path.display(), ?why, %reason, "search index unusable, moving it aside");
            let aside = move_aside(path)?;
            let index = create(path, schema, schema_version)?;
            Ok(Opened {
                index,
                lock,
                moved_aside: Some((aside, why)),
                leftovers_removed,
            })
        }
    }
}

/// Opens an existing index, or says why it cannot be used.
fn try_open(
    path: &Path,
    schema: &Schema,
    schema_version: u32,
) -> Result<Index, (Unusable, String)> {
    let version: serde_json::Value = fs::read(path.join(VERSION_FILE))
        .map_err(|e| format!("no version file: {e}"))
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| format!("bad version file: {e}")))
        .map_err(|e| (Unusable::Version, e))?;
    if version != current_version(schema_version) {
        return Err((Unusable::Version, format!("version {version}")));
    }
    // tantivy may panic on some corrupt files rather than return an error.
    catch_unwind(AssertUnwindSafe(|| check(path, schema))).unwrap_or_else(|_| {
        Err((
            Unusable::Damaged,
            "tantivy panicked while opening".to_owned(),
        ))
    })
}

fn check(path: &Path, schema: &Schema) -> Result<Index, (Unusable, String)> {
    let index = Index::open_in_dir(path).map_err(|e| (Unusable::Damaged, format!("open: {e}")))?;
    // The version file said ours, current: a schema that differs is still another version.
    if &index.schema() != schema {
        return Err((Unusable::Version, "another schema".to_owned()));
    }
    if index.settings().sort_by_field != settings().sort_by_field {
        return Err((Unusable::Version, "another document order".to_owned()));
    }
    check_files(&index).map_err(|e| (Unusable::Damaged, e))?;
    Ok(index)
}

fn check_files(index: &Index) -> Result<(), String> {
    let damaged = index
        .validate_checksum()
        .map_err(|e| format!("checksum: {e}"))?;
    if !damaged.is_empty() {
        return Err(format!("damaged files {damaged:?}"));
    }
    // Opening every segment reads every file the index lists (a missing one fails here).
    let reader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()
        .map_err(|e: tantivy::TantivyError| format!("reader: {e}"))?;
    for segment in reader.searcher().segment_readers() {
        segment
            .fast_fields()
            .u64("fingerprint")
            .map_err(|e| format!("fast fields: {e}"))?;
    }
    Ok(())
}

fn create(path: &Path, schema: &Schema, schema_version: u32) -> Result<Index> {
    let index = Index::builder()
        .schema(schema.clone())
        .settings(settings())
        .create_in_dir(path)
        .map_err(|e| Error::backend(format!("search index: cannot create: {e}")))?;
    // Written after the index: a crash in between leaves an index without a version file,
    // which the next open moves aside. Written to a temporary name and renamed, so it is
    // never half there.
    let tmp = path.join(format!("{VERSION_FILE}.tmp"));
    let body =
        serde_json::to_vec_pretty(&current_version(schema_version)).map_err(Error::backend)?;
    fs::write(&tmp, body).map_err(|e| io("cannot write", &tmp, e))?;
    fs::rename(&tmp, path.join(VERSION_FILE)).map_err(|e| io("cannot rename", &tmp, e))?;
    Ok(index)
}

/// Moves the files of the index in `path` (all but the lock files) into a new sibling
/// `NAME.moved-aside-MILLIS-N`.
///
/// The version file and `meta.json` go last: a crash part-way leaves a directory that still
/// says it is ours, and damaged, so the next open moves the rest aside too rather than
/// refusing it as foreign.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut aside = None;
    for n in 0..1000u32 {
        let candidate = path.with_file_name(format!("{name}.moved-aside-{millis}-{n}"));
        match fs::create_dir(&candidate) {
            Ok(()) => {
                aside = Some(candidate);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io("cannot create", &candidate, e)),
        }
    }
    let Some(aside) = aside else {
        return Err(Error::backend(format!(
            "search index: no free name to move {} aside",
            path.display()
        )));
    };
    let mut names = Vec::new();
    for entry in fs::read_dir(path).map_err(|e| io("cannot list", path, e))? {
        let name = entry.map_err(|e| io("cannot list", path, e))?.file_name();
        if !LOCK_FILES.iter().any(|l| name == *l) {
            names.push(name);
        }
    }
    names.sort_by_key(|n| n == VERSION_FILE || n == "meta.json");
    for name in names {
        let from = path.join(&name);
        fs::rename(&from, aside.join(&name)).map_err(|e| io("cannot move aside", &from, e))?;
    }
    Ok(aside)
}

/// Removes the siblings `NAME.moved-aside-MILLIS-N` of `path`; how many. Called with the
/// directory lock held: only its holder moves anything aside, so none of them is in use.
fn remove_leftovers(path: &Path) -> usize {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return 0;
    };
    let prefix = format!("{name}.moved-aside-");
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let entries = match fs::read_dir(parent) {
        Ok(entries) => entries,
        Err(e) => {
            tracing::warn!(path = %parent.display(), error = %e, "cannot list the search index's parent directory for moved-aside copies");
            return 0;
        }
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let sibling = entry.file_name().to_string_lossy().into_owned();
        let Some(suffix) = sibling.strip_prefix(&prefix) else {
            continue;
        };
        // Only our own names (MILLIS-N): a host's directory that merely starts alike stays.
        let ours = suffix
            .split_once('-')
            .is_some_and(|(a, b)| is_number(a) && is_number(b));
        if !ours || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let leftover = entry.path();
        match fs::remove_dir_all(&leftover) {
            Ok(()) => removed += 1,
            Err(e) => {
                tracing::warn!(path = %leftover.display(), error = %e, "could not remove a moved-aside search index");
            }
        }
    }
    if removed > 0 {
        tracing::warn!(
            path = %path.display(),
            removed,
            "removed search index copies moved aside by an earlier open that did not complete its rebuild"
        );
    }
    removed
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Removes a moved-aside index (it may hold text that has since been erased).
pub(crate) fn remove_moved_aside(path: &Path) {
    if let Err(e) = fs::remove_dir_all(path) {
        tracing::warn!(path = %path.display(), error = %e, "could not remove a moved-aside search index");
    }
}
