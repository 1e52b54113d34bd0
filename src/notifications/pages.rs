//! The Settings page (its notifications section) and the page an email's unsubscribe link
//! opens; the list of failing channels the Alerts page shows too.

use super::{
    api::{
        AddPushDevice, AddWebhook, ConfirmAlertEmail, ConfirmUnsubscribe, RemovePushDevice,
        RemoveWebhook, SaveNotificationSettings, alert_email_to_confirm, get_notification_settings,
        unsubscribe_what,
    },
    model::{ChannelTrouble, DeviceView, Quiet, SettingsView, WEEKDAYS, WebhookView, clock},
};
use crate::{
    error::AppError,
    ui::{
        BUTTON, FormAlert, INPUT, LABEL, LINK, Labelled, PRIMARY_BUTTON, SaveRow, SignedInContent,
        action_error,
        channels::{ChannelChooser, RhythmChooser},
        described_by, field_error,
        fields::{SelectField, TextField},
    },
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Channels that keep failing, with the last error: shown until a delivery succeeds.
#[component]
pub fn TroubleList(trouble: Vec<ChannelTrouble>) -> impl IntoView {
    (!trouble.is_empty()).then(|| {
        view! {
            <div role="alert" class="mt-4 rounded-lg border border-amber-400 bg-amber-50 p-4">
                <h2 class="font-semibold text-amber-900">"Some alerts are not getting through"</h2>
                <ul class="mt-2 space-y-1 text-sm text-amber-900">
                    {trouble
                        .into_iter()
                        .map(|t| {
                            view! {
                                <li>
                                    <strong>{format!("{}: failing", t.what)}</strong>
                                    {format!(
                                        " since {}. Last error: {}. We keep retrying; check the address in ",
                                        t.since,
                                        t.error,
                                    )}
                                    <a class=LINK href="/settings">
                                        "Settings"
                                    </a>
                                    "."
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </div>
        }
    })
}

/// The browser's own time zone (e.g. "Europe/Sofia").
#[cfg(feature = "hydrate")]
fn browser_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    let options = format.resolved_options();
    js_sys::Reflect::get(&options, &"timeZone".into())
        .ok()
        .and_then(|v| v.as_string())
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let save = ServerAction::<SaveNotificationSettings>::new();
    let add = ServerAction::<AddWebhook>::new();
    let remove = ServerAction::<RemoveWebhook>::new();
    let add_device = ServerAction::<AddPushDevice>::new();
    let remove_device = ServerAction::<RemovePushDevice>::new();
    let query = use_query_map();
    let confirmed = move || query.read().get("confirmed").as_deref() == Some("alert-email");
    let settings = Resource::new(
        move || {
            (
                save.version().get(),
                add.version().get(),
                remove.version().get(),
                add_device.version().get(),
                remove_device.version().get(),
            )
        },
        |_| get_notification_settings(),
    );
    view! {
        <Title text="Settings · Scout" />
        <div class="mx-auto max-w-2xl px-4 py-6">
            <h1 class="text-2xl font-bold text-slate-900">"Settings"</h1>
            <p class="mt-1 text-slate-700">
                "Your password, where you're signed in and the security log are on "
                <a class=LINK href="/account">
                    "Your account"
                </a> "; your plan, what you use of it and your invoices on "
                <a class=LINK href="/billing">
                    "Billing"
                </a> "."
            </p>
            <Show when=confirmed>
                <p role="status" class="mt-4 rounded-md bg-emerald-50 p-3 text-emerald-900">
                    "Your alert address is confirmed: alert email goes there from now on."
                </p>
            </Show>
            <SignedInContent
                data=settings
                loading="Loading your settings…"
                sign_in_to=" to change your settings."
                let:view
            >
                {
                    let hooks = view.webhooks.clone();
                    let devices = view.devices.clone();
                    let push_key = view.push_key.clone();

                    view! {
                        <crate::listings::preference::DisplayCurrencySettings />
                        <NotificationForm view save />
                        <PushDevices devices push_key add=add_device remove=remove_device />
                        <Webhooks hooks add remove />
                    }
                        .into_any()
                }
            </SignedInContent>
        </div>
    }
}

#[component]
fn NotificationForm(
    view: SettingsView,
    save: ServerAction<SaveNotificationSettings>,
) -> impl IntoView {
    let error = action_error(save);
    let saved = move || save.value().get().and_then(Result::ok);
    let s = view.settings;
    view! {
        <TroubleList trouble=view.trouble />
        <section class="mt-6 rounded-lg border border-slate-200 bg-white p-4 sm:p-6">
            <h2 class="text-lg font-semibold text-slate-900">"Notifications"</h2>
            <p class="mt-1 text-sm text-slate-600">
                "New alerts start with these choices; each alert can change them on the "
                <a class=LINK href="/alerts">
                    "Alerts page"
                </a> "."
            </p>
            <ActionForm action=save attr:class="mt-4 space-y-5">
                <FormAlert error />
                <ChannelChooser chosen=s.channels.clone() error>
                    "Push goes to every device below; webhooks to every endpoint below."
                </ChannelChooser>
                <AlertAddress
                    alert_email=s.alert_email.clone()
                    pending=view.pending_email.clone()
                    sign_in=view.sign_in_email.clone()
                    error
                />
                <RhythmChooser chosen=s.rhythm />
                <DigestTiming hour=s.digest_hour weekday=s.digest_weekday error />
                <QuietHours quiet=s.quiet error />
                <TimeZoneChoice zone=s.time_zone.clone() zones=view.zones error />
                <SaveRow label="Save settings" pending=save.pending() saved=Signal::derive(saved) />
            </ActionForm>
        </section>
    }
}

/// Where alert email goes: the field (a new address waits for its confirmation link, and
/// the field shows it meanwhile, so saving again keeps it waiting).
#[component]
fn AlertAddress(
    alert_email: Option<String>,
    pending: Option<String>,
    sign_in: String,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let shown_email = pending
        .clone()
        .or_else(|| alert_email.clone())
        .unwrap_or_default();
    let pending_note = pending.map(|pending| {
        let current = alert_email.unwrap_or_else(|| sign_in.clone());
        format!(
            "Waiting for you to confirm {pending}: open the link we sent there. Until then alert email goes to {current}. Save again to get a new link."
        )
    });
    view! {
        <TextField
            label="Email address for alerts"
            key="alert_email"
            id="settings-alert-email"
            input_type="email"
            autocomplete="email"
            value=shown_email
            placeholder=sign_in
            hint="Leave empty to use the address you sign in with."
            error
        />
        {pending_note
            .map(|note| {
                view! {
                    <p class="-mt-3 rounded-md bg-amber-50 p-2 text-sm text-amber-900">{note}</p>
                }
            })}
    }
}

/// When digests go out: the hour (daily and weekly) and the weekly one's day.
#[component]
fn DigestTiming(hour: u8, weekday: u8, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <div class="grid gap-4 sm:grid-cols-2">
            <SelectField
                label="Digest hour"
                key="digest_hour"
                id="settings-digest-hour"
                value=hour.to_string()
                options=(0u8..24).map(|h| (h.to_string(), clock(u16::from(h) * 60))).collect()
                error
            />
            <SelectField
                label="Weekly digest day"
                key="digest_weekday"
                id="settings-digest-day"
                value=weekday.to_string()
                options=WEEKDAYS
                    .iter()
                    .enumerate()
                    .map(|(i, day)| ((i + 1).to_string(), (*day).to_string()))
                    .collect()
                error
            />
        </div>
    }
}

/// The window in which alerts wait (it may cross midnight).
#[component]
fn QuietHours(quiet: Option<Quiet>, error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <fieldset>
            <legend class="text-sm font-medium text-slate-800">"Quiet hours"</legend>
            <p id="settings-quiet-hint" class="text-sm text-slate-600">
                "Alerts that arrive in this window wait until it ends; nothing is dropped. It may cross midnight, like 22:00 to 07:00. Leave both empty for none."
            </p>
            <div class="mt-2 grid gap-4 sm:grid-cols-2">
                <TextField
                    label="From"
                    key="quiet_start"
                    id="settings-quiet-start"
                    input_type="time"
                    value=quiet.map(|q| clock(q.start)).unwrap_or_default()
                    error
                />
                <TextField
                    label="Until"
                    key="quiet_end"
                    id="settings-quiet-end"
                    input_type="time"
                    value=quiet.map(|q| clock(q.end)).unwrap_or_default()
                    error
                />
            </div>
        </fieldset>
    }
}

/// The person's time zone; while it is still the default (UTC), the browser's own is proposed.
#[component]
fn TimeZoneChoice(
    zone: String,
    zones: Vec<String>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let zone_error = field_error(error, "time_zone");
    let initial_zone = zone.clone();
    let stored_zone = zone.clone();
    let zone = RwSignal::new(zone);
    let detected = RwSignal::new(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        if stored_zone == "UTC"
            && let Some(z) = browser_zone()
            && z != "UTC"
        {
            zone.set(z);
            detected.set(true);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &stored_zone;
    });
    view! {
        <Labelled
            label="Time zone"
            id="settings-time-zone"
            key="time_zone"
            error
            hint=Some("Quiet hours and digest times are in this zone.")
        >
            <select
                id="settings-time-zone"
                name="input[time_zone]"
                class=INPUT
                prop:value=move || zone.get()
                on:change=move |ev| zone.set(event_target_value(&ev))
                aria-invalid=move || zone_error().is_some().then_some("true")
                aria-describedby=described_by(error, "time_zone", "settings-time-zone", true)
            >
                {zones
                    .into_iter()
                    .map(|z| {
                        let selected = z == initial_zone;
                        view! {
                            <option value=z.clone() selected=selected>
                                {z.clone()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </Labelled>
        <Show when=move || detected.get()>
            <p role="status" class="text-sm text-emerald-800">
                {move || {
                    format!("Detected from your browser: {}. Save to keep it.", zone.get())
                }}
            </p>
        </Show>
    }
}

/// Subscribes this browser to push (service worker `/sw.js`, the server's VAPID key):
/// the endpoint and the two keys, as `PushSubscription.toJSON()` gives them.
#[cfg(feature = "hydrate")]
async fn subscribe(vapid_key: &str) -> Result<(String, String, String), String> {
    use js_sys::{Array, Function, Object, Promise, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    fn get(o: &JsValue, k: &str) -> JsValue {
        Reflect::get(o, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED)
    }
    fn call(o: &JsValue, k: &str, args: &Array) -> Result<JsValue, String> {
        let f: Function = get(o, k)
            .dyn_into()
            .map_err(|_| "This browser cannot receive push notifications.".to_string())?;
        Reflect::apply(&f, o, args).map_err(|e| reason(&e))
    }
    fn reason(e: &JsValue) -> String {
        get(e, "message")
            .as_string()
            .unwrap_or_else(|| "The browser refused.".into())
    }
    async fn wait(p: JsValue) -> Result<JsValue, String> {
        JsFuture::from(Promise::from(p))
            .await
            .map_err(|e| reason(&e))
    }
    let unsupported = || "This browser cannot receive push notifications.".to_string();
    let window: JsValue = web_sys::window().ok_or_else(unsupported)?.into();
    let sw = get(&get(&window, "navigator"), "serviceWorker");
    let notification = get(&window, "Notification");
    if sw.is_undefined()
        || notification.is_undefined()
        || get(&window, "PushManager").is_undefined()
    {
        return Err(unsupported());
    }
    let permission = wait(call(&notification, "requestPermission", &Array::new())?).await?;
    if permission.as_string().as_deref() != Some("granted") {
        return Err(
            "Notifications are blocked for Scout in this browser: allow them in the site settings and try again."
                .into(),
        );
    }
    wait(call(
        &sw,
        "register",
        &Array::of1(&JsValue::from_str("/sw.js")),
    )?)
    .await?;
    let registration = wait(get(&sw, "ready")).await?;
    let options = Object::new();
    let _ = Reflect::set(&options, &"userVisibleOnly".into(), &JsValue::TRUE);
    let _ = Reflect::set(
        &options,
        &"applicationServerKey".into(),
        &JsValue::from_str(vapid_key),
    );
    let manager = get(&registration, "pushManager");
    let subscription = wait(call(&manager, "subscribe", &Array::of1(&options))?).await?;
    let json = call(&subscription, "toJSON", &Array::new())?;
    let keys = get(&json, "keys");
    match (
        get(&json, "endpoint").as_string(),
        get(&keys, "p256dh").as_string(),
        get(&keys, "auth").as_string(),
    ) {
        (Some(endpoint), Some(p256dh), Some(auth)) => Ok((endpoint, p256dh, auth)),
        _ => Err(unsupported()),
    }
}

/// Devices with push on, and the button that turns it on for this one.
#[component]
fn PushDevices(
    devices: Vec<DeviceView>,
    push_key: String,
    add: ServerAction<AddPushDevice>,
    remove: ServerAction<RemovePushDevice>,
) -> impl IntoView {
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let problem = RwSignal::new(None::<String>);
    let name = RwSignal::new("This browser".to_string());
    let working = RwSignal::new(false);
    let add_error = action_error(add);
    let remove_error = action_error(remove);
    let turned_on = move || matches!(add.value().get(), Some(Ok(_)));
    let enable = move |_| {
        problem.set(None);
        working.set(true);
        #[cfg(feature = "hydrate")]
        {
            let key = push_key.clone();
            leptos::task::spawn_local(async move {
                match subscribe(&key).await {
                    Ok((endpoint, p256dh, auth)) => {
                        add.dispatch(AddPushDevice {
                            endpoint,
                            p256dh,
                            auth,
                            device_name: name.get_untracked(),
                        });
                    }
                    Err(m) => problem.set(Some(m)),
                }
                working.set(false);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &push_key;
    };
    let empty = devices.is_empty();
    view! {
        <section
            class="mt-6 rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
            aria-labelledby="push-heading"
        >
            <h2 id="push-heading" class="text-lg font-semibold text-slate-900">
                "Push notifications"
            </h2>
            <p class="mt-1 text-sm text-slate-600">
                "Alerts with the Push channel appear on each device below, even when Scout is closed; tapping one opens the listing."
            </p>
            <FormAlert error=remove_error />
            {if empty {
                view! { <p class="mt-3 text-slate-700">"No devices yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="mt-3 divide-y divide-slate-200" aria-label="Devices with push">
                        {devices
                            .into_iter()
                            .map(|d| {
                                let label = format!("Remove {}", d.name);
                                view! {
                                    <li class="flex items-center justify-between gap-2 py-3">
                                        <div>
                                            <p class="font-medium text-slate-900">{d.name.clone()}</p>
                                            <p class="text-sm text-slate-600">
                                                {format!("Added {}", d.added)}
                                            </p>
                                        </div>
                                        <ActionForm action=remove>
                                            <input
                                                type="hidden"
                                                name="device_id"
                                                value=d.id.to_string()
                                            />
                                            <button type="submit" class=BUTTON aria-label=label>
                                                "Remove"
                                            </button>
                                        </ActionForm>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
            <div class="mt-4 space-y-3">
                <FormAlert error=add_error />
                <div class="space-y-1">
                    <label for="device-name" class=LABEL>
                        "Name for this device"
                    </label>
                    <input
                        id="device-name"
                        class=INPUT
                        maxlength="60"
                        prop:value=move || name.get()
                        on:input=move |ev| name.set(event_target_value(&ev))
                    />
                </div>
                <button
                    type="button"
                    class=PRIMARY_BUTTON
                    on:click=enable
                    disabled=move || !hydrated.get() || working.get() || add.pending().get()
                >
                    "Turn on push on this device"
                </button>
                <p role="status" class="text-sm">
                    {move || {
                        if !hydrated.get() {
                            Some("Turning push on needs JavaScript.".to_string())
                        } else if let Some(p) = problem.get() {
                            Some(p)
                        } else if turned_on() {
                            Some("Push is on for this device.".to_string())
                        } else {
                            None
                        }
                    }}
                </p>
            </div>
        </section>
    }
}

/// The account's webhook endpoints: the list (with each JSON endpoint's signing secret) and
/// the form that adds one.
#[component]
fn Webhooks(
    hooks: Vec<WebhookView>,
    add: ServerAction<AddWebhook>,
    remove: ServerAction<RemoveWebhook>,
) -> impl IntoView {
    let remove_error = action_error(remove);
    view! {
        <section
            class="mt-6 rounded-lg border border-slate-200 bg-white p-4 sm:p-6"
            aria-labelledby="webhooks-heading"
        >
            <h2 id="webhooks-heading" class="text-lg font-semibold text-slate-900">
                "Webhooks"
            </h2>
            <p class="mt-1 text-sm text-slate-600">
                "Alerts with the Webhook channel are posted to each endpoint: signed JSON for your own code, a Discord channel, or a Telegram chat through your bot. JSON requests carry Scout-Timestamp and Scout-Signature: v1=HMAC-SHA256(secret, timestamp + \".\" + body) in hex."
            </p>
            <FormAlert error=remove_error />
            <WebhookList hooks remove />
            <AddWebhookForm add />
        </section>
    }
}

/// The account's webhooks, each with what it posts to and a Remove button.
#[component]
fn WebhookList(hooks: Vec<WebhookView>, remove: ServerAction<RemoveWebhook>) -> impl IntoView {
    let empty = hooks.is_empty();
    view! {
        {if empty {
            view! { <p class="mt-3 text-slate-700">"No webhooks yet."</p> }.into_any()
        } else {
            view! {
                <ul class="mt-3 divide-y divide-slate-200" aria-label="Your webhooks">
                    {hooks
                        .into_iter()
                        .map(|h| {
                            let id = h.id;
                            let label = format!("Remove {}", h.name);
                            view! {
                                <li class="flex flex-wrap items-start justify-between gap-2 py-3">
                                    <div class="min-w-0">
                                        <p class="font-medium text-slate-900">{h.name.clone()}</p>
                                        <p class="text-sm break-all text-slate-600">
                                            {format!("{} · {} · added {}", h.kind, h.target, h.added)}
                                        </p>
                                        {h
                                            .signing_secret
                                            .map(|secret| {
                                                view! {
                                                    <details class="mt-1 text-sm">
                                                        <summary class="cursor-pointer text-emerald-800 underline">
                                                            "Show signing secret"
                                                        </summary>
                                                        <code class="break-all">{secret}</code>
                                                    </details>
                                                }
                                            })}
                                    </div>
                                    <ActionForm action=remove>
                                        <input
                                            type="hidden"
                                            name="endpoint_id"
                                            value=id.to_string()
                                        />
                                        <button type="submit" class=BUTTON aria-label=label>
                                            "Remove"
                                        </button>
                                    </ActionForm>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
                .into_any()
        }}
    }
}

/// The form that adds a webhook: the kind chooses which fields apply.
#[component]
fn AddWebhookForm(add: ServerAction<AddWebhook>) -> impl IntoView {
    let error = action_error(add);
    let kind = RwSignal::new("json".to_string());
    let name_error = field_error(error, "webhook_name");
    let url_error = field_error(error, "webhook_url");
    let token_error = field_error(error, "bot_token");
    let chat_error = field_error(error, "chat_id");
    view! {
        <details class="mt-4">
            <summary class="cursor-pointer font-medium text-emerald-800 underline">
                "Add a webhook"
            </summary>
            <ActionForm action=add attr:class="mt-3 space-y-4">
                <FormAlert error />
                <fieldset>
                    <legend class="text-sm font-medium text-slate-800">"Kind"</legend>
                    {[
                        ("json", "JSON, signed (your own code)"),
                        ("discord", "Discord"),
                        ("telegram", "Telegram"),
                    ]
                        .into_iter()
                        .map(|(value, text)| {
                            view! {
                                <label class="mt-1 flex items-center gap-2">
                                    <input
                                        type="radio"
                                        name="kind"
                                        value=value
                                        checked=value == "json"
                                        on:change=move |_| kind.set(value.to_string())
                                    />
                                    {text}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <Labelled label="Webhook name" id="webhook-name" key="webhook_name" error>
                    <input
                        id="webhook-name"
                        name="webhook_name"
                        maxlength="60"
                        class=INPUT
                        aria-invalid=move || name_error().is_some().then_some("true")
                        aria-describedby=described_by(error, "webhook_name", "webhook-name", false)
                    />
                </Labelled>
                <Labelled
                    label="Endpoint URL (JSON and Discord)"
                    id="webhook-url"
                    key="webhook_url"
                    error
                >
                    <input
                        id="webhook-url"
                        name="webhook_url"
                        type="url"
                        maxlength="2000"
                        class=INPUT
                        prop:disabled=move || kind.get() == "telegram"
                        aria-invalid=move || url_error().is_some().then_some("true")
                        aria-describedby=described_by(error, "webhook_url", "webhook-url", false)
                    />
                </Labelled>
                <div class="grid gap-4 sm:grid-cols-2">
                    <Labelled label="Telegram bot token" id="webhook-token" key="bot_token" error>
                        <input
                            id="webhook-token"
                            name="bot_token"
                            autocomplete="off"
                            class=INPUT
                            prop:disabled=move || kind.get() != "telegram"
                            aria-invalid=move || token_error().is_some().then_some("true")
                            aria-describedby=described_by(
                                error,
                                "bot_token",
                                "webhook-token",
                                false,
                            )
                        />
                    </Labelled>
                    <Labelled label="Telegram chat id" id="webhook-chat" key="chat_id" error>
                        <input
                            id="webhook-chat"
                            name="chat_id"
                            class=INPUT
                            prop:disabled=move || kind.get() != "telegram"
                            aria-invalid=move || chat_error().is_some().then_some("true")
                            aria-describedby=described_by(error, "chat_id", "webhook-chat", false)
                        />
                    </Labelled>
                </div>
                <button type="submit" class=PRIMARY_BUTTON disabled=move || add.pending().get()>
                    "Add webhook"
                </button>
            </ActionForm>
        </details>
    }
}

/// Where an email's "Stop emails" link leads: says what it stops and asks once.
#[component]
pub fn UnsubscribePage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmUnsubscribe>::new();
    view! {
        <EmailLinkPage
            title="Unsubscribe"
            subject=Resource::new(link_token(), unsubscribe_what)
            answer=confirm.value()
            question=|what| format!("Stop emails about {what}?")
            button="Stop these emails"
            done=|what| format!("Done: Scout will not email you about {what} any more. ")
            invalid="This unsubscribe link is not valid any more (the alert may have been deleted). You can change every email Scout sends in Settings."
            form=move |fields| view! { <ActionForm action=confirm>{fields}</ActionForm> }.into_any()
        />
    }
}

/// The page a confirmation link opens: one button makes the address the alert address.
#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmAlertEmail>::new();
    view! {
        <EmailLinkPage
            title="Confirm your alert address"
            subject=Resource::new(link_token(), alert_email_to_confirm)
            answer=confirm.value()
            question=|address| format!("Send Scout alert email to {address}?")
            button="Use this address for alerts"
            done=|address| format!("Done: Scout alert email now goes to {address}. ")
            invalid="This link is not valid any more: links work for 3 days, and only the newest one does. Save the address again in Settings to get a new link."
            form=move |fields| view! { <ActionForm action=confirm>{fields}</ActionForm> }.into_any()
        />
    }
}

/// The token of the emailed link the page was opened from.
fn link_token() -> impl Fn() -> String + Clone + Send + Sync + 'static {
    let params = use_params_map();
    move || params.read().get("token").unwrap_or_default()
}

/// A page an emailed link opens (unsubscribe, confirm an address): says what the link is for
/// and asks once, with a button rather than the link itself so that mail scanners opening
/// links change nothing; then says it is done. A link no longer valid says why.
#[component]
fn EmailLinkPage<F>(
    /// The heading (and the tab's title).
    title: &'static str,
    /// What the link is for, or why it is not valid.
    subject: Resource<Result<String, AppError>>,
    /// What the form's action answered.
    #[prop(into)]
    answer: Signal<Option<Result<String, AppError>>>,
    /// The question asked about the subject.
    question: fn(&str) -> String,
    /// The news once done, given the answer.
    done: fn(&str) -> String,
    /// The button that confirms.
    button: &'static str,
    /// What an invalid link says; its last mention of "Settings" links there.
    invalid: &'static str,
    /// The action's form around the given fields.
    form: F,
) -> impl IntoView
where
    F: Fn(AnyView) -> AnyView + Clone + Send + Sync + 'static,
{
    let token = link_token();
    let (before, after) = invalid.rsplit_once("Settings").unwrap_or((invalid, ""));
    view! {
        <Title text=format!("{title} · Scout") />
        <div class="mx-auto max-w-xl px-4 py-10">
            <h1 class="text-2xl font-bold text-slate-900">{title}</h1>
            <Transition fallback=|| {
                view! { <p class="mt-4 text-slate-600">"Loading…"</p> }
            }>
                {move || {
                    let (form, token) = (form.clone(), token.clone());
                    Suspend::new(async move {
                        match (subject.await, answer.get()) {
                            (_, Some(Ok(answer))) => {
                                view! {
                                    <p role="status" class="mt-4 text-slate-800">
                                        {done(&answer)}
                                        <a class=LINK href="/settings">
                                            "Notification settings"
                                        </a>
                                    </p>
                                }
                                    .into_any()
                            }
                            (Ok(subject), result) => {
                                let error = Signal::derive(move || {
                                    result.clone().and_then(Result::err)
                                });
                                let fields = view! {
                                    <div class="mt-4 space-y-3">
                                        <FormAlert error />
                                        <input type="hidden" name="token" value=token() />
                                        <button type="submit" class=PRIMARY_BUTTON>
                                            {button}
                                        </button>
                                    </div>
                                };
                                view! {
                                    <p class="mt-4 text-slate-800">{question(&subject)}</p>
                                    {form(fields.into_any())}
                                }
                                    .into_any()
                            }
                            (Err(_), _) => {
                                view! {
                                    <p role="alert" class="mt-4 text-slate-800">
                                        {before}
                                        <a class=LINK href="/settings">
                                            "Settings"
                                        </a>
                                        {after}
                                    </p>
                                }
                                    .into_any()
                            }
                        }
                    })
                }}
            </Transition>
        </div>
    }
}
