//! The HTML shell, the routes and the layout every page shares (header, footer, 404).

use crate::{
    accounts::{
        account_page::AccountPage,
        pages::{
            Auth, ForgotPasswordPage, ResetPasswordPage, SignInPage, SignUpPage,
            VerifyAddressBanner, VerifyEmailPage,
        },
    },
    alerts::pages::{AlertPreviewPage, AlertsPage},
    billing::pages::{BillingPage, PaymentBanner, PricingPage},
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
use leptos_meta::{HashedStylesheet, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

/// The document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    provide_csp_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="theme-color" content="#047857" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
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

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title text="Scout · used cars and deals" />
        <Meta
            name="description"
            content="Scout finds used cars and other used goods, and tells you the moment a better deal appears."
        />
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
    view! {
        <a
            href="#main"
            class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:shadow"
        >
            "Skip to content"
        </a>
        <div class="flex min-h-screen flex-col">
            <Header auth unread />
            <VerifyAddressBanner />
            <PaymentBanner />
            <main id="main" class="flex-1">
                <Routes fallback=NotFoundPage>
                    <Route path=StaticSegment("") view=HomePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("sign-in") view=SignInPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("sign-up") view=SignUpPage ssr=SsrMode::Async />
                    <Route
                        path=StaticSegment("forgot-password")
                        view=ForgotPasswordPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("reset-password"), ParamSegment("token"))
                        view=ResetPasswordPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("verify-email"), ParamSegment("token"))
                        view=VerifyEmailPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("change-email"), ParamSegment("token"))
                        view=crate::accounts::account_page::ChangeEmailPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("search") view=SearchPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("listings"), ParamSegment("id"))
                        view=ListingPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("sell") view=SellPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("favorites") view=FavoritesPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("compare") view=ComparePage ssr=SsrMode::Async />
                    <Route path=StaticSegment("alerts") view=AlertsPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("alerts"), ParamSegment("id"))
                        view=AlertPreviewPage
                        ssr=SsrMode::Async
                    />
                    <Route path=StaticSegment("inbox") view=InboxPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("settings") view=SettingsPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("pricing") view=PricingPage ssr=SsrMode::Async />
                    <Route path=StaticSegment("billing") view=BillingPage ssr=SsrMode::Async />
                    <Route
                        path=(StaticSegment("confirm-email"), ParamSegment("token"))
                        view=ConfirmEmailPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(StaticSegment("unsubscribe"), ParamSegment("token"))
                        view=UnsubscribePage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=StaticSegment("my-listings")
                        view=MyListingsPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=(
                            StaticSegment("my-listings"),
                            ParamSegment("id"),
                            StaticSegment("edit"),
                        )
                        view=EditListingPage
                        ssr=SsrMode::Async
                    />
                </Routes>
            </main>
            <Footer />
        </div>
    }
}

#[component]
fn Header(auth: Auth, unread: Unread) -> impl IntoView {
    let account = move || {
        auth.user
            .get()
            .map(|user| match user {
                Ok(Some(user)) => {
                    view! {
                        // Visible from the small breakpoint up; on a phone only screen
                        // readers announce it, the sign-out button stays.
                        <span class="sr-only text-sm text-slate-700 sm:not-sr-only sm:max-w-[16rem] sm:truncate">
                            "Signed in as " <strong class="font-semibold">{user.email}</strong>
                        </span>
                        <ActionForm action=auth.sign_out>
                            <button type="submit" class=BUTTON>
                                "Sign out"
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
                            "Sign in"
                        </a>
                        <a
                            href="/sign-up"
                            class="rounded-lg bg-emerald-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-emerald-800"
                        >
                            "Create account"
                        </a>
                    }
                        .into_any()
                }
            })
    };
    view! {
        <header class="border-b border-slate-200 bg-white">
            // On a phone the navigation takes a second row of its own and scrolls sideways.
            <div class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-3">
                <a href="/" class="text-xl font-extrabold tracking-tight text-emerald-800">
                    "Scout"
                </a>
                <nav
                    aria-label="Main"
                    class="order-last -mx-2 flex w-[calc(100%+1rem)] items-center gap-1 overflow-x-auto whitespace-nowrap text-sm sm:order-none sm:mx-0 sm:w-auto"
                >
                    <a href="/" class="rounded px-2 py-1 text-slate-700 hover:bg-slate-100">
                        "Home"
                    </a>
                    <a href="/search" class="rounded px-2 py-1 text-slate-700 hover:bg-slate-100">
                        "Search"
                    </a>
                    <a href="/sell" class="rounded px-2 py-1 text-slate-700 hover:bg-slate-100">
                        "Sell"
                    </a>
                    <a href="/compare" class="rounded px-2 py-1 text-slate-700 hover:bg-slate-100">
                        "Compare"
                    </a>
                    <Transition fallback=|| ()>
                        {move || {
                            auth.user
                                .get()
                                .and_then(|u| u.ok().flatten())
                                .map(|_| {
                                    view! {
                                        <a
                                            href="/favorites"
                                            class="rounded px-2 py-1 text-slate-700 hover:bg-slate-100"
                                        >
                                            "Favorites"
                                        </a>
                                        <a
                                            href="/my-listings"
                                            class="rounded px-2 py-1 text-slate-700 hover:bg-slate-100"
                                        >
                                            "My listings"
                                        </a>
                                        <a
                                            href="/alerts"
                                            class="rounded px-2 py-1 text-slate-700 hover:bg-slate-100"
                                        >
                                            "Alerts"
                                        </a>
                                        <InboxLink unread />
                                        <a
                                            href="/settings"
                                            class="rounded px-2 py-1 text-slate-700 hover:bg-slate-100"
                                        >
                                            "Settings"
                                        </a>
                                    }
                                })
                        }}
                    </Transition>
                </nav>
                <div class="ml-auto flex items-center gap-2">
                    <Transition fallback=|| ()>{account}</Transition>
                </div>
            </div>
        </header>
    }
}

#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="border-t border-slate-200 bg-white">
            <div class="mx-auto flex max-w-6xl flex-wrap justify-between gap-2 px-4 py-6 text-sm text-slate-600">
                <span>"© Scout. Used cars and everything else, and the deals on them."</span>
                <nav aria-label="About Scout" class="flex gap-4">
                    <a class="text-slate-700 underline hover:text-slate-900" href="/pricing">
                        "Plans and pricing"
                    </a>
                    <a class="text-slate-700 underline hover:text-slate-900" href="/billing">
                        "Billing"
                    </a>
                </nav>
            </div>
        </footer>
    }
}

#[component]
fn HomePage() -> impl IntoView {
    let auth = expect_context::<Auth>();
    let greeting = move || {
        auth.user.get().map(|user| match user {
            Ok(Some(user)) => format!("Welcome back, {}.", user.email),
            _ => "Sign up to save searches and hear first about better deals.".to_string(),
        })
    };
    let query = leptos_router::hooks::use_query_map();
    let deleted = move || query.read().get("account").as_deref() == Some("deleted");
    view! {
        <Show when=deleted>
            <p
                role="status"
                class="mx-auto mt-6 max-w-6xl rounded-lg border border-emerald-300 bg-emerald-50 px-4 py-3 text-emerald-900"
            >
                "Your account is deleted, with everything in it. Thank you for using Scout."
            </p>
        </Show>
        <section class="mx-auto max-w-6xl px-4 py-12 sm:py-20">
            <h1 class="max-w-2xl text-3xl font-extrabold tracking-tight text-slate-900 sm:text-5xl">
                "Find the right used car at the right price."
            </h1>
            <p class="mt-4 max-w-2xl text-lg text-slate-700">
                "Scout searches used cars and other used goods, shows you what a fair price is, and tells you the moment a matching or cheaper listing appears."
            </p>
            <form method="get" action="/search" role="search" class="mt-8 flex max-w-2xl gap-2">
                <label for="home-q" class="sr-only">
                    "Search used cars"
                </label>
                <input
                    id="home-q"
                    type="search"
                    name="q"
                    placeholder="e.g. golf diesel <15000 2015+ sofia"
                    class="block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-base shadow-sm focus:border-emerald-600 focus:outline-none focus:ring-2 focus:ring-emerald-600/40"
                />
                <button
                    type="submit"
                    class="rounded-lg bg-emerald-700 px-4 py-2 font-semibold text-white hover:bg-emerald-800"
                >
                    "Search"
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
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found · Scout" />
        <section class="mx-auto max-w-xl px-4 py-16 text-center">
            <p class="text-sm font-semibold text-emerald-800">"404"</p>
            <h1 class="mt-2 text-3xl font-bold">"We couldn't find that page"</h1>
            <p class="mt-3 text-slate-700">
                "The link may be old or mistyped. Try the home page instead."
            </p>
            <a
                href="/"
                class="mt-6 inline-block rounded-lg bg-emerald-700 px-4 py-2 font-semibold text-white hover:bg-emerald-800"
            >
                "Go to the home page"
            </a>
        </section>
    }
}
