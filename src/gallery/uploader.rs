//! The seller's uploader on the edit page: pick several files, drop them or paste them; each
//! gets a tile with its preview and its own progress bar, then "Processing…", then the finished
//! thumbnail or the reason it was refused. Three upload at once; the rest wait their turn.
//! Reorder by dragging a tile or with "Move earlier"/"Move later"; "Make cover" puts a photo
//! first; "Delete" asks to confirm. The order is saved at once and a live region says what
//! happened. The rest of the form stays usable throughout.

use super::{
    api::{ReorderPhotos, delete_photo},
    model::{PhotoState, Picture, SellerPhotos},
};
use crate::listings::model::ListingId;
use leptos::{ev, prelude::*};

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// Picked; waiting for a free upload slot.
    Waiting,
    /// Sending: fraction sent.
    Uploading(f64),
    /// Sent; the server is making the sizes.
    Processing,
    /// The server was busy: why, and that it will be sent again shortly.
    Retrying(String),
    Ready(Picture),
    /// Stored but could not be processed (removable).
    Failed(String),
    /// Refused before anything was stored (dismissable).
    Refused(String),
}

#[derive(Debug, Clone, Copy)]
struct Tile {
    key: u64,
    id: RwSignal<Option<String>>,
    name: RwSignal<String>,
    stage: RwSignal<Stage>,
    /// A local object URL of the picked file, shown while it uploads.
    preview: RwSignal<Option<String>>,
    confirming: RwSignal<bool>,
    /// Asked to delete: the tile goes when the server has deleted the photo.
    deleting: RwSignal<bool>,
}

impl Tile {
    fn new(key: u64, id: Option<String>, name: String, stage: Stage) -> Tile {
        Tile {
            key,
            id: RwSignal::new(id),
            name: RwSignal::new(name),
            stage: RwSignal::new(stage),
            preview: RwSignal::new(None),
            confirming: RwSignal::new(false),
            deleting: RwSignal::new(false),
        }
    }
}

/// What every handler needs (all `Copy`).
#[derive(Clone, Copy)]
struct Photos {
    listing_id: ListingId,
    tiles: RwSignal<Vec<Tile>>,
    next_key: StoredValue<u64>,
    /// Said politely to screen readers after each change.
    announce: RwSignal<String>,
    max: i64,
    #[cfg_attr(
        not(feature = "hydrate"),
        expect(dead_code, reason = "used by the browser")
    )]
    max_bytes: u64,
    reorder: ServerAction<ReorderPhotos>,
    /// An order change came while a save was on its way: save again when it ends. One save
    /// at a time, so two quick changes can't reach the server in the wrong order.
    order_dirty: RwSignal<bool>,
    /// Why the last deletion failed.
    delete_failed: RwSignal<Option<String>>,
    /// The tile being dragged.
    dragging: RwSignal<Option<u64>>,
}

impl Photos {
    fn index_of(&self, key: u64) -> Option<usize> {
        self.tiles
            .with_untracked(|t| t.iter().position(|x| x.key == key))
    }

    /// Photos that count against the quota (everything but refusals).
    fn counted(&self) -> usize {
        self.tiles.with(|t| {
            t.iter()
                .filter(|x| !matches!(x.stage.get(), Stage::Refused(_)))
                .count()
        })
    }

    #[cfg_attr(
        not(feature = "hydrate"),
        expect(dead_code, reason = "used by the browser")
    )]
    fn take_key(&self) -> u64 {
        let key = self.next_key.get_value();
        self.next_key.set_value(key + 1);
        key
    }

    /// Moves a tile to `to` and saves the order.
    fn move_to(&self, key: u64, to: usize) {
        let Some(from) = self.index_of(key) else {
            return;
        };
        let len = self.tiles.with_untracked(Vec::len);
        let to = to.min(len.saturating_sub(1));
        if from == to {
            return;
        }
        self.tiles.update(|t| {
            let tile = t.remove(from);
            t.insert(to, tile);
        });
        let name = self.tiles.with_untracked(|t| t[to].name.get_untracked());
        self.announce.set(format!(
            "{name} moved to position {} of {len}{}.",
            to + 1,
            if to == 0 { ", the cover" } else { "" }
        ));
        self.save_order();
    }

    fn save_order(&self) {
        if self.reorder.pending().get_untracked() {
            self.order_dirty.set(true);
            return;
        }
        self.order_dirty.set(false);
        let order: Vec<String> = self.tiles.with_untracked(|t| {
            t.iter()
                .filter(|x| !x.deleting.get_untracked())
                .filter_map(|x| x.id.get_untracked())
                .collect()
        });
        self.reorder.dispatch(ReorderPhotos {
            listing_id: self.listing_id,
            order,
        });
    }

    /// Deletes the photo on the server; a refusal is shown with the uploader's other problems.
    async fn delete_on_server(self, id: String) -> bool {
        self.delete_failed.set(None);
        match delete_photo(id).await {
            Ok(()) => true,
            Err(e) => {
                self.delete_failed.set(Some(e.to_string()));
                false
            }
        }
    }

    fn remove(&self, key: u64) {
        self.tiles.update(|t| t.retain(|x| x.key != key));
    }
}

#[component]
pub fn PhotoManager(photos: SellerPhotos) -> impl IntoView {
    let count = photos.photos.len();
    let tiles: Vec<Tile> = photos
        .photos
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let stage = match (p.state, p.picture) {
                (PhotoState::Ready, Some(picture)) => Stage::Ready(picture),
                (PhotoState::Failed, _) | (PhotoState::Ready, None) => Stage::Failed(
                    p.error
                        .unwrap_or_else(|| "This photo could not be processed.".into()),
                ),
                (PhotoState::Processing, _) => Stage::Processing,
            };
            Tile::new(i as u64, Some(p.id), p.file_name, stage)
        })
        .collect();
    let reorder = ServerAction::<ReorderPhotos>::new();
    let ctx = Photos {
        listing_id: photos.listing_id,
        tiles: RwSignal::new(tiles),
        next_key: StoredValue::new(count as u64),
        announce: RwSignal::new(String::new()),
        max: photos.max,
        max_bytes: photos.max_bytes,
        reorder,
        order_dirty: RwSignal::new(false),
        delete_failed: RwSignal::new(None),
        dragging: RwSignal::new(None),
    };
    // a save ended while another change waited: send the order as it is now
    Effect::new(move |_| {
        if !reorder.pending().get() && ctx.order_dirty.get_untracked() {
            ctx.save_order();
        }
    });
    let problem = Signal::derive(move || match reorder.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => ctx.delete_failed.get(),
    });

    take_page_wide_drops_and_pastes(ctx);
    let max_mb = photos.max_bytes / (1024 * 1024);

    view! {
        <section id="photos" aria-labelledby="photos-h" class="mt-6 space-y-3">
            <div class="flex flex-wrap items-baseline justify-between gap-2">
                <h2 id="photos-h" class="text-lg font-semibold text-slate-900">
                    "Photos"
                </h2>
                <p class="text-sm text-slate-600">
                    {move || format!("{} of {} photos", ctx.counted(), ctx.max)}
                </p>
            </div>
            <DropZone ctx max_mb />
            <p role="status" class="sr-only">
                {move || ctx.announce.get()}
            </p>
            {move || {
                problem
                    .get()
                    .map(|m| {
                        view! {
                            <p
                                role="alert"
                                class="rounded border border-red-300 bg-red-50 px-3 py-2 text-red-900"
                            >
                                {m}
                            </p>
                        }
                    })
            }}
            <Show
                when=move || ctx.tiles.with(|t| !t.is_empty())
                fallback=|| {
                    view! {
                        <p class="text-sm text-slate-600">
                            "No photos yet. Listings with photos get far more views."
                        </p>
                    }
                }
            >
                <ol
                    class="grid grid-cols-2 gap-3 sm:grid-cols-3"
                    aria-label="Your photos, in order"
                >
                    <For each=move || ctx.tiles.get() key=|t| t.key let:tile>
                        <PhotoTile ctx tile />
                    </For>
                </ol>
            </Show>
        </section>
    }
}

/// Paste anywhere on the page; files dropped anywhere on it (not only on the box) are added
/// rather than opened by the browser, which would leave the form.
fn take_page_wide_drops_and_pastes(ctx: Photos) {
    #[cfg(feature = "hydrate")]
    {
        let paste = window_event_listener(ev::paste, move |e: ev::ClipboardEvent| {
            let files = e
                .clipboard_data()
                .and_then(|d| d.files())
                .map(browser::files_of)
                .unwrap_or_default();
            if !files.is_empty() {
                e.prevent_default();
                browser::add(ctx, files);
            }
        });
        let over = window_event_listener(ev::dragover, move |e: ev::DragEvent| {
            e.prevent_default();
        });
        let dropped = window_event_listener(ev::drop, move |e: ev::DragEvent| {
            e.prevent_default();
            if ctx.dragging.get_untracked().is_none() {
                browser::add(
                    ctx,
                    e.data_transfer()
                        .and_then(|d| d.files())
                        .map(browser::files_of)
                        .unwrap_or_default(),
                );
            }
            ctx.dragging.set(None);
        });
        on_cleanup(move || {
            paste.remove();
            over.remove();
            dropped.remove();
            browser::forget_queue();
        });
    }

    #[cfg(not(feature = "hydrate"))]
    let _ = ctx;
}

/// The box photos are dropped on or chosen from, with the rules they must meet.
#[component]
fn DropZone(ctx: Photos, max_mb: u64) -> impl IntoView {
    let on_pick = move |e: ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use leptos::wasm_bindgen::JsCast;
            if let Some(input) = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                let files = input.files().map(browser::files_of).unwrap_or_default();
                browser::add(ctx, files);
                input.set_value("");
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (e, ctx);
    };
    view! {
        <div class="rounded-lg border-2 border-dashed border-slate-300 bg-slate-50 p-4 text-center">
            <p class="text-slate-700">
                "Drag photos here, paste them, or "
                <label class="cursor-pointer font-semibold text-emerald-800 underline has-[:focus-visible]:outline has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-emerald-700">
                    "choose photos"
                    <input
                        id="photo-files"
                        type="file"
                        multiple=true
                        accept="image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp"
                        class="sr-only"
                        aria-describedby="photo-rules"
                        on:change=on_pick
                    />
                </label> "."
            </p>
            <p id="photo-rules" class="mt-1 text-sm text-slate-600">
                {format!(
                    "JPEG, PNG or WebP, up to {max_mb} MB each. The first photo is the cover; drag or use the buttons to change the order.",
                )}
            </p>
        </div>
    }
}

const TILE_BUTTON: &str = "rounded border border-slate-300 bg-white px-2 py-1 text-xs font-medium text-slate-800 hover:bg-slate-100 disabled:opacity-40";

#[component]
fn PhotoTile(ctx: Photos, tile: Tile) -> impl IntoView {
    let key = tile.key;
    let index = Memo::new(move |_| {
        ctx.tiles
            .with(|t| t.iter().position(|x| x.key == key))
            .unwrap_or(0)
    });
    let name = move || tile.name.get();
    let ready = move || matches!(tile.stage.get(), Stage::Ready(_));
    view! {
        <li
            class="flex flex-col gap-1 rounded-lg border border-slate-200 bg-white p-2 shadow-sm aria-[grabbed=true]:opacity-50"
            draggable=move || ready().to_string()
            aria-grabbed=move || (ctx.dragging.get() == Some(key)).to_string()
            on:dragstart=move |e: ev::DragEvent| {
                ctx.dragging.set(Some(key));
                #[cfg(feature = "hydrate")]
                if let Some(d) = e.data_transfer() {
                    let _ = d.set_data("text/plain", &format!("photo {key}"));
                    d.set_effect_allowed("move");
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = e;
            }
            on:dragend=move |_| ctx.dragging.set(None)
            on:dragover=move |e: ev::DragEvent| {
                if ctx.dragging.get_untracked().is_some() {
                    e.prevent_default();
                }
            }
            on:drop=move |e: ev::DragEvent| {
                if let Some(from) = ctx.dragging.get_untracked() {
                    e.prevent_default();
                    e.stop_propagation();
                    ctx.dragging.set(None);
                    ctx.move_to(from, index.get_untracked());
                }
            }
        >
            <TileImage ctx tile index />
            <p class="truncate text-sm text-slate-800" title=name>
                {name}
            </p>
            <TileState ctx tile index />
        </li>
    }
}

/// A tile's picture: the processed thumbnail, or the local preview while it uploads; the
/// first ready photo is marked as the cover.
#[component]
fn TileImage(ctx: Photos, tile: Tile, index: Memo<usize>) -> impl IntoView {
    let key = tile.key;
    let name = move || tile.name.get();
    // the first ready photo is the cover (as on the server)
    let is_cover = move || {
        ctx.tiles.with(|t| {
            t.iter()
                .find(|x| matches!(x.stage.get(), Stage::Ready(_)))
                .is_some_and(|x| x.key == key)
        })
    };
    view! {
        <div class="relative aspect-[4/3] overflow-hidden rounded bg-slate-100">
            {move || match tile.stage.get() {
                Stage::Ready(p) => {
                    let (w, h) = p.size();
                    view! {
                        <img
                            src=p.src_for(320).to_string()
                            width=w
                            height=h
                            alt=format!("Photo {}: {}", index.get() + 1, name())
                            draggable="false"
                            class="h-full w-full object-cover"
                        />
                    }
                        .into_any()
                }
                _ => {
                    match tile.preview.get() {
                        Some(url) => {
                            view! {
                                <img
                                    src=url
                                    alt=""
                                    draggable="false"
                                    class="h-full w-full object-cover opacity-60"
                                />
                            }
                                .into_any()
                        }
                        None => view! { <span></span> }.into_any(),
                    }
                }
            }} <Show when=is_cover>
                <span class="absolute left-1 top-1 rounded bg-emerald-700 px-1.5 py-0.5 text-xs font-semibold text-white">
                    "Cover"
                </span>
            </Show>
        </div>
    }
}

/// Where a tile's upload stands: waiting, a progress bar, processing, the refusal (with
/// Remove), deleting, or, once ready, its actions.
#[component]
fn TileState(ctx: Photos, tile: Tile, index: Memo<usize>) -> impl IntoView {
    let key = tile.key;
    let name = move || tile.name.get();
    view! {
        {move || match tile.stage.get() {
            Stage::Waiting => {
                view! { <p class="text-sm text-slate-600">"Waiting to upload…"</p> }.into_any()
            }
            Stage::Uploading(done) => {
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "0..=100"
                )]
                let percent = (done * 100.0).round().clamp(0.0, 100.0) as u32;
                view! {
                    <div class="flex items-center gap-2">
                        <progress
                            class="h-2 w-full"
                            max="100"
                            value=percent
                            aria-label=format!("Uploading {}", name())
                        ></progress>
                        <span class="text-xs text-slate-600">{format!("{percent}%")}</span>
                    </div>
                }
                    .into_any()
            }
            Stage::Processing => {
                view! { <p class="text-sm text-slate-600">"Processing…"</p> }.into_any()
            }
            Stage::Retrying(message) => {
                view! {
                    <p role="status" class="text-sm text-slate-600">
                        {message}
                    </p>
                }
                    .into_any()
            }
            Stage::Failed(message) | Stage::Refused(message) => {
                view! {
                    <p role="alert" class="text-sm text-red-800">
                        {message}
                    </p>
                    <button
                        type="button"
                        class=TILE_BUTTON
                        aria-label=move || format!("Remove {}", name())
                        on:click=move |_| {
                            if let Some(id) = tile.id.get_untracked() {
                                leptos::task::spawn_local(async move {
                                    ctx.delete_on_server(id).await;
                                });
                            }
                            ctx.remove(key);
                        }
                    >
                        "Remove"
                    </button>
                }
                    .into_any()
            }
            Stage::Ready(_) if tile.deleting.get() => {
                view! { <p class="text-sm text-slate-600">"Deleting…"</p> }.into_any()
            }
            Stage::Ready(_) => view! { <TileActions ctx tile index /> }.into_any(),
        }}
    }
}

/// A ready photo's actions: make cover, earlier, later, delete (with its confirmation). The
/// keyboard stays on the tile as it moves.
#[component]
fn TileActions(ctx: Photos, tile: Tile, index: Memo<usize>) -> impl IntoView {
    let key = tile.key;
    let name = move || tile.name.get();
    let is_last = move || index.get() + 1 == ctx.tiles.with(Vec::len);
    let label = move || format!("photo {} ({})", index.get() + 1, name());
    let move_by = move |delta: isize| {
        let to = index.get_untracked().saturating_add_signed(delta);
        ctx.move_to(key, to);
        // the tile moved in the page: keep the keyboard on it (on the other button once this
        // one is disabled at either end)
        let last = ctx.tiles.with_untracked(Vec::len).saturating_sub(1);
        let now = index.get_untracked();
        let button = match (delta < 0, now == 0, now == last) {
            (true, true, _) => "later",
            (true, false, _) => "earlier",
            (false, _, true) => "earlier",
            (false, _, false) => "later",
        };
        #[cfg(feature = "hydrate")]
        browser::focus(&format!("photo-{key}-{button}"));
        #[cfg(not(feature = "hydrate"))]
        let _ = button;
    };
    let refocus = move |_what: &'static str| {
        #[cfg(feature = "hydrate")]
        browser::focus(&format!("photo-{key}-{_what}"));
    };
    // the tile goes when the server has deleted the photo, not before: a page left while the
    // request was on its way showed a deletion that had not happened
    let confirm_delete = move |_| {
        tile.confirming.set(false);
        let what = tile.name.get_untracked();
        #[cfg(feature = "hydrate")]
        browser::focus("photo-files");
        let Some(id) = tile.id.get_untracked() else {
            ctx.remove(key);
            ctx.announce.set(format!("{what} deleted."));
            return;
        };
        tile.deleting.set(true);
        ctx.announce.set(format!("Deleting {what}…"));
        leptos::task::spawn_local(async move {
            if ctx.delete_on_server(id).await {
                ctx.remove(key);
                ctx.announce.set(format!("{what} deleted."));
            } else {
                tile.deleting.set(false);
                ctx.announce.set(format!("{what} was not deleted."));
            }
        });
    };

    view! {
        <Show
            when=move || tile.confirming.get()
            fallback=move || {
                view! {
                    <div class="flex flex-wrap gap-1">
                        <Show when=move || { index.get() > 0 }>
                            <button
                                type="button"
                                class=TILE_BUTTON
                                aria-label=move || format!("Make {} the cover", label())
                                on:click=move |_| {
                                    ctx.move_to(key, 0);
                                    refocus("later");
                                }
                            >
                                "Make cover"
                            </button>
                        </Show>
                        <button
                            type="button"
                            id=format!("photo-{key}-earlier")
                            class=TILE_BUTTON
                            aria-label=move || format!("Move {} earlier", label())
                            disabled=move || index.get() == 0
                            on:click=move |_| move_by(-1)
                        >
                            "↑ Earlier"
                        </button>
                        <button
                            type="button"
                            id=format!("photo-{key}-later")
                            class=TILE_BUTTON
                            aria-label=move || format!("Move {} later", label())
                            disabled=is_last
                            on:click=move |_| move_by(1)
                        >
                            "↓ Later"
                        </button>
                        <button
                            type="button"
                            class=TILE_BUTTON
                            id=format!("photo-{key}-delete")
                            aria-label=move || format!("Delete {}", label())
                            on:click=move |_| {
                                tile.confirming.set(true);
                                refocus("keep");
                            }
                        >
                            "Delete"
                        </button>
                    </div>
                }
            }
        >
            <div class="flex flex-wrap items-center gap-1" role="group" aria-label="Confirm">
                <span class="text-xs text-slate-800">"Delete this photo?"</span>
                <button
                    type="button"
                    class="rounded bg-red-700 px-2 py-1 text-xs font-semibold text-white hover:bg-red-800"
                    on:click=confirm_delete
                >
                    "Yes, delete"
                </button>
                <button
                    type="button"
                    class=TILE_BUTTON
                    id=format!("photo-{key}-keep")
                    on:click=move |_| {
                        tile.confirming.set(false);
                        refocus("delete");
                    }
                >
                    "Keep"
                </button>
            </div>
        </Show>
    }
}

/// The browser side: files, uploads with progress, focus.
#[cfg(feature = "hydrate")]
mod browser {
    use super::{Photos, Stage, Tile};
    use crate::{error::AppError, gallery::model::SellerPhoto};
    use leptos::{
        prelude::*,
        wasm_bindgen::{JsCast, closure::Closure},
    };
    use std::{cell::RefCell, collections::VecDeque};

    /// Uploads running at once.
    const PARALLEL: usize = 3;

    thread_local! {
        static QUEUE: RefCell<VecDeque<(Tile, web_sys::File)>> = const { RefCell::new(VecDeque::new()) };
        static ACTIVE: RefCell<usize> = const { RefCell::new(0) };
    }

    pub fn files_of(list: web_sys::FileList) -> Vec<web_sys::File> {
        (0..list.length()).filter_map(|i| list.get(i)).collect()
    }

    pub fn focus(id: &str) {
        let id = id.to_string();
        request_animation_frame(move || {
            if let Some(el) = document()
                .get_element_by_id(&id)
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        });
    }

    fn mb(bytes: f64) -> u64 {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "file sizes"
        )]
        let whole = (bytes / (1024.0 * 1024.0)).ceil() as u64;
        whole
    }

    /// New tiles for the files, in the order given; the ones that can't be accepted say why
    /// at once, the rest queue for upload.
    pub fn add(ctx: Photos, files: Vec<web_sys::File>) {
        let mut queued = 0;
        for file in files {
            let key = ctx.take_key();
            let tile = Tile::new(key, None, file.name(), Stage::Waiting);
            #[expect(clippy::cast_precision_loss, reason = "file sizes")]
            let too_big = file.size() > ctx.max_bytes as f64;
            let room = i64::try_from(ctx.tiles.with_untracked(|t| {
                t.iter()
                    .filter(|x| !matches!(x.stage.get_untracked(), Stage::Refused(_)))
                    .count()
            }))
            .unwrap_or(i64::MAX)
                < ctx.max;
            if too_big {
                tile.stage.set(Stage::Refused(format!(
                    "This file is {} MB; photos can be up to {} MB.",
                    mb(file.size()),
                    ctx.max_bytes / (1024 * 1024)
                )));
            } else if !room {
                tile.stage.set(Stage::Refused(format!(
                    "This listing already has {} photos, the most it can have: delete one to add another.",
                    ctx.max
                )));
            } else {
                tile.preview
                    .set(web_sys::Url::create_object_url_with_blob(&file).ok());
                QUEUE.with(|q| q.borrow_mut().push_back((tile, file)));
                queued += 1;
            }
            ctx.tiles.update(|t| t.push(tile));
        }
        if queued > 0 {
            ctx.announce.set(format!(
                "Uploading {queued} photo{}.",
                if queued == 1 { "" } else { "s" }
            ));
        }
        pump(ctx);
    }

    fn pump(ctx: Photos) {
        loop {
            let free = ACTIVE.with(|a| *a.borrow() < PARALLEL);
            if !free {
                return;
            }
            let Some((tile, file)) = QUEUE.with(|q| q.borrow_mut().pop_front()) else {
                return;
            };
            // removed while it waited
            if ctx.index_of(tile.key).is_none() {
                continue;
            }
            ACTIVE.with(|a| *a.borrow_mut() += 1);
            if let Err(e) = start(ctx, tile, &file) {
                finish(ctx, tile, &file, 0, &format!("{e:?}"));
            }
        }
    }

    fn start(ctx: Photos, tile: Tile, file: &web_sys::File) -> Result<(), wasm_bindgen::JsValue> {
        let xhr = web_sys::XmlHttpRequest::new()?;
        xhr.open("POST", &format!("/api/listings/{}/photos", ctx.listing_id))?;
        xhr.set_request_header("accept", "application/json")?;
        let kind = file.type_();
        xhr.set_request_header(
            "content-type",
            if kind.is_empty() {
                "application/octet-stream"
            } else {
                &kind
            },
        )?;
        let name: String = js_sys::encode_uri_component(&file.name()).into();
        xhr.set_request_header("x-file-name", &name)?;
        tile.stage.set(Stage::Uploading(0.0));

        let stage = tile.stage;
        let progress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |e: web_sys::ProgressEvent| {
                if e.length_computable() && e.total() > 0.0 {
                    stage.set(Stage::Uploading(e.loaded() / e.total()));
                }
            });
        let sent = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| stage.set(Stage::Processing));
        let upload = xhr.upload()?;
        upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        upload.set_onload(Some(sent.as_ref().unchecked_ref()));
        let done_xhr = xhr.clone();
        let sent_file = file.clone();
        let done = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let body = done_xhr.response_text().ok().flatten().unwrap_or_default();
            finish(ctx, tile, &sent_file, done_xhr.status().unwrap_or(0), &body);
        });
        xhr.set_onloadend(Some(done.as_ref().unchecked_ref()));
        xhr.send_with_opt_blob(Some(file))?;
        // the browser calls these until the request ends; one set per upload
        progress.forget();
        sent.forget();
        done.forget();
        Ok(())
    }

    /// The page was left: nothing more to start.
    pub fn forget_queue() {
        QUEUE.with(|q| q.borrow_mut().clear());
    }

    fn finish(ctx: Photos, tile: Tile, file: &web_sys::File, status: u16, body: &str) {
        ACTIVE.with(|a| {
            let mut a = a.borrow_mut();
            *a = a.saturating_sub(1);
        });
        if tile.stage.try_get_untracked().is_none() {
            // the page was left meanwhile (the server finished the photo all the same)
            return;
        }
        let name = tile.name.get_untracked();
        // Scout is busy (too many photos arriving at once): send it again when it says
        if let Ok(AppError::Busy {
            message,
            retry_after_secs,
        }) = serde_json::from_str::<AppError>(body)
            && status == 503
        {
            let wait = retry_after_secs.clamp(1, 60);
            tile.stage.set(Stage::Retrying(format!(
                "{message} Sending it again in {wait} s…"
            )));
            let file = file.clone();
            set_timeout(
                move || {
                    if ctx.index_of(tile.key).is_some() {
                        QUEUE.with(|q| q.borrow_mut().push_front((tile, file)));
                        pump(ctx);
                    }
                },
                std::time::Duration::from_secs(wait),
            );
            pump(ctx);
            return;
        }
        if let Some(url) = tile.preview.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
        match (status, serde_json::from_str::<SellerPhoto>(body)) {
            (201, Ok(photo)) => {
                tile.id.set(Some(photo.id));
                tile.preview.set(None);
                match photo.picture {
                    Some(p) => tile.stage.set(Stage::Ready(p)),
                    None => tile.stage.set(Stage::Processing),
                }
                ctx.announce.set(format!("{name} uploaded."));
                // the server put it last; the seller may have moved things meanwhile
                ctx.save_order();
            }
            (0, _) => {
                tile.preview.set(None);
                tile.stage.set(Stage::Refused(
                    "The connection dropped before the answer came: reload the page to see whether this photo arrived.".into(),
                ));
            }
            _ => {
                tile.preview.set(None);
                let message = serde_json::from_str::<AppError>(body).map_or_else(
                    |_| format!("The upload failed (error {status}). Please try again."),
                    |e| e.field("photo").unwrap_or_else(|| e.to_string()),
                );
                ctx.announce.set(format!("{name} was not added: {message}"));
                tile.stage.set(Stage::Refused(message));
            }
        }
        pump(ctx);
    }
}
