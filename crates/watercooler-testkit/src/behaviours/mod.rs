//! The behaviours: one `pub async fn` each, taking the store under test.
//!
//! Each behaviour builds its own fixture — fresh, unique tenant ids, a directory with the
//! same small cast (alice the admin and bob in the open team `eng`, carol in the private
//! department `hr`, dave in no group), a [`watercooler_core::Watercooler`] service over the
//! store with a [`watercooler_core::ManualClock`] — and panics with a message naming what went
//! wrong. Behaviours may run in parallel against one store and again against a database
//! that kept earlier runs' data.

mod bad_input;
mod batch;
mod changelog;
mod concurrency;
mod feeds;
mod ids;
mod leavers;
mod live;
mod pagination;
mod posts;
mod privacy;
mod reactions;
mod requests;
mod social;
mod tenancy;
mod threads;
mod visibility;

pub use bad_input::{
    bad_input_is_refused_and_changes_nothing, page_limits_and_cursors_are_checked,
};
pub use batch::{
    follow_many_equals_single_follows, insert_posts_with_notifications_equals_single_inserts,
};
pub use changelog::{bulk_import_is_atomic, change_log_is_ordered_and_complete};
pub use concurrency::concurrent_writes_keep_exact_counts;
pub use feeds::{
    feed_candidates_follow_the_query, seen_state_is_per_person, suggest_tags_rank_by_use,
    tag_activity_counts_distinct_authors,
};
pub use ids::{bad_ids_are_refused_everywhere, long_and_unicode_ids_work};
pub use leavers::{
    reply_counts_count_what_the_viewer_sees, reply_notifications_need_the_reply_visible,
};
pub use live::{
    changes_after_a_position_are_ordered, live_events_follow_visibility,
    resume_replays_exactly_the_missed_events, wait_for_change_wakes_on_writes,
};
pub use pagination::{
    follow_mute_reaction_pages_are_stable, notification_pages_are_stable,
    post_pages_are_stable_while_publishing,
};
pub use posts::{
    delete_needs_author_or_admin, delete_removes_from_every_read_path, delete_reply_keeps_thread,
    edit_keeps_revisions, publish_then_read, writes_return_what_is_stored,
};
pub use privacy::{
    erase_person_is_idempotent, erase_person_removes_everything, export_is_a_complete_json_document,
};
pub use reactions::{
    notifications_fold_and_mark_seen, reactions_are_one_per_person_and_kind,
    store_reactions_are_idempotent,
};
pub use requests::retries_with_a_request_key_store_once;
pub use social::{follows_and_mutes, pinning_announcements};
pub use tenancy::tenants_are_isolated;
pub use threads::replies_form_threads;
pub use visibility::{
    direct_posts_are_recipients_only, forbidden_looks_like_not_found, group_posts_are_members_only,
    mentions_never_grant_access, notifications_follow_visibility, replies_inherit_root_visibility,
};
