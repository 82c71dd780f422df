//! Where the index lives, and what happens when what is there cannot be used.
//!
//! A directory index carries a version file (`watercooler-search.json`: our schema version
//! and tantivy's index format). On open:
//!
//! - an empty or missing directory gets a new index;
//! - an index with another schema or format version, with a missing version file, that
//!   tantivy cannot open, whose schema differs, whose checksums fail or whose segments cannot
//!   be read (or that makes tantivy panic) is *moved aside* — renamed to a sibling
//!   `NAME.moved-aside-MILLIS` — and a new index is created; the caller rebuilds it from the
//!   store;
//! - a non-empty directory holding neither a version file nor a tantivy `meta.json` is not
//!   ours: opening fails rather than moving the host's files.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use tantivy::schema::Schema;
use tantivy::{INDEX_FORMAT_VERSION, Index};

use super::schema::settings;
use crate::error::{Error, Result};

/// The version file's name.
pub(crate) const VERSION_FILE: &str = "watercooler-search.json";

/// What opening found.
pub(crate) struct Opened {
    /// The index, ready for tokenizers to be registered.
    pub index: Index,
    /// Where an unusable index was moved, if one was.
    pub moved_aside: Option<PathBuf>,
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

/// Opens or creates the index in `path` (see the module docs).
pub(crate) fn open_dir(path: &Path, schema: &Schema, schema_version: u32) -> Result<Opened> {
    fs::create_dir_all(path).map_err(|e| io("cannot create", path, e))?;
    let empty = fs::read_dir(path)
        .map_err(|e| io("cannot list", path, e))?
        .next()
        .is_none();
    if empty {
        return create(path, schema, schema_version).map(|index| Opened {
            index,
            moved_aside: None,
        });
    }
    let ours = path.join(VERSION_FILE).exists() || path.join("meta.json").exists();
    if !ours {
        return Err(Error::invalid(
            "search index directory",
            format!("{} is not empty and holds no search index", path.display()),
        ));
    }
    match try_open(path, schema, schema_version) {
        Ok(index) => Ok(Opened {
            index,
            moved_aside: None,
        }),
        Err(reason) => {
            tracing::warn!(path = %path.display(), %reason, "search index unusable, moving it aside");
            let aside = move_aside(path)?;
            let index = create(path, schema, schema_version)?;
            Ok(Opened {
                index,
                moved_aside: Some(aside),
            })
        }
    }
}

/// Opens an existing index, or says why it cannot be used.
fn try_open(path: &Path, schema: &Schema, schema_version: u32) -> Result<Index, String> {
    let version: serde_json::Value = fs::read(path.join(VERSION_FILE))
        .map_err(|e| format!("no version file: {e}"))
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| format!("bad version file: {e}")))?;
    if version != current_version(schema_version) {
        return Err(format!("version {version}"));
    }
    // tantivy may panic on some corrupt files rather than return an error.
    catch_unwind(AssertUnwindSafe(|| check(path, schema)))
        .unwrap_or_else(|_| Err("tantivy panicked while opening".to_owned()))
}

fn check(path: &Path, schema: &Schema) -> Result<Index, String> {
    let index = Index::open_in_dir(path).map_err(|e| format!("open: {e}"))?;
    if &index.schema() != schema {
        return Err("another schema".to_owned());
    }
    if index.settings().sort_by_field != settings().sort_by_field {
        return Err("another document order".to_owned());
    }
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
    Ok(index)
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

/// Renames `path` to a free sibling name.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    for n in 0..1000u32 {
        let aside = path.with_file_name(format!("{name}.moved-aside-{millis}-{n}"));
        if aside.exists() {
            continue;
        }
        fs::rename(path, &aside).map_err(|e| io("cannot move aside", path, e))?;
        fs::create_dir_all(path).map_err(|e| io("cannot create", path, e))?;
        return Ok(aside);
    }
    Err(Error::backend(format!(
        "search index: no free name to move {} aside",
        path.display()
    )))
}

/// Removes a moved-aside index (it may hold text that has since been erased).
pub(crate) fn remove_moved_aside(path: &Path) {
    if let Err(e) = fs::remove_dir_all(path) {
        tracing::warn!(path = %path.display(), error = %e, "could not remove a moved-aside search index");
    }
}
