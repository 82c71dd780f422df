//! What the quickstart shows: one employee's view of the company, and the private group's
//! post seen from inside and outside the group.

use watercooler::search::{SearchResults, Suggestion};
use watercooler::trends::Trend;
use watercooler::watercooler_text::hashtag_key;
use watercooler::{
    FeedItem, GroupId, Notification, PageRequest, Person, Post, PostId, Viewer, Watercooler,
};

use super::DemoError;
use super::company::{Company, PRIVATE_GROUP, PRIVATE_TAG};
use super::posts::SECRET_WORD;

/// The search the quickstart runs: a Dutch plural that finds the singular.
pub const STEMMING_QUERY: &str = "vergaderingen";

/// Feed pages read when looking for one post (50 items each): the whole feed of the demo.
const MAX_FEED_PAGES: usize = 40;

/// A search and its results.
#[derive(Debug, Clone)]
pub struct SearchDemo {
    /// What was typed.
    pub query: String,
    /// The first page of results.
    pub results: SearchResults,
}

/// A post of the private group, seen by a member and by the demo employee, who is not one
/// (though she follows its author and its hashtag, and is even @mentioned in it).
#[derive(Debug, Clone)]
pub struct Privacy {
    /// The group's name.
    pub group: String,
    /// The post, as the member sees it.
    pub post: Post,
    /// A member of the group (not the author).
    pub member: Person,
    /// The demo employee.
    pub outsider: Person,
    /// The search used to look for it.
    pub query: String,
    /// Whether each finds it anywhere in their home feed.
    pub in_feed: (bool, bool),
    /// How many search hits each gets for [`Privacy::query`].
    pub search_hits: (u64, u64),
    /// Whether the group's hashtag trends for each.
    pub trending: (bool, bool),
    /// Whether typing `#` and the tag's first letters suggests it to each.
    pub suggested: (bool, bool),
    /// Whether each can open the post by its id.
    pub can_open: (bool, bool),
    /// Whether the outsider got a notification about it (she is @mentioned in it).
    pub outsider_notified: bool,
}

impl Privacy {
    /// Whether the post reached the outsider anywhere.
    pub fn leaked(&self) -> bool {
        self.in_feed.1
            || self.search_hits.1 > 0
            || self.trending.1
            || self.suggested.1
            || self.can_open.1
            || self.outsider_notified
    }

    /// Whether the member sees it everywhere it should show.
    pub fn member_sees_it(&self) -> bool {
        self.in_feed.0
            && self.search_hits.0 > 0
            && self.trending.0
            && self.suggested.0
            && self.can_open.0
    }
}

pub(super) struct Tour {
    pub(super) feed: Vec<FeedItem>,
    pub(super) notifications: Vec<Notification>,
    pub(super) trends: Vec<Trend>,
    pub(super) search: SearchDemo,
    pub(super) privacy: Privacy,
}

pub(super) async fn tour(wc: &Watercooler, company: &Company) -> Result<Tour, DemoError> {
    let me = viewer(company, company.viewer());
    let feed = wc.home_feed(&me, &PageRequest::first(10)).await?.items;
    let notifications = wc.notifications(&me, &PageRequest::first(8)).await?.items;
    let trends = wc.trending_hashtags(&me).await?;
    let results = wc
        .search(&me, STEMMING_QUERY, &PageRequest::first(5))
        .await?;
    let search = SearchDemo {
        query: STEMMING_QUERY.to_owned(),
        results,
    };
    let privacy = privacy(wc, company).await?;
    if privacy.leaked() {
        return Err(DemoError::Privacy(format!("{privacy:?}")));
    }
    if !privacy.member_sees_it() {
        return Err(DemoError::Internal(format!(
            "the group member should see the private post everywhere: {privacy:?}"
        )));
    }
    Ok(Tour {
        feed,
        notifications,
        trends,
        search,
        privacy,
    })
}

fn viewer(company: &Company, p: &Person) -> Viewer {
    Viewer::new(company.tenant.clone(), p.id.clone())
}

async fn privacy(wc: &Watercooler, company: &Company) -> Result<Privacy, DemoError> {
    let group = GroupId::new(PRIVATE_GROUP);
    let author = company.insider();
    let member = company
        .members_of(&group)
        .iter()
        .find(|m| **m != author.id)
        .and_then(|m| company.people.iter().find(|p| p.id == *m))
        .ok_or_else(|| DemoError::Internal("the private group has one member".into()))?;
    let outsider = company.viewer();
    let (inside, outside) = (viewer(company, member), viewer(company, outsider));

    let page = PageRequest::first(20);
    let found = wc.search(&inside, SECRET_WORD, &page).await?;
    let post = found
        .hits
        .iter()
        .map(|h| &h.view.post)
        .find(|p| p.author == author.id)
        .cloned()
        .ok_or_else(|| DemoError::Internal("the member cannot find the private post".into()))?;
    let hidden = wc.search(&outside, SECRET_WORD, &page).await?;

    let notified = notified_about(wc, &outside, &post.id).await?;
    Ok(Privacy {
        group: company
            .groups
            .iter()
            .find(|g| g.id == group)
            .map_or_else(|| PRIVATE_GROUP.to_owned(), |g| g.name.clone()),
        in_feed: (
            feed_contains(wc, &inside, &post.id).await?,
            feed_contains(wc, &outside, &post.id).await?,
        ),
        search_hits: (found.total, hidden.total),
        trending: (trends(wc, &inside).await?, trends(wc, &outside).await?),
        suggested: (
            suggested(wc, &inside).await?,
            suggested(wc, &outside).await?,
        ),
        can_open: (
            wc.post(&inside, &post.id).await.is_ok(),
            wc.post(&outside, &post.id).await.is_ok(),
        ),
        outsider_notified: notified,
        query: SECRET_WORD.to_owned(),
        post,
        member: member.clone(),
        outsider: outsider.clone(),
    })
}

/// Whether the private group's hashtag trends for the viewer.
async fn trends(wc: &Watercooler, v: &Viewer) -> Result<bool, DemoError> {
    let tag = hashtag_key(PRIVATE_TAG);
    let trends = wc.trending_hashtags(v).await?;
    Ok(trends.iter().any(|t| t.key == tag))
}

/// Whether typing `#` and the first letters of the private group's hashtag suggests it.
async fn suggested(wc: &Watercooler, v: &Viewer) -> Result<bool, DemoError> {
    let tag = hashtag_key(PRIVATE_TAG);
    let prefix: String = std::iter::once('#')
        .chain(PRIVATE_TAG.chars().take(4))
        .collect();
    let suggestions = wc.suggest(v, &prefix, 10).await?;
    Ok(suggestions
        .iter()
        .any(|s| matches!(s, Suggestion::Tag(t) if t.key == tag)))
}

/// Whether `id` is anywhere in the viewer's home feed (every page, up to a bound).
async fn feed_contains(wc: &Watercooler, v: &Viewer, id: &PostId) -> Result<bool, DemoError> {
    let mut request = PageRequest::first(50);
    for _ in 0..MAX_FEED_PAGES {
        let page = wc.home_feed(v, &request).await?;
        let hit = page
            .items
            .iter()
            .any(|item| item.post.post.id == *id || item.replies.iter().any(|r| r.post.id == *id));
        if hit {
            return Ok(true);
        }
        match page.next {
            Some(next) => request = PageRequest::after(next, 50),
            None => return Ok(false),
        }
    }
    Ok(false)
}

/// Whether any of the viewer's notifications is about `id` (all pages).
async fn notified_about(wc: &Watercooler, v: &Viewer, id: &PostId) -> Result<bool, DemoError> {
    let mut page = PageRequest::first(100);
    loop {
        let got = wc.notifications(v, &page).await?;
        if got.items.iter().any(|n| n.post == *id) {
            return Ok(true);
        }
        match got.next {
            Some(next) => page = PageRequest::after(next, 100),
            None => return Ok(false),
        }
    }
}
