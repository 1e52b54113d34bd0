//! The HTML shell, the routes and the layout every page shares (header, footer, 404).

use crate::{
    accounts::{
        account_page::{AccountPage, ChangeEmailPage},
        pages::{
            Auth, ForgotPasswordPage, ResetPasswordPage, SignInPage, SignUpPage,
            VerifyAddressBanner, VerifyEmailPage,
        },
    },
    alerts::pages::{AlertPreviewPage, AlertsPage},
    billing::pages::{BillingPage, PaymentBanner, PricingPage},
    i18n::{Locale, native_name, other, provide_i18n, t_string, use_i18n},
    listings::{
        collections::page::{ComparePage, FavoritesPage},
        detail_page::ListingPage,
        search::page::SearchPage,
        selling::page::{EditListingPage, MyListingsPage, SellPage},
    },
    notifications::{
        inbox_page::{InboxLink, InboxPage, Unread},
        pages::{ConfirmEmailPage, SettingsPage, UnsubscribePage},
    },
    ui::BUTTON,
};
use leptos::prelude::*;
// `as_str`, `from_str` and the rest of leptos_i18n's locale trait
use leptos_i18n::Locale as _;
#[cfg(feature = "ssr")]
use leptos_meta::{HashedStylesheet, MetaTags};
use leptos_meta::{Meta, Title, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute, ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

/// The document around the app, rendered on the server only.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    provide_csp_nonce();
    let build = crate::server::pwa::build(&options);
    let locale = crate::i18n::request_locale().unwrap_or_default();
    let nonce = leptos::nonce::use_nonce();
    // The app's own loader instead of Leptos's `HydrationScripts`, which puts the CSP nonce
    // in the preload links' `crossorigin` attribute (invalid HTML).
    let hydrate = format!(
        "import init, {{ hydrate }} from {};\ninit({{ module_or_path: {} }}).then(() => hydrate());",
        serde_json::to_string(&build.script).unwrap_or_default(),
        serde_json::to_string(&build.wasm).unwrap_or_default(),
    );
    view! {
        <!DOCTYPE html>
        // the browser hydrates in the language this names (`crate::i18n::provide_i18n`)
        <html lang=locale.as_str()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#047857" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <link rel="manifest" href="/manifest.webmanifest" />
                <link rel="apple-touch-icon" href="/icons/apple-touch-icon.png" />
                <meta name="mobile-web-app-capable" content="yes" />
                <meta name="apple-mobile-web-app-title" content="Scout" />
                <meta name="apple-mobile-web-app-status-bar-style" content="default" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <link rel="modulepreload" href=build.script.clone() />
                <link
                    rel="preload"
                    href=build.wasm.clone()
                    r#as="fetch"
                    r#type="application/wasm"
                    crossorigin=""
                />
                <script type="module" nonce=nonce.clone()>
                    {hydrate}
                </script>
                <script src=format!("/pwa.js?v={}", build.version) defer nonce=nonce></script>
                <MetaTags />
            </head>
            <body class="min-h-screen bg-slate-50 text-slate-900 antialiased">
                <App />
            </body>
        </html>
    }
}

/// Hands the per-response CSP nonce (made by `server::security::security_headers`) to
/// Leptos, which puts it on the hydration script and on resource scripts.
#[cfg(feature = "ssr")]
fn provide_csp_nonce() {
    use crate::server::{security::CspNonce, state::request_extension};
    if let Some(CspNonce(nonce)) = request_extension::<CspNonce>() {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}

/// Every page but the home page is a lazy route (`cargo leptos build --split`): its code is in
/// its group's WASM, fetched when a person first opens a page of the group, so the WASM a
/// browser loads first holds only the layout, the home page and what the groups share.
/// Pages are grouped because each split point multiplies the chunks the splitter makes for
/// code that groups share (one split per page made 330 files, 153 of them for the search
/// page). Hydration waits for the open page's group (`crate::hydrate`); the server renders
/// every page as before. `#[leptos::lazy]` names a group's loader `__preload_<group>`.
macro_rules! lazy_pages {
    ($($group:ident / $preload:ident { $($route:ident => $page:ident),+ $(,)? })+) => {
        /// Every lazily loaded page, named as its component.
        #[derive(Clone, Copy)]
        #[allow(clippy::enum_variant_names)]
        enum LazyPage {
            $($($page),+),+
        }

        $(
            /// One split point: this group's pages.
            #[leptos::lazy]
            fn $group(page: LazyPage) -> AnyView {
                match page {
                    $(LazyPage::$page => $page().into_any(),)+
                    #[allow(unreachable_patterns)]
                    _ => ().into_any(),
                }
            }

            $(
                struct $route;

                impl $route {
                    /// What a `<Route view=…>` takes: the page, loaded lazily.
                    fn page() -> Lazy<$route> {
                        Lazy::new()
                    }
                }

                impl LazyRoute for $route {
                    fn data() -> Self {
                        $route
                    }

                    async fn view(_this: Self) -> AnyView {
                        $group(LazyPage::$page).await
                    }

                    // Fetches the group's WASM before the page is rendered: hydration
                    // renders the page at once, and cannot wait for it.
                    async fn preload() {
                        #[cfg(target_arch = "wasm32")]
                        $preload().await;
                    }
                }
            )+
        )+
    };
}

lazy_pages! {
    // finding: what most visits open
    browse_pages / __preload_browse_pages {
        SearchRoute => SearchPage,
        ListingRoute => ListingPage,
        FavoritesRoute => FavoritesPage,
        CompareRoute => ComparePage,
    }
    sell_pages / __preload_sell_pages {
        SellRoute => SellPage,
        MyListingsRoute => MyListingsPage,
        EditListingRoute => EditListingPage,
    }
    // what a signed-in person keeps: alerts, inbox, settings, account, plan
    own_pages / __preload_own_pages {
        AlertsRoute => AlertsPage,
        AlertPreviewRoute => AlertPreviewPage,
        InboxRoute => InboxPage,
        SettingsRoute => SettingsPage,
        AccountRoute => AccountPage,
        PricingRoute => PricingPage,
        BillingRoute => BillingPage,
    }
    // small forms, most reached from an email's link
    entry_pages / __preload_entry_pages {
        SignInRoute => SignInPage,
        SignUpRoute => SignUpPage,
        ForgotPasswordRoute => ForgotPasswordPage,
        ResetPasswordRoute => ResetPasswordPage,
        VerifyEmailRoute => VerifyEmailPage,
        ChangeEmailRoute => ChangeEmailPage,
        ConfirmEmailRoute => ConfirmEmailPage,
        UnsubscribeRoute => UnsubscribePage,
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_i18n();
    let i18n = use_i18n();
    view! {
        // a page that has no description of its own gets none: one per document (the home page's
        // is below; search and listings write theirs)
        <Title text=t_string!(i18n, meta.title) />
        <Router>
            <Layout />
        </Router>
    }
}

/// Header, main content and footer. Pages render with `SsrMode::Async`, so the server
/// sends them complete: they read right with JavaScript off and for crawlers.
#[component]
fn Layout() -> impl IntoView {
    let auth = Auth::provide();
    let unread = Unread::provide();
    let i18n = use_i18n();
    view! {
        <a
            href="#main"
            class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
        >
            {t_string!(i18n, nav.skip)}
        </a>
        // on a phone the bottom bar covers the last 4 rem: the page ends above it
        <div class="flex min-h-screen flex-col pb-16 sm:pb-0">
            <Header auth unread />
            <BottomBar auth unread />
            <VerifyAddressBanner />
            <PaymentBanner />
            <main id="main" class="flex-1">
                <Routes fallback=NotFoundPage>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async />
                    <Route
                        path=StaticSegment("sign-in")
                        view=SignInRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("sign-up")
                        view=SignUpRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("forgot-password")
                        view=ForgotPasswordRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("reset-password"), ParamSegment("token"))
                        view=ResetPasswordRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("verify-email"), ParamSegment("token"))
                        view=VerifyEmailRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("change-email"), ParamSegment("token"))
                        view=ChangeEmailRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("search")
                        view=SearchRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("listings"), ParamSegment("id"))
                        view=ListingRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("sell") view=SellRoute::page() ssr=SsrMode::Async />
                    <Route
                        path=StaticSegment("favorites")
                        view=FavoritesRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("compare")
                        view=CompareRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("alerts")
                        view=AlertsRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("alerts"), ParamSegment("id"))
                        view=AlertPreviewRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("inbox") view=InboxRoute::page() ssr=SsrMode::Async />
                    <Route
                        path=StaticSegment("settings")
                        view=SettingsRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("account")
                        view=AccountRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("pricing")
                        view=PricingRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("billing")
                        view=BillingRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("confirm-email"), ParamSegment("token"))
                        view=ConfirmEmailRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("unsubscribe"), ParamSegment("token"))
                        view=UnsubscribeRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("my-listings")
                        view=MyListingsRoute::page()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(
                            StaticSegment("my-listings"),
                            ParamSegment("id"),
                            StaticSegment("edit"),
                        )
                        view=EditListingRoute::page()
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
            <Footer />
        </div>
    }
}

const NAV_LINK: &str = "rounded px-2 py-1 text-slate-700 hover:bg-slate-100";
/// A place in the phone's bottom bar: an icon over its name.
const BAR_ITEM: &str = "relative flex min-w-0 flex-1 flex-col items-center justify-center gap-0.5 px-1 py-1.5 text-xs font-medium text-slate-700 hover:bg-slate-100 aria-[current=page]:text-emerald-800";
const MENU_LINK: &str = "block rounded px-3 py-2 text-slate-800 hover:bg-slate-100";

#[component]
fn Header(auth: Auth, unread: Unread) -> impl IntoView {
    let i18n = use_i18n();
    let signed_in = move || auth.user.get().and_then(|u| u.ok().flatten());
    let account = move || {
        auth.user
            .get()
            .map(|user| match user {
                Ok(Some(user)) => {
                    view! {
                        // Visible from the small breakpoint up; on a phone only screen
                        // readers announce it, the sign-out button stays.
                        <span class="sr-only text-sm text-slate-700 sm:not-sr-only sm:max-w-[16rem] sm:truncate">
                            {t_string!(i18n, nav.signed_in_as)} " "
                            <strong class="font-semibold">{user.email}</strong>
                        </span>
                        <ActionForm action=auth.sign_out>
                            <button type="submit" class=BUTTON>
                                {t_string!(i18n, nav.sign_out)}
                            </button>
                        </ActionForm>
                    }
                        .into_any()
                }
                _ => {
                    view! {
                        <a
                            href="/sign-in"
                            class="rounded-lg px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100"
                        >
                            {t_string!(i18n, nav.sign_in)}
                        </a>
                        <a
                            href="/sign-up"
                            class="rounded-lg bg-emerald-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-emerald-800"
                        >
                            {t_string!(i18n, nav.sign_up)}
                        </a>
                    }
                        .into_any()
                }
            })
    };
    view! {
        <header class="border-b border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl items-center gap-x-3 px-4 py-3">
                <a href="/" class="text-xl font-extrabold tracking-tight text-emerald-800">
                    "Scout"
                </a>
                // From the small breakpoint up; a phone has the bottom bar and its menu.
                <nav
                    aria-label=t_string!(i18n, nav.main)
                    class="hidden items-center gap-1 text-sm sm:flex"
                >
                    <a href="/" class=NAV_LINK>
                        {t_string!(i18n, nav.home)}
                    </a>
                    <a href="/search" class=NAV_LINK>
                        {t_string!(i18n, nav.search)}
                    </a>
                    <a href="/sell" class=NAV_LINK>
                        {t_string!(i18n, nav.sell)}
                    </a>
                    <a href="/compare" class=NAV_LINK>
                        {t_string!(i18n, nav.compare)}
                    </a>
                    <Transition fallback=|| ()>
                        {move || {
                            signed_in()
                                .map(|_| {
                                    view! {
                                        <a href="/favorites" class=NAV_LINK>
                                            {t_string!(i18n, nav.favorites)}
                                        </a>
                                        <a href="/my-listings" class=NAV_LINK>
                                            {t_string!(i18n, nav.my_listings)}
                                        </a>
                                        <a href="/alerts" class=NAV_LINK>
                                            {t_string!(i18n, nav.alerts)}
                                        </a>
                                        <InboxLink unread />
                                        <a href="/settings" class=NAV_LINK>
                                            {t_string!(i18n, nav.settings)}
                                        </a>
                                    }
                                })
                        }}
                    </Transition>
                </nav>
                <div class="ml-auto flex items-center gap-2">
                    <Transition fallback=|| ()>{account}</Transition>
                    <LanguageSwitch />
                </div>
            </div>
        </header>
    }
}

/// The phone's navigation: a bar at the bottom of the screen with the most used places and a
/// menu for the rest (a `<details>`: it opens without JavaScript too).
#[component]
fn BottomBar(auth: Auth, unread: Unread) -> impl IntoView {
    let i18n = use_i18n();
    let signed_in = move || auth.user.get().and_then(|u| u.ok().flatten());
    let path = leptos_router::hooks::use_location().pathname;
    let current = move |href: &'static str| {
        move || {
            path.with(|p| p == href || p.starts_with(&format!("{href}/")))
                .then_some("page")
        }
    };
    let menu = NodeRef::<leptos::html::Details>::new();
    // a link in the menu was followed: close it (the router keeps the page, not a new one)
    let close = move |_| {
        if let Some(menu) = menu.get() {
            let _ = menu.remove_attribute("open");
        }
    };
    view! {
        <nav
            aria-label=t_string!(i18n, nav.main)
            class="fixed inset-x-0 bottom-0 z-40 border-t border-slate-200 bg-white pb-[env(safe-area-inset-bottom)] sm:hidden"
        >
            <ul class="flex items-stretch">
                <li class="flex flex-1">
                    <a href="/search" class=BAR_ITEM aria-current=current("/search")>
                        {icon_search()}
                        <span>{t_string!(i18n, nav.search)}</span>
                    </a>
                </li>
                <Transition fallback=|| ()>
                    {move || match signed_in() {
                        Some(_) => {
                            view! {
                                <li class="flex flex-1">
                                    <a
                                        href="/favorites"
                                        class=BAR_ITEM
                                        aria-current=current("/favorites")
                                    >
                                        {icon_heart()}
                                        <span>{t_string!(i18n, nav.favorites)}</span>
                                    </a>
                                </li>
                                <li class="flex flex-1">
                                    <a
                                        href="/alerts"
                                        class=BAR_ITEM
                                        aria-current=current("/alerts")
                                    >
                                        {icon_bell()}
                                        <span>{t_string!(i18n, nav.alerts)}</span>
                                    </a>
                                </li>
                                <li class="flex flex-1">
                                    <InboxLink unread class=BAR_ITEM icon=icon_inbox />
                                </li>
                            }
                                .into_any()
                        }
                        None => {
                            view! {
                                <li class="flex flex-1">
                                    <a href="/sell" class=BAR_ITEM aria-current=current("/sell")>
                                        {icon_plus()}
                                        <span>{t_string!(i18n, nav.sell)}</span>
                                    </a>
                                </li>
                                <li class="flex flex-1">
                                    <a
                                        href="/compare"
                                        class=BAR_ITEM
                                        aria-current=current("/compare")
                                    >
                                        {icon_compare()}
                                        <span>{t_string!(i18n, nav.compare)}</span>
                                    </a>
                                </li>
                            }
                                .into_any()
                        }
                    }}
                </Transition>
                <li class="flex flex-1">
                    <details node_ref=menu class="group flex flex-1">
                        <summary class=format!(
                            "{BAR_ITEM} cursor-pointer list-none",
                        )>{icon_menu()} <span>{t_string!(i18n, nav.menu)}</span></summary>
                        <div
                            class="absolute inset-x-2 bottom-full mb-2 max-h-[70vh] overflow-y-auto rounded-xl border border-slate-200 bg-white p-2 text-sm shadow-lg"
                            on:click=close
                        >
                            <ul>
                                <li>
                                    <a href="/" class=MENU_LINK>
                                        {t_string!(i18n, nav.home)}
                                    </a>
                                </li>
                                // signed out, the bar has Sell and Compare itself
                                <Transition fallback=|| ()>
                                    {move || {
                                        signed_in()
                                            .map(|_| {
                                                view! {
                                                    <li>
                                                        <a href="/sell" class=MENU_LINK>
                                                            {t_string!(i18n, nav.sell)}
                                                        </a>
                                                    </li>
                                                    <li>
                                                        <a href="/compare" class=MENU_LINK>
                                                            {t_string!(i18n, nav.compare)}
                                                        </a>
                                                    </li>
                                                    <li>
                                                        <a href="/my-listings" class=MENU_LINK>
                                                            {t_string!(i18n, nav.my_listings)}
                                                        </a>
                                                    </li>
                                                    <li>
                                                        <a href="/settings" class=MENU_LINK>
                                                            {t_string!(i18n, nav.settings)}
                                                        </a>
                                                    </li>
                                                    <li>
                                                        <a href="/account" class=MENU_LINK>
                                                            {t_string!(i18n, nav.account)}
                                                        </a>
                                                    </li>
                                                    <li>
                                                        <a href="/billing" class=MENU_LINK>
                                                            {t_string!(i18n, nav.billing)}
                                                        </a>
                                                    </li>
                                                }
                                            })
                                    }}
                                </Transition>
                                <li>
                                    <a href="/pricing" class=MENU_LINK>
                                        {t_string!(i18n, nav.pricing)}
                                    </a>
                                </li>
                            </ul>
                        </div>
                    </details>
                </li>
            </ul>
        </nav>
    }
}

/// The bottom bar's icons (decorative: the word under each names the place).
fn bar_icon(path: &'static str) -> AnyView {
    view! {
        <svg
            aria-hidden="true"
            viewBox="0 0 24 24"
            class="h-6 w-6"
            fill="none"
            stroke="currentColor"
            stroke-width="2"
            stroke-linecap="round"
            stroke-linejoin="round"
        >
            <path d=path />
        </svg>
    }
    .into_any()
}

fn icon_search() -> AnyView {
    bar_icon("M11 18a7 7 0 1 0 0-14 7 7 0 0 0 0 14zm10 3-5.2-5.2")
}

fn icon_heart() -> AnyView {
    bar_icon("M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z")
}

fn icon_bell() -> AnyView {
    bar_icon("M18 16v-5a6 6 0 0 0-12 0v5l-2 2h16zM10 21h4")
}

fn icon_inbox() -> AnyView {
    bar_icon("M3 13h5l1 3h6l1-3h5M5 5h14l2 8v6H3v-6z")
}

fn icon_plus() -> AnyView {
    bar_icon("M12 5v14M5 12h14")
}

fn icon_compare() -> AnyView {
    bar_icon("M8 3v18M16 3v18M3 8h5M16 16h5")
}

fn icon_menu() -> AnyView {
    bar_icon("M4 6h16M4 12h16M4 18h16")
}

#[component]
fn Footer() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <footer class="border-t border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl flex-wrap justify-between gap-2 px-4 py-6 text-sm text-slate-600">
                <span>{t_string!(i18n, nav.tagline)}</span>
                <nav aria-label=t_string!(i18n, nav.about) class="flex gap-4">
                    <a class="text-slate-700 underline hover:text-slate-900" href="/pricing">
                        {t_string!(i18n, nav.pricing)}
                    </a>
                    <a class="text-slate-700 underline hover:text-slate-900" href="/billing">
                        {t_string!(i18n, nav.billing)}
                    </a>
                </nav>
            </div>
        </footer>
    }
}

#[component]
fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = expect_context::<Auth>();
    let greeting = move || {
        auth.user.get().map(|user| match user {
            Ok(Some(user)) => t_string!(i18n, home.welcome_back, email = user.email),
            _ => t_string!(i18n, home.sign_up_pitch).to_string(),
        })
    };
    let query = leptos_router::hooks::use_query_map();
    let deleted = move || query.read().get("account").as_deref() == Some("deleted");
    view! {
        <Meta name="description" content=t_string!(i18n, meta.description) />
        <Show when=deleted>
            <p
                role="status"
                class="mx-auto mt-6 max-w-6xl rounded-lg border border-emerald-300 bg-emerald-50 px-4 py-3 text-emerald-900"
            >
                {t_string!(i18n, home.deleted)}
            </p>
        </Show>
        <section class="mx-auto max-w-6xl px-4 py-12 sm:py-20">
            <h1 class="max-w-2xl text-3xl font-extrabold tracking-tight text-slate-900 sm:text-5xl">
                {t_string!(i18n, home.heading)}
            </h1>
            <p class="mt-4 max-w-2xl text-lg text-slate-700">{t_string!(i18n, home.lead)}</p>
            <form method="get" action="/search" role="search" class="mt-8 flex max-w-2xl gap-2">
                <label for="home-q" class="sr-only">
                    {t_string!(i18n, home.search_label)}
                </label>
                <input
                    id="home-q"
                    type="search"
                    name="q"
                    placeholder=t_string!(i18n, home.search_hint)
                    class="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-base shadow-sm focus:border-emerald-600 focus:outline-none focus:ring-2 focus:ring-emerald-600/40"
                />
                <button
                    type="submit"
                    class="rounded-lg bg-emerald-700 px-4 py-2 font-semibold text-white hover:bg-emerald-800"
                >
                    {t_string!(i18n, home.search_button)}
                </button>
            </form>
            <p class="mt-6 text-slate-700">
                <Transition fallback=|| ()>{greeting}</Transition>
            </p>
        </section>
    }
}

#[component]
fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text=t_string!(i18n, not_found.title) />
        <section class="mx-auto max-w-xl px-4 py-16 text-center">
            <p class="text-sm font-semibold text-emerald-800">"404"</p>
            <h1 class="mt-2 text-3xl font-bold">{t_string!(i18n, not_found.heading)}</h1>
            <p class="mt-3 text-slate-700">{t_string!(i18n, not_found.body)}</p>
            <a
                href="/"
                class="mt-6 inline-block rounded-lg bg-emerald-700 px-4 py-2 font-semibold text-white hover:bg-emerald-800"
            >
                {t_string!(i18n, not_found.home)}
            </a>
        </section>
    }
}

/// The language switch: a form that posts the other language to `/lang` (it works without
/// JavaScript too), which keeps the choice and renders the same page again in it. The button
/// names the language in itself, marked with its `lang` so screen readers say it right.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let to = other(i18n.get_locale_untracked());
    let location = leptos_router::hooks::use_location();
    // Back to this page with its query, unless the query is so long that carrying it in every
    // page would cost more than losing it (a search link may hold thousands of values).
    let next = move || {
        let search = location.search.get();
        let path = location.pathname.get();
        if search.is_empty() || path.len() + search.len() > NEXT_MAX_CHARS {
            path
        } else {
            format!("{path}?{search}")
        }
    };
    view! {
        <form method="post" action="/lang">
            <input type="hidden" name="lang" value=to.as_str() />
            <input type="hidden" name="next" value=next />
            <button
                type="submit"
                lang=to.as_str()
                title=switch_title(to)
                class="rounded-lg px-2 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100"
            >
                {native_name(to)}
            </button>
        </form>
    }
}

/// The longest page address the language switch comes back to with its query.
const NEXT_MAX_CHARS: usize = 2_000;

/// "Read Scout in English", in the language it offers.
fn switch_title(to: Locale) -> &'static str {
    crate::i18n::td_string!(to, lang.switch_to)
}
