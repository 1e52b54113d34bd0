//! The buyer's gallery: the current photo large (swipe, arrow keys, previous/next buttons),
//! a strip of thumbnails, and a full-screen lightbox (a modal `<dialog>`: focus stays inside
//! while it is open, Escape closes it, focus goes back to what opened it) with zoom.
//!
//! No layout shift: the frame has a fixed aspect ratio and every `<img>` its width and height;
//! the ThumbHash blur fills the frame until the photo arrives (and the letterbox after).

use super::model::{Picture, alt_text};
use leptos::{ev, prelude::*};

/// Tab from the last button goes to the first, Shift+Tab from the first to the last: a modal
/// `<dialog>` makes the page behind it inert, but would still let focus leave for the
/// browser's own controls.
fn keep_focus_inside(
    e: &ev::KeyboardEvent,
    first: Option<leptos::web_sys::HtmlButtonElement>,
    last: Option<leptos::web_sys::HtmlButtonElement>,
) {
    let (Some(first), Some(last)) = (first, last) else {
        return;
    };
    let active = document().active_element();
    let is = |b: &leptos::web_sys::HtmlButtonElement| {
        active.as_ref().is_some_and(|a| {
            AsRef::<leptos::wasm_bindgen::JsValue>::as_ref(a)
                == AsRef::<leptos::wasm_bindgen::JsValue>::as_ref(b)
        })
    };
    if e.shift_key() && is(&first) {
        e.prevent_default();
        let _ = last.focus();
    } else if !e.shift_key() && is(&last) {
        e.prevent_default();
        let _ = first.focus();
    }
}

/// What the main frame shows at most on a wide screen (the detail page's left column).
const FRAME_SIZES: &str = "(min-width: 1024px) 44rem, 100vw";

/// What the gallery's parts share: the photos, which one is shown, and whether it is zoomed.
#[derive(Clone, Copy)]
struct Viewer {
    photos: StoredValue<Vec<Picture>>,
    title: StoredValue<String>,
    count: usize,
    current: RwSignal<usize>,
    zoomed: RwSignal<bool>,
}

impl Viewer {
    /// Moves `delta` photos on, round the ends, unzoomed.
    fn go(self, delta: isize) {
        let count = self.count;
        self.current.update(|i| {
            let n = isize::try_from(count).unwrap_or(1);
            let next = (isize::try_from(*i).unwrap_or(0) + delta).rem_euclid(n);
            *i = usize::try_from(next).unwrap_or(0);
        });
        self.zoomed.set(false);
    }

    /// Left and right arrow keys move between photos.
    fn arrows(self, e: &ev::KeyboardEvent) {
        match e.key().as_str() {
            "ArrowLeft" => {
                e.prevent_default();
                self.go(-1);
            }
            "ArrowRight" => {
                e.prevent_default();
                self.go(1);
            }
            _ => {}
        }
    }

    fn picture(self) -> Picture {
        self.photos
            .with_value(|p| p[self.current.get().min(self.count - 1)].clone())
    }

    fn alt(self, i: usize) -> String {
        alt_text(&self.title.read_value(), i, self.count)
    }
}

/// The listing page's photos: the frame, the thumbnails and the lightbox.
#[component]
pub fn Gallery(title: String, photos: Vec<Picture>) -> impl IntoView {
    let count = photos.len();
    if count == 0 {
        return view! { <NoPhotos /> }.into_any();
    }
    let v = Viewer {
        photos: StoredValue::new(photos),
        title: StoredValue::new(title),
        count,
        current: RwSignal::new(0usize),
        zoomed: RwSignal::new(false),
    };
    let (current, title) = (v.current, v.title);
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let opener = NodeRef::<leptos::html::Button>::new();
    let swipe_from = StoredValue::new(None::<i32>);
    // set by a swipe until the click the browser sends right after it has passed
    let swiped = StoredValue::new(false);
    let go = move |delta: isize| v.go(delta);
    let open = move |_| {
        if swiped.get_value() {
            return;
        }
        if let Some(d) = dialog.get() {
            let _ = d.show_modal();
        }
    };
    let alt = move |i: usize| v.alt(i);
    let picture = move || v.picture();

    view! {
        <section
            class="mt-4"
            aria-roledescription="carousel"
            aria-label=move || format!("Photos of {}", title.read_value())
        >
            <div
                class="relative aspect-[4/3] touch-pan-y select-none overflow-hidden rounded-lg bg-slate-800 focus-visible:outline-4 focus-visible:outline-emerald-600"
                tabindex="0"
                role="group"
                aria-label="Photo viewer: use the arrow keys to move between photos"
                on:keydown=move |e: ev::KeyboardEvent| v.arrows(&e)
                on:pointerdown=move |e: ev::PointerEvent| swipe_from.set_value(Some(e.client_x()))
                on:pointerup=move |e: ev::PointerEvent| {
                    if let Some(from) = swipe_from.get_value() {
                        let dx = e.client_x() - from;
                        if dx.abs() > 40 {
                            swiped.set_value(true);
                            set_timeout(move || swiped.set_value(false), std::time::Duration::ZERO);
                            go(if dx < 0 { 1 } else { -1 });
                        }
                    }
                    swipe_from.set_value(None);
                }
            >
                {move || {
                    view! {
                        <img
                            src=picture().placeholder
                            alt=""
                            aria-hidden="true"
                            draggable="false"
                            class="absolute inset-0 h-full w-full scale-110 object-cover blur-lg"
                        />
                    }
                }}
                // one button for every photo, so keyboard focus stays on it as photos change
                <button
                    type="button"
                    node_ref=opener
                    class="absolute inset-0 h-full w-full cursor-zoom-in"
                    aria-label=move || format!("{}: open full screen", alt(current.get()))
                    on:click=open
                >
                    {move || {
                        let p = picture();
                        let i = current.get();
                        let (w, h) = p.size();
                        view! {
                            <img
                                src=p.src_for(960).to_string()
                                srcset=p.srcset()
                                sizes=FRAME_SIZES
                                width=w
                                height=h
                                alt=alt(i)
                                draggable="false"
                                fetchpriority=if i == 0 { "high" } else { "auto" }
                                class="relative h-full w-full object-contain"
                            />
                        }
                    }}
                </button>
                {(count > 1)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="absolute left-2 top-1/2 -translate-y-1/2 rounded-full bg-white/90 px-3 py-2 text-lg font-bold text-slate-900 shadow hover:bg-white"
                                aria-label="Previous photo"
                                on:click=move |_| go(-1)
                            >
                                "‹"
                            </button>
                            <button
                                type="button"
                                class="absolute right-2 top-1/2 -translate-y-1/2 rounded-full bg-white/90 px-3 py-2 text-lg font-bold text-slate-900 shadow hover:bg-white"
                                aria-label="Next photo"
                                on:click=move |_| go(1)
                            >
                                "›"
                            </button>
                        }
                    })}
                <p
                    class="absolute bottom-2 right-2 rounded bg-black/70 px-2 py-0.5 text-sm text-white"
                    aria-live="polite"
                >
                    {move || format!("{} of {count}", current.get() + 1)}
                </p>
            </div>
            {(count > 1).then(|| view! { <Thumbnails v /> })}
            <Lightbox v dialog opener />
        </section>
    }
        .into_any()
}

/// The strip of thumbnails under the frame; the current one is marked.
#[component]
fn Thumbnails(v: Viewer) -> impl IntoView {
    let (count, current, zoomed) = (v.count, v.current, v.zoomed);
    view! {
        <ul class="mt-2 flex gap-2 overflow-x-auto pb-1" aria-label="All photos">
            {v
                .photos
                .with_value(|all| {
                    all.iter()
                        .enumerate()
                        .map(|(i, p)| {
                            let (w, h) = p.size();
                            view! {
                                <li class="shrink-0">
                                    <button
                                        type="button"
                                        class="block overflow-hidden rounded border-2 border-transparent aria-[current=true]:border-emerald-600"
                                        aria-label=format!("Show photo {} of {count}", i + 1)
                                        aria-current=move || (current.get() == i).to_string()
                                        on:click=move |_| {
                                            current.set(i);
                                            zoomed.set(false);
                                        }
                                    >
                                        <img
                                            src=p.src_for(160).to_string()
                                            width=w
                                            height=h
                                            alt=""
                                            loading="lazy"
                                            decoding="async"
                                            draggable="false"
                                            class="h-16 w-24 object-cover"
                                        />
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                })}
        </ul>
    }
}

/// The full-screen lightbox (a modal `<dialog>`) with zoom; closing it gives focus back to
/// `opener`.
#[component]
fn Lightbox(
    v: Viewer,
    dialog: NodeRef<leptos::html::Dialog>,
    opener: NodeRef<leptos::html::Button>,
) -> impl IntoView {
    let (count, current, zoomed, title) = (v.count, v.current, v.zoomed, v.title);
    // the lightbox's first and last buttons: Tab goes round between them
    let zoom_button = NodeRef::<leptos::html::Button>::new();
    let close_button = NodeRef::<leptos::html::Button>::new();
    let next_button = NodeRef::<leptos::html::Button>::new();
    let go = move |delta: isize| v.go(delta);
    let close = move |_| {
        if let Some(d) = dialog.get() {
            d.close();
        }
    };
    let alt = move |i: usize| v.alt(i);
    let picture = move || v.picture();
    view! {
        <dialog
            node_ref=dialog
            class="m-0 h-full max-h-none w-full max-w-none bg-black p-0 text-white backdrop:bg-black/90"
            aria-label=move || format!("{}: photos", title.read_value())
            on:keydown=move |e: ev::KeyboardEvent| {
                if e.key() == "Tab" {
                    keep_focus_inside(
                        &e,
                        zoom_button.get(),
                        next_button.get().or_else(|| close_button.get()),
                    );
                } else {
                    v.arrows(&e);
                }
            }
            on:close=move |_| {
                zoomed.set(false);
                if let Some(b) = opener.get() {
                    let _ = b.focus();
                }
            }
        >
            <div class="flex h-full flex-col">
                <div class="flex items-center justify-between gap-2 p-3">
                    <p class="font-medium" aria-live="polite">
                        {move || format!("Photo {} of {count}", current.get() + 1)}
                    </p>
                    <div class="flex gap-2">
                        <button
                            type="button"
                            class="rounded bg-white/15 px-3 py-1.5 hover:bg-white/25"
                            node_ref=zoom_button
                            aria-pressed=move || zoomed.get().to_string()
                            on:click=move |_| zoomed.update(|z| *z = !*z)
                        >
                            {move || if zoomed.get() { "Zoom out" } else { "Zoom in" }}
                        </button>
                        <button
                            type="button"
                            class="rounded bg-white/15 px-3 py-1.5 hover:bg-white/25"
                            node_ref=close_button
                            on:click=close
                        >
                            "Close"
                        </button>
                    </div>
                </div>
                <div class="relative min-h-0 flex-1 overflow-auto">
                    {move || {
                        let p = picture();
                        let i = current.get();
                        let (w, h) = p.size();
                        let src = p.largest().map(|s| s.url.clone()).unwrap_or_default();
                        view! {
                            <img
                                src=src
                                srcset=p.srcset()
                                sizes=move || if zoomed.get() { "200vw" } else { "100vw" }
                                width=w
                                height=h
                                alt=alt(i)
                                draggable="false"
                                class=move || {
                                    if zoomed.get() {
                                        "mx-auto w-[200%] max-w-none cursor-zoom-out"
                                    } else {
                                        "mx-auto h-full w-full cursor-zoom-in object-contain"
                                    }
                                }
                                on:click=move |_| zoomed.update(|z| *z = !*z)
                            />
                        }
                    }}
                </div>
                {(count > 1)
                    .then(|| {
                        view! {
                            <div class="flex justify-between p-3">
                                <button
                                    type="button"
                                    class="rounded bg-white/15 px-4 py-2 hover:bg-white/25"
                                    on:click=move |_| go(-1)
                                >
                                    "‹ Previous"
                                </button>
                                <button
                                    type="button"
                                    class="rounded bg-white/15 px-4 py-2 hover:bg-white/25"
                                    node_ref=next_button
                                    on:click=move |_| go(1)
                                >
                                    "Next ›"
                                </button>
                            </div>
                        }
                    })}
            </div>
        </dialog>
    }
}

/// What the frame shows when a listing has no photos.
#[component]
fn NoPhotos() -> impl IntoView {
    view! {
        <div class="mt-4 flex aspect-[4/3] flex-col items-center justify-center gap-2 rounded-lg bg-slate-100 text-slate-600">
            <svg
                aria-hidden="true"
                viewBox="0 0 24 24"
                class="h-10 w-10"
                fill="none"
                stroke="currentColor"
                stroke-width="1.5"
            >
                <path d="M3 7h3l2-3h8l2 3h3v13H3z" />
                <circle cx="12" cy="13" r="4" />
            </svg>
            <span>"No photos yet"</span>
        </div>
    }
}

/// A search card's cover: the thumbnail over its blur, or a clean placeholder.
#[component]
pub fn CardCover(cover: Option<Picture>, photo_count: i32, title: String) -> impl IntoView {
    let count = match photo_count {
        0 => None,
        1 => Some("1 photo".to_string()),
        n => Some(format!("{n} photos")),
    };
    view! {
        <div class="relative aspect-[4/3] overflow-hidden bg-slate-100">
            {match cover {
                Some(p) => {
                    let (w, h) = p.size();
                    view! {
                        <img
                            src=p.placeholder.clone()
                            alt=""
                            aria-hidden="true"
                            class="absolute inset-0 h-full w-full object-cover"
                        />
                        <img
                            src=p.src_for(320).to_string()
                            srcset=p.srcset()
                            sizes="(min-width: 640px) 16rem, 100vw"
                            width=w
                            height=h
                            alt=format!("{title}, cover photo")
                            loading="lazy"
                            decoding="async"
                            class="relative h-full w-full object-cover"
                        />
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <div
                            class="flex h-full w-full items-center justify-center text-slate-500"
                            aria-hidden="true"
                        >
                            <svg
                                viewBox="0 0 24 24"
                                class="h-12 w-12"
                                fill="none"
                                stroke="currentColor"
                                stroke-width="1.5"
                            >
                                <path d="M3 13l2-5a2 2 0 0 1 2-1h10a2 2 0 0 1 2 1l2 5v4h-2a2 2 0 0 1-4 0H9a2 2 0 0 1-4 0H3z" />
                            </svg>
                        </div>
                    }
                        .into_any()
                }
            }}
            {count
                .map(|c| {
                    view! {
                        <span class="absolute bottom-1 right-1 rounded bg-black/70 px-1.5 py-0.5 text-xs text-white">
                            {c}
                        </span>
                    }
                })}
        </div>
    }
}
