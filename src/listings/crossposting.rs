//! Cross-posting: a seller chooses, per listing, to publish it on a linked marketplace too
//! (Account page, "Linked marketplaces"). Scout makes the advert there and keeps it in step
//! with the listing (text, price, photos, sold, archived, deleted) through a durable sync job
//! (`sync`), and the listing's edit page shows where it stands: waiting, on the marketplace
//! since when with which advert id and when last synced, or the marketplace's refusal in
//! words. A marketplace outage never blocks saving in Scout.

#[cfg(feature = "ssr")]
pub mod places;
#[cfg(feature = "ssr")]
pub mod sync;

use crate::{error::AppError, listings::model::ListingId};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A configured marketplace as a listing's edit page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossPostView {
    pub marketplace: String,
    pub name: String,
    /// The seller has linked an account there.
    pub linked: bool,
    /// Published there (or on its way), and how it stands.
    pub post: Option<PostState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostState {
    /// What it says, in words: "On OLX since 2026-12-06 · advert 123 · last synced 2 minutes
    /// ago", "Waiting to be sent to OLX."
    pub summary: String,
    /// The marketplace refused it, in its words.
    pub refused: Option<String>,
    /// It could not be sent yet, and why.
    pub retrying: Option<String>,
}

/// 404 unless `listing_id` is `account`'s (no probing for others' listings).
#[cfg(feature = "ssr")]
async fn owns(
    state: &crate::server::state::AppState,
    listing_id: ListingId,
    account: crate::accounts::model::AccountId,
) -> Result<(), AppError> {
    let owned = sqlx::query_scalar!(
        "select exists (select 1 from listing where listing_id = $1 and seller_id = $2) as \"owned!\"",
        listing_id.0,
        account.0
    )
    .fetch_one(&state.pool)
    .await?;
    if owned {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Where the caller's listing stands on each configured marketplace. 404 for a listing that
/// is not the caller's.
#[server(prefix = "/api", endpoint = "listings/cross_posts", input = leptos::server_fn::codec::GetUrl)]
pub async fn cross_posts(listing_id: ListingId) -> Result<Vec<CrossPostView>, AppError> {
    let (state, account) =
        crate::accounts::api::signed_in("Sign in to manage your listings.").await?;
    owns(&state, listing_id, account).await?;
    let rows = sqlx::query!(
        r#"select marketplace, advert_id, state, problem_kind, problem, posted_at, synced_at, want
           from cross_post where listing_id = $1"#,
        listing_id.0
    )
    .fetch_all(&state.pool)
    .await?;
    let linked = crate::accounts::identities::of_account(&state.pool, account).await?;
    let now = time::OffsetDateTime::now_utc();
    Ok(state
        .config
        .marketplaces
        .iter()
        .map(|m| {
            let row = rows.iter().find(|r| r.marketplace == m.id);
            let post = row.filter(|r| r.want != "deleted").map(|r| {
                    let name = &m.name;
                    let synced = r
                        .synced_at
                        .map(|t| format!(" · last synced {}", crate::format::ago(t, now)))
                        .unwrap_or_default();
                    let advert = r
                        .advert_id
                        .as_deref()
                        .map(|a| format!(" · advert {a}"))
                        .unwrap_or_default();
                    let since = r
                        .posted_at
                        .map(crate::format::iso_date)
                        .unwrap_or_default();
                    let summary = match r.state.as_str() {
                        "active" => format!("On {name} since {since}{advert}{synced}"),
                        "inactive" => format!(
                            "On {name}, not shown there (sold, archived or a draft here){advert}{synced}"
                        ),
                        _ if r.want == "inactive" => {
                            format!("Goes to {name} once it is published here.")
                        }
                        _ => format!("Waiting to be sent to {name}."),
                    };
                    PostState {
                        summary,
                        refused: (r.problem_kind == "refused").then(|| r.problem.clone()),
                        retrying: (r.problem_kind == "retrying").then(|| r.problem.clone()),
                    }
                });
            CrossPostView {
                marketplace: m.id.clone(),
                name: m.name.clone(),
                linked: linked
                    .iter()
                    .any(|i| i.provider == m.id && i.kind == "marketplace"),
                post,
            }
        })
        .collect())
}

/// Publishes the caller's listing on `marketplace` too (`publish` "yes"), or stops (anything
/// else: the advert there is removed). Saving never waits for the marketplace: the sync job
/// sends it.
#[server(prefix = "/api", endpoint = "listings/cross_post")]
pub async fn set_cross_post(
    listing_id: ListingId,
    marketplace: String,
    publish: Option<String>,
) -> Result<(), AppError> {
    let (state, account) =
        crate::accounts::api::signed_in("Sign in to manage your listings.").await?;
    let config = state.marketplace(&marketplace).ok_or(AppError::NotFound)?;
    owns(&state, listing_id, account).await?;
    if publish.as_deref() == Some("yes") {
        let linked = crate::accounts::identities::of_account(&state.pool, account)
            .await?
            .iter()
            .any(|i| i.provider == marketplace && i.kind == "marketplace");
        if !linked {
            return Err(AppError::Conflict {
                message: format!(
                    "Link your {} account on your Account page first.",
                    config.name
                ),
            });
        }
        let mut tx = state.pool.begin().await?;
        crate::accounts::repo::lock_account(&mut tx, account).await?;
        let others = sqlx::query_scalar!(
            r#"select count(distinct listing_id) as "n!" from cross_post
               where account_id = $1 and want <> 'deleted' and listing_id <> $2"#,
            account.0,
            listing_id.0
        )
        .fetch_one(&mut *tx)
        .await?;
        let most = crate::billing::plans::limits_for(&mut *tx, account)
            .await?
            .crossposted_listings;
        if others >= most {
            return Err(crate::billing::plans::refusal(
                &state.pool,
                account,
                crate::billing::plans::Quota::CrosspostedListings,
                others,
            )
            .await?);
        }
        sqlx::query!(
            "insert into cross_post (account_id, marketplace, listing_id, want) \
             select $1, $2, l.listing_id, cross_post_want(l.status) from listing l \
             where l.listing_id = $3 \
             on conflict (listing_id, marketplace) do update \
               set want = cross_post_want((select status from listing where listing_id = $3)), \
                   version = cross_post.version + 1, next_attempt_at = now(), attempts = 0",
            account.0,
            marketplace,
            listing_id.0
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(%listing_id, marketplace, "a listing is to be cross-posted");
    } else {
        sqlx::query!(
            "update cross_post set want = 'deleted', version = version + 1, \
               next_attempt_at = now(), attempts = 0 \
             where listing_id = $1 and marketplace = $2",
            listing_id.0,
            marketplace
        )
        .execute(&state.pool)
        .await?;
        tracing::info!(%listing_id, marketplace, "a listing is no longer cross-posted");
    }
    leptos_axum::redirect(&format!(
        "/my-listings/{listing_id}/edit#marketplaces-heading"
    ));
    Ok(())
}

/// The edit page's "Also on marketplaces": per configured marketplace, where the listing
/// stands and the button to publish it there or stop. Nothing when none is configured.
#[component]
pub fn CrossPostPanel(listing_id: ListingId) -> impl IntoView {
    let action = ServerAction::<SetCrossPost>::new();
    let posts = Resource::new(
        move || action.version().get(),
        move |_| cross_posts(listing_id),
    );
    let error = crate::ui::action_error(action);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match posts.await {
                    Ok(list) if !list.is_empty() => {
                        view! {
                            <crate::ui::Panel
                                id="marketplaces"
                                heading="Also on marketplaces"
                                intro="Scout publishes this listing there too and keeps it in step: price, text, photos, sold and deleted."
                            >
                                <crate::ui::FormAlert error=error />
                                <ul class="divide-y divide-slate-200">
                                    {list
                                        .into_iter()
                                        .map(|p| view! { <CrossPostItem p listing_id action /> })
                                        .collect_view()}
                                </ul>
                            </crate::ui::Panel>
                        }
                            .into_any()
                    }
                    Ok(_) => ().into_any(),
                    Err(e) => crate::ui::load_failed(e),
                }
            })}
        </Transition>
    }
}

#[component]
fn CrossPostItem(
    p: CrossPostView,
    listing_id: ListingId,
    action: ServerAction<SetCrossPost>,
) -> impl IntoView {
    let name = p.name.clone();
    let button = |publish: bool| {
        let label = if publish {
            format!("Publish on {name} too")
        } else {
            format!("Stop publishing on {name}")
        };
        view! {
            <ActionForm action=action>
                <input type="hidden" name="listing_id" value=listing_id.0.to_string() />
                <input type="hidden" name="marketplace" value=p.marketplace.clone() />
                {publish.then(|| view! { <input type="hidden" name="publish" value="yes" /> })}
                <button
                    type="submit"
                    class=crate::ui::BUTTON
                    disabled=move || action.pending().get()
                >
                    {label}
                </button>
            </ActionForm>
        }
    };
    let body = match (&p.post, p.linked) {
        (Some(post), _) => view! {
            <div class="space-y-1">
                <p class="text-sm text-slate-700">{post.summary.clone()}</p>
                {post
                    .refused
                    .clone()
                    .map(|r| {
                        view! {
                            <p role="alert" class="text-sm font-medium text-red-800">
                                {r}
                            </p>
                        }
                    })}
                {post
                    .retrying
                    .clone()
                    .map(|r| {
                        view! {
                            <p role="status" class="text-sm text-amber-900">
                                {r}
                            </p>
                        }
                    })}
            </div>
            {button(false)}
        }
        .into_any(),
        (None, true) => view! {
            <p class="text-sm text-slate-600">{format!("Not on {name}.")}</p>
            {button(true)}
        }
        .into_any(),
        (None, false) => view! {
            <p class="text-sm text-slate-600">
                {format!("Link your {name} account on your ")}
                <a class=crate::ui::LINK href="/account#marketplaces-heading">
                    "Account page"
                </a> " to publish this listing there too."
            </p>
        }
        .into_any(),
    };
    view! {
        <li class="flex flex-wrap items-start justify-between gap-2 py-3">
            <p class="w-full font-medium text-slate-900">{p.name.clone()}</p>
            {body}
        </li>
    }
}
