//! The inbox page and the header's inbox link with its unread count.

use super::{
    api::{MarkRead, get_inbox, unread_count},
    model::Notice,
};
use crate::i18n::{t_string, use_i18n};
use crate::{
    error::AppError,
    ui::{BUTTON, FormAlert, LINK, SignedInContent, action_error},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

/// The header's unread count, read again on every navigation and whenever the inbox marks
/// something read.
#[derive(Clone, Copy)]
pub struct Unread {
    pub count: Resource<Result<i64, AppError>>,
    changed: RwSignal<u32>,
}

impl Unread {
    /// Creates the count and provides it to every page. Call it where the layout is built
    /// (not inside a reactive closure, so hydration finds the resource in order).
    pub fn provide() -> Unread {
        let location = use_location();
        let changed = RwSignal::new(0u32);
        let count = Resource::new(
            move || (location.pathname.get(), changed.get()),
            |_| unread_count(),
        );
        let unread = Unread { count, changed };
        provide_context(unread);
        unread
    }

    /// Reads the count again.
    pub fn refresh(self) {
        self.changed.update(|n| *n = n.wrapping_add(1));
    }
}

/// The header's link to the inbox with the unread count; signed-in people only. Render it
/// inside a `Transition` (it reads `unread`).
#[component]
pub fn InboxLink(
    unread: Unread,
    /// The link's classes (the header's row and the phone's bottom bar differ).
    #[prop(default = "relative rounded px-2 py-1 text-slate-700 hover:bg-slate-100")]
    class: &'static str,
    /// What comes before the word (the bottom bar's icon).
    #[prop(optional)]
    icon: Option<fn() -> AnyView>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let n = unread.count.get().and_then(Result::ok).unwrap_or(0);
        // the name is what is seen ("Inbox 3") and then, for screen readers, " unread": the
        // visible words are part of the accessible name (WCAG 2.5.3)
        view! {
            <a href="/inbox" class=class>
                {icon.map(|icon| icon())}
                <span>{t_string!(i18n, nav.inbox)}</span>
                {(n > 0)
                    .then(|| {
                        view! {
                            " "
                            <span class=if icon.is_some() {
                                "absolute left-1/2 top-0.5 ml-1 inline-flex min-w-[1.25rem] items-center justify-center rounded-full bg-red-600 px-1.5 text-xs font-bold text-white"
                            } else {
                                "ml-1 inline-flex min-w-[1.25rem] items-center justify-center rounded-full bg-red-600 px-1.5 text-xs font-bold text-white"
                            }>{if n > 99 { "99+".to_string() } else { n.to_string() }}</span>
                            <span class="sr-only">{t_string!(i18n, nav.unread)}</span>
                        }
                    })}
            </a>
        }
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let read = ServerAction::<MarkRead>::new();
    let notices = Resource::new(move || read.version().get(), |_| get_inbox());
    // the header's count follows what is marked read here
    if let Some(unread) = use_context::<Unread>() {
        Effect::new(move |seen: Option<usize>| {
            let now = read.version().get();
            if seen.is_some_and(|s| s != now) {
                unread.refresh();
            }
            now
        });
    }
    let error = action_error(read);
    view! {
        <Title text="Inbox · Scout" />
        <div class="mx-auto max-w-3xl px-4 py-6">
            <div class="flex flex-wrap items-center justify-between gap-2">
                <h1 class="text-2xl font-bold text-slate-900">"Inbox"</h1>
                <a class=LINK href="/alerts">
                    "Manage alerts"
                </a>
            </div>
            <div class="mt-2" aria-live="polite">
                <FormAlert error />
            </div>
            <SignedInContent
                data=notices
                loading="Loading your notifications…"
                sign_in_to=" to see your notifications."
                let:i
            >
                {match i {
                    i if i.notices.is_empty() => {
                        view! {
                            <p class="mt-4 text-slate-700">
                                "Nothing here yet. Save a search as an alert, or save listings as favorites, and news about them lands here. "
                                <a class=LINK href="/search">
                                    "Search listings"
                                </a>
                            </p>
                        }
                            .into_any()
                    }
                    i => {
                        let unread = i.unread;
                        view! {
                            <div class="mt-4 flex flex-wrap items-center gap-3">
                                <p role="status" class="text-sm text-slate-700">
                                    {match unread {
                                        0 => "All read.".to_string(),
                                        1 => "1 unread.".to_string(),
                                        n => format!("{n} unread."),
                                    }}
                                </p>
                                {(unread > 0)
                                    .then(|| {
                                        view! {
                                            <ActionForm action=read>
                                                <button type="submit" class=BUTTON>
                                                    "Mark all read"
                                                </button>
                                            </ActionForm>
                                        }
                                    })}
                            </div>
                            <ul class="mt-3 divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
                                {i
                                    .notices
                                    .into_iter()
                                    .map(|n| view! { <NoticeItem n read /> })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }}
            </SignedInContent>
        </div>
    }
}

#[component]
fn NoticeItem(n: Notice, read: ServerAction<MarkRead>) -> impl IntoView {
    let class = if n.read {
        "flex flex-wrap items-start justify-between gap-2 p-4"
    } else {
        "flex flex-wrap items-start justify-between gap-2 bg-emerald-50/60 p-4"
    };
    view! {
        <li class=class>
            <div class="min-w-0 flex-1">
                <p class="text-slate-900" class:font-semibold=!n.read>
                    {(!n.read).then(|| view! { <span class="sr-only">"Unread: "</span> })}
                    <a class="hover:underline" href=n.href.clone()>
                        {n.title.clone()}
                    </a>
                </p>
                <p class="mt-1 text-sm text-slate-700">{n.reason.clone()}</p>
                <p class="mt-1 text-xs text-slate-600">{n.when.clone()}</p>
            </div>
            {(!n.read)
                .then(|| {
                    view! {
                        <ActionForm action=read>
                            <input type="hidden" name="notification_id" value=n.id.to_string() />
                            <button
                                type="submit"
                                class=BUTTON
                                aria-label=format!("Mark read: {}", n.title)
                            >
                                "Mark read"
                            </button>
                        </ActionForm>
                    }
                })}
        </li>
    }
}
