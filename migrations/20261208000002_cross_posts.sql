-- A seller's listing published on a linked marketplace too (cross-posting). The row says what
-- Scout wants the advert there to be (`want`, at `version`) and what the marketplace has
-- (`state`, at `synced_version`). Every change to the listing or its photos bumps `version`
-- in the same transaction (the triggers below), so the sync worker never misses one, and a
-- marketplace that is down delays the advert, never a save in Scout. Deleting the listing
-- keeps the row (listing_id null, want "deleted") until the advert is gone there too.
create table cross_post (
    cross_post_id bigint generated always as identity primary key,
    account_id uuid not null references account (account_id) on delete cascade,
    -- the marketplace's id in Scout's configuration ("olx")
    marketplace text not null,
    listing_id bigint references listing (listing_id) on delete set null,
    -- sent with the advert when it is made: a creation retried after a crash finds the advert
    -- it made, not a second one
    external_id uuid not null default gen_random_uuid(),
    -- the marketplace's id for the advert, once made
    advert_id text,
    -- "active" (the listing is published), "inactive" (sold, archived or a draft again),
    -- "deleted" (the listing is gone, or the seller stopped publishing it there)
    want text not null default 'active',
    version bigint not null default 1,
    synced_version bigint not null default 0,
    -- what the marketplace has, as Scout last heard: "pending" (nothing sent yet), "active",
    -- "inactive", "removed"
    state text not null default 'pending',
    -- "" when all is well; "refused": the marketplace refused the advert (`problem` says why,
    -- in its words; tried again when the listing changes); "retrying": it could not be asked
    problem_kind text not null default '',
    problem text not null default '',
    attempts integer not null default 0,
    next_attempt_at timestamptz not null default now(),
    -- a sync under way holds the row until then
    lease_until timestamptz,
    created_at timestamptz not null default now(),
    posted_at timestamptz,
    synced_at timestamptz,
    constraint cross_post_one_per_listing unique (listing_id, marketplace),
    constraint cross_post_want check (want in ('active', 'inactive', 'deleted')),
    constraint cross_post_state check (state in ('pending', 'active', 'inactive', 'removed')),
    constraint cross_post_problem_kind check (problem_kind in ('', 'refused', 'retrying')),
    constraint cross_post_lengths check (
        char_length(marketplace) <= 40 and char_length(advert_id) <= 100
        and char_length(problem) <= 500)
);
create index cross_post_due_idx on cross_post (next_attempt_at) where synced_version < version;
create index cross_post_account_idx on cross_post (account_id);

-- What a listing's status asks of its adverts.
create function cross_post_want(status text) returns text
language sql immutable as $$
    select case when status = 'published' then 'active' else 'inactive' end
$$;

-- A change buyers would see (text, price, place, specs, status, photos) is sent again.
create function cross_post_listing_changed() returns trigger
language plpgsql as $$
begin
    update cross_post
    set version = version + 1, next_attempt_at = now(), attempts = 0,
        want = case when want = 'deleted' then 'deleted' else cross_post_want(new.status) end
    where listing_id = new.listing_id;
    return null;
end
$$;

create trigger cross_post_listing_changed after update on listing
for each row when (
    (old.title, old.description, old.price_minor, old.currency, old.negotiable, old.status,
     old.city_id, old.make_id, old.model_id, old.year, old.mileage_km, old.fuel,
     old.transmission, old.photo_count)
    is distinct from
    (new.title, new.description, new.price_minor, new.currency, new.negotiable, new.status,
     new.city_id, new.make_id, new.model_id, new.year, new.mileage_km, new.fuel,
     new.transmission, new.photo_count))
execute function cross_post_listing_changed();

create function cross_post_photos_changed() returns trigger
language plpgsql as $$
begin
    update cross_post
    set version = version + 1, next_attempt_at = now(), attempts = 0
    where listing_id = coalesce(new.listing_id, old.listing_id) and want <> 'deleted';
    return null;
end
$$;

create trigger cross_post_photos_added_or_removed after insert or delete on listing_photo
for each row execute function cross_post_photos_changed();

-- a photo that became ready (or failed), or moved
create trigger cross_post_photos_changed after update on listing_photo
for each row when ((old.status, old.position) is distinct from (new.status, new.position))
execute function cross_post_photos_changed();

-- The listing goes: its adverts are removed there too.
create function cross_post_listing_deleted() returns trigger
language plpgsql as $$
begin
    update cross_post
    set want = 'deleted', version = version + 1, next_attempt_at = now(), attempts = 0
    where listing_id = old.listing_id;
    return old;
end
$$;

create trigger cross_post_listing_deleted before delete on listing
for each row execute function cross_post_listing_deleted();
