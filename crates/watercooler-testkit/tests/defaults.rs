//! The conformance suite against `Store`'s default methods: the in-memory store behind
//! [`RequiredOnly`], which forwards only the 15 required methods, so feeds, trends, tag
//! suggestions, follows and mutes, seen state, interactions, exports and the rest run on
//! the defaults built on them. Every shipped store overrides those defaults; this is what
//! keeps them correct for a store that does not.

mod each {
    use std::sync::Arc;

    use watercooler_testkit::RequiredOnly;

    watercooler_testkit::conformance_tests!(Arc::new(RequiredOnly::new(
        watercooler_core::MemoryStore::new()
    )));
}
