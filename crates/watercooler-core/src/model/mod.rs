//! The data model: plain structs and enums, shared by every store and by the service.

mod change;
mod notification;
mod person;
mod post;
mod reaction;
mod request;
mod social;

pub use change::{Change, ChangeKind};
pub use notification::{NewNotification, Notification, NotificationKind};
pub use person::{Group, GroupKind, Person};
pub use post::{
    HashtagRef, Language, MentionRef, Post, PostBuilder, PostEdit, PostStats, PostView, Revision,
    UrlRef, Visibility,
};
pub use reaction::{Reaction, ReactionKind};
pub use request::{MAX_REQUEST_KEY_BYTES, RequestKey, RequestRecord, request_fingerprint};
pub use social::{FollowTarget, MuteTarget};
