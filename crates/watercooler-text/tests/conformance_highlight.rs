//! twitter-text's `hit_highlighting.yml`, run in full.
//!
//! Every case goes through [`highlight_markup`] (twitter-text's `hit_highlight`: text that may
//! hold HTML tags, hits in code points of its text content). The `plain_text` cases also go
//! through [`highlight_plain`] and, with hits converted to bytes, [`highlight_html`]: their
//! texts need no escaping, so all three must give twitter-text's output.

use std::ops::Range;

use watercooler_text::{HighlightTag, highlight_html, highlight_markup, highlight_plain};
use yaml_rust2::YamlLoader;

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/conformance/twitter-text/hit_highlighting.yml"
);

/// Cases in the file (6 plain_text + 8 with_links); a change means the file changed.
const EXPECTED_CASES: usize = 14;

struct Case {
    group: String,
    description: String,
    text: String,
    hits: Vec<Range<usize>>,
    expected: String,
}

fn load() -> Vec<Case> {
    let source = std::fs::read_to_string(SUITE).unwrap_or_else(|e| panic!("reading {SUITE}: {e}"));
    let docs = YamlLoader::load_from_str(&source).expect("valid YAML");
    let tests = docs[0]["tests"].as_hash().expect("a `tests` mapping");
    let mut cases = Vec::new();
    for (group, list) in tests {
        let group = group.as_str().expect("group name").to_owned();
        for case in list.as_vec().expect("a list of cases") {
            let field = |name: &str| -> String {
                case[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("{group}: `{name}` missing"))
                    .to_owned()
            };
            let hits = case["hits"]
                .as_vec()
                .expect("hits list")
                .iter()
                .map(|pair| {
                    let n = |i: usize| -> usize {
                        let v = pair[i].as_i64().expect("integer offset");
                        usize::try_from(v).expect("non-negative offset")
                    };
                    n(0)..n(1)
                })
                .collect();
            cases.push(Case {
                description: field("description"),
                text: field("text"),
                expected: field("expected"),
                hits,
                group: group.clone(),
            });
        }
    }
    cases
}

fn code_points_to_bytes(text: &str, hits: &[Range<usize>]) -> Vec<Range<usize>> {
    let byte = |cp: usize| text.char_indices().nth(cp).map_or(text.len(), |(b, _)| b);
    hits.iter().map(|r| byte(r.start)..byte(r.end)).collect()
}

#[test]
fn hit_highlighting_suite_passes_in_full() {
    let cases = load();
    let tag = HighlightTag::default();
    let mut failures = Vec::new();
    let mut runs = 0;
    for case in &cases {
        let mut check = |api: &str, got: String| {
            runs += 1;
            if got != case.expected {
                failures.push(format!(
                    "[{}] {} ({api})\n    text:     {:?}\n    hits:     {:?}\n    expected: {:?}\n    got:      {:?}",
                    case.group, case.description, case.text, case.hits, case.expected, got
                ));
            }
        };
        check(
            "highlight_markup",
            highlight_markup(&case.text, &case.hits, &tag),
        );
        if case.group == "plain_text" {
            check(
                "highlight_plain",
                highlight_plain(&case.text, &case.hits, &tag),
            );
            let bytes = code_points_to_bytes(&case.text, &case.hits);
            check("highlight_html", highlight_html(&case.text, &bytes, &tag));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} runs failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(cases.len(), EXPECTED_CASES, "number of cases in {SUITE}");
    let plain = cases.iter().filter(|c| c.group == "plain_text").count();
    assert_eq!((plain, cases.len() - plain), (6, 8), "cases per group");
    println!(
        "hit_highlighting.yml: {}/{} cases pass ({runs} runs)",
        cases.len(),
        cases.len()
    );
}

#[test]
fn suite_parser_reads_what_it_should() {
    // Guards the loader itself: a loader that read nothing would make the suite pass vacuously.
    let cases = load();
    let first = &cases[0];
    assert_eq!(first.group, "plain_text");
    assert_eq!(first.text, "this is a test");
    assert_eq!(first.hits, vec![0..4]);
    assert_eq!(first.expected, "<em>this</em> is a test");
    assert!(cases.iter().any(|c| c.hits.is_empty()));
    assert!(cases.iter().any(|c| c.text.contains("<a href=")));
}
