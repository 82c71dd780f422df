//! Restricting a query to what a viewer may see: the audience filter (`acl`), per-segment
//! visible-document sets (`audience`), bit sets and per-term bit caches.

pub(crate) mod acl;
pub(crate) mod audience;
pub(crate) mod bits;
pub(crate) mod term_bits;
