//! The tantivy schema of the built-in index and how a post becomes a document.
//!
//! Nothing is stored (no STORED field): hits are re-read from the store, so the index holds
//! no copy of any text to leak or to forget to erase. Keyword fields are bytes fields, so no
//! tokenizer ever touches an id.

use tantivy::TantivyDocument;
use tantivy::index::{IndexSettings, IndexSortByField, Order};
use tantivy::schema::{
    BytesOptions, FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};

use crate::analysis::Analyzer;
use watercooler_core::model::Post;
use watercooler_core::search::fingerprint;
use watercooler_core::{PostId, TenantId};

/// Bumped whenever the schema or the analysis changes: an index with another version is
/// moved aside and rebuilt. 2: no `tenant` field (every audience term names the tenant).
/// 3: Dutch stems by Snowball's original algorithm (`search::dutch`). 4: documents sorted
/// by `key` ([`settings`]). 5: Latin ligatures without a decomposition are spelled out
/// (`œuvre` is indexed as `oeuvre`).
pub(crate) const SCHEMA_VERSION: u32 = 5;

/// The value of the `has` field for posts with a URL.
pub(crate) const HAS_LINK: &[u8] = b"link";

/// Separates a tag key from its displayed form in `tag_shown` (cannot occur in a key).
pub(crate) const SHOWN_SEP: char = '\u{0}';

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Tenant and post id: the term documents are deleted by.
    pub key: Field,
    /// Who may see the post (see [`acl`]).
    pub acl: Field,
    /// The author's person id.
    pub author: Field,
    /// The group of a group post.
    pub group: Field,
    /// Person ids of resolved mentions.
    pub mention: Field,
    /// Hashtag keys.
    pub tag: Field,
    /// `key \0 display` per hashtag, as a fast field: what autocomplete shows.
    pub tag_shown: Field,
    /// Facts (`link`).
    pub has: Field,
    /// Folded words and CJK bigrams, with positions (phrases).
    pub body: Field,
    /// Dutch stems (Dutch posts only).
    pub body_nl: Field,
    /// English stems (English posts only).
    pub body_en: Field,
    /// Creation time, Unix milliseconds.
    pub created: Field,
    /// High 64 bits of the post id.
    pub id_hi: Field,
    /// Low 64 bits of the post id.
    pub id_lo: Field,
    /// [`fingerprint`] of the indexed post.
    pub fingerprint: Field,
}

/// The index's settings: documents sorted by `key` — tenant, then post id — in every
/// segment, including merged ones, so that within a tenant descending document order is
/// descending id order (what [`crate::collect::newest`] pages by), whichever segments a merge joins.
pub(crate) fn settings() -> IndexSettings {
    IndexSettings {
        sort_by_field: Some(IndexSortByField {
            field: "key".to_owned(),
            order: Order::Asc,
        }),
        ..IndexSettings::default()
    }
}

impl Fields {
    /// Builds the schema and its fields.
    pub(crate) fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let keyword = BytesOptions::default().set_indexed();
        let text = |analyzer: Analyzer, positions: bool| {
            let record = if positions {
                IndexRecordOption::WithFreqsAndPositions
            } else {
                IndexRecordOption::WithFreqs
            };
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyzer.name())
                    .set_index_option(record),
            )
        };
        let fields = Fields {
            key: b.add_bytes_field("key", keyword.clone().set_fast()),
            acl: b.add_bytes_field("acl", keyword.clone()),
            author: b.add_bytes_field("author", keyword.clone()),
            group: b.add_bytes_field("group", keyword.clone()),
            mention: b.add_bytes_field("mention", keyword.clone()),
            tag: b.add_bytes_field("tag", keyword.clone()),
            tag_shown: b.add_text_field("tag_shown", TextOptions::default().set_fast("raw")),
            has: b.add_bytes_field("has", keyword),
            body: b.add_text_field("body", text(Analyzer::Plain, true)),
            body_nl: b.add_text_field("body_nl", text(Analyzer::Dutch, false)),
            body_en: b.add_text_field("body_en", text(Analyzer::English, false)),
            created: b.add_i64_field("created", FAST),
            id_hi: b.add_u64_field("id_hi", FAST),
            id_lo: b.add_u64_field("id_lo", FAST),
            fingerprint: b.add_u64_field("fingerprint", FAST),
        };
        (b.build(), fields)
    }

    /// The stemmed field for a post language, if we stem it.
    pub(crate) fn stemmed(&self, analyzer: Analyzer) -> Option<Field> {
        match analyzer {
            Analyzer::Plain => None,
            Analyzer::Dutch => Some(self.body_nl),
            Analyzer::English => Some(self.body_en),
        }
    }

    /// The document of a post.
    pub(crate) fn document(&self, post: &Post) -> TantivyDocument {
        let mut doc = TantivyDocument::new();
        doc.add_bytes(self.key, &doc_key(&post.tenant, &post.id));
        for term in crate::terms::document_terms(post) {
            doc.add_bytes(self.acl, &term);
        }
        doc.add_bytes(self.author, post.author.as_str().as_bytes());
        if let watercooler_core::model::Visibility::Group { group } = &post.visibility {
            doc.add_bytes(self.group, group.as_str().as_bytes());
        }
        for m in &post.mentions {
            doc.add_bytes(self.mention, m.person.as_str().as_bytes());
        }
        let mut shown = String::new();
        for t in &post.hashtags {
            doc.add_bytes(self.tag, t.key.as_str().as_bytes());
            shown.clear();
            shown.push_str(t.key.as_str());
            shown.push(SHOWN_SEP);
            shown.push_str(&t.display);
            doc.add_text(self.tag_shown, &shown);
        }
        if !post.urls.is_empty() {
            doc.add_bytes(self.has, HAS_LINK);
        }
        doc.add_text(self.body, &post.text);
        if let Some(field) =
            Analyzer::stemmed_for(post.language.as_str()).and_then(|a| self.stemmed(a))
        {
            doc.add_text(field, &post.text);
        }
        doc.add_i64(self.created, post.created_at.timestamp_millis());
        let id = post.id.as_u128();
        doc.add_u64(self.id_hi, (id >> 64) as u64);
        doc.add_u64(self.id_lo, id as u64);
        doc.add_u64(self.fingerprint, fingerprint(post));
        doc
    }
}

/// The delete key of a post: tenant bytes, 0xFF (never in UTF-8), the 16 id bytes.
pub(crate) fn doc_key(tenant: &TenantId, id: &PostId) -> Vec<u8> {
    let mut k = Vec::with_capacity(tenant.as_str().len() + 17);
    k.extend_from_slice(tenant.as_str().as_bytes());
    k.push(0xFF);
    k.extend_from_slice(&id.to_bytes());
    k
}
