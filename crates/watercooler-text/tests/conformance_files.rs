//! The vendored twitter-text conformance files (`tests/conformance/twitter-text/`) are the
//! upstream bytes recorded in their `SHA256SUMS`: a line-ending conversion, an editor's
//! "fix" or a partial update would otherwise change what the conformance tests check
//! without anyone noticing. `SOURCE.txt` beside them names the upstream commit.

use std::path::Path;

use sha2::{Digest, Sha256};

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/conformance/twitter-text"
);

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn vendored_conformance_files_match_their_recorded_checksums() {
    let dir = Path::new(DIR);
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).expect("SHA256SUMS is readable");
    let mut checked = Vec::new();
    let mut wrong = Vec::new();
    for line in sums.lines().filter(|l| !l.trim().is_empty()) {
        let (expected, name) = line
            .split_once("  ")
            .unwrap_or_else(|| panic!("SHA256SUMS line is `<sha256>  <file>`: {line:?}"));
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"));
        let actual = hex(&Sha256::digest(&bytes));
        if actual != expected {
            wrong.push(format!("{name}: recorded {expected}, file has {actual}"));
        }
        checked.push(name.to_owned());
    }
    assert!(
        wrong.is_empty(),
        "vendored files changed:\n{}",
        wrong.join("\n")
    );
    // Every file a conformance test reads is covered, and so are the licences.
    for name in [
        "extract.yml",
        "hit_highlighting.yml",
        "tlds.yml",
        "LICENSE",
        "LICENSE.conformance",
    ] {
        assert!(
            checked.iter().any(|c| c == name),
            "{name} is not in SHA256SUMS"
        );
    }
}
