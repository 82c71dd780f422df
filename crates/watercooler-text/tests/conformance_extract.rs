//! twitter-text's extraction conformance suite (`extract.yml`) against
//! `Extractor::twitter_compatible()`.
//!
//! Every case of every section runs; failures are collected and reported together, and the
//! number of cases run is asserted so that a parsing slip cannot pass vacuously. The suite's
//! indices are code points (no astral character precedes an entity in it), so byte ranges are
//! converted with `convert_ranges`.

use watercooler_text::{Entity, EntityKind, Extractor, OffsetUnit, convert_ranges};
use yaml_rust2::{Yaml, YamlLoader};

const EXTRACT_YML: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/conformance/twitter-text/extract.yml"
);

/// Number of cases in extract.yml (13 sections).
const EXPECTED_CASES: usize = 238;

/// One extracted entity in the suite's terms: its text value, list slug and indices.
#[derive(Debug, PartialEq, Eq)]
struct Found {
    value: String,
    list_slug: String,
    indices: [usize; 2],
}

fn found(text: &str, entities: &[Entity]) -> Vec<Found> {
    let ranges: Vec<_> = entities.iter().map(Entity::range).collect();
    let cps = convert_ranges(text, &ranges, OffsetUnit::CodePoint).expect("entity ranges convert");
    entities
        .iter()
        .zip(cps)
        .map(|(e, r)| Found {
            value: match e.kind() {
                EntityKind::Url => e.as_str(text).to_owned(),
                _ => e.value(text).to_owned(),
            },
            list_slug: e.list(text).map(|l| format!("/{l}")).unwrap_or_default(),
            indices: [r.start, r.end],
        })
        .collect()
}

fn strings(y: &Yaml) -> Vec<String> {
    y.as_vec()
        .map(|v| {
            v.iter()
                .map(|s| s.as_str().unwrap_or("<not a string>").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Expected entities of an `*_with_indices` case; `key` names the value field.
fn expected_with_indices(y: &Yaml, key: &str) -> Vec<Found> {
    y.as_vec()
        .map(|v| {
            v.iter()
                .map(|e| {
                    let idx = e["indices"].as_vec().expect("indices");
                    let i = |k: usize| idx[k].as_i64().expect("index") as usize;
                    Found {
                        value: e[key].as_str().expect("value").to_owned(),
                        list_slug: e["list_slug"].as_str().unwrap_or("").to_owned(),
                        indices: [i(0), i(1)],
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

fn values(f: Vec<Found>) -> Vec<String> {
    f.into_iter().map(|f| f.value).collect()
}

/// Runs one case; `Err` describes a failure.
fn run_case(x: &Extractor, section: &str, text: &str, expected: &Yaml) -> Result<(), String> {
    let mentions_only = |x: &Extractor| -> Vec<Entity> {
        // twitter-text's extractMentions(WithIndices) leaves lists out.
        x.extract_mentions(text)
            .into_iter()
            .filter(|e| e.list_range().is_none())
            .collect()
    };
    let check = |actual: String, wanted: String| {
        if actual == wanted {
            Ok(())
        } else {
            Err(format!("expected {wanted}\n      got {actual}"))
        }
    };
    match section {
        "mentions" => check(
            format!("{:?}", values(found(text, &mentions_only(x)))),
            format!("{:?}", strings(expected)),
        ),
        "mentions_with_indices" => {
            let mut want = expected_with_indices(expected, "screen_name");
            want.iter_mut().for_each(|w| w.list_slug.clear());
            check(
                format!("{:?}", found(text, &mentions_only(x))),
                format!("{want:?}"),
            )
        }
        "mentions_or_lists_with_indices" => check(
            format!("{:?}", found(text, &x.extract_mentions(text))),
            format!("{:?}", expected_with_indices(expected, "screen_name")),
        ),
        "replies" => check(
            format!(
                "{:?}",
                x.extract_reply(text).map(|e| e.value(text).to_owned())
            ),
            format!("{:?}", expected.as_str().map(str::to_owned)),
        ),
        "urls" | "tco_urls_with_params" => check(
            format!("{:?}", values(found(text, &x.extract_urls(text)))),
            format!("{:?}", strings(expected)),
        ),
        "urls_with_indices" | "urls_with_directional_markers" => check(
            format!("{:?}", found(text, &x.extract_urls(text))),
            format!("{:?}", expected_with_indices(expected, "url")),
        ),
        "hashtags" | "hashtags_from_astral" => check(
            format!("{:?}", values(found(text, &x.extract_hashtags(text)))),
            format!("{:?}", strings(expected)),
        ),
        "hashtags_with_indices" => check(
            format!("{:?}", found(text, &x.extract_hashtags(text))),
            format!("{:?}", expected_with_indices(expected, "hashtag")),
        ),
        "cashtags" => check(
            format!("{:?}", values(found(text, &x.extract_cashtags(text)))),
            format!("{:?}", strings(expected)),
        ),
        "cashtags_with_indices" => check(
            format!("{:?}", found(text, &x.extract_cashtags(text))),
            format!("{:?}", expected_with_indices(expected, "cashtag")),
        ),
        other => Err(format!("unknown section {other}")),
    }
}

/// Runs the whole suite; returns the number of cases run and the failures as
/// `(description, report)`.
fn run_suite(x: &Extractor) -> (usize, Vec<(String, String)>) {
    let src = std::fs::read_to_string(EXTRACT_YML).expect("extract.yml is readable");
    let docs = YamlLoader::load_from_str(&src).expect("extract.yml parses");
    let sections = docs[0]["tests"].as_hash().expect("tests is a map");
    assert_eq!(sections.len(), 13, "extract.yml has 13 sections");
    let mut run = 0;
    let mut failures = Vec::new();
    for (name, cases) in sections {
        let name = name.as_str().expect("section name");
        for case in cases.as_vec().expect("section is a list") {
            let text = case["text"].as_str().expect("case text");
            let description = case["description"].as_str().unwrap_or("?");
            run += 1;
            if let Err(e) = run_case(x, name, text, &case["expected"]) {
                let report = format!("[{name}] {description}\n    text {text:?}\n    {e}");
                failures.push((description.to_owned(), report));
            }
        }
    }
    (run, failures)
}

#[test]
fn twitter_compatible_passes_every_extract_yml_case() {
    let (run, failures) = run_suite(&Extractor::twitter_compatible());
    let reports: Vec<&str> = failures.iter().map(|f| f.1.as_str()).collect();
    assert!(
        failures.is_empty(),
        "{} of {run} conformance cases failed:\n\n{}",
        failures.len(),
        reports.join("\n\n")
    );
    assert_eq!(run, EXPECTED_CASES, "every case of extract.yml ran");
}

#[test]
fn intranet_profile_differs_only_where_documented() {
    // The intranet profile keeps `ì` in a handle and has no `RT@` rule (see the module docs
    // of `watercooler_text::extract`); every other case passes unchanged.
    let (run, failures) = run_suite(&Extractor::default());
    assert_eq!(run, EXPECTED_CASES);
    let mut got: Vec<&str> = failures.iter().map(|f| f.0.as_str()).collect();
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "DO NOT extract username followed by accented latin characters",
            "Extract mentions after 'RT'",
            "Extract mentions after 'Rt'",
            "Extract mentions after 'rT'",
            "Extract mentions after 'rt'",
        ],
        "{}",
        failures
            .iter()
            .map(|f| f.1.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
