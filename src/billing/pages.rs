//! The public pricing page and the signed-in billing page. Both read right without
//! JavaScript: the monthly/yearly switch is a pair of links, the buttons are forms.

use super::{
    api::{
        BillingView, OpenPortal, Pricing, StartCheckout, SubscriptionView, Usage, billing_overview,
        euros, get_pricing,
    },
    plans::{Plan, Quota, count},
};
use crate::ui::{BUTTON, FormAlert, LINK, PRIMARY_BUTTON, SignedInContent, action_error};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// `/pricing`: the plans side by side, monthly or yearly (`?billing=yearly`).
#[component]
pub fn PricingPage() -> impl IntoView {
    let query = use_query_map();
    let yearly = Memo::new(move |_| query.with(|q| q.get("billing").as_deref() == Some("yearly")));
    let pricing = Resource::new(|| (), |_| get_pricing());
    let checkout = ServerAction::<StartCheckout>::new();
    let error = action_error(checkout);
    view! {
        <Title text="Plans and pricing · Scout" />
        <div class="mx-auto max-w-5xl px-4 py-6">
            <h1 class="text-2xl font-bold text-slate-900">"Plans and pricing"</h1>
            <p class="mt-1 text-slate-700">
                "Search, save and compare for free. Pay for more alerts, faster alerts and more listings; change or cancel whenever you like."
            </p>
            <nav
                aria-label="Billing period"
                class="mt-4 inline-flex rounded-lg border border-slate-300 bg-white p-1"
            >
                <a
                    href="/pricing"
                    aria-current=move || (!yearly.get()).then_some("page")
                    class=move || period_class(!yearly.get())
                >
                    "Monthly"
                </a>
                <a
                    href="/pricing?billing=yearly"
                    aria-current=move || yearly.get().then_some("page")
                    class=move || period_class(yearly.get())
                >
                    "Yearly (2 months free)"
                </a>
            </nav>
            <div class="mt-4" aria-live="polite">
                <FormAlert error />
            </div>
            <Transition fallback=|| {
                view! { <p class="mt-4 text-slate-600">"Loading the plans…"</p> }
            }>
                {move || Suspend::new(async move {
                    match pricing.await {
                        Ok(p) => view! { <PlanGrid pricing=p yearly checkout /> }.into_any(),
                        Err(e) => crate::ui::load_failed(e),
                    }
                })}
            </Transition>
        </div>
    }
}

fn period_class(on: bool) -> &'static str {
    if on {
        "rounded-md bg-emerald-700 px-3 py-1.5 text-sm font-semibold text-white"
    } else {
        "rounded-md px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-100"
    }
}

#[component]
fn PlanGrid(
    pricing: Pricing,
    yearly: Memo<bool>,
    checkout: ServerAction<StartCheckout>,
) -> impl IntoView {
    let Pricing {
        plans,
        current,
        payments,
    } = pricing;
    let signed_in = current.is_some();
    view! {
        {(!payments)
            .then(|| {
                view! {
                    <p class="mt-4 rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
                        "Payments are not set up on this Scout yet, so plans can't be bought here. Everyone is on the "
                        {plans
                            .iter()
                            .find(|p| p.is_default)
                            .map(|p| p.name.clone())
                            .unwrap_or_default()} " plan."
                    </p>
                }
            })}
        <ul class="mt-6 grid gap-4 md:grid-cols-3" aria-label="Plans">
            {plans
                .into_iter()
                .map(|plan| {
                    let is_current = current.as_deref() == Some(plan.code.as_str());
                    view! {
                        <li>
                            <PlanCard plan is_current signed_in payments yearly checkout />
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

#[component]
fn PlanCard(
    plan: Plan,
    is_current: bool,
    signed_in: bool,
    payments: bool,
    yearly: Memo<bool>,
    checkout: ServerAction<StartCheckout>,
) -> impl IntoView {
    let heading_id = format!("plan-{}", plan.code);
    let labelled_by = heading_id.clone();
    let (monthly, yearly_price) = (plan.monthly_cents, plan.yearly_cents);
    let price = move || {
        if monthly == 0 && yearly_price == 0 {
            "€0".to_string()
        } else if yearly.get() {
            format!("{} / year", euros(yearly_price))
        } else {
            format!("{} / month", euros(monthly))
        }
    };
    let free = plan.is_free();
    let trial = plan.trial_days;
    let code = plan.code.clone();
    let name = plan.name.clone();
    let buyable = plan.buyable;
    let border = if is_current {
        "flex h-full flex-col rounded-lg border-2 border-emerald-700 bg-white p-5"
    } else {
        "flex h-full flex-col rounded-lg border border-slate-200 bg-white p-5"
    };
    let action = move || {
        if is_current {
            return view! { <p class="mt-4 font-semibold text-emerald-800">"Your current plan"</p> }
            .into_any();
        }
        if free {
            return ().into_any();
        }
        if !signed_in {
            return view! {
                <a class=format!("{PRIMARY_BUTTON} mt-4") href="/sign-up">
                    {format!("Sign up to choose {}", name)}
                </a>
            }
            .into_any();
        }
        let code = code.clone();
        let interval = if yearly.get() { "year" } else { "month" };
        let can = payments && if yearly.get() { buyable.1 } else { buyable.0 };
        let label = if trial > 0 {
            format!("Start a {trial}-day free trial of {}", name)
        } else {
            format!("Choose {}", name)
        };
        view! {
            <ActionForm action=checkout attr:class="mt-4">
                <input type="hidden" name="plan" value=code />
                <input type="hidden" name="interval" value=interval />
                <button
                    type="submit"
                    class=PRIMARY_BUTTON
                    disabled=move || !can || checkout.pending().get()
                >
                    {label}
                </button>
            </ActionForm>
        }
        .into_any()
    };
    view! {
        <section aria-labelledby=labelled_by class=border>
            <h2 id=heading_id class="text-lg font-semibold text-slate-900">
                {plan.name.clone()}
                {is_current
                    .then(|| {
                        view! {
                            <span class="ml-2 rounded bg-emerald-100 px-2 py-0.5 text-xs font-semibold text-emerald-900">
                                "Current"
                            </span>
                        }
                    })}
            </h2>
            <p class="mt-2 text-2xl font-bold text-slate-900">{price}</p>
            {(trial > 0)
                .then(|| {
                    view! {
                        <p class="text-sm text-slate-700">
                            {format!("{trial} days free, then billed")}
                        </p>
                    }
                })}
            <ul class="mt-4 flex-1 space-y-1 text-sm text-slate-800">
                <li>
                    {if plan.limits.delay_minutes == 0 {
                        "Instant alerts".to_string()
                    } else {
                        format!("Alerts after {} minutes", plan.limits.delay_minutes)
                    }}
                </li>
                <li>{format!("Up to {} notifications a day", plan.limits.per_day)}</li>
                {Quota::ALL
                    .into_iter()
                    .map(|q| {
                        let n = q.of(&plan.limits);
                        view! { <li>{format!("{}: {n}", q.label())}</li> }
                    })
                    .collect_view()}
            </ul>
            {action}
        </section>
    }
}

/// `/billing`: the signed-in person's plan, its status, usage per quota and invoices.
#[component]
pub fn BillingPage() -> impl IntoView {
    let portal = ServerAction::<OpenPortal>::new();
    let query = use_query_map();
    // back from Checkout (`?checkout=<session>`) or the Portal (`?portal=true`): the server
    // reads the subscription again from Stripe before answering
    let returned = move || {
        query.with(|q| {
            (
                q.get("checkout").filter(|s| !s.is_empty()),
                q.get("portal").map(|p| p == "true"),
            )
        })
    };
    let overview = Resource::new(returned, |(checkout, portal)| {
        billing_overview(checkout, portal)
    });
    let error = action_error(portal);
    let thanks = move || returned().0.is_some();
    view! {
        <Title text="Billing · Scout" />
        <div class="mx-auto max-w-4xl px-4 py-6">
            <h1 class="text-2xl font-bold text-slate-900">"Billing"</h1>
            <p class="mt-1 text-slate-700">
                "Your plan, what you use of it, and your invoices. " <a class=LINK href="/pricing">
                    "Compare plans"
                </a>
            </p>
            <div class="mt-3" aria-live="polite">
                <FormAlert error />
            </div>
            <SignedInContent
                data=overview
                loading="Loading your plan…"
                sign_in_to=" to see your plan and billing."
                let:b
            >
                {(thanks() && !b.plan.is_free())
                    .then(|| {
                        view! {
                            <p
                                role="status"
                                class="mt-4 rounded-lg border border-emerald-300 bg-emerald-50 px-4 py-3 text-emerald-900"
                            >
                                {format!("Thank you: you're on {} now.", b.plan.name)}
                            </p>
                        }
                    })}
                <Billing b=b.clone() portal />
            </SignedInContent>
        </div>
    }
}

#[component]
fn Billing(b: BillingView, portal: ServerAction<OpenPortal>) -> impl IntoView {
    let BillingView {
        plan,
        subscription,
        usage,
        invoices,
        payments,
        paused_alerts,
    } = b;
    let has_subscription = subscription.is_some();
    view! {
        <section
            aria-labelledby="plan-heading"
            class="mt-6 space-y-3 rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
        >
            <h2 id="plan-heading" class="text-lg font-semibold text-slate-900">
                {format!("Your plan: {}", plan.name)}
            </h2>
            {status_line(subscription.as_ref(), &plan)}
            {(!payments)
                .then(|| {
                    view! {
                        <p class="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
                            {super::api::NOT_SET_UP}
                        </p>
                    }
                })}
            {(paused_alerts > 0)
                .then(|| {
                    view! {
                        <p class="rounded-lg border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
                            {format!(
                                "{} paused because your plan allows fewer active alerts. Resume {} on the ",
                                count(paused_alerts, ("alert was", "alerts were")),
                                if paused_alerts == 1 { "it" } else { "them" },
                            )} <a class=LINK href="/alerts">
                                "Alerts page"
                            </a> " when you have room, or upgrade."
                        </p>
                    }
                })}
            <div class="flex flex-wrap gap-2">
                <a class=PRIMARY_BUTTON href="/pricing">
                    {if plan.is_free() { "Upgrade" } else { "Change plan" }}
                </a>
                {(payments && has_subscription)
                    .then(|| {
                        view! {
                            <ActionForm action=portal>
                                <button
                                    type="submit"
                                    class=BUTTON
                                    disabled=move || portal.pending().get()
                                >
                                    "Manage payment methods or cancel"
                                </button>
                            </ActionForm>
                        }
                    })}
            </div>
        </section>
        <section
            aria-labelledby="usage-heading"
            class="mt-6 rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
        >
            <h2 id="usage-heading" class="text-lg font-semibold text-slate-900">
                "Usage"
            </h2>
            <ul class="mt-3 grid gap-4 sm:grid-cols-2">
                {usage.into_iter().map(|u| view! { <UsageBar u /> }).collect_view()}
            </ul>
        </section>
        <section
            aria-labelledby="invoices-heading"
            class="mt-6 rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
        >
            <h2 id="invoices-heading" class="text-lg font-semibold text-slate-900">
                "Invoices"
            </h2>
            {if invoices.is_empty() {
                view! { <p class="mt-2 text-sm text-slate-700">"No invoices yet."</p> }.into_any()
            } else {
                view! {
                    <table class="mt-3 w-full text-left text-sm">
                        <thead>
                            <tr class="border-b border-slate-200 text-slate-700">
                                <th scope="col" class="py-2 pr-2 font-medium">
                                    "Date"
                                </th>
                                <th scope="col" class="py-2 pr-2 font-medium">
                                    "Amount"
                                </th>
                                <th scope="col" class="py-2 pr-2 font-medium">
                                    "Status"
                                </th>
                                <th scope="col" class="py-2 font-medium">
                                    "Invoice"
                                </th>
                            </tr>
                        </thead>
                        <tbody>
                            {invoices
                                .into_iter()
                                .map(|i| {
                                    let label = format!("Invoice of {}, ", i.date);
                                    view! {
                                        <tr class="border-b border-slate-100">
                                            <td class="py-2 pr-2">{i.date}</td>
                                            <td class="py-2 pr-2">{i.amount}</td>
                                            <td class="py-2 pr-2">{invoice_status(&i.status)}</td>
                                            <td class="py-2">
                                                {i
                                                    .pdf_url
                                                    .map(|url| {
                                                        view! {
                                                            // the name is what is seen, after
                                                            // which invoice it is
                                                            <a class=LINK href=url>
                                                                <span class="sr-only">{label}</span>
                                                                "PDF"
                                                            </a>
                                                        }
                                                    })}
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
}

fn invoice_status(status: &str) -> &'static str {
    match status {
        "paid" => "Paid",
        "open" => "Due",
        "void" => "Void",
        "uncollectible" => "Not collected",
        _ => "Draft",
    }
}

/// What the subscription's state means for the person, in a sentence.
fn status_line(s: Option<&SubscriptionView>, plan: &Plan) -> impl IntoView {
    let text = match s {
        None => {
            if plan.is_free() {
                "You're on the free plan.".to_string()
            } else {
                format!("You're on {} for free on this Scout.", plan.name)
            }
        }
        Some(s) => {
            let end = s
                .period_end
                .clone()
                .unwrap_or_else(|| "the end of the period".into());
            match s.status.as_str() {
                "trialing" if s.cancel_at_period_end => format!(
                    "Trial of {} until {}; it ends then and nothing is charged.",
                    s.plan_name,
                    s.trial_end.clone().unwrap_or(end)
                ),
                "trialing" => format!(
                    "Trial of {}: free until {}, then billed every {}.",
                    s.plan_name,
                    s.trial_end.clone().unwrap_or(end),
                    s.interval
                ),
                "active" if s.cancel_at_period_end => format!(
                    "Cancelling: {} stays yours until {}, then you're on the free plan.",
                    s.plan_name, end
                ),
                "active" => format!("Active: {} renews on {}.", s.plan_name, end),
                "past_due" => format!(
                    "Payment failed: update your payment method. {} stays yours until {} while we retry.",
                    s.plan_name,
                    s.grace_until.clone().unwrap_or(end)
                ),
                "unpaid" => format!(
                    "Unpaid: {} is on hold until the invoice is paid; the free plan's limits apply.",
                    s.plan_name
                ),
                "canceled" => format!("Your {} subscription has ended.", s.plan_name),
                _ => "Your payment has not gone through yet.".to_string(),
            }
        }
    };
    let alert = s.is_some_and(|s| s.status == "past_due" || s.status == "unpaid");
    view! {
        <p
            role=alert.then_some("alert")
            class=if alert { "font-medium text-red-800" } else { "text-slate-800" }
        >
            {text}
        </p>
    }
}

#[component]
fn UsageBar(u: Usage) -> impl IntoView {
    let Usage { quota, used, most } = u;
    // twelfths, as classes Tailwind sees here (the page's CSP allows no inline styles)
    const WIDTHS: [&str; 13] = [
        "w-0", "w-1/12", "w-2/12", "w-3/12", "w-4/12", "w-5/12", "w-6/12", "w-7/12", "w-8/12",
        "w-9/12", "w-10/12", "w-11/12", "w-full",
    ];
    let twelfths = if most <= 0 {
        12
    } else {
        (used.clamp(0, most) * 12 + most - 1) / most
    };
    let full = used >= most;
    let bar = format!(
        "h-2 rounded {} {}",
        if full { "bg-red-700" } else { "bg-emerald-700" },
        WIDTHS[usize::try_from(twelfths).unwrap_or(12).min(12)]
    );
    view! {
        <li>
            <div class="flex justify-between text-sm">
                <span class="font-medium text-slate-900">{quota.label()}</span>
                <span class=if full {
                    "font-semibold text-red-800"
                } else {
                    "text-slate-700"
                }>{format!("{used} of {most}")}</span>
            </div>
            <div class="mt-1 h-2 rounded bg-slate-200" aria-hidden="true">
                <div class=bar />
            </div>
        </li>
    }
}

/// The banner every page shows while the signed-in person's payment has failed, with the way
/// to put it right.
#[component]
pub fn PaymentBanner() -> impl IntoView {
    let auth = expect_context::<crate::accounts::pages::Auth>();
    let trouble = move || {
        auth.user
            .get()
            .and_then(|u| u.ok().flatten())
            .and_then(|u| u.payment_trouble)
    };
    view! {
        <Transition fallback=|| ()>
            {move || {
                trouble()
                    .map(|text| {
                        view! {
                            <aside
                                aria-label="Payment problem"
                                class="border-b border-red-300 bg-red-50"
                            >
                                <div class="mx-auto flex max-w-6xl flex-wrap items-center gap-x-3 gap-y-2 px-4 py-2 text-sm text-red-900">
                                    <p role="alert">{text}</p>
                                    <a class=LINK href="/billing">
                                        "Go to Billing"
                                    </a>
                                </div>
                            </aside>
                        }
                    })
            }}
        </Transition>
    }
}
