//! The lenient parser: a lexer over the normalised, capped input and a recursive descent
//! whose depth is capped, so any input is parsed in linear time and bounded stack.

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;
use watercooler_text::{try_handle_key, try_hashtag_key};

use super::{Clause, ClauseKind, MAX_CLAUSES, MAX_DEPTH, MAX_INPUT_BYTES, SearchQuery};
use crate::ids::GroupId;

/// Parses what a person typed into a [`SearchQuery`]. Never fails, never panics; see the
/// [module docs](crate::search) and [`SearchQuery`](crate::search::SearchQuery) for the language.
///
/// ```
/// use watercooler_core::search::{parse, ClauseKind};
/// let q = parse("koffie -thee #Café from:jan tenant:acme");
/// assert_eq!(q.clauses.len(), 5);
/// assert!(q.clauses[1].negated);
/// assert!(matches!(&q.clauses[4].kind, ClauseKind::Word(w) if w == "tenant:acme"));
/// ```
pub fn parse(input: &str) -> SearchQuery {
    let text = prepare(input);
    let tokens = lex(&text);
    let mut parser = Parser {
        tokens,
        at: 0,
        ignored_opens: 0,
        leaves: 0,
    };
    SearchQuery {
        clauses: parser.sequence(0),
    }
}

/// Caps, normalises (NFC) and cleans the input: control characters become spaces.
fn prepare(input: &str) -> String {
    // Normalisation can grow text (U+FDFA ×18 under NFKC; NFC less), so cap before and
    // after. Reading 4× the cap first keeps the work bounded for a 100 kB query.
    let raw = truncate(input, MAX_INPUT_BYTES * 4);
    let mut out = String::with_capacity(raw.len().min(MAX_INPUT_BYTES + 4));
    for c in raw.nfc() {
        let c = if c.is_control() { ' ' } else { c };
        if out.len() + c.len_utf8() > MAX_INPUT_BYTES {
            break;
        }
        out.push(c);
    }
    out
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Whether `c` opens or closes a phrase. Phones, Dutch, German and French keyboards type
/// typographic double quotes, and autocorrect pairs them inconsistently (`„…”`, `”…”`,
/// `“…“`), so every double quotation mark both opens and closes. Single marks are not among
/// them: `’` is the apostrophe of `don’t` and of Dutch `’s avonds`.
fn is_quote(c: char) -> bool {
    // The full-width mark is what CJK input methods type.
    matches!(c, '"' | '“' | '”' | '„' | '‟' | '«' | '»' | '＂')
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token<'a> {
    /// A run of non-space characters without quotes or parentheses (may start with `-`).
    Word(&'a str),
    /// A quoted phrase (the closing quote is optional; see [`is_quote`] for the marks).
    Phrase { negated: bool, text: &'a str },
    /// `(` or `-(`.
    Open { negated: bool },
    /// `)`.
    Close,
    /// The word `OR`.
    Or,
}

fn lex(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        // `-"…"` and `-(` negate what follows.
        let rest = &text[i..];
        let (negated, body_start) = if c == '-'
            && rest[1..]
                .chars()
                .next()
                .is_some_and(|d| d == '(' || is_quote(d))
        {
            chars.next();
            (true, i + 1)
        } else {
            (false, i)
        };
        let c = text[body_start..].chars().next().unwrap_or(' ');
        match c {
            q if is_quote(q) => {
                chars.next();
                let start = body_start + q.len_utf8();
                let mut end = text.len();
                for (j, d) in chars.by_ref() {
                    if is_quote(d) {
                        end = j;
                        break;
                    }
                }
                tokens.push(Token::Phrase {
                    negated,
                    text: &text[start..end],
                });
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open { negated });
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            _ => {
                let start = body_start;
                let mut end = text.len();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_whitespace() || is_quote(d) || matches!(d, '(' | ')') {
                        end = j;
                        break;
                    }
                    chars.next();
                }
                let word = &text[start..end];
                tokens.push(if word == "OR" {
                    Token::Or
                } else {
                    Token::Word(word)
                });
            }
        }
    }
    tokens
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    at: usize,
    /// Opening parentheses ignored for being too deep; their closing ones are ignored too.
    ignored_opens: usize,
    /// Leaf clauses kept so far (capped at [`MAX_CLAUSES`]).
    leaves: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Token<'a>> {
        self.tokens.get(self.at)
    }

    /// Clauses up to the closing parenthesis of this depth (or the end).
    fn sequence(&mut self, depth: usize) -> Vec<Clause> {
        let mut out: Vec<Clause> = Vec::new();
        while let Some(token) = self.peek() {
            match token {
                Token::Close => {
                    self.at += 1;
                    if self.ignored_opens > 0 {
                        self.ignored_opens -= 1;
                    } else if depth > 0 {
                        break;
                    }
                    // A stray `)` at the top is ignored.
                }
                Token::Or => {
                    self.at += 1;
                    // `OR` needs something on both sides; otherwise it is ignored.
                    if out.is_empty() {
                        continue;
                    }
                    let next = loop {
                        match self.peek() {
                            Some(Token::Or) => self.at += 1,
                            Some(Token::Close) | None => break None,
                            Some(_) => {
                                if let Some(c) = self.unary(depth) {
                                    break Some(c);
                                }
                            }
                        }
                    };
                    let Some(next) = next else { continue };
                    let last = out.pop().unwrap_or_else(|| next.clone());
                    out.push(either(last, next));
                }
                _ => {
                    if let Some(c) = self.unary(depth) {
                        out.push(c);
                    }
                }
            }
        }
        out
    }

    /// One clause (consumes at least one token).
    fn unary(&mut self, depth: usize) -> Option<Clause> {
        let token = self.tokens.get(self.at)?.clone();
        self.at += 1;
        match token {
            Token::Open { negated } => {
                if depth >= MAX_DEPTH {
                    self.ignored_opens += 1;
                    return None;
                }
                let mut inner = self.sequence(depth + 1);
                match inner.len() {
                    0 => None,
                    1 => {
                        let mut c = inner.pop()?;
                        c.negated ^= negated;
                        Some(c)
                    }
                    _ => Some(Clause {
                        negated,
                        kind: ClauseKind::All(inner),
                    }),
                }
            }
            Token::Phrase { negated, text } => {
                let text = text.trim();
                if text.is_empty() {
                    return None;
                }
                self.leaf(Clause {
                    negated,
                    kind: ClauseKind::Phrase(text.to_owned()),
                })
            }
            Token::Word(word) => {
                // `-x` excludes; `--x` is read as `x` (double negation).
                let stripped = word.trim_start_matches('-');
                let negated = (word.len() - stripped.len()) % 2 == 1;
                let word = stripped;
                if word.is_empty() || (!negated && word == "AND") {
                    return None;
                }
                self.leaf(Clause {
                    negated,
                    kind: word_clause(word),
                })
            }
            Token::Close | Token::Or => None,
        }
    }

    fn leaf(&mut self, clause: Clause) -> Option<Clause> {
        if self.leaves >= MAX_CLAUSES {
            return None;
        }
        self.leaves += 1;
        Some(clause)
    }
}

/// `a OR b`: extends an existing (non-negated) OR rather than nesting.
fn either(last: Clause, next: Clause) -> Clause {
    let mut items = match last {
        Clause {
            negated: false,
            kind: ClauseKind::AnyOf(items),
        } => items,
        other => vec![other],
    };
    match next {
        Clause {
            negated: false,
            kind: ClauseKind::AnyOf(more),
        } => items.extend(more),
        other => items.push(other),
    }
    Clause::positive(ClauseKind::AnyOf(items))
}

/// Reads a word: an operator when it is a valid one, plain text otherwise.
fn word_clause(word: &str) -> ClauseKind {
    let plain = || ClauseKind::Word(word.to_owned());
    if let Some(body) = word.strip_prefix(['#', '＃']) {
        return hashtag(body).unwrap_or_else(plain);
    }
    if let Some(body) = word.strip_prefix(['@', '＠']) {
        return handle(body)
            .map(|(handle, typed)| ClauseKind::Mention {
                handle,
                typed,
                person: None,
            })
            .unwrap_or_else(plain);
    }
    let Some((op, value)) = word.split_once(':') else {
        return plain();
    };
    let op = op.to_ascii_lowercase();
    let parsed = match op.as_str() {
        "from" => {
            handle(value.strip_prefix(['@', '＠']).unwrap_or(value)).map(|(handle, typed)| {
                ClauseKind::From {
                    handle,
                    typed,
                    person: None,
                }
            })
        }
        "in" if !value.is_empty() => Some(ClauseKind::In(GroupId::new(value))),
        "before" => date(value).map(ClauseKind::Before),
        "after" => date(value).map(ClauseKind::After),
        "has" if matches!(value.to_lowercase().as_str(), "link" | "links" | "url") => {
            Some(ClauseKind::HasLink)
        }
        _ => None,
    };
    parsed.unwrap_or_else(plain)
}

/// Characters of a hashtag body (twitter-text's set, roughly).
fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || unicode_normalization::char::is_combining_mark(c)
        || matches!(
            c,
            '_' | '\u{200C}' | '\u{200D}' | '·' | '〜' | '～' | '・' | '〃' | '־' | '׳' | '״' | '་'
        )
}

/// `#body`: a hashtag if the body is tag characters (trailing punctuation aside) with at
/// least one letter.
fn hashtag(body: &str) -> Option<ClauseKind> {
    let end = body.find(|c: char| !is_tag_char(c)).unwrap_or(body.len());
    let (typed, rest) = body.split_at(end);
    if rest.chars().any(char::is_alphanumeric) || !typed.chars().any(char::is_alphabetic) {
        return None;
    }
    let key = try_hashtag_key(typed).ok()?;
    if key.is_empty() {
        return None;
    }
    Some(ClauseKind::Hashtag {
        key,
        typed: typed.to_owned(),
    })
}

/// A handle: letters, digits, `_`, `.` and `-` (not at the end), with a non-empty key.
fn handle(body: &str) -> Option<(watercooler_text::HandleKey, String)> {
    let end = body
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '.' | '-')))
        .unwrap_or(body.len());
    let (typed, rest) = body.split_at(end);
    let typed = typed.trim_end_matches(['.', '-']);
    if typed.is_empty() || rest.chars().any(char::is_alphanumeric) {
        return None;
    }
    let key = try_handle_key(typed).ok()?;
    if key.is_empty() {
        return None;
    }
    Some((key, typed.to_owned()))
}

/// `YYYY-MM-DD` (or with `/`), month and day with one or two digits.
fn date(value: &str) -> Option<NaiveDate> {
    let mut parts = value.split(['-', '/']);
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || !(1..=2).contains(&m.len())
        || !(1..=2).contains(&d.len())
    {
        return None;
    }
    let num = |s: &str| -> Option<u32> {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(y)?).ok()?, num(m)?, num(d)?)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use watercooler_text::{handle_key, hashtag_key};

    use super::*;

    fn word(w: &str) -> Clause {
        Clause::positive(ClauseKind::Word(w.into()))
    }

    fn neg(mut c: Clause) -> Clause {
        c.negated = true;
        c
    }

    #[test]
    fn plain_words_phrases_and_exclusions() {
        let q = parse(r#"koffie "goede morgen" -thee -"slechte dag""#);
        assert_eq!(
            q.clauses,
            vec![
                word("koffie"),
                Clause::positive(ClauseKind::Phrase("goede morgen".into())),
                neg(word("thee")),
                neg(Clause::positive(ClauseKind::Phrase("slechte dag".into()))),
            ]
        );
    }

    #[test]
    fn operators() {
        let q = parse("#Café @Jan from:@piet in:team-x before:2013-02-01 after:2013/1/5 has:link");
        let kinds: Vec<&ClauseKind> = q.clauses.iter().map(|c| &c.kind).collect();
        assert_eq!(
            kinds[0],
            &ClauseKind::Hashtag {
                key: hashtag_key("café"),
                typed: "Café".into()
            }
        );
        assert_eq!(
            kinds[1],
            &ClauseKind::Mention {
                handle: handle_key("jan"),
                typed: "Jan".into(),
                person: None
            }
        );
        assert!(matches!(kinds[2], ClauseKind::From { typed, .. } if typed == "piet"));
        assert_eq!(kinds[3], &ClauseKind::In(GroupId::new("team-x")));
        assert_eq!(
            kinds[4],
            &ClauseKind::Before(NaiveDate::from_ymd_opt(2013, 2, 1).unwrap())
        );
        assert_eq!(
            kinds[5],
            &ClauseKind::After(NaiveDate::from_ymd_opt(2013, 1, 5).unwrap())
        );
        assert_eq!(kinds[6], &ClauseKind::HasLink);
    }

    #[test]
    fn anything_else_is_plain_text() {
        for w in [
            "tenant:acme",
            "group:g1",
            "body:x",
            "*",
            "a*",
            "before:tomorrow",
            "before:2013-02-30",
            "has:pdf",
            "in:",
            "#16",
            "#",
            "@",
            "from:",
            "/.*/",
            "~2",
        ] {
            assert_eq!(parse(w).clauses, vec![word(w)], "{w}");
        }
        // Trailing punctuation does not stop an operator.
        assert!(matches!(
            parse("#lean.").clauses[0].kind,
            ClauseKind::Hashtag { .. }
        ));
        assert!(matches!(
            parse("@jan,").clauses[0].kind,
            ClauseKind::Mention { .. }
        ));
    }

    #[test]
    fn or_binds_tighter_than_and() {
        let q = parse("x a OR b OR -c");
        assert_eq!(
            q.clauses,
            vec![
                word("x"),
                Clause::positive(ClauseKind::AnyOf(vec![
                    word("a"),
                    word("b"),
                    neg(word("c"))
                ]))
            ]
        );
        // Stray ORs and ANDs are ignored.
        assert_eq!(parse("OR a OR").clauses, vec![word("a")]);
        assert_eq!(parse("a AND b").clauses, vec![word("a"), word("b")]);
    }

    #[test]
    fn groups_nest_up_to_the_cap() {
        let q = parse("(a b) OR c -(d e)");
        assert_eq!(
            q.clauses,
            vec![
                Clause::positive(ClauseKind::AnyOf(vec![
                    Clause::positive(ClauseKind::All(vec![word("a"), word("b")])),
                    word("c"),
                ])),
                neg(Clause::positive(ClauseKind::All(vec![
                    word("d"),
                    word("e")
                ]))),
            ]
        );
        assert_eq!(parse("((((((a))))))").clauses, vec![word("a")]);
        assert_eq!(parse(")) a ((").clauses, vec![word("a")]);
        let deep = format!("{}x y{}", "(".repeat(300), ")".repeat(300));
        let q = parse(&deep);
        assert!(paren_depth(&q.clauses) <= MAX_DEPTH);
        assert_eq!(
            q.clauses,
            vec![Clause::positive(ClauseKind::All(vec![
                word("x"),
                word("y")
            ]))]
        );
        // 10,000 parentheses: the input cap cuts it; nothing breaks.
        let deeper = format!("{}x y{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deeper).is_empty());
    }

    #[test]
    fn input_is_capped_and_cleaned() {
        let q = parse(&"woord ".repeat(20_000));
        assert_eq!(q.clauses.len(), MAX_CLAUSES);
        let q = parse("a\u{0}b\u{7}c\nd");
        assert_eq!(q.clauses, vec![word("a"), word("b"), word("c"), word("d")]);
        // A decomposed query is read as NFC.
        assert_eq!(parse("cafe\u{301}").clauses, vec![word("café")]);
        assert!(parse("").is_empty());
        assert!(parse("   \"\" () - ").is_empty());
    }

    fn phrase(p: &str) -> Clause {
        Clause::positive(ClauseKind::Phrase(p.into()))
    }

    #[test]
    fn typographic_double_quotes_delimit_phrases() {
        // English, Dutch/German low-high, French and Swiss guillemets, the reversed German
        // ones, what autocorrect pairs wrongly, ASCII mixed in, and full-width.
        for q in [
            "“3.0 eta”",
            "„3.0 eta”",
            "„3.0 eta“",
            "«3.0 eta»",
            "« 3.0 eta »",
            "»3.0 eta«",
            "”3.0 eta”",
            "“3.0 eta“",
            "‟3.0 eta”",
            "\"3.0 eta”",
            "“3.0 eta\"",
            "＂3.0 eta＂",
        ] {
            assert_eq!(parse(q).clauses, vec![phrase("3.0 eta")], "{q}");
        }
        assert_eq!(
            parse("-“slechte dag” koffie -„oude tekst“").clauses,
            vec![
                neg(phrase("slechte dag")),
                word("koffie"),
                neg(phrase("oude tekst"))
            ]
        );
        // A quote ends a word, as `"` does.
        assert_eq!(
            parse("zei“goede morgen”!").clauses,
            vec![word("zei"), phrase("goede morgen"), word("!")]
        );
        // Two phrases in a row: the first closing mark closes, the next opens.
        assert_eq!(
            parse("„a b“ „c d“").clauses,
            vec![phrase("a b"), phrase("c d")]
        );
    }

    #[test]
    fn apostrophes_and_single_quotes_are_not_phrase_delimiters() {
        for w in ["don’t", "’s", "‘quoted’", "'x", "y'", "‹z›"] {
            assert_eq!(parse(w).clauses, vec![word(w)], "{w}");
        }
        assert_eq!(
            parse("’s avonds koffie").clauses,
            vec![word("’s"), word("avonds"), word("koffie")]
        );
    }

    #[test]
    fn unbalanced_typographic_quotes_run_to_the_end() {
        assert_eq!(
            parse("koffie „goede morgen").clauses,
            vec![word("koffie"), phrase("goede morgen")]
        );
        assert_eq!(parse("a « b").clauses, vec![word("a"), phrase("b")]);
        assert_eq!(parse("“a” b”").clauses, vec![phrase("a"), word("b")]);
        for q in ["”", "«»", "„ ”", "-“", "-„ ", "“““", "» «"] {
            assert!(parse(q).is_empty(), "{q}");
        }
    }

    /// Parentheses as written back by `Display`: groups and negated ORs.
    fn paren_depth(clauses: &[Clause]) -> usize {
        clauses
            .iter()
            .map(|c| match &c.kind {
                ClauseKind::All(inner) => 1 + paren_depth(inner),
                ClauseKind::AnyOf(inner) => usize::from(c.negated) + paren_depth(inner),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    /// Nesting of the tree: each group level may hold an OR.
    fn depth(clauses: &[Clause]) -> usize {
        clauses
            .iter()
            .map(|c| match &c.kind {
                ClauseKind::All(inner) | ClauseKind::AnyOf(inner) => 1 + depth(inner),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    fn leaf_count(clauses: &[Clause]) -> usize {
        clauses
            .iter()
            .map(|c| match &c.kind {
                ClauseKind::All(inner) | ClauseKind::AnyOf(inner) => leaf_count(inner),
                _ => 1,
            })
            .sum()
    }

    /// Strings made of the query language's pieces, so the properties hit operators,
    /// groups and quotes often.
    fn queryish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just("-".to_owned()),
            Just("\"".to_owned()),
            Just("“".to_owned()),
            Just("”".to_owned()),
            Just("„".to_owned()),
            Just("«".to_owned()),
            Just("»".to_owned()),
            Just("’".to_owned()),
            Just(" OR ".to_owned()),
            Just(" AND ".to_owned()),
            Just("#".to_owned()),
            Just("@".to_owned()),
            Just("from:".to_owned()),
            Just("in:".to_owned()),
            Just("before:2013-02-01".to_owned()),
            Just("has:link".to_owned()),
            Just(" ".to_owned()),
            "[a-zé东:._\\-]{1,6}",
            any::<char>().prop_map(String::from),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn any_input_parses_within_the_caps(s in any::<String>()) {
            let q = parse(&s);
            prop_assert!(leaf_count(&q.clauses) <= MAX_CLAUSES);
            prop_assert!(paren_depth(&q.clauses) <= MAX_DEPTH);
            prop_assert!(depth(&q.clauses) <= 2 * MAX_DEPTH + 1);
        }

        #[test]
        fn queryish_input_parses_within_the_caps(s in queryish()) {
            let q = parse(&s);
            prop_assert!(leaf_count(&q.clauses) <= MAX_CLAUSES);
            prop_assert!(paren_depth(&q.clauses) <= MAX_DEPTH);
            prop_assert!(depth(&q.clauses) <= 2 * MAX_DEPTH + 1);
        }

        #[test]
        fn display_round_trips(s in queryish()) {
            let q = parse(&s);
            let shown = q.to_string();
            prop_assert_eq!(parse(&shown), q, "shown as {:?}", shown);
        }

        #[test]
        fn no_empty_words_or_phrases(s in queryish()) {
            for (kind, _) in parse(&s).leaves() {
                match kind {
                    ClauseKind::Word(w) => {
                        prop_assert!(!w.is_empty() && !w.starts_with('-') && !w.contains(is_quote));
                    }
                    ClauseKind::Phrase(p) => {
                        prop_assert!(!p.trim().is_empty() && !p.contains(is_quote));
                    }
                    _ => {}
                }
            }
        }
    }
}
